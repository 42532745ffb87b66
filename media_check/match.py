"""Is a listing screenshot the live app's screen as it is today? Compare one aligned pair and decide.

Given a listing image and a live capture, :func:`compare` lines them up (:mod:`media_check.align`: ORB features
and a RANSAC similarity transform, or a located screen box fitted onto the capture), warps the listing onto the
capture's frame and compares their *drawings* (edge strength, :func:`structure_map`), with a difference that
tolerates a pixel or two of misalignment, resampling blur, JPEG noise and a recoloured background. Every changed
pixel is then sorted:

- *cosmetic*: the status-bar strip of a phone screen (clock, battery, signal); pictures swapped for other pictures
  (covers, avatars, photos: colourful on both sides); text whose line has a counterpart in the other image, on the
  same line or a line or two away in the same column (a value, a date, a count, a data row, a title that wraps);
  prose (paragraphs filling their column); an outline around the whole screen (a device frame or screen edge);
- *structural*: everything else: a control or icon added or removed, a block moved or resized, a changed layout.
  Structural regions are *added* (drawn only in the live app), *removed* (only in the listing) or *altered*.

:func:`decide` turns the comparison into ``current`` (the same screen, only cosmetic changes), ``stale`` (the same
screen or one related to it, with structural changes: the regions are the evidence) or ``unmatched`` (nothing
lines up). Everything works on numpy RGB arrays; region boxes are kept in capture work pixels and in listing
pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from media_check import align
from media_check.align import Box, Features, Transform

WORK_SIDE = 960  # the live capture is compared at this long side (the listing is warped onto it)
DIFF_LEVEL = 48  # edge-strength levels beyond the neighbourhood's that count as a change
EDGE_PRESENT = 20  # edge strength from which something is drawn at all (a dark theme draws faintly, but draws)
STATUS_BAR = 0.045  # top strip of a portrait screen holding clock, battery and signal
STRONG_INLIERS = 60  # feature matches that settle the alignment (no box-fitting hypotheses tried)


@dataclass(frozen=True)
class Region:
    """One changed place: its box in live-capture work pixels and in listing pixels, and what kind it is."""

    live_box: Box
    listing_box: Box
    kind: str  # status-bar | picture | text | prose | frame | structure
    area_fraction: float  # share of the compared area its changed pixels cover
    presence: str = "altered"  # added (drawn only in the live capture) | removed (only in the listing) | altered
    box_fraction: float = 0.0  # share of the compared area its box covers

    @property
    def structural(self) -> bool:
        return self.kind == "structure"


@dataclass(frozen=True)
class Comparison:
    """One listing image against one live capture, aligned."""

    transform: Transform
    coverage: float  # share of the live frame the listing's screen covers after alignment
    edge_agreement: float  # F-score of edges that coincide on the overlap (1 = the same drawing)
    chrome_agreement: float  # the same, leaving out pictures, prose and the status bar (the user's content)
    changed_fraction: float  # share of the overlap that changed
    structural_fraction: float  # share of the overlap in structural regions
    regions: tuple[Region, ...] = ()
    screen_box: Box = (0, 0, 0, 0)  # the listing's screen box used for the comparison

    @property
    def structural_regions(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.structural)


@dataclass(frozen=True)
class Decision:
    status: str  # current | stale | unmatched
    similarity: float
    reason: str
    changed_regions: tuple[Box, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- helpers

def _edges(rgb: np.ndarray) -> np.ndarray:
    return cv2.Canny(cv2.GaussianBlur(align.grey(rgb), (3, 3), 0), 40, 120) > 0


def edge_agreement(a: np.ndarray, b: np.ndarray, valid: np.ndarray, b_edges: np.ndarray | None = None,
                   a_edges: np.ndarray | None = None) -> float:
    """F-score of edges of ``a`` and ``b`` that coincide within a pixel, on ``valid`` pixels (``a_edges``,
    ``b_edges``: the edges of ``a``, of ``b`` when already known)."""
    ea = (_edges(a) if a_edges is None else a_edges) & valid
    eb = (_edges(b) if b_edges is None else b_edges) & valid
    kernel = np.ones((3, 3), np.uint8)
    da = cv2.dilate(ea.astype(np.uint8), kernel) > 0
    db = cv2.dilate(eb.astype(np.uint8), kernel) > 0
    na, nb = int(ea.sum()), int(eb.sum())
    if na == 0 and nb == 0:
        return 1.0
    if na == 0 or nb == 0:
        return 0.0
    precision = (ea & db).sum() / na
    recall = (eb & da).sum() / nb
    return float(2 * precision * recall / max(1e-9, precision + recall))


def structure_map(rgb: np.ndarray) -> np.ndarray:
    """Edge strength (0..255) of an image: what is drawn where, whatever the colours (a dark and a light theme
    of one layout have nearly the same map)."""
    g = cv2.GaussianBlur(align.grey(rgb), (3, 3), 0)
    gradient = cv2.morphologyEx(g, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    return gradient


def tolerant_difference(a: np.ndarray, b: np.ndarray, level: int = DIFF_LEVEL, reach: int = 2,
                        present: int = EDGE_PRESENT) -> np.ndarray:
    """Where two structure maps (:func:`structure_map`) differ: an edge in one with no edge within ``reach``
    pixels in the other, so a shift of a pixel or two, resampling blur, compression noise or a recoloured
    background do not count.

    An edge counts as missing from the other map only when that map draws (next to) nothing there (strength
    under ``present``), not merely something fainter: the same element in a dark theme and in a light one
    differs in contrast, often several times over (a black camera cutout on a near-black screen, a grey
    divider on white), but it is drawn in both."""
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    changed = np.zeros(a.shape, bool)
    for one, other in ((a, b), (b, a)):
        near = cv2.dilate(other, kernel).astype(np.int16)
        changed |= ((one.astype(np.int16) - near) > level) & (near < present)
    return changed


# --------------------------------------------------------------------------- comparison

class LiveView:
    """A live capture prepared for comparison: shrunk to the work size (long side WORK_SIDE), with its screen box
    and ORB features in work pixels, and the maps derived from it computed once."""

    def __init__(self, rgb: np.ndarray, screen: Box | None = None):
        h, w = rgb.shape[:2]
        self.image, self.scale = align.shrink(rgb, WORK_SIDE)
        sh, sw = self.image.shape[:2]
        if screen is None:  # a live capture is a raw capture: the whole image is the screen
            screen = (0, 0, w, h)
        x, y, bw, bh = (round(v * self.scale) for v in screen)
        self.screen: Box = (x, y, min(bw, sw - x), min(bh, sh - y))
        self._features: Features | None = None
        self._structure: np.ndarray | None = None
        self._edges: np.ndarray | None = None
        self._lines: list[Box] | None = None
        self._blocks: list[Box] | None = None

    @property
    def features(self) -> Features:
        if self._features is None:
            self._features = align.orb_features(self.image)
        return self._features

    @property
    def structure(self) -> np.ndarray:
        if self._structure is None:
            self._structure = structure_map(self.image)
        return self._structure

    @property
    def edges(self) -> np.ndarray:
        if self._edges is None:
            self._edges = _edges(self.image)
        return self._edges

    @property
    def lines(self) -> list[Box]:
        if self._lines is None:
            self._lines = text_lines(self.image)
        return self._lines

    @property
    def blocks(self) -> list[Box]:
        if self._blocks is None:
            self._blocks = blocks(self.image, self.structure)
        return self._blocks


@dataclass(frozen=True)
class _Fit:
    """The best alignment hypothesis and what comparing along it needs: the listing warped onto the capture's
    work frame and its edges, and the overlap of the mapped listing screen with the capture's screen."""

    transform: Transform
    box: Box  # the listing's screen, in listing pixels
    coverage: float
    agreement: float
    overlap: Box  # in the capture's work pixels
    warped: np.ndarray
    warped_edges: np.ndarray


def _best_transform(listing: np.ndarray, live: LiveView, boxes: list[Box], hypotheses: list[Transform]
                    ) -> _Fit | None:
    """The alignment hypothesis whose warped listing agrees best with the capture; transforms map listing pixels
    to the capture's work pixels."""
    sh, sw = live.image.shape[:2]
    frame = live.screen
    best = None
    strong = [t for t in hypotheses if t.inliers >= STRONG_INLIERS]
    fits = [] if strong else [align.fit_box(box, frame) for box in boxes]  # features leave no doubt: no guessing
    for transform in hypotheses + fits:
        # The listing's screen: the candidate box that lands closest to the capture's screen.
        box = max(boxes, key=lambda b: align.box_iou(align.mapped_box(transform, b), frame))
        overlap = align.intersect(align.mapped_box(transform, box), frame)
        if overlap is None:
            continue
        coverage = overlap[2] * overlap[3] / float(frame[2] * frame[3])
        if coverage < 0.2:
            continue
        warped = cv2.warpAffine(listing, transform.array, (sw, sh), flags=cv2.INTER_AREA)
        warped_edges = _edges(warped)
        valid = _box_mask((sh, sw), overlap)
        agreement = edge_agreement(warped, live.image, valid, live.edges, a_edges=warped_edges)
        score = agreement * min(1.0, coverage / 0.6) ** 0.5
        if best is None or score > best[0]:
            best = (score, _Fit(transform, box, coverage, agreement, overlap, warped, warped_edges))
    return None if best is None else best[1]


def _box_mask(shape: tuple[int, int], box: Box) -> np.ndarray:
    mask = np.zeros(shape, bool)
    x, y, w, h = box
    x0, y0 = max(0, x), max(0, y)
    mask[y0:max(y0, y + h), x0:max(x0, x + w)] = True
    return mask


def compare(listing: np.ndarray, live: np.ndarray | LiveView, boxes: list[Box] | None = None,
            hypotheses: list[Transform] | None = None) -> Comparison | None:
    """Align ``listing`` onto ``live`` and describe what differs, or None when no hypothesis overlaps.

    ``boxes`` are the listing's screen candidates (located when not given); ``hypotheses`` the result of the
    feature search already made (listing pixels to the capture's work pixels; empty when it found nothing), else
    the search is made here."""
    view = live if isinstance(live, LiveView) else LiveView(live)
    boxes = boxes or align.screen_candidates(listing)
    if hypotheses is None:
        found = align.feature_transform(align.orb_features(listing), view.features)
        hypotheses = [] if found is None else [found]
    fit = _best_transform(listing, view, boxes, hypotheses)
    if fit is None:
        return None
    transform, warped = fit.transform, fit.warped
    sh, sw = view.image.shape[:2]
    # The mapped listing screen within the capture's screen.
    valid = _box_mask((sh, sw), fit.overlap)
    # Shave the overlap's rim: frame edges and resampling seams are not UI changes.
    rim = max(2, round(0.006 * max(sw, sh)))
    # Outside the image counts as outside the overlap: the rim along the image's own edges is shaved too.
    valid = cv2.erode(valid.astype(np.uint8), np.ones((2 * rim + 1, 2 * rim + 1), np.uint8),
                      borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    plain_structure = structure_map(warped)  # the picture blocks are found on this one
    warped_structure = plain_structure
    live_structure = view.structure
    if transform.scale > 1.15:
        # The listing has fewer pixels than the capture: compare the capture at the listing's resolution, or
        # every detail too fine to survive the listing's downscaling would look removed.
        coarse = cv2.resize(view.image, (max(1, round(sw / transform.scale)), max(1, round(sh / transform.scale))),
                            interpolation=cv2.INTER_AREA)
        live_structure = structure_map(cv2.resize(coarse, (sw, sh), interpolation=cv2.INTER_LINEAR))
        warped_structure = structure_map(cv2.resize(cv2.resize(warped, coarse.shape[1::-1],
                                                               interpolation=cv2.INTER_AREA), (sw, sh),
                                                    interpolation=cv2.INTER_LINEAR))
    changed = tolerant_difference(warped_structure, live_structure) & valid
    cosmetic = cosmetic_map(warped, view, plain_structure)
    kinds = np.zeros(changed.shape, np.uint8)
    kinds[changed] = cosmetic[changed]
    kinds[changed & (cosmetic == 0)] = KIND_CODES["structure"]
    _relabel_structure(kinds, warped, view.image, valid)
    regions = _regions(kinds, transform, warped_structure > 40, live_structure > 40)
    area = max(1, int(valid.sum()))
    structural = float((kinds == KIND_CODES["structure"]).sum()) / area
    # The app's chrome and controls, without the user's content (pictures, prose, the status bar).
    chrome = valid & ~np.isin(cosmetic, (KIND_CODES["status-bar"], KIND_CODES["picture"], KIND_CODES["prose"]))
    return Comparison(transform=transform, coverage=fit.coverage, edge_agreement=fit.agreement,
                      chrome_agreement=edge_agreement(warped, view.image, chrome, view.edges, fit.warped_edges),
                      changed_fraction=float(changed.sum()) / area, structural_fraction=structural,
                      regions=tuple(regions), screen_box=fit.box)


KIND_CODES = {"none": 0, "status-bar": 1, "picture": 2, "text": 3, "prose": 4, "frame": 6, "structure": 5}
KIND_NAMES = {v: k for k, v in KIND_CODES.items()}


def cosmetic_map(listing: np.ndarray, live: LiveView, structure: np.ndarray | None = None) -> np.ndarray:
    """Where a change would be cosmetic, per pixel: status-bar, picture, text (changed in place), prose; 0 where
    a change is structural. ``listing`` is already warped onto the capture's work frame (``structure``: its
    :func:`structure_map` when already known)."""
    h, w = live.image.shape[:2]
    cosmetic = np.zeros((h, w), np.uint8)
    lines_a, lines_b = text_lines(listing), live.lines
    sx, sy, sw, sh = live.screen
    if sh > sw * 1.3:  # a phone screen: the status bar strip at its top
        strip = _box_mask((h, w), (sx, sy, sw, status_bar_height(live.screen, lines_a + lines_b)))
        cosmetic[strip & (cosmetic == 0)] = KIND_CODES["status-bar"]
    pictures = picture_mask(listing, live.image, theirs=live.blocks, structure=structure)
    cosmetic[pictures & (cosmetic == 0)] = KIND_CODES["picture"]
    in_place = _text_in_place(lines_a, lines_b, (h, w))
    cosmetic[in_place & (cosmetic == 0)] = KIND_CODES["text"]
    prose = _prose_mask(lines_a, (h, w)) | _prose_mask(lines_b, (h, w))
    cosmetic[prose & (cosmetic == 0)] = KIND_CODES["prose"]
    return cosmetic


def status_bar_height(screen: Box, lines: list[Box]) -> int:
    """Height of a phone screen's status bar: a share of the screen (STATUS_BAR), reaching down to the bottom of
    the glyphs (clock, signal, notification icons) that start inside that share. A device frame or a taller
    status bar (a camera cutout) pushes its row down, and its icons would otherwise stick out of the strip."""
    _, sy, _, sh = screen
    base = round(sh * STATUS_BAR)
    bottom = sy + base
    for x, y, bw, bh in lines:
        if sy <= y < sy + base and bh <= base:
            bottom = max(bottom, y + bh)
    return min(bottom - sy, 2 * base)


def _relabel_structure(kinds: np.ndarray, listing: np.ndarray, live: np.ndarray, valid: np.ndarray) -> None:
    """Second look at each structural change: a thin outline hugging the compared area is a device frame or a
    screen edge, not the app; a picture swapped for another (colourful on both sides) is the user's data."""
    h, w = kinds.shape
    structure = (kinds == KIND_CODES["structure"]).astype(np.uint8)
    if not structure.any():
        return
    vx0, vy0, vw, vh = cv2.boundingRect(valid.astype(np.uint8))  # the compared area
    if vw == 0:
        vx0, vy0, vw, vh = 0, 0, w, h
    vx1, vy1 = vx0 + vw, vy0 + vh
    near = 0.08 * min(vw, vh)  # how close to a side of the compared area a frame's side lies
    linked = cv2.dilate(structure, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(linked, connectivity=8)
    for i in range(1, count):
        x, y, bw, bh, _ = (int(v) for v in stats[i])
        member = (labels[y:y + bh, x:x + bw] == i) & (structure[y:y + bh, x:x + bw] > 0)
        pixels = int(member.sum())
        # An outline around (most of) the compared area: the edge of a screen or a device frame.
        around = bw >= 0.6 * w and bh >= 0.6 * h and pixels < 0.08 * bw * bh
        # One side of that outline alone (the rest of it fell among cosmetic changes, or is the same in both):
        # a line a few pixels thick along a side of the compared area, near it and running along a third of it.
        # A dark screen on a black bezel has next to no edge where a light one has a strong one.
        side = (bh >= 0.3 * vh and bw <= 0.1 * vw and pixels <= 5 * bh and
                (x - vx0 <= near or vx1 - (x + bw) <= near)) or \
            (bw >= 0.3 * vw and bh <= 0.1 * vh and pixels <= 5 * bw and (y - vy0 <= near or vy1 - (y + bh) <= near))
        if around or side:
            kinds[y:y + bh, x:x + bw][member] = KIND_CODES["frame"]
    structure = (kinds == KIND_CODES["structure"]).astype(np.uint8)
    grow = max(3, round(0.012 * max(h, w)))
    grouped = cv2.dilate(structure, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * grow + 1, 2 * grow + 1)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    for i in range(1, count):
        x, y, bw, bh, _ = (int(v) for v in stats[i])
        if bw * bh > 0.15 * h * w:  # a whole new layout is not "a picture"
            continue
        if colour_richness(listing[y:y + bh, x:x + bw]) >= 12 and colour_richness(live[y:y + bh, x:x + bw]) >= 12:
            member = (labels[y:y + bh, x:x + bw] == i) & (structure[y:y + bh, x:x + bw] > 0)
            kinds[y:y + bh, x:x + bw][member] = KIND_CODES["picture"]


def blocks(rgb: np.ndarray, structure: np.ndarray | None = None) -> list[Box]:
    """Boxes of the drawn blocks of a screen (cards, pictures, rows, buttons): its edges joined across small gaps
    (``structure``: its :func:`structure_map` when already known)."""
    h, w = rgb.shape[:2]
    drawn = ((structure_map(rgb) if structure is None else structure) > 40).astype(np.uint8)
    k = max(3, round(0.012 * max(h, w)))
    joined = cv2.morphologyEx(drawn, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    return [tuple(int(v) for v in stats[i][:4]) for i in range(1, count)]


def colour_richness(patch: np.ndarray) -> int:
    """How many coarse colours it takes to cover 90% of a patch: flat UI needs a handful, a picture dozens."""
    if patch.size == 0:
        return 0
    q = (patch // 32).reshape(-1, 3).astype(np.int32)
    counts = np.sort(np.bincount(q[:, 0] * 64 + q[:, 1] * 8 + q[:, 2], minlength=512))[::-1]
    return int(np.searchsorted(np.cumsum(counts), 0.9 * counts.sum()) + 1)


def picture_mask(listing: np.ndarray, live: np.ndarray, min_area: float = 0.004, rich: int = 12,
                 theirs: list[Box] | None = None, structure: np.ndarray | None = None) -> np.ndarray:
    """Pictures whose content changed in place (covers, photos, avatars, thumbnails: the user's data): a block at
    the same place in both images, colourful in both. ``theirs``: the blocks of ``live`` when already known;
    ``structure``: the :func:`structure_map` of ``listing`` when already known."""
    h, w = live.shape[:2]
    mask = np.zeros((h, w), bool)
    theirs = blocks(live) if theirs is None else theirs
    for a in blocks(listing, structure):
        if not min_area * h * w <= a[2] * a[3] <= 0.35 * h * w:
            continue
        for b in theirs:
            if align.box_iou(a, b) < 0.6:
                continue
            x0, y0 = min(a[0], b[0]), min(a[1], b[1])
            x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
            if colour_richness(listing[y0:y1, x0:x1]) >= rich and colour_richness(live[y0:y1, x0:x1]) >= rich:
                mask[y0:y1, x0:x1] = True
    return mask


def text_lines(rgb: np.ndarray) -> list[Box]:
    """Boxes of text lines: rows of small high-contrast glyphs (icons next to a label join its line)."""
    g = align.grey(rgb)
    h, w = g.shape
    gradient = cv2.morphologyEx(g, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    strokes = (gradient > 60).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(strokes, connectivity=8)
    max_h = max(6, round(0.05 * max(h, w)))
    heights, widths = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    keep = (heights >= 3) & (heights <= max_h) & (widths <= 6 * heights)
    keep[0] = False
    glyphs = keep[labels].astype(np.uint8)
    # Fill each glyph's box so a line becomes one solid run once neighbours are joined.
    glyphs = cv2.dilate(glyphs, np.ones((3, 1), np.uint8))
    joined = cv2.morphologyEx(glyphs, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    x, y, bw, bh = (stats[1:, i] for i in range(4))
    ok = (bh >= 3) & (bh <= max_h + 2) & (bw >= 1.2 * bh)
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in zip(x[ok], y[ok], bw[ok], bh[ok])]


def _text_in_place(lines_a: list[Box], lines_b: list[Box], shape: tuple[int, int]) -> np.ndarray:
    """Pixels of text lines that have a counterpart in the other image: on the same line (a value, a date, a
    count that changed in place), or in the same column a line or two away (a longer title that wraps, a
    description that reflows)."""
    mask = np.zeros(shape, bool)
    if not lines_a or not lines_b:
        return mask
    a = np.array(lines_a, dtype=np.float64)[:, None, :]  # A x 1 x 4
    b = np.array(lines_b, dtype=np.float64)[None, :, :]  # 1 x B x 4
    top, bottom = np.maximum(a[..., 1], b[..., 1]), np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3])
    left, right = np.maximum(a[..., 0], b[..., 0]), np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2])
    height = np.maximum(a[..., 3], b[..., 3])
    ratio = a[..., 3] / np.maximum(1, b[..., 3])
    similar = (right - left > 0) & (ratio >= 0.6) & (ratio <= 1.67)
    same_line = bottom - top >= 0.6 * height
    centre_gap = np.abs((a[..., 1] + a[..., 3] / 2) - (b[..., 1] + b[..., 3] / 2))
    reflowed = (centre_gap <= 2.5 * height) & (right - left >= 0.5 * np.minimum(a[..., 2], b[..., 2])) & \
        (np.abs(a[..., 0] - b[..., 0]) <= height)
    paired = similar & (same_line | reflowed)
    for i, j in zip(*np.nonzero(paired)):
        one, two = lines_a[i], lines_b[j]
        if max(one[2], two[2]) <= 1.3 * min(one[2], two[2]):  # about as long: the text changed, not the row
            for x, y, bw, bh in (one, two):
                mask[y:y + bh, x:x + bw] = True
        else:  # one line is much longer (a control or a word added to the row): only the common part is text
            slack = round(0.15 * min(one[2], two[2]))
            x0 = max(one[0], two[0]) - slack
            x1 = min(one[0] + one[2], two[0] + two[2]) + slack
            y0, y1 = min(one[1], two[1]), max(one[1] + one[3], two[1] + two[3])
            mask[y0:y1, max(0, x0):max(0, x1)] = True
    return mask


def _prose_mask(lines: list[Box], shape: tuple[int, int]) -> np.ndarray:
    """Paragraphs: three or more stacked text lines with one left edge, one height and regular spacing, and a
    line's height above and below them: the paragraph's first or last line cut by the screen's edge, a toolbar
    or a navigation bar fading over it shows too little of itself to be found as a line, but it is prose."""
    mask = np.zeros(shape, bool)
    h, w = shape
    ordered = sorted(lines, key=lambda b: (b[1], b[0]))
    used = set()
    for i, first in enumerate(ordered):
        if i in used:
            continue
        block = [first]
        for j in range(i + 1, len(ordered)):
            line = ordered[j]
            last = block[-1]
            gap = line[1] - (last[1] + last[3])
            # Lines of one paragraph share its left edge and spacing; a line may be taller where a floating
            # button overlaps it, or shorter where the screen cuts it.
            if abs(line[0] - first[0]) <= 0.02 * w and 0.5 <= line[3] / max(1, first[3]) <= 2.0 and \
                    -2 <= gap <= 1.2 * first[3] and (line[2] >= 0.3 * w or len(block) >= 3):
                block.append(line)
                used.add(j)
            elif line[1] > last[1] + 3 * last[3]:
                break
        widest = max(b[2] for b in block)
        full = sum(b[2] >= 0.75 * widest for b in block)
        # Prose fills its column: most lines run (nearly) to the paragraph's right edge, unlike a list of labels.
        if len(block) >= 3 and widest >= 0.3 * w and full >= max(3, 0.6 * len(block)):
            x0 = min(b[0] for b in block)
            x1 = max(b[0] + b[2] for b in block)
            line = int(np.median([b[3] for b in block]))
            y0 = max(0, block[0][1] - line)
            y1 = block[-1][1] + block[-1][3] + line
            mask[y0:y1, x0:x1] = True
    return mask


def _regions(kinds: np.ndarray, transform: Transform, ink_listing: np.ndarray, ink_live: np.ndarray) -> list[Region]:
    """Changed regions (boxes) of each kind, structural ones first; boxes in work and listing pixels. A region
    drawn on one side only is an element added or removed; drawn on both, an element altered."""
    h, w = kinds.shape
    inverse = Transform(matrix=tuple(tuple(float(v) for v in row) for row in cv2.invertAffineTransform(
        transform.array)), method=transform.method)
    grow = max(3, round(0.012 * max(h, w)))
    min_pixels = max(8, round(0.00005 * h * w))
    regions = []
    for code in (KIND_CODES["structure"], KIND_CODES["text"], KIND_CODES["prose"], KIND_CODES["picture"],
                 KIND_CODES["status-bar"], KIND_CODES["frame"]):
        mask = (kinds == code).astype(np.uint8)
        if not mask.any():
            continue
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
        grouped = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * grow + 1, grow + 1)))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
        for i in range(1, count):
            x, y, bw, bh, _ = (int(v) for v in stats[i])
            inside = mask[y:y + bh, x:x + bw] & (labels[y:y + bh, x:x + bw] == i)
            pixels = int(inside.sum())
            if pixels < min_pixels:
                continue
            ys, xs = np.nonzero(inside)
            box = (x + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1)
            bx, by, bw2, bh2 = box
            ink_a = float(ink_listing[by:by + bh2, bx:bx + bw2].mean())
            ink_b = float(ink_live[by:by + bh2, bx:bx + bw2].mean())
            presence = "altered"
            if min(ink_a, ink_b) < 0.25 * max(ink_a, ink_b):
                presence = "added" if ink_b > ink_a else "removed"
            regions.append(Region(live_box=box, listing_box=align.mapped_box(inverse, box),
                                  kind=KIND_NAMES[code], area_fraction=pixels / float(h * w), presence=presence,
                                  box_fraction=bw2 * bh2 / float(h * w)))
    return regions


# --------------------------------------------------------------------------- decision

RECOGNISED_INLIERS = 25  # feature matches (RANSAC inliers) that confirm the same screen ...
RELATED_INLIERS = 15  # ... that show it is related (a screen of the same app) ...
FEATURE_COVERAGE = 0.4  # ... when the listing's screen then covers this much of the capture
RECOGNISED_AGREEMENT = 0.5  # chrome edge agreement that confirms the same screen without feature support
RELATED_AGREEMENT = 0.45
CURRENT_AGREEMENT = 0.3  # with no structural change, this much agreement is enough for "current"
RELATED_WORDS = 0.25  # share of distinctive words in common (of the smaller set) that shows the same app ...
RELATED_WORDS_MIN = 3  # ... at least this many of them ...
WORDS_KINSHIP = 0.15  # ... with at least this much chrome agreement (UI words alone are shared by many apps)
STALE_EVIDENCE = 0.0015  # share of the screen in structural changes (added/removed count full, altered half)


def structural_evidence(regions: tuple[Region, ...] | list[Region]) -> float:
    """How much of the screen changed structurally: the boxes of elements added or removed, half the boxes of
    elements altered, a quarter for hairlines (a divider one or two pixels thick, which resampling alone can
    erase)."""
    total = 0.0
    for r in regions:
        if not r.structural:
            continue
        weight = 1.0 if r.presence != "altered" else 0.5
        if min(r.live_box[2], r.live_box[3]) <= 3:
            weight = 0.25
        total += r.box_fraction * weight
    return float(total)


def decide(comparison: Comparison | None, words: Callable[[], tuple[float, int] | None] | None = None) -> Decision:
    """current, stale or unmatched, with the structural regions (listing pixels) as the evidence of staleness.

    Pixels decide when they can: feature matches or agreeing chrome recognise the screen. When they cannot (a
    redesign: new layout, new theme), ``words`` (called only then) gives the OCR word overlap of the two screens,
    and shared labels show it is the same app's screen, changed."""
    if comparison is None:
        return Decision("unmatched", 0.0, "no alignment with any live capture")
    c = comparison
    features = c.transform.method == "features"
    covering = features and c.coverage >= FEATURE_COVERAGE
    recognised = (covering and c.transform.inliers >= RECOGNISED_INLIERS) or \
        c.chrome_agreement >= RECOGNISED_AGREEMENT
    related = recognised or c.chrome_agreement >= RELATED_AGREEMENT or \
        (covering and c.transform.inliers >= RELATED_INLIERS)
    similarity = round(float(c.chrome_agreement), 3)
    why_related = ""
    if not related and words is not None and c.chrome_agreement >= WORDS_KINSHIP:
        found = words()
        if found is not None and found[0] >= RELATED_WORDS and found[1] >= RELATED_WORDS_MIN:
            related = True
            why_related = f"; {found[1]} labels in common"
    if not related:
        return Decision("unmatched", similarity, "nothing in it lines up with the live capture")
    structural = sorted(c.structural_regions, key=lambda r: -r.box_fraction)
    evidence = structural_evidence(structural)
    if evidence < STALE_EVIDENCE and (recognised or c.chrome_agreement >= CURRENT_AGREEMENT):
        return Decision("current", similarity, "the same screen; the differences are cosmetic")
    added = sum(1 for r in structural if r.presence == "added")
    removed = sum(1 for r in structural if r.presence == "removed")
    altered = len(structural) - added - removed
    parts = [f"{n} {what}" for n, what in ((added, "added"), (removed, "removed"), (altered, "altered")) if n]
    return Decision("stale", similarity, f"UI changed: {', '.join(parts) or 'layout'} "
                    f"({evidence * 100:.1f}% of the screen){why_related}",
                    tuple(r.listing_box for r in structural))
