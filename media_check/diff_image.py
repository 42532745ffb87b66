"""A side-by-side picture of a stale screenshot for a reviewer: listing | live capture | what changed.

The first panel is the listing screenshot, the second the live capture it was compared with, both with the
structural changes boxed and numbered alike (nearby changes merged into one box); the third is the live capture
faded, with the drawing found only in the listing in red and only in the live app in blue, so a moved button or
a new icon shows at a glance. Rendered with Pillow from the comparison already made; nothing is recomputed but
the warp.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from media_check import align
from media_check.annotate import font, save_png
from media_check.match import Comparison, structure_map

PANEL_HEIGHT = 720
HEADER = 44
GAP = 16
BACKGROUND = (245, 246, 248)
INK = (17, 24, 39)
BOX = (220, 38, 38)


def _fit(rgb: np.ndarray, height: int) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    scale = height / h
    width = max(1, round(w * scale))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(rgb, (width, height), interpolation=method), scale


def overlay(listing_warped: np.ndarray, live: np.ndarray, regions: list | None = None) -> np.ndarray:
    """The live capture, faded, with what differs drawn over it: drawing only in the listing in red, only in the
    live app in blue (inside the structural regions when they are given; everything else stays faded)."""
    a = structure_map(listing_warped) > 40
    b = structure_map(live) > 40
    kernel = np.ones((5, 5), np.uint8)
    only_a = a & ~(cv2.dilate(b.astype(np.uint8), kernel) > 0)
    only_b = b & ~(cv2.dilate(a.astype(np.uint8), kernel) > 0)
    if regions is not None:
        inside = np.zeros(a.shape, bool)
        for x, y, w, h in regions:
            inside[max(0, y - 2):y + h + 2, max(0, x - 2):x + w + 2] = True
        only_a &= inside
        only_b &= inside
    grey = align.grey(live).astype(np.float32)
    faded = (215 + grey * 40 / 255).astype(np.uint8)
    out = np.dstack([faded] * 3)
    thick = np.ones((2, 2), np.uint8)
    out[cv2.dilate(only_a.astype(np.uint8), thick) > 0] = (220, 38, 38)
    out[cv2.dilate(only_b.astype(np.uint8), thick) > 0] = (37, 99, 235)
    return out


def merged(boxes: list[tuple[int, int, int, int]], gap: int) -> list[tuple[int, int, int, int]]:
    """Boxes closer than ``gap`` pixels merged into one, so a reviewer sees a few changes, not fifty specks."""
    boxes = [list(b) for b in boxes]
    changed = True
    while changed:
        changed = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                ax, ay, aw, ah = boxes[i]
                bx, by, bw, bh = boxes[j]
                if ax - gap <= bx + bw and bx - gap <= ax + aw and ay - gap <= by + bh and by - gap <= ay + ah:
                    x0, y0 = min(ax, bx), min(ay, by)
                    boxes[i] = [x0, y0, max(ax + aw, bx + bw) - x0, max(ay + ah, by + bh) - y0]
                    del boxes[j]
                    changed = True
                    break
            if changed:
                break
    return [tuple(b) for b in boxes]


def render(listing: np.ndarray, live: np.ndarray, comparison: Comparison, listing_factor: float = 1.0,
           listing_name: str = "listing", live_name: str = "live", height: int = PANEL_HEIGHT) -> Image.Image:
    """The side-by-side image. ``live`` is the capture at the work size the comparison used; the comparison's
    transform maps listing pixels scaled by ``listing_factor`` onto it."""
    structural = [r for r in comparison.regions if r.structural]
    gap = max(6, round(0.015 * max(live.shape[:2])))
    boxes = sorted(merged([r.live_box for r in structural], gap), key=lambda b: (b[1] // gap, b[0]))
    m = comparison.transform.array.copy()
    m[:, :2] *= listing_factor  # from original listing pixels
    warped = cv2.warpAffine(listing, m, (live.shape[1], live.shape[0]), flags=cv2.INTER_AREA,
                            borderValue=(255, 255, 255))
    inverse = cv2.invertAffineTransform(m)

    panel_listing, s_listing = _fit(listing, height)
    panel_live, s_live = _fit(live, height)
    panel_overlay, _ = _fit(overlay(warped, live, [r.live_box for r in structural]), height)
    panels = [panel_listing, panel_live, panel_overlay]
    width = sum(p.shape[1] for p in panels) + GAP * (len(panels) + 1)
    canvas = Image.new("RGB", (width, height + HEADER + GAP + 30), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    title = font(17)
    small = font(14)
    x = GAP
    lines = (f"Listing screenshot: {listing_name}", f"Live capture: {live_name}",
             "Changes: red = listing only, blue = live app only")
    origins = []
    for panel, text in zip(panels, lines):
        canvas.paste(Image.fromarray(panel), (x, HEADER))
        draw.text((x, 12), _clip(draw, text, title, panel.shape[1]), fill=INK, font=title)
        origins.append(x)
        x += panel.shape[1] + GAP
    stroke = max(2, round(height / 300))
    for number, (lx, ly, lw, lh) in enumerate(boxes[:30], 1):
        corners = np.array([[lx, ly], [lx + lw, ly], [lx, ly + lh], [lx + lw, ly + lh]], np.float64)
        mapped = corners @ inverse[:, :2].T + inverse[:, 2]
        (ax0, ay0), (ax1, ay1) = mapped.min(axis=0), mapped.max(axis=0)
        for origin, box, scale in ((origins[0], (ax0, ay0, ax1, ay1), s_listing),
                                   (origins[1], (lx, ly, lx + lw, ly + lh), s_live),
                                   (origins[2], (lx, ly, lx + lw, ly + lh), s_live)):
            pad = 4
            x0 = origin + box[0] * scale - pad
            y0 = HEADER + box[1] * scale - pad
            x1 = origin + box[2] * scale + pad
            y1 = HEADER + box[3] * scale + pad
            draw.rectangle([x0, y0, x1, y1], outline=BOX, width=stroke)
            label = str(number)
            tw = draw.textlength(label, font=small)
            draw.rectangle([x0, max(HEADER, y0 - 17), x0 + tw + 6, max(HEADER + 17, y0)], fill=BOX)
            draw.text((x0 + 3, max(HEADER, y0 - 17) + 1), label, fill="white", font=small)
    added = sum(r.presence == "added" for r in structural)
    removed = sum(r.presence == "removed" for r in structural)
    summary = (f"{len(boxes)} changed area(s): {removed} element(s) only in the listing, {added} only in the live "
               f"app, {len(structural) - added - removed} altered   |   chrome agreement "
               f"{comparison.chrome_agreement:.2f}")
    draw.text((GAP, HEADER + height + 8), _clip(draw, summary, small, width - 2 * GAP), fill=INK, font=small)
    return canvas


def _clip(draw: ImageDraw.ImageDraw, text: str, face, width: int) -> str:
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "...", font=face) > width:
        text = text[:-1]
    return text + "..."


def diff_name(asset_path: str) -> str:
    """A file name for an asset's diff image: its folder and file name, and a short hash of the whole path so two
    listings' ``01.png`` do not collide."""
    import hashlib

    parts = Path(asset_path).parts[-2:]
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in "_".join(parts))
    return f"{safe}-{hashlib.sha256(asset_path.encode()).hexdigest()[:8]}.diff.png"


def write(image: Image.Image, folder: str | Path, asset_path: str) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / diff_name(asset_path)
    save_png(image, target)
    return target

