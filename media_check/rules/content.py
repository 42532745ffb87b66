"""Content rules (MC1xx): does the screenshot show the app in use, free of placeholder and temporary content."""

from __future__ import annotations

from collections.abc import Iterator

from media_check.rules.base import AssetContext, Hit, rule


@rule(code="MC108", name="blank-screen", severity="fail",
      options={"max-grey-std": 6.0, "min-dominant-fraction": 0.985, "max-words": 2},
      needs=("features", "ocr"), marketplace_rule="2, 6")
def blank_screen(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot is blank or nearly empty: one colour, or almost nothing on it.

    What it checks:
        The image's grey-level spread and the share of its most common grey level, together with the number of
        words OCR finds: a uniform image, or one almost entirely one colour with at most ``max-words`` words.

    Why it matters:
        Marketplace rules 2 and 6: no empty pages, and no screenshots that show nothing of the app. A blank
        capture usually means the app had not finished rendering.

    How to fix:
        Capture the screen again once the app has loaded its content.

    Options:
        max-grey-std: grey-level standard deviation below which an image is uniform.
        min-dominant-fraction: share of the most common grey level above which an image is nearly empty.
        max-words: at most this many OCR words on a nearly empty image.
    """
    f, o = ctx.analysis.features, ctx.options
    if not f:
        return
    words = int(f.get("word_count", 0))
    if f["grey_std"] < o["max-grey-std"]:
        yield Hit(f"the image is a single flat colour (grey-level spread {f['grey_std']:.1f})", confidence=0.98)
    elif f["dominant_grey_fraction"] >= o["min-dominant-fraction"] and words <= o["max-words"]:
        share = f["dominant_grey_fraction"] * 100
        yield Hit(f"{share:.1f}% of the image is one colour and it has {words} word(s)", confidence=0.9)


RULES = (blank_screen,)
