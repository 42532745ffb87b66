"""Store spec rules (MC306-MC310): file requirements of other marketplaces (Apple App Store, Google Play, Shopify,
Atlassian) that the Procore profile does not impose. The Procore profile turns them off; the other profiles set
their figures (``media_check/profiles/*.toml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from media_check.report import Evidence
from media_check.rules.base import LISTING, AssetContext, Hit, ListingContext, rule


def _screenshot(ctx: AssetContext) -> bool:
    return ctx.analysis.kind == "screenshot" and not ctx.analysis.error


@rule(code="MC306", name="alpha-channel", severity="fail", needs=("structure",),
      marketplace_rule="Apple App Store, Google Play: screenshots without alpha (24-bit PNG or JPEG)")
def alpha_channel(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot has an alpha channel (transparency).

    What it checks:
        Whether the image file carries transparency: an RGBA, LA or palette-with-transparency PNG (or WebP/GIF
        with alpha), whatever the pixels' actual opacity.

    Why it matters:
        The Apple App Store and Google Play refuse screenshots with an alpha channel (Google Play: "JPEG or 24-bit
        PNG, no alpha"). Transparent areas also render differently from one store page to another.

    How to fix:
        Flatten the image onto an opaque background and save it as a 24-bit PNG or a JPEG.
    """
    if _screenshot(ctx) and ctx.analysis.has_alpha:
        yield Hit(f"{(ctx.analysis.format or 'image').upper()} with an alpha channel (transparency)",
                  evidence=(Evidence(text="alpha"),))


def _parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"not a size: {text!r} (expected WIDTHxHEIGHT)")
    return int(match.group(1)), int(match.group(2))


@rule(code="MC307", name="screenshot-size", severity="fail", options={"sizes": [], "either-orientation": True},
      needs=("structure",), marketplace_rule="Apple App Store, Shopify, Atlassian: exact screenshot sizes")
def screenshot_size(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot is not one of the exact sizes the store accepts.

    What it checks:
        Width x height against the list ``sizes`` (for example the Apple App Store's device sizes 1290x2796,
        1320x2868, 2048x2732; Shopify's 1600x900; Atlassian's 1840x900 highlight images). With
        ``either-orientation``, the rotated size is accepted too (2796x1290 for a landscape capture). An empty
        list checks nothing.

    Why it matters:
        Stores with exact sizes refuse other sizes at upload, or scale them and blur the UI.

    How to fix:
        Capture on (or export for) one of the listed sizes, without scaling text below its native size.

    Options:
        sizes: accepted sizes, as "WIDTHxHEIGHT".
        either-orientation: accept each size rotated by 90 degrees too.
    """
    a = ctx.analysis
    if not _screenshot(ctx) or not a.width or not a.height or not ctx.options["sizes"]:
        return
    sizes = [_parse_size(s) for s in ctx.options["sizes"]]
    if ctx.options["either-orientation"]:
        sizes += [(h, w) for w, h in sizes]
    if (a.width, a.height) not in sizes:
        shown = ", ".join(ctx.options["sizes"])
        yield Hit(f"{a.width}x{a.height} is not an accepted size ({shown})",
                  evidence=(Evidence(text=f"{a.width}x{a.height}"),))


@rule(code="MC308", name="too-many-screenshots", severity="fail", options={"max-count": 10}, scope=LISTING,
      needs=("structure",), marketplace_rule="Apple App Store 1-10, Google Play 2-8, Shopify 3-6 screenshots")
def too_many_screenshots(ctx: ListingContext) -> Iterator[Hit]:
    """The listing has more screenshots than the store accepts.

    What it checks:
        The number of readable screenshots in the listing against ``max-count`` (Apple: 10 per set, Google Play:
        8 per device type, Shopify: 6).

    Why it matters:
        Stores keep only their maximum; which screenshots are dropped is then not your choice.

    How to fix:
        Keep the screenshots that best show the app's core experience, up to the limit.

    Options:
        max-count: the maximum number of screenshots.
    """
    count = sum(1 for a in ctx.assets if a.analysis.kind == "screenshot" and not a.analysis.error)
    if count > ctx.options["max-count"]:
        yield Hit(f"{count} screenshots in {ctx.path}; at most {ctx.options['max-count']} are accepted")


@rule(code="MC309", name="file-size", severity="fail", options={"max-bytes": 8_000_000}, needs=("structure",),
      marketplace_rule="Google Play: screenshots at most 8 MB")
def file_size(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot file is larger than the store accepts.

    What it checks:
        The file's size in bytes against ``max-bytes`` (Google Play: 8 MB).

    Why it matters:
        Google Play refuses screenshots over 8 MB at upload.

    How to fix:
        Save the screenshot as an optimised PNG, or as a JPEG for photographic content.

    Options:
        max-bytes: the largest accepted file, in bytes.
    """
    size = ctx.analysis.file_bytes
    if _screenshot(ctx) and size is not None and size > ctx.options["max-bytes"]:
        yield Hit(f"the file is {size / 1e6:.1f} MB; at most {ctx.options['max-bytes'] / 1e6:g} MB is accepted",
                  evidence=(Evidence(text=f"{size} bytes"),))


@rule(code="MC310", name="aspect-ratio-range", severity="fail", options={"max-ratio": 2.0}, needs=("structure",),
      marketplace_rule="Google Play: the long side at most twice the short side")
def aspect_ratio_range(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot is too elongated: its long side is too many times its short side.

    What it checks:
        long side / short side against ``max-ratio`` (Google Play: 2).

    Why it matters:
        Google Play refuses screenshots whose long side is more than twice the short side (tall scrolling
        captures, banners).

    How to fix:
        Crop the capture to the screen as the user sees it.

    Options:
        max-ratio: the largest accepted long side / short side.
    """
    a = ctx.analysis
    if not _screenshot(ctx) or not a.width or not a.height:
        return
    ratio = max(a.width, a.height) / min(a.width, a.height)
    if ratio > ctx.options["max-ratio"]:
        yield Hit(f"{a.width}x{a.height}: the long side is {ratio:.2f} times the short side; at most "
                  f"{ctx.options['max-ratio']:g} is accepted", evidence=(Evidence(text=f"{a.width}x{a.height}"),))


RULES = (alpha_channel, screenshot_size, too_many_screenshots, file_size, aspect_ratio_range)
