"""Layout and image features of a screenshot: cheap numbers (OpenCV/numpy on a downscaled copy) that the rules and
the screen classifier read. Pure functions of the pixels and the OCR words; keys are stable names.

Besides global statistics (grey and colour spread, edges), they describe the *structure* a reviewer sees at a
glance: how much of the image is one background colour, where the foreground sits (a centred logo on a plain
background is a splash), how many separate things are on screen, stacks of same-width boxes (the inputs and
button of a sign-in form), the rows of a list, long straight rules, and a diagonal ribbon across a corner (the DEBUG / BETA banners
frameworks paint there). Boxes are reported in original-image pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from media_check.words import Word

WORK_SIDE = 640  # features are computed on a copy whose long side is at most this
LAYOUT_SIDE = 256  # background / foreground layout on a smaller copy still: shapes, not details
BG_TOLERANCE = 18  # per-channel distance to the background colour still counted as background


def image_features(rgb: np.ndarray, words: list[Word]) -> dict[str, float]:
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = _shrink(rgb, WORK_SIDE)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(grey, 60, 160)
    hist = np.bincount((grey // 8).ravel(), minlength=32).astype(np.float64)
    p = hist / hist.sum()
    grey_entropy = float(-(p[p > 0] * np.log2(p[p > 0])).sum())
    dominant = float(p.max())
    quant = (small // 32).reshape(-1, 3).astype(np.int32)
    codes = quant[:, 0] * 64 + quant[:, 1] * 8 + quant[:, 2]
    cp = np.bincount(codes, minlength=512).astype(np.float64)
    cp = cp / cp.sum()
    colour_entropy = float(-(cp[cp > 0] * np.log2(cp[cp > 0])).sum())
    text_area = sum(word.box[2] * word.box[3] for word in words) / float(w * h)
    features = {
        "width": float(w),
        "height": float(h),
        "aspect": float(w) / float(h),
        "grey_mean": float(grey.mean()),
        "grey_std": float(grey.std()),
        "grey_entropy": grey_entropy,
        "dominant_grey_fraction": dominant,
        "colour_entropy": colour_entropy,
        "edge_density": float((edges > 0).mean()),
        "word_count": float(len(words)),
        "text_area_fraction": float(text_area),
    }
    features.update(_background_and_foreground(_shrink(small, LAYOUT_SIDE)))
    features.update(_edge_layout(edges))
    features.update(_box_stacks(edges))
    features.update(_long_lines(edges))
    features.update(_corner_ribbon(small, 1.0 / scale))
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    features["saturation_mean"] = float(hsv[..., 1].mean() / 255.0)
    return features


def _shrink(rgb: np.ndarray, side: int) -> np.ndarray:
    """``rgb`` with its long side at most ``side``: an integer-factor area reduction first (OpenCV's fast path),
    then the remainder."""
    h, w = rgb.shape[:2]
    factor = int(max(h, w) // side)
    if factor >= 2:
        rgb = cv2.resize(rgb, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
        h, w = rgb.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def _background_and_foreground(small: np.ndarray) -> dict[str, float]:
    """The dominant colour as background: its share, its largest connected region, and where the rest sits."""
    h, w = small.shape[:2]
    area = float(h * w)
    quant = (small // 32).reshape(-1, 3).astype(np.int32)
    codes = quant[:, 0] * 64 + quant[:, 1] * 8 + quant[:, 2]
    mode = int(np.bincount(codes).argmax())
    in_bin = (codes == mode).reshape(h, w)
    bg_colour = small[in_bin].mean(axis=0)
    diff = np.abs(small.astype(np.int16) - bg_colour.astype(np.int16)).max(axis=2)
    background = diff <= BG_TOLERANCE
    n, labels, stats, _ = cv2.connectedComponentsWithStats(background.astype(np.uint8), connectivity=4)
    largest_bg = float(stats[1:, cv2.CC_STAT_AREA].max() / area) if n > 1 else 0.0
    foreground = (~background).astype(np.uint8)
    foreground = cv2.morphologyEx(foreground, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    fg_fraction = float(foreground.mean())
    out = {"background_fraction": float(background.mean()), "largest_uniform_fraction": largest_bg,
           "foreground_fraction": fg_fraction}
    ys, xs = np.nonzero(foreground)
    if len(xs) < 4:
        out.update({"foreground_bbox_fraction": 0.0, "foreground_centre_offset": 0.0, "blob_count": 0.0,
                    "largest_blob_fraction": 0.0, "largest_blob_centred": 0.0})
        return out
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    out["foreground_bbox_fraction"] = float((x1 - x0 + 1) * (y1 - y0 + 1) / area)
    cx, cy = xs.mean() / w - 0.5, ys.mean() / h - 0.5
    out["foreground_centre_offset"] = float(np.hypot(cx, cy))
    # Things on screen: foreground merged over small gaps (letters into words, icons with their labels).
    merged = cv2.dilate(foreground, np.ones((3, 3), np.uint8))
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(merged, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_WIDTH] * stats[1:, cv2.CC_STAT_HEIGHT]
    significant = areas >= 0.0005 * area
    out["blob_count"] = float(significant.sum())
    if n > 1:
        k = int(np.argmax(areas))
        out["largest_blob_fraction"] = float(areas[k] / area)
        bx, by = centroids[k + 1]
        out["largest_blob_centred"] = float(abs(bx / w - 0.5) < 0.12 and abs(by / h - 0.5) < 0.2)
    else:
        out["largest_blob_fraction"] = 0.0
        out["largest_blob_centred"] = 0.0
    return out


def _edge_layout(edges: np.ndarray) -> dict[str, float]:
    """Where the detail is: rows of content (a list, a table) and the centre against the border."""
    h, w = edges.shape
    on = edges > 0
    rows = on.mean(axis=1)
    busy = rows > 0.01
    transitions = int(np.count_nonzero(busy[1:] & ~busy[:-1]))
    centre = on[h // 4: 3 * h // 4, w // 4: 3 * w // 4].mean() if h >= 4 and w >= 4 else on.mean()
    return {"row_bands": float(transitions), "busy_row_fraction": float(busy.mean()),
            "edge_density_centre": float(centre)}


def _box_stacks(edges: np.ndarray) -> dict[str, float]:
    """Wide, short closed boxes (text inputs, buttons) and the largest stack of them sharing left edge and width."""
    h, w = edges.shape
    closed = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[tuple[int, int, int, int]] = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if bw < max(40, 0.15 * w) or bw > 0.97 * w or bh < 8 or bh > 0.12 * h or bw < 3 * bh:
            continue
        if cv2.contourArea(contour) < 0.7 * bw * bh:
            continue
        if any(_iou((x, y, bw, bh), other) > 0.6 for other in boxes):
            continue
        boxes.append((x, y, bw, bh))
    best: list[tuple[int, int, int, int]] = []
    for anchor in boxes:
        group = [b for b in boxes if abs(b[0] - anchor[0]) <= 0.03 * w and abs(b[2] - anchor[2]) <= 0.06 * w]
        if len(group) > len(best):
            best = group
    out = {"box_count": float(len(boxes)), "box_stack": float(len(best)) if len(best) >= 2 else 0.0}
    if len(best) >= 2:
        xs = [b[0] + b[2] / 2 for b in best]
        out["box_stack_centred"] = float(abs(np.mean(xs) / w - 0.5) < 0.08)
        out["box_stack_width"] = float(np.mean([b[2] for b in best]) / w)
    else:
        out["box_stack_centred"] = 0.0
        out["box_stack_width"] = 0.0
    return out


def _long_lines(edges: np.ndarray) -> dict[str, float]:
    """Straight edges across a quarter of the image or more: separators, table and grid rules, card and input
    borders. App screens are full of them; a title card or a splash screen has almost none (a device frame adds
    its own few)."""
    h, w = edges.shape
    out = {}
    for name, kernel, axis in (("h_lines", (max(8, w // 4), 1), 1), ("v_lines", (1, max(8, h // 4)), 0)):
        runs = cv2.morphologyEx(edges, cv2.MORPH_OPEN, np.ones(kernel[::-1], np.uint8))
        on = runs.any(axis=axis)
        # runs of adjacent edge rows (columns): a thin rule counts once or twice (an edge on each side)
        out[name] = float(np.count_nonzero(on[1:] & ~on[:-1]) + int(on[0])) if on.size else 0.0
    return out


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter) if inter else 0.0


def _corner_ribbon(small: np.ndarray, to_original: float) -> dict[str, float]:
    """A band across a top corner at 45 degrees, of one colour unlike what it covers (a DEBUG / BETA ribbon).

    For each corner, pixels are grouped by their anti-diagonal (distance to the corner along x + y); a ribbon is
    a run of diagonals whose mean colour departs sharply from the diagonals on both sides of it. Returns the
    strongest such run: its contrast score (0 when none), whether it is red, and its box.
    """
    h, w = small.shape[:2]
    side = int(0.22 * min(h, w))
    best = {"corner_ribbon": 0.0, "corner_ribbon_red": 0.0, "corner_ribbon_x": 0.0, "corner_ribbon_y": 0.0,
            "corner_ribbon_size": 0.0}
    if side < 24:
        return best
    rows, cols = np.indices((side, side))
    k_index = (rows + cols).ravel()
    near_edge = (np.minimum(rows, cols) * 4 < (rows + cols)).ravel()  # the two ends of each diagonal
    on_edge = (np.minimum(rows, cols) < 2).ravel()
    counts = np.bincount(k_index, minlength=2 * side)[:side]
    for corner in ("top-right", "top-left"):  # ribbons hang from the top corners
        crop = _corner_crop(small, corner, side).reshape(-1, 3).astype(np.float64)
        means = np.stack([np.bincount(k_index, weights=crop[:, c], minlength=2 * side)[:side] / counts
                          for c in range(3)], axis=1)
        for score, k0, k1, colour in _bands(means, side):
            if score <= best["corner_ribbon"]:
                break
            # A straight ribbon has its colour at both ends of its diagonals too; a rounded device corner does not.
            # and the edges of the image beyond the ribbon are not (a device bezel runs along them).
            ends = crop[near_edge & (k_index >= k0) & (k_index < k1)]
            beyond = crop[on_edge & (k_index >= k1 + 2) & (k_index < 2 * k1 - k0 + 2)]
            if len(ends) == 0 or len(beyond) == 0:
                continue
            end_colour = np.median(ends, axis=0)
            if (np.abs(end_colour - np.asarray(colour)).max() > 70
                    or np.abs(end_colour - np.median(beyond, axis=0)).max() < 50):
                continue
            r, g, b = colour
            x, y = _corner_origin(corner, w, h, side)
            best = {"corner_ribbon": score, "corner_ribbon_red": float(r > g + 40 and r > b + 40),
                    "corner_ribbon_x": float(x * to_original), "corner_ribbon_y": float(y * to_original),
                    "corner_ribbon_size": float(side * to_original)}
            break
    return best


def _corner_crop(small: np.ndarray, corner: str, side: int) -> np.ndarray:
    """The corner square, flipped so the corner itself is at index (0, 0)."""
    h, w = small.shape[:2]
    top = corner.startswith("top")
    right = corner.endswith("right")
    crop = small[:side] if top else small[h - side:]
    crop = crop[:, w - side:] if right else crop[:, :side]
    if right:
        crop = crop[:, ::-1]
    if not top:
        crop = crop[::-1]
    return crop


def _corner_origin(corner: str, w: int, h: int, side: int) -> tuple[int, int]:
    return (w - side if corner.endswith("right") else 0, 0 if corner.startswith("top") else h - side)


def _bands(means: np.ndarray, side: int) -> list[tuple[float, int, int, tuple[float, float, float]]]:
    """Runs of diagonals [k0, k1) unlike both neighbours and uniform inside, best first."""
    found = []
    lo, hi = max(3, side // 12), max(4, side // 2)
    jumps = np.abs(np.diff(means, axis=0)).max(axis=1)
    starts = np.flatnonzero(jumps > 25) + 1  # a sharp change of colour from diagonal k-1 to k
    for k0 in starts:
        if k0 < 2:
            continue
        for k1 in starts[(starts > k0 + lo) & (starts <= min(k0 + hi, side - 2))]:
            band = means[k0:k1]
            colour = np.median(band, axis=0)
            before = means[max(0, k0 - 3):k0].mean(axis=0)
            after = means[k1:k1 + 3].mean(axis=0)
            contrast = min(np.abs(colour - before).max(), np.abs(colour - after).max())
            spread = np.percentile(np.abs(band - colour).max(axis=1), 70)
            score = float(contrast - 1.5 * spread)
            if score > 0 and contrast > 40:
                found.append((score / 255.0, int(k0), int(k1), tuple(float(c) for c in colour)))
    return sorted(found, reverse=True)[:5]
