"""Spec rules (MC3xx): can the asset be read, and is it the format, size and shape the marketplace asks for."""

from __future__ import annotations

from collections.abc import Iterator

from media_check.report import Evidence
from media_check.rules.base import LISTING, AssetContext, Hit, ListingContext, rule

_FORMAT_NAMES = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP", "gif": "GIF", "bmp": "BMP", "tiff": "TIFF",
                 "mp4": "MP4", "mov": "MOV", "webm": "WebM"}


@rule(code="MC301", name="unreadable-asset", severity="error", marketplace_rule="6")
def unreadable_asset(ctx: AssetContext) -> Iterator[Hit]:
    """The file could not be read, decoded or analysed, so nothing else about it could be checked.

    What it checks:
        Every failure to load an asset: unreadable or empty files, formats that are not listing media (whatever
        the extension says), corrupt or truncated data, images over the pixel or file-size limits (refused before
        decoding), OCR that failed or timed out. The asset's verdict is ``error``. This rule cannot be ignored.

    Why it matters:
        Marketplace rule 6: screenshots must not be broken or unreadable. A file media-check cannot decode is
        likely to break in the marketplace's own pipeline too, and an unchecked asset must never pass silently.

    How to fix:
        Re-export the screenshot as a PNG or JPEG from the original capture, within the size limits.
    """
    if ctx.analysis.error:
        yield Hit(ctx.analysis.error, confidence=1.0)


@rule(code="MC302", name="image-format", severity="fail", options={"allowed": ["png", "jpeg"]},
      needs=("structure",), marketplace_rule="Procore listing guide: screenshots are JPG or PNG")
def image_format(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot is not in a format the marketplace accepts.

    What it checks:
        The real format, read from the file's bytes (never its extension), against the profile's ``allowed``
        list (Procore: PNG and JPEG).

    Why it matters:
        The Procore listing guide accepts screenshots as JPG or PNG only; other formats are refused at upload.

    How to fix:
        Convert the image to PNG (flat UI) or JPEG (photographic content).

    Options:
        allowed: formats accepted (png, jpeg, webp, gif, bmp, tiff).
    """
    fmt = ctx.analysis.format
    allowed = [a.lower() for a in ctx.options["allowed"]]
    if ctx.analysis.kind == "screenshot" and fmt and fmt not in allowed:
        names = " or ".join(_FORMAT_NAMES.get(a, a.upper()) for a in allowed)
        yield Hit(f"{_FORMAT_NAMES.get(fmt, fmt)} image; the marketplace accepts {names}",
                  evidence=(Evidence(text=fmt),))


@rule(code="MC303", name="image-dimensions", severity="fail",
      options={"min-width": 720, "min-height": 480, "max-width": 1920, "max-height": 1080},
      needs=("structure",), marketplace_rule="Procore listing guide: between 720x480 and 1920x1080 pixels")
def image_dimensions(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot is smaller or larger than the marketplace's size range.

    What it checks:
        Width and height (after EXIF orientation) against the profile's range (Procore: 720x480 to 1920x1080).

    Why it matters:
        The Procore listing guide asks for screenshots between 720x480 and 1920x1080 pixels; smaller ones look
        blurry in the listing, larger ones are rejected or downscaled unpredictably.

    How to fix:
        Capture at 1920x1080 (or resize the capture into the range, keeping text readable).

    Options:
        min-width, min-height, max-width, max-height: the range in pixels.
    """
    a, o = ctx.analysis, ctx.options
    if a.kind != "screenshot" or a.width is None or a.height is None:
        return
    w, h = a.width, a.height
    if w < o["min-width"] or h < o["min-height"]:
        yield Hit(f"{w}x{h} is smaller than the minimum {o['min-width']}x{o['min-height']}",
                  evidence=(Evidence(text=f"{w}x{h}"),))
    elif w > o["max-width"] or h > o["max-height"]:
        yield Hit(f"{w}x{h} is larger than the maximum {o['max-width']}x{o['max-height']}",
                  evidence=(Evidence(text=f"{w}x{h}"),))


@rule(code="MC304", name="aspect-ratio", severity="warn", options={"preferred": "16:9", "tolerance": 0.02},
      needs=("structure",), marketplace_rule="Procore listing guide: 16:9 preferred")
def aspect_ratio(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot is not in the marketplace's preferred aspect ratio.

    What it checks:
        width / height against the profile's ``preferred`` ratio (Procore: 16:9), within a relative ``tolerance``.

    Why it matters:
        The Procore listing guide prefers 16:9 screenshots: other shapes are letterboxed or cropped in the
        listing's gallery, which can hide part of the app.

    How to fix:
        Capture the app in a 16:9 window (e.g. 1920x1080), or crop the screenshot to 16:9 without cutting UI.

    Options:
        preferred: the ratio as "W:H".
        tolerance: relative difference accepted (0.02 = 2%).
    """
    a = ctx.analysis
    if a.kind != "screenshot" or not a.width or not a.height:
        return
    rw, rh = (float(x) for x in str(ctx.options["preferred"]).split(":"))
    want, have = rw / rh, a.width / a.height
    if abs(have - want) / want > ctx.options["tolerance"]:
        yield Hit(f"aspect ratio {have:.2f}:1 ({a.width}x{a.height}); {ctx.options['preferred']} "
                  f"({want:.2f}:1) is preferred", evidence=(Evidence(text=f"{a.width}x{a.height}"),))


@rule(code="MC305", name="too-few-screenshots", severity="fail", options={"min-count": 3}, scope=LISTING,
      needs=("structure",), marketplace_rule="Procore listing guide: at least 3 screenshots")
def too_few_screenshots(ctx: ListingContext) -> Iterator[Hit]:
    """The listing has fewer screenshots than the marketplace asks for.

    What it checks:
        The number of readable screenshots in each listing folder against ``min-count`` (Procore: 3).

    Why it matters:
        The Procore listing guide asks for at least three screenshots, so a buyer can see the app's core
        experience from several angles.

    How to fix:
        Add screenshots of other core screens of the app in use.

    Options:
        min-count: the minimum number of screenshots.
    """
    count = sum(1 for a in ctx.assets if a.analysis.kind == "screenshot" and not a.analysis.error)
    if count < ctx.options["min-count"]:
        yield Hit(f"{count} readable screenshot(s) in {ctx.path}; at least {ctx.options['min-count']} are required")


RULES = (unreadable_asset, image_format, image_dimensions, aspect_ratio, too_few_screenshots)
