"""Where the app's screen is inside a listing image, and how a listing screenshot lines up with a live capture.

Listing screenshots are rarely raw captures: the screen sits in a device frame or a browser window, on a
marketing backdrop with a caption, padded, cropped, rescaled and re-encoded. Two jobs live here:

- :func:`screen_candidates` peels backdrop, captions, padding and device bezels off a listing image, layer by
  layer, and returns the nested boxes from the whole image inwards (the innermost one is the likely screen).
- :func:`align` finds the similarity transform (scale, rotation, shift) that maps a listing image onto a live
  capture: ORB features matched with a ratio test and confirmed by RANSAC, plus a "fit" hypothesis that maps a
  located screen box onto the capture's frame (for screens whose UI changed too much for features to agree).
  Every hypothesis is scored on the pixels (edge agreement on the overlap), so a wrong one loses.

Functions take numpy RGB arrays (H x W x 3, uint8) and return plain values; nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in pixels

PEEL_SIDE = 800  # screen location works on a copy whose long side is at most this
ALIGN_SIDE = 960  # alignment and comparison work on images whose long side is at most this
ORB_FEATURES = 1000
ORB_SCALE_STEP = 1.2  # between the levels of ORB's image pyramid


# --------------------------------------------------------------------------- locating the screen

def shrink(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """``image`` with its long side at most ``side`` (area resampling; the image itself when it is no larger),
    and the factor applied."""
    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale >= 1.0:
        return image, 1.0
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                      interpolation=cv2.INTER_AREA), scale


MIN_FRAMED_SIDE = 24  # pixels: an image narrower than this has no layer to peel


def _smooth_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels on a smooth surface (solid colour or a gentle gradient): backdrops, bezels, padding. A pixel is
    smooth when no channel of the blurred image steps by more than 3 to its right or lower neighbour (the last
    column and row compare with themselves)."""
    blurred = cv2.GaussianBlur(rgb, (3, 3), 0.8)
    # the steps in uint8 (absdiff is exact there) and the test "every channel <= 3" in one inRange: no int16 copies
    step = np.zeros_like(blurred)
    h, w = step.shape[:2]
    if w > 1:  # OpenCV gives no array for an empty one (a one-pixel-wide image has no right neighbours)
        step[:, :-1] = cv2.absdiff(blurred[:, 1:], blurred[:, :-1])
    if h > 1:
        np.maximum(step[:-1], cv2.absdiff(blurred[1:], blurred[:-1]), out=step[:-1])
    return cv2.inRange(step, (0, 0, 0), (3, 3, 3)) > 0


def _peel_once(rgb: np.ndarray, smooth_mask: np.ndarray | None = None) -> Box | None:
    """One layer off: the solid block inside a smooth surround (backdrop, bezel, padding), or None.
    ``smooth_mask``: ``_smooth_mask(rgb)`` when the caller has it."""
    h, w = rgb.shape[:2]
    if h < MIN_FRAMED_SIDE or w < MIN_FRAMED_SIDE:
        return None
    smooth = (_smooth_mask(rgb) if smooth_mask is None else smooth_mask).astype(np.uint8)
    # The surround: smooth pixels connected to the border.
    count, labels = cv2.connectedComponents(smooth, connectivity=4)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    border = border[(border > 0)]
    if border.size == 0:
        return None
    is_border = np.zeros(count, bool)  # a lookup table by label: cheaper than np.isin over every pixel
    is_border[border] = True
    surround = is_border[labels]
    if surround.mean() < 0.04:  # nothing around the content worth peeling
        return None
    content = (~surround).astype(np.uint8)
    k = max(3, round(min(h, w) * 0.01)) | 1
    content = cv2.morphologyEx(content, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    n, comp, stats, _ = cv2.connectedComponentsWithStats(content, connectivity=8)
    if n <= 1:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh, area = (int(v) for v in stats[best])
    box_area = bw * bh
    # A screen (or a device) is one solid block: most of its bounding box is covered, and it is large ...
    if box_area < 0.25 * h * w or area < 0.85 * box_area or box_area > 0.97 * h * w:
        return None
    # ... and nearly all there is besides the surround (a caption or a logo may sit beside it; a panel of an app
    # has the app's header, title and other rows beside it).
    if area < 0.85 * stats[1:, cv2.CC_STAT_AREA].sum():
        return None
    # ... inset on the left and the right (a block of an app's own content spans its width) ...
    side = max(2, round(0.01 * w))
    if x < side or w - (x + bw) < side:
        return None
    # ... and set off from its surround by a visible edge along most of its outline (text on an app's white
    # background is a block too, but its outline is the same white as around it).
    if _outline_contrast(rgb, (x, y, bw, bh)) < 0.6:
        return None
    # Rounded corners and anti-aliased edges: shave the block's 1-pixel rim.
    return x + 1, y + 1, max(1, bw - 2), max(1, bh - 2)


def _outline_contrast(rgb: np.ndarray, box: Box, width: int = 2, offset: int = 3) -> float:
    """Share of a box's outline whose colour just inside differs from the colour just outside (each probed
    ``offset`` pixels away from the edge, so anti-aliasing and a loose box do not blur the two together)."""
    h, w = rgb.shape[:2]
    x, y, bw, bh = box
    if bw <= 2 * (offset + width) or bh <= 2 * (offset + width):
        return 0.0
    o, k = offset, width
    pairs = []
    if y - o - k >= 0:
        pairs.append((rgb[y + o:y + o + k, x + o:x + bw - o], rgb[y - o - k:y - o, x + o:x + bw - o]))
    if y + bh + o + k <= h:
        pairs.append((rgb[y + bh - o - k:y + bh - o, x + o:x + bw - o],
                      rgb[y + bh + o:y + bh + o + k, x + o:x + bw - o]))
    if x - o - k >= 0:
        pairs.append((rgb[y + o:y + bh - o, x + o:x + o + k], rgb[y + o:y + bh - o, x - o - k:x - o]))
    if x + bw + o + k <= w:
        pairs.append((rgb[y + o:y + bh - o, x + bw - o - k:x + bw - o],
                      rgb[y + o:y + bh - o, x + bw + o:x + bw + o + k]))
    if not pairs:
        return 0.0
    differs = total = 0
    for inner, outer in pairs:
        # a pixel differs when some channel is more than 12 apart: "every channel within 12" is one inRange on
        # the exact uint8 differences (no int16 copies, no reduction over the channels)
        alike = cv2.inRange(cv2.absdiff(inner, outer), (0, 0, 0), (12, 12, 12))
        differs += alike.size - cv2.countNonZero(alike)
        total += alike.size
    return differs / max(1, total)


def _long_lines(edges: np.ndarray, min_fraction: float) -> list[tuple[int, int, int]]:
    """Horizontal straight edges (row, start, end) at least ``min_fraction`` of the width long."""
    h, w = edges.shape
    thick = edges.copy()
    thick[1:] |= edges[:-1]
    thick[:-1] |= edges[1:]
    thick = cv2.morphologyEx(thick.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8)) > 0
    rows = np.flatnonzero(thick.sum(axis=1) >= min_fraction * w)
    found: list[tuple[int, int, int]] = []
    for y, start, end in _row_runs(thick[rows], rows, int(min_fraction * w)):
        last = found[-1] if found else None
        if last and y - last[0] <= 2 and min(end, last[2]) - max(start, last[1]) > 0.5 * (end - start):
            found[-1] = (y, min(start, last[1]), max(end, last[2]))
        else:
            found.append((y, start, end))
    return found


def _row_runs(mask: np.ndarray, rows: np.ndarray, min_len: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of the runs of True in each row of a boolean ``mask`` that are at least ``min_len``
    long, row by row and left to right (``rows`` names the rows of ``mask``): all rows at once, in numpy."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    # each row has as many starts as ends, so in raster order the k-th start and the k-th end are one run
    start_rows, starts = np.nonzero(step == 1)
    ends = np.nonzero(step == -1)[1]
    keep = (ends - starts) >= min_len
    return [(int(y), int(a), int(b)) for y, a, b in zip(rows[start_rows[keep]], starts[keep], ends[keep])]


def _frame_rectangles(small: np.ndarray) -> list[Box]:
    """Rectangles bounded by long straight edges (or the image border): screens, device bodies, windows."""
    h, w = small.shape[:2]
    edges = cv2.Canny(cv2.GaussianBlur(grey(small), (3, 3), 0), 30, 90) > 0
    horizontal = sorted(_long_lines(edges, 0.3), key=lambda l: l[1] - l[2])[:14]
    vertical = sorted(_long_lines(edges.T, 0.3), key=lambda l: l[1] - l[2])[:14]
    tol_w, tol_h = 0.08 * w, 0.08 * h  # rounded screen corners keep straight edges off the corners
    rects: set[Box] = set()
    # Two parallel edges with the same extent imply the other two sides (a screen whose sides blend into the
    # bezel). Edges spanning the whole image are app dividers in a raw capture, not a frame.
    for lines, span, tol, other in ((horizontal, w, tol_w, h), (vertical, h, tol_h, w)):
        usable = [l for l in lines if l[2] - l[1] < 0.98 * span]
        for i, a in enumerate(usable):
            for b in usable[i + 1:]:
                if abs(a[1] - b[1]) <= tol and abs(a[2] - b[2]) <= tol and abs(a[0] - b[0]) >= 0.2 * other:
                    lo, hi = sorted((a[0], b[0]))
                    start, end = min(a[1], b[1]), max(a[2], b[2])
                    rects.add((start, lo, end - start, hi - lo) if lines is horizontal else
                              (lo, start, hi - lo, end - start))
    # Four edges (the image border counts) that meet at the corners.
    horizontal = horizontal + [(0, 0, w), (h - 1, 0, w)]
    vertical = vertical + [(0, 0, h), (w - 1, 0, h)]
    for left in vertical:
        for right in vertical:
            if right[0] - left[0] < 0.2 * w:
                continue
            for top in horizontal:
                if top[1] > left[0] + tol_w or top[2] < right[0] - tol_w:
                    continue
                for bottom in horizontal:
                    if bottom[0] - top[0] < 0.2 * h or bottom[1] > left[0] + tol_w or bottom[2] < right[0] - tol_w:
                        continue
                    height = bottom[0] - top[0]
                    if (min(left[2], bottom[0]) - max(left[1], top[0])) < 0.8 * height:
                        continue
                    if (min(right[2], bottom[0]) - max(right[1], top[0])) < 0.8 * height:
                        continue
                    rects.add((left[0], top[0], right[0] - left[0], height))
    return sorted(rects)


class _Smoothness:
    """Fraction of smooth pixels in any box, in O(1) (an integral image)."""

    def __init__(self, smooth: np.ndarray):
        self.integral = cv2.integral(smooth.astype(np.uint8))

    def count(self, box: Box) -> int:
        x, y, w, h = box
        s = self.integral
        return int(s[y + h, x + w] - s[y, x + w] - s[y + h, x] + s[y, x])

    def ring_fraction(self, outer: Box, inner: Box) -> float:
        area = outer[2] * outer[3] - inner[2] * inner[3]
        if area <= 0:
            return 1.0
        return (self.count(outer) - self.count(inner)) / area


def _contains(outer: Box, inner: Box) -> bool:
    return (inner[0] >= outer[0] and inner[1] >= outer[1] and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3])


def _grow(box: Box, margin: int, w: int, h: int) -> Box:
    x0, y0 = max(0, box[0] - margin), max(0, box[1] - margin)
    x1, y1 = min(w, box[0] + box[2] + margin), min(h, box[1] + box[3] + margin)
    return x0, y0, x1 - x0, y1 - y0


def _descend_frames(small: np.ndarray, smooth_mask: np.ndarray) -> list[Box]:
    """Nested frame rectangles from the whole image inwards: each one sits in a smooth surround
    (``smooth_mask``: :func:`_smooth_mask` of ``small``)."""
    h, w = small.shape[:2]
    smooth = _Smoothness(smooth_mask)
    margin = max(3, round(0.02 * min(h, w)))
    good = []
    score: dict[Box, float] = {}
    for rect in _frame_rectangles(small):
        area = rect[2] * rect[3]
        if not 0.15 * w * h <= area <= 0.97 * w * h:
            continue
        ring = smooth.ring_fraction(_grow(rect, margin, w, h), rect)
        outline = _outline_contrast(small, rect)
        if ring >= 0.6 and outline >= 0.5:
            good.append(rect)
            score[rect] = ring + outline
    chain = [(0, 0, w, h)]
    # A raw capture is edge to edge: its border is the app (a status bar, a toolbar, a sidebar), not a smooth
    # backdrop or padding, and nothing in it is a frame.
    border = max(2, round(0.02 * min(h, w)))
    if min(h, w) <= 2 * border:  # a sliver (a banner strip, a line) has no inside to frame
        return chain
    if smooth.ring_fraction((0, 0, w, h), (border, border, w - 2 * border, h - 2 * border)) < 0.85:
        return chain
    while True:
        outer = chain[-1]
        # A screen in a device, a window or padding is inset on the left and the right; a panel under an app's
        # toolbar or beside its sidebar is not. Inside a frame, the screen sits in its middle (a bezel is as
        # thick on the left as on the right).
        side = max(2, round(0.01 * outer[2]))
        nested = len(chain) > 1

        def centred(r: Box) -> bool:
            left, right = r[0] - outer[0], (outer[0] + outer[2]) - (r[0] + r[2])
            return not nested or abs(left - right) <= 0.5 * max(left, right) + side

        inside = [r for r in good if _contains(outer, r) and r[2] * r[3] <= 0.97 * outer[2] * outer[3]
                  and r[2] * r[3] >= 0.45 * outer[2] * outer[3] and smooth.ring_fraction(outer, r) >= 0.7
                  and r[0] - outer[0] >= side and (outer[0] + outer[2]) - (r[0] + r[2]) >= side and centred(r)]
        if not inside:
            return chain
        # The best-framed rectangle: smooth surround, crisp outline.
        chain.append(max(inside, key=lambda r: (score[r], r[2] * r[3])))


def screen_candidates(rgb: np.ndarray, max_layers: int = 4) -> list[Box]:
    """Plausible boxes of the app's screen, from the whole image inwards: peeled layers of backdrop, padding
    and bezel, and rectangles framed by straight edges in a smooth surround. The last one is the best guess."""
    h, w = rgb.shape[:2]
    small, scale = shrink(rgb, PEEL_SIDE)

    def full_size(box: Box) -> Box:
        x, y = round(box[0] / scale), round(box[1] / scale)
        return x, y, min(round(box[2] / scale), w - x), min(round(box[3] / scale), h - y)

    peeled: list[Box] = []
    x0, y0 = 0, 0
    current = small
    smooth = _smooth_mask(small)  # the first layer is peeled off the whole copy, whose frames are sought too
    for layer in range(max_layers):
        found = _peel_once(current, smooth if layer == 0 else None)
        if found is None:
            break
        x, y, bw, bh = found
        current = current[y:y + bh, x:x + bw]
        x0, y0 = x0 + x, y0 + y
        peeled.append((x0, y0, bw, bh))
    framed = _descend_frames(small, smooth)[1:]
    boxes = [(0, 0, w, h)]
    for box in peeled + framed:
        big = full_size(box)
        if all(box_iou(big, seen) < 0.9 for seen in boxes):
            boxes.append(big)
    best = _best_screen(peeled, framed)
    if best is not None:
        big = full_size(best)
        boxes = [b for b in boxes if box_iou(b, big) < 0.9] + [big]
    return boxes


def _best_screen(peeled: list[Box], framed: list[Box]) -> Box | None:
    """The innermost of the two guesses when they nest, else the framed one (straight edges are the stronger
    evidence), else the peeled one."""
    p = peeled[-1] if peeled else None
    f = framed[-1] if framed else None
    if p is None or f is None:
        return p or f
    if _contains(p, f):
        return f
    if _contains(f, p):
        return p
    return f


def trim_uniform(rgb: np.ndarray, tolerance: int = 16) -> Box:
    """The box left once uniform margins (padding, or an app's own plain background at the edges) are trimmed:
    the bounding box of everything that differs from the colour of the image's border."""
    h, w = rgb.shape[:2]
    small, scale = shrink(rgb, PEEL_SIDE)
    sh, sw = small.shape[:2]
    ring = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]]).astype(np.int16)
    border = np.median(ring, axis=0)
    if (np.abs(ring - border).max(axis=1) > tolerance).mean() > 0.2:  # the border is not one colour
        return 0, 0, w, h
    # a pixel is like the border when every channel is within ``tolerance`` of it: an integer range per channel
    low = tuple(int(v) for v in np.clip(np.ceil(border - tolerance), 0, 255))
    high = tuple(int(v) for v in np.clip(np.floor(border + tolerance), 0, 255))
    differs = cv2.bitwise_not(cv2.inRange(cv2.GaussianBlur(small, (3, 3), 0), low, high))
    x0, y0, bw, bh = cv2.boundingRect(differs)
    if bw == 0 or bw * bh < 0.1 * sw * sh:
        return 0, 0, w, h
    x1, y1 = x0 + bw, y0 + bh
    x, y = int(x0 / scale), int(y0 / scale)
    return x, y, min(w - x, int(np.ceil((x1 - x0) / scale))), min(h - y, int(np.ceil((y1 - y0) / scale)))


def trimmed(rgb: np.ndarray, box: Box) -> Box:
    """``box`` with its uniform margins trimmed (:func:`trim_uniform`), in ``rgb``'s pixels."""
    tx, ty, tw, th = trim_uniform(crop(rgb, box))
    return box[0] + tx, box[1] + ty, tw, th


def inset(box: Box, share: float) -> Box:
    x, y, w, h = box
    dx, dy = round(w * share), round(h * share)
    return x + dx, y + dy, max(1, w - 2 * dx), max(1, h - 2 * dy)


def retrieval_boxes(rgb: np.ndarray, candidates: list[Box] | None = None) -> list[Box]:
    """Guesses of the screen to hash when looking a listing image up: the located candidates, each also with its
    uniform margins trimmed and with a thin inset (a bezel or shadow left on the box)."""
    boxes: list[Box] = []
    for box in candidates or screen_candidates(rgb):
        for guess in (box, trimmed(rgb, box), inset(box, 0.02), inset(box, 0.04)):
            if all(box_iou(guess, seen) < 0.97 for seen in boxes):
                boxes.append(guess)
    return boxes


def locate_screen(rgb: np.ndarray) -> Box:
    """The box of the app's screen inside a listing image (the whole image when nothing surrounds it)."""
    return screen_candidates(rgb)[-1]


def crop(rgb: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box
    return rgb[y:y + h, x:x + w]


# --------------------------------------------------------------------------- alignment

@dataclass(frozen=True)
class Features:
    """ORB keypoints (x, y) and descriptors of an image shrunk by ``scale`` (coordinates are in the original)."""

    points: np.ndarray  # N x 2 float32, original-image pixels
    descriptors: np.ndarray | None  # N x 32 uint8
    width: int
    height: int

    @property
    def count(self) -> int:
        return 0 if self.descriptors is None else len(self.descriptors)


_ORB = None


def _orb():
    global _ORB
    if _ORB is None:
        _ORB = cv2.ORB_create(nfeatures=ORB_FEATURES, scaleFactor=ORB_SCALE_STEP, nlevels=8, fastThreshold=10)
    return _ORB


def grey(rgb: np.ndarray) -> np.ndarray:
    return rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def orb_features(rgb: np.ndarray) -> Features:
    """ORB features of an image, computed on a copy whose long side is ALIGN_SIDE: larger images are shrunk,
    much smaller ones (a thumbnail in a listing) enlarged. ORB's pyramid only shrinks, so a thumbnail's features
    would otherwise come from its own fine scale only, where a capture has few of its features: at a common
    size both sets describe the screen at the same scales. An image within two pyramid levels of that size
    shares enough of them as it is."""
    h, w = rgb.shape[:2]
    small, scale = shrink(grey(rgb), ALIGN_SIDE)
    if max(h, w) < ALIGN_SIDE / ORB_SCALE_STEP ** 2:
        scale = ALIGN_SIDE / max(h, w)
        small = cv2.resize(small, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_CUBIC)
    keypoints, descriptors = _orb().detectAndCompute(small, None)
    points = np.float32([kp.pt for kp in keypoints]).reshape(-1, 2) / scale
    return Features(points=points, descriptors=descriptors, width=w, height=h)


@dataclass(frozen=True)
class Transform:
    """A similarity transform from listing-image pixels to live-capture pixels: ``[x', y'] = M @ [x, y, 1]``."""

    matrix: tuple[tuple[float, float, float], tuple[float, float, float]]
    method: str  # features | fit
    inliers: int = 0
    matches: int = 0

    @property
    def array(self) -> np.ndarray:
        return np.array(self.matrix, dtype=np.float64)

    @property
    def scale(self) -> float:
        m = self.matrix
        return float(np.hypot(m[0][0], m[1][0]))

    @property
    def rotation_degrees(self) -> float:
        m = self.matrix
        return float(np.degrees(np.arctan2(m[1][0], m[0][0])))

    def apply(self, points: np.ndarray) -> np.ndarray:
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return pts @ self.array[:, :2].T + self.array[:, 2]

    def inverse(self) -> np.ndarray:
        return cv2.invertAffineTransform(self.array)


def _similarity(scale: float, tx: float, ty: float) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    return ((scale, 0.0, tx), (0.0, scale, ty))


def feature_transform(listing: Features, live: Features, ratio: float = 0.8,
                      reprojection: float | None = None) -> Transform | None:
    """The similarity transform listing -> live supported by the most ORB matches (RANSAC), or None."""
    if listing.count < 8 or live.count < 8:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(listing.descriptors, live.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    if len(good) < 6:
        return None
    src = listing.points[[g.queryIdx for g in good]]
    dst = live.points[[g.trainIdx for g in good]]
    threshold = reprojection or max(3.0, max(live.width, live.height) / ALIGN_SIDE * 3.0)
    matrix, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=threshold,
                                               maxIters=4000, confidence=0.995)
    if matrix is None or mask is None:
        return None
    inliers = int(mask.sum())
    transform = Transform(matrix=tuple(tuple(float(v) for v in row) for row in matrix), method="features",
                          inliers=inliers, matches=len(good))
    if not (0.1 <= transform.scale <= 10.0) or abs(transform.rotation_degrees) > 5.0:
        return None
    return transform


def fit_box(box: Box, target: Box) -> Transform:
    """Map ``box`` (a located screen in the listing image) onto ``target`` (the capture's screen), matching
    widths and top edges: a screenshot cropped or extended at the bottom still lines up."""
    x, y, w, h = box
    tx, ty, tw, th = target
    scale = tw / max(1, w)
    return Transform(matrix=_similarity(scale, tx - x * scale, ty - y * scale), method="fit")


def mapped_box(transform: Transform, box: Box) -> Box:
    """The axis-aligned bounding box of ``box`` after ``transform``."""
    x, y, w, h = box
    corners = transform.apply(np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]]))
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    return int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0))


def box_iou(a: Box, b: Box) -> float:
    ax0, ay0, aw, ah = a
    bx0, by0, bw, bh = b
    ix = max(0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    iy = max(0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def intersect(a: Box, b: Box) -> Box | None:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1 - x0, y1 - y0
