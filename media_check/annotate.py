"""Annotated images for reviewers: each finding's evidence boxed and labelled on the asset itself.

:func:`annotate` is pure image drawing: it takes the decoded image, its :class:`~media_check.report.Verdict` and
(optionally) the OCR words, and returns a new image with a verdict banner on top, the evidence boxes (numbered,
labelled with the rule name and confidence), OCR words faintly outlined on request, and a legend underneath.
Line widths and font sizes scale with the image, and every mark is drawn in a bright colour over a dark outline,
so it reads on light and dark screenshots, phone captures and 4K shots alike.

The pixels and words drawn come from an :class:`~media_check.asset_source.AssetSource`.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Sequence
from pathlib import Path, PurePath

from PIL import Image, ImageDraw, ImageFont

from media_check.asset_source import AssetSource
from media_check.report import Finding, Report, Severity, Status, Verdict
from media_check.words import Word
from media_check.writers.common import Preview

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# DejaVu has Latin, Greek, Cyrillic and Arabic but no Chinese, Japanese or Korean: text with those (a quoted
# sign-in phrase, a file name) is drawn in Noto Sans CJK when it is installed (Debian: fonts-noto-cjk)
CJK_FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SEVERITY_COLOURS = {Severity.FAIL: (255, 59, 48), Severity.WARN: (255, 184, 0), Severity.ERROR: (200, 80, 255)}
ACCEPTED_COLOUR = (150, 160, 170)
STATUS_COLOURS = {Status.PASS: (26, 127, 55), Status.WARN: (212, 150, 0), Status.FAIL: (207, 34, 46),
                  Status.ERROR: (130, 80, 223)}
OCR_COLOUR = (0, 170, 255, 120)
LIVE_COLOUR = (0, 215, 215)
OUTLINE = (0, 0, 0)
LEGEND_BG = (22, 24, 29)
SUFFIX = ".annotated.png"
PREVIEW_SIDE = 1400  # long side of the image embedded in the HTML report
THUMB_WIDTH = 420


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (bold or regular) at ``size``; Pillow's default font when it is not installed."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return ImageFont.load_default(size)


@functools.lru_cache(maxsize=8)
def _cjk_font(size: int) -> ImageFont.FreeTypeFont | None:
    try:
        return ImageFont.truetype(str(CJK_FONT_DIR / "NotoSansCJK-Regular.ttc"), size)
    except OSError:
        return None


def needs_cjk(text: str) -> bool:
    """Whether ``text`` has Chinese, Japanese or Korean characters (Han, kana, Hangul, their punctuation)."""
    return any("\u1100" <= c <= "\u11ff" or "\u2e80" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af"
               or "\uf900" <= c <= "\ufaff" or "\uff00" <= c <= "\uffef" for c in text)


class Style:
    """Sizes for one image: everything is proportional to its long side, within readable bounds."""

    def __init__(self, width: int, height: int):
        unit = max(width, height) / 1000
        self.font_size = int(min(80, max(12, round(15 * unit))))
        self.line = int(min(12, max(2, round(2.5 * unit))))
        self.pad = max(3, self.font_size // 3)
        self.font = font(self.font_size)
        self.bold = font(self.font_size, bold=True)
        self.small = font(max(10, round(self.font_size * 0.75)), bold=True)
        self.big = font(int(self.font_size * 1.25), bold=True)

    def text_font(self, text: str):
        """The regular font for ``text``: the CJK one when the text needs it and it is installed."""
        return (needs_cjk(text) and _cjk_font(self.font_size)) or self.font


def colour_of(finding: Finding) -> tuple[int, int, int]:
    return ACCEPTED_COLOUR if finding.accepted else SEVERITY_COLOURS[finding.severity]


def annotate(image: Image.Image, verdict: Verdict, words: Sequence[Word] = (), *,
             max_side: int | None = None) -> Image.Image:
    """``image`` (the decoded asset, in the coordinates of the report's boxes) annotated with ``verdict``.

    ``words`` are outlined faintly when given. With ``max_side`` the image is first brought down to that long
    side, so labels are drawn at the size they will be seen.
    """
    base = image.convert("RGB")
    scale = 1.0
    if max_side and max(base.size) > max_side:
        scale = max_side / max(base.size)
        base = base.resize((max(1, round(base.width * scale)), max(1, round(base.height * scale))),
                           Image.Resampling.LANCZOS)
    style = Style(*base.size)
    canvas = base.convert("RGBA")
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    shade = ImageDraw.Draw(overlay)
    ocr_line = max(1, style.line // 2)
    for word in words:
        shade.rectangle(_scaled(word.box, scale), outline=OCR_COLOUR, width=ocr_line)
    boxed = [(n, f, [_scaled(e.box, scale) for e in f.evidence if e.box is not None])
             for n, f in enumerate(verdict.findings, start=1)]
    for _, finding, rects in boxed:
        for rect in rects:
            shade.rectangle(rect, fill=(*colour_of(finding), 38))
    canvas = Image.alpha_composite(canvas, overlay).convert("RGB")
    draw = ImageDraw.Draw(canvas)
    changed = [_scaled(box, scale) for box in (verdict.live_match.changed_regions if verdict.live_match else ())]
    for rect in changed:
        _box(draw, rect, LIVE_COLOUR, style)
    for _, finding, rects in boxed:
        for rect in rects:
            _box(draw, rect, colour_of(finding), style)
    placed: list[tuple[int, int, int, int]] = []
    for n, finding, rects in boxed:  # the first box of each finding gets the full label, so place those first
        if rects:
            _label(draw, rects[0], f"{n} {finding.name} {finding.confidence:.0%}", colour_of(finding), style,
                   canvas.size, placed)
    for i, rect in enumerate(changed):
        _label(draw, rect, "changed vs live app" if i == 0 else "changed", LIVE_COLOUR, style, canvas.size, placed,
               optional=i > 0)
    for n, finding, rects in boxed:
        for rect in rects[1:]:
            _label(draw, rect, str(n), colour_of(finding), style, canvas.size, placed, optional=True)
    banner = _banner(verdict, canvas.width, style)
    legend = _legend(verdict, boxed, len(words), len(changed), canvas.width, style)
    out = Image.new("RGB", (canvas.width, banner.height + canvas.height + legend.height), LEGEND_BG)
    out.paste(banner, (0, 0))
    out.paste(canvas, (0, banner.height))
    out.paste(legend, (0, banner.height + canvas.height))
    return out


def _scaled(box: Sequence[int], scale: float) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return (round(x * scale), round(y * scale), round((x + w) * scale), round((y + h) * scale))


def _box(draw: ImageDraw.ImageDraw, rect, colour, style: Style) -> None:
    """A frame drawn just outside ``rect`` (Pillow strokes inwards), so the evidence itself stays readable."""
    x0, y0, x1, y1 = rect
    out = _gap(style) + style.line + 2
    draw.rectangle((x0 - out, y0 - out, x1 + out, y1 + out), outline=OUTLINE, width=style.line + 2)
    draw.rectangle((x0 - out + 1, y0 - out + 1, x1 + out - 1, y1 + out - 1), outline=colour, width=style.line)


def _gap(style: Style) -> int:
    return max(1, style.line // 2)


def _text_colour(colour) -> tuple[int, int, int]:
    r, g, b = colour[:3]
    return (0, 0, 0) if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else (255, 255, 255)


def _label(draw: ImageDraw.ImageDraw, rect, text: str, colour, style: Style, size, placed: list,
           optional: bool = False) -> None:
    """A filled tag naming a box: above it, else below, else inside its top edge, else beside it, wherever it does
    not cover a tag already drawn. An ``optional`` tag (a box's number alone) is dropped rather than overlap."""
    x0, y0, x1, y1 = rect
    font = style.small if optional else style.bold
    pad = style.pad // 2 if optional else style.pad
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    w, h = right - left + 2 * pad, bottom - top + 2 * pad
    grow = _gap(style) + style.line + 2
    candidates = [(x0 - grow, y0 - grow - h), (x0 - grow, y1 + grow), (x0 + grow, y0 + grow),
                  (x1 + grow, y0 - grow), (x1 - w + grow, y1 + grow)]
    spots = [(min(max(0, x), max(0, size[0] - w)), min(max(0, y), max(0, size[1] - h))) for x, y in candidates]
    free = [spot for spot in spots if not any(_overlaps((*spot, spot[0] + w, spot[1] + h), other) for other in placed)]
    if not free and optional:
        return
    x, y = (free or spots)[0]
    placed.append((x, y, x + w, y + h))
    draw.rectangle((x, y, x + w, y + h), fill=colour, outline=OUTLINE, width=1)
    draw.text((x + pad - left, y + pad - top), text, font=font, fill=_text_colour(colour))


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _banner(verdict: Verdict, width: int, style: Style) -> Image.Image:
    colour = STATUS_COLOURS[verdict.status]
    ink = _text_colour(colour)
    open_count = sum(1 for f in verdict.findings if not f.accepted)
    accepted = len(verdict.findings) - open_count
    right = f"{open_count} finding{'s' if open_count != 1 else ''}" + (f", {accepted} accepted" if accepted else "")
    height = int(style.big.size * 1.9)
    banner = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(banner)
    status = verdict.status.value.upper()
    y = (height - style.big.size) // 2
    draw.text((style.pad * 2, y), status, font=style.big, fill=ink)
    status_w = draw.textlength(status + "  ", font=style.big)
    right_w = draw.textlength(right, font=style.bold)
    draw.text((width - right_w - style.pad * 2, y + (style.big.size - style.bold.size) // 2), right,
              font=style.bold, fill=ink)
    room = width - status_w - right_w - style.pad * 6
    font = style.text_font(verdict.path)
    path = _ellipsize(draw, verdict.path, font, room)
    draw.text((style.pad * 2 + status_w, y + (style.big.size - style.font.size) // 2), path, font=font, fill=ink)
    return banner


def _ellipsize(draw: ImageDraw.ImageDraw, text: str, font, room: float) -> str:
    text = " ".join(text.split())
    if draw.textlength(text, font=font) <= room:
        return text
    while text and draw.textlength("…" + text, font=font) > room:
        text = text[1:]
    return "…" + text if text else ""


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, room: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in " ".join(text.split()).split(" "):
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=font) > room:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def _legend(verdict: Verdict, boxed, ocr_words: int, changed: int, width: int, style: Style) -> Image.Image:
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    swatch = style.font_size
    text_x = style.pad * 3 + swatch
    room = max(10, width - text_x - style.pad * 2)
    rows: list[tuple[tuple[int, int, int] | None, list[str], object]] = []

    def add(colour, text: str) -> None:
        font = style.text_font(text)
        rows.append((colour, _wrap(probe, text, font, room), font))

    for n, finding, rects in boxed:
        where = "" if rects else " (whole image, no box)"
        state = "accepted by the baseline" if finding.accepted else finding.severity.value
        add(colour_of(finding), f"{n}. {finding.code} {finding.name} [{state}, {finding.confidence:.0%}]{where}: "
                                f"{finding.message}")
    if not verdict.findings:
        add((26, 127, 55), "No findings: every rule in force passed.")
    live = verdict.live_match
    if live is not None:
        closest = f", closest capture {live.closest}" if live.closest else ""
        add(LIVE_COLOUR, f"live app: {live.status} (similarity {live.similarity:.0%}{closest})"
                         + (f"; {changed} changed region(s) outlined" if changed else ""))
    if ocr_words:
        add(OCR_COLOUR[:3], f"thin blue outlines: the {ocr_words} words OCR read")
    line_h = int(style.font_size * 1.35)
    height = style.pad * 2 + sum(len(lines) * line_h + style.pad for _, lines, _ in rows)
    legend = Image.new("RGB", (width, height), LEGEND_BG)
    draw = ImageDraw.Draw(legend)
    y = style.pad * 2
    for colour, lines, font in rows:
        if colour:
            top = y + (line_h - swatch) // 2
            draw.rectangle((style.pad * 2, top, style.pad * 2 + swatch, top + swatch), fill=colour,
                           outline=(255, 255, 255), width=1)
        for line in lines:
            draw.text((text_x, y), line, font=font, fill=(235, 237, 240))
            y += line_h
        y += style.pad
    return legend


# --- the seam to files and the cache -------------------------------------------------------------------------


def output_path(out_dir: Path, asset_path: str) -> Path:
    """Where the annotated copy of ``asset_path`` goes: its relative path under ``out_dir``, plus a suffix."""
    pure = PurePath(asset_path)
    parts = [p for p in pure.parts if p not in ("..", ".", pure.anchor)] or ["asset"]
    return out_dir.joinpath(*parts[:-1], parts[-1] + SUFFIX)


def write_annotated(report: Report, out_dir: Path, source: AssetSource, show_ocr: bool = False) -> list[Path]:
    """One annotated PNG per asset that can be read; returns the files written."""
    written = []
    for verdict in report.assets:
        picture = source.annotated(verdict, show_ocr)
        if picture is None:
            continue
        target = output_path(out_dir, verdict.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        save_png(picture, target)
        written.append(target)
    return written


def previews(report: Report, source: AssetSource, show_ocr: bool = False) -> dict[str, Preview]:
    """Annotated images for the HTML report, as data URIs: a thumbnail and a larger view per readable asset."""
    out: dict[str, Preview] = {}
    for verdict in report.assets:
        picture = source.annotated(verdict, show_ocr, max_side=PREVIEW_SIDE)
        if picture is None:
            continue
        thumb = picture.copy()
        thumb.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 3), Image.Resampling.LANCZOS)
        out[verdict.path] = Preview(thumb=data_uri(thumb, quality=72), full=data_uri(picture, quality=82),
                                    width=picture.width, height=picture.height)
    return out


def save_png(image: Image.Image, path: Path) -> None:
    """Write ``image`` as a PNG so that a reader sees the old file or the new one, never half of one."""
    from media_check.cache import write_chunks_atomic

    write_chunks_atomic(path, (png_bytes(image),))


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def data_uri(image: Image.Image, quality: int = 82) -> str:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
