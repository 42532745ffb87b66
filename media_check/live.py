"""Captures of the live app, their hash index, and matching a listing screenshot against them.

A folder of live captures (PNG/JPEG of any size, from ``media-check capture`` or any other tool) becomes a
:class:`LiveIndex`: for each capture, the three 64-bit structure hashes (pHash, dHash, wHash) of its screen and of
nine crops of it (10% and 20% off each side, and its centre), so a listing screenshot cropped or shown only in
part still finds its capture. Index entries are cached by content (sha256) in the analysis cache folder, so a
folder of captures is hashed once.

:func:`match_image` answers for one listing image: it locates the screen in it (several nested guesses: backdrop,
caption, frame, padding removed), looks up the nearest captures with vectorised Hamming distances (numpy XOR +
popcount over all entries at once: 10,000 captures are searched in a few milliseconds), confirms the best few
geometrically (ORB features and a RANSAC similarity transform, :mod:`media_check.align`), compares the aligned
pair (:mod:`media_check.match`) and decides current, stale or unmatched. When the pixels leave that open (a
redesign that moved everything), the OCR words of the two screens are compared too: the listing's come from its
analysis, the capture's from the analysis cache (tesseract runs once for a capture never seen before).

:class:`LiveCheck` is what a scan uses: the index built once, and for each screenshot whose analysis succeeded, the
image decoded again (with the same limits; the isolated analysis worker has already decoded it once) and matched,
with a side-by-side diff image written for each stale one.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from media_check import align, hashing, match as match_mod
from media_check.align import Box
from media_check.limits import Limits
from media_check.report import LiveMatch
from media_check.similarity import word_overlap

LIVE_VERSION = "4"  # bump when index entries change
SHORTLIST = 8  # captures confirmed geometrically per listing image
CERTAIN_INLIERS = 150  # feature matches after which the rest of the shortlist is not tried
CROPS = ((0.1, 0, 0, 0), (0.2, 0, 0, 0), (0, 0.1, 0, 0), (0, 0.2, 0, 0),  # (top, bottom, left, right) shares
         (0, 0, 0.1, 0), (0, 0, 0.2, 0), (0, 0, 0, 0.1), (0, 0, 0, 0.2), (0.1, 0.1, 0.1, 0.1))


@dataclass(frozen=True)
class LiveCapture:
    """One capture of the live app: where it is, its content hash, its size and its screen box."""

    path: str  # as shown in reports
    file: str  # where to read it
    sha256: str
    width: int
    height: int
    screen: Box


def _crop_box(box: Box, shares: tuple[float, float, float, float]) -> Box:
    x, y, w, h = box
    top, bottom, left, right = shares
    nx, ny = x + round(w * left), y + round(h * top)
    return nx, ny, max(1, round(w * (1 - left - right))), max(1, round(h * (1 - top - bottom)))


def hash_boxes(rgb: np.ndarray, boxes: Iterable[Box],
               shrunk: tuple[np.ndarray, float] | None = None) -> np.ndarray:
    """Structure hashes (N x 3 uint64) of boxes of an image, cut from one shrunk copy (``shrunk``:
    ``align.shrink(rgb, hashing.THUMBNAIL)`` when the caller has it already). Boxes that cut the same pixels from the
    copy are hashed once (a listing image's screen is both an index entry and a guess; its shrinking and
    hashing are most of the cost)."""
    small, factor = shrunk or align.shrink(rgb, hashing.THUMBNAIL)
    sh, sw = small.shape[:2]
    hashed: dict[tuple[int, int, int, int], np.ndarray] = {}
    rows = []
    for x, y, w, h in boxes:
        x0, y0 = min(sw - 1, int(x * factor)), min(sh - 1, int(y * factor))
        x1, y1 = max(x0 + 1, min(sw, round((x + w) * factor))), max(y0 + 1, min(sh, round((y + h) * factor)))
        if (x0, y0, x1, y1) not in hashed:
            hashed[(x0, y0, x1, y1)] = hashing.hash_bits(small[y0:y1, x0:x1])
        rows.append(hashed[(x0, y0, x1, y1)])
    return np.stack(rows)


def capture_entries(rgb: np.ndarray, screen: Box | None = None) -> tuple[Box, np.ndarray]:
    """The screen box of a capture and the structure hashes (N x 3 uint64) of its index entries: the screen,
    nine crops of it, its uniform margins trimmed, and the whole image. A live capture is a raw capture of the
    app, so its screen is the whole image unless ``screen`` says otherwise."""
    screen, boxes = capture_boxes(rgb, screen)
    return screen, hash_boxes(rgb, boxes)


def capture_boxes(rgb: np.ndarray, screen: Box | None = None) -> tuple[Box, list[Box]]:
    """The screen box of a capture and the boxes :func:`capture_entries` hashes."""
    h, w = rgb.shape[:2]
    screen = screen or (0, 0, w, h)
    boxes = [screen] + [_crop_box(screen, shares) for shares in CROPS]
    trimmed = align.trimmed(rgb, screen)
    if trimmed[2:] != screen[2:]:
        boxes.append(trimmed)
    if screen != (0, 0, w, h):
        boxes.append((0, 0, w, h))
    return screen, boxes


def query_hashes(rgb: np.ndarray, boxes: Iterable[Box]) -> np.ndarray:
    """Structure hashes (N x 3 uint64) of each guess of a listing image's screen."""
    return hash_boxes(rgb, boxes)


def pack_hashes(rows: np.ndarray) -> str:
    """N x 3 hashes as text: ``phash,dhash,whash;...`` (hex)."""
    return ";".join(",".join(f"{int(v):016x}" for v in row) for row in np.asarray(rows).reshape(-1, 3))


class LiveIndex:
    """The hash index of a set of live captures."""

    def __init__(self) -> None:
        self.captures: list[LiveCapture] = []
        self.problems: list[str] = []  # captures that could not be read, with the reason
        self._bits: list[np.ndarray] = []
        self._owner: list[np.ndarray] = []
        self._packed: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._by_kind = np.zeros((3, 0), np.uint64)
        self._views: OrderedDict[int, match_mod.LiveView] = OrderedDict()
        self._held: dict[int, tuple[np.ndarray, float]] = {}  # captures given as arrays: work-size copies
        self._words: dict[int, list[str] | None] = {}
        # (capture, its pixels) -> its OCR words; set by the caller (the scan uses the cached OCR of the analysis)
        self.word_source: Callable[[LiveCapture, np.ndarray], list[str] | None] | None = None
        self._images: OrderedDict[int, np.ndarray] = OrderedDict()
        self.limits = Limits()

    def __len__(self) -> int:
        return len(self.captures)

    # ------------------------------------------------------------------ building

    def add(self, capture: LiveCapture, entries: np.ndarray, rgb: np.ndarray | None = None) -> int:
        index = len(self.captures)
        self.captures.append(capture)
        self._bits.append(np.asarray(entries, dtype=np.uint64).reshape(-1, 3))
        self._owner.append(np.full(len(self._bits[-1]), index, dtype=np.int32))
        self._packed = None
        if rgb is not None:
            self._remember(self._images, index, rgb, 4)
        return index

    def add_image(self, path: str, rgb: np.ndarray, sha256: str | None = None) -> int:
        """Index an RGB array as a capture called ``path`` (captures already in memory: tests, benchmarks). A
        work-size copy is kept for comparisons."""
        screen, entries = capture_entries(rgb)
        digest = sha256 or hashlib.sha256(rgb.tobytes()).hexdigest()
        h, w = rgb.shape[:2]
        index = self.add(LiveCapture(path, "", digest, w, h, screen), entries)
        small, factor = align.shrink(rgb, match_mod.WORK_SIDE)
        self._held[index] = (small, factor)
        return index

    @classmethod
    def build(cls, paths: Iterable[str | Path], cache_dir: str | Path | None = None, limits: Limits | None = None,
              progress: Callable[[str, int, int], None] | None = None) -> LiveIndex:
        """Index every picture under ``paths`` (files or folders, recursive). Unreadable captures are listed in
        :attr:`problems`, never fatal."""
        from media_check.analysis import sha256_of
        from media_check.discover import discover
        from media_check.load import LoadError, load_asset
        from media_check.sniff import IMAGE_FORMATS

        index = cls()
        index.limits = limits or Limits()
        refs, _ = discover([str(p) for p in paths])
        store = _EntryStore(cache_dir) if cache_dir else None
        for number, ref in enumerate(refs, 1):
            if progress:
                progress(ref.display, number, len(refs))
            if ref.escape:
                index.problems.append(f"{ref.display}: {ref.escape}")
                continue
            try:
                digest = sha256_of(ref.path)
            except OSError as exc:
                index.problems.append(f"{ref.display}: cannot be read: {exc.strerror or exc}")
                continue
            cached = store.get(digest) if store else None
            if cached is not None:
                width, height, screen, entries = cached
                index.add(LiveCapture(ref.display, str(ref.path), digest, width, height, screen), entries)
                continue
            try:
                loaded = load_asset(ref.path, index.limits)
            except LoadError as exc:
                index.problems.append(f"{ref.display}: {exc.reason}")
                continue
            if loaded.format not in IMAGE_FORMATS:
                index.problems.append(f"{ref.display}: not a still image")
                continue
            rgb = np.asarray(loaded.image)
            screen, entries = capture_entries(rgb)
            h, w = rgb.shape[:2]
            index.add(LiveCapture(ref.display, str(ref.path), digest, w, h, screen), entries, rgb)
            if store:
                store.put(digest, w, h, screen, entries)
        return index

    # ------------------------------------------------------------------ lookup

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(entries N x 3, the capture of each entry, where each capture's entries start), plus the entries kind
        by kind (3 x N, contiguous: the layout the search runs fastest on)."""
        if self._packed is None:
            bits = np.concatenate(self._bits) if self._bits else np.zeros((0, 3), np.uint64)
            owner = np.concatenate(self._owner) if self._owner else np.zeros(0, np.int32)
            starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else np.zeros(0, int)
            self._packed = (bits, owner, starts)
            self._by_kind = np.ascontiguousarray(bits.T)
        return self._packed

    def distances(self, query: np.ndarray) -> np.ndarray:
        """For each capture, the smallest summed Hamming distance (0..192) between any query hash triple and any
        of its entries: XOR and popcount over every entry at once, one hash kind at a time."""
        bits, owner, starts = self._arrays()
        if len(bits) == 0:
            return np.zeros(0, np.int64)
        kinds = self._by_kind
        best = np.full(len(bits), 255, np.uint16)
        for row in np.asarray(query, dtype=np.uint64).reshape(-1, 3):
            d = np.bitwise_count(kinds[0] ^ row[0]).astype(np.uint16)
            d += np.bitwise_count(kinds[1] ^ row[1])
            d += np.bitwise_count(kinds[2] ^ row[2])
            np.minimum(best, d, out=best)
        return np.minimum.reduceat(best, starts).astype(np.int64)

    def nearest(self, query: np.ndarray, k: int = SHORTLIST) -> list[tuple[int, int]]:
        """The ``k`` captures nearest to ``query`` as (capture number, distance), nearest first."""
        d = self.distances(query)
        if d.size == 0:
            return []
        k = min(k, d.size)
        top = np.argpartition(d, k - 1)[:k]
        top = top[np.argsort(d[top], kind="stable")]
        return [(int(i), int(d[i])) for i in top]

    def find_sha(self, sha256: str) -> int | None:
        for i, capture in enumerate(self.captures):
            if capture.sha256 == sha256:
                return i
        return None

    # ------------------------------------------------------------------ pixels, prepared on demand

    @staticmethod
    def _remember(store: OrderedDict, key: int, value, size: int) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > size:
            store.popitem(last=False)

    def image(self, i: int) -> np.ndarray:
        """The capture's pixels (full size; a work-size copy for captures given as arrays)."""
        if i in self._held:
            return self._held[i][0]
        if i in self._images:
            self._images.move_to_end(i)
            return self._images[i]
        from media_check.load import load_asset

        loaded = load_asset(Path(self.captures[i].file), self.limits)
        rgb = np.asarray(loaded.image)
        self._remember(self._images, i, rgb, 4)
        return rgb

    def words(self, i: int) -> list[str] | None:
        """OCR words of a capture, read once through :attr:`word_source` (None when there is none)."""
        if i not in self._words:
            self._words[i] = self.word_source(self.captures[i], self.image(i)) if self.word_source else None
        return self._words[i]

    def view(self, i: int) -> match_mod.LiveView:
        """The capture prepared for comparison (work size, features, derived maps), kept for the next asks."""
        if i in self._views:
            self._views.move_to_end(i)
            return self._views[i]
        screen = self.captures[i].screen
        if i in self._held:
            factor = self._held[i][1]
            screen = tuple(round(v * factor) for v in screen)
        found = match_mod.LiveView(self.image(i), screen)
        self._remember(self._views, i, found, 64)
        return found


class _EntryStore:
    """Index entries cached by capture content, next to the analysis cache."""

    def __init__(self, root: str | Path):
        self.root = Path(root) / "live" / LIVE_VERSION

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.json"

    def get(self, sha256: str) -> tuple[int, int, Box, np.ndarray] | None:
        try:
            data = json.loads(self._path(sha256).read_text(encoding="utf-8"))
            if data.get("sha256") != sha256:
                return None
            entries = np.array([[int(v, 16) for v in row] for row in data["entries"]], dtype=np.uint64)
            return int(data["width"]), int(data["height"]), tuple(data["screen"]), entries
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, sha256: str, width: int, height: int, screen: Box, entries: np.ndarray) -> None:
        from media_check.cache import write_atomic

        path = self._path(sha256)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            payload = {"sha256": sha256, "width": width, "height": height, "screen": list(screen),
                       "entries": [[f"{int(v):016x}" for v in row] for row in entries]}
            write_atomic(path, json.dumps(payload, separators=(",", ":")))
        except OSError:
            pass  # a read-only cache only costs time


# ---------------------------------------------------------------------- matching one listing image

@dataclass(frozen=True)
class MatchResult:
    """How one listing image compares with the live captures."""

    status: str  # current | stale | unmatched
    closest: LiveCapture | None
    distance: float  # summed Hamming distance of the structure hashes (0..192) to the closest capture
    similarity: float  # 0..1, how much of the aligned drawings coincide
    changed_regions: tuple[Box, ...] = ()  # structural changes, in listing-image pixels
    reason: str = ""
    comparison: match_mod.Comparison | None = field(default=None, compare=False, repr=False)
    closest_index: int | None = None
    listing_factor: float = 1.0  # the comparison's listing pixels = original pixels x this

    def live_match(self) -> LiveMatch:
        return LiveMatch(status=self.status, closest=self.closest.path if self.closest else None,
                         distance=float(self.distance), similarity=round(float(self.similarity), 3),
                         changed_regions=tuple(tuple(int(v) for v in box) for box in self.changed_regions))


LISTING_SIDE = 1600  # listing images are matched at most this big (alignment works at 960)


def match_image(index: LiveIndex, rgb: np.ndarray, sha256: str | None = None, shortlist: int = SHORTLIST,
                confirm: int = 2, words: list | None = None) -> MatchResult:
    """Match one listing image against the live captures and decide current, stale or unmatched.

    ``words`` are the listing image's OCR words: when the pixels cannot tell a redesigned screen from a foreign
    one, shared labels with the closest capture (whose words the index reads on demand) decide."""
    if len(index) == 0:
        return MatchResult("unmatched", None, 192.0, 0.0, reason="no live captures to compare with")
    same = _same_file(index, sha256)
    if same is not None:
        return same
    listing, factor = align.shrink(rgb, LISTING_SIDE)
    # Guesses of the screen: located candidates, trimmed of uniform margins, inset (a bezel left on them).
    boxes = align.retrieval_boxes(listing)
    near = index.nearest(query_hashes(listing, boxes), shortlist)
    listing_features = align.orb_features(listing)
    def judge(i: int, dist: int, found: align.Transform | None) -> MatchResult:
        """Compare with capture ``i``, given the feature search's result for it (``found``, None: nothing)."""
        comparison = match_mod.compare(listing, index.view(i), boxes, [] if found is None else [found])
        decision = match_mod.decide(comparison, _overlap_of(index, i, words))
        regions = tuple(_scale_box(b, 1.0 / factor) for b in decision.changed_regions)
        return MatchResult(decision.status, index.captures[i], float(dist), decision.similarity, regions,
                           decision.reason, comparison, i, factor)

    # Rank the shortlist by geometric support: inliers of a feature transform that lands on the capture. The
    # nearest by hashes come first; once one is beyond doubt and shows the screen as it is (current), the rest
    # are not tried. One beyond doubt but changed does not end the search: a capture of another screen that
    # shares a large part with it (the same picture, the same header) lines up as surely, and the capture of
    # the screen itself may come later in the shortlist.
    ranked = []
    judged: dict[int, MatchResult] = {}
    for i, dist in near:
        view = index.view(i)
        found = align.feature_transform(listing_features, view.features)
        # Support only from a transform that lands on the screen; the comparison still weighs one that does not.
        support = found.inliers if found is not None and _lands_on(found, boxes, view.screen) else 0
        ranked.append((support, -dist, i, dist, found))
        if support >= CERTAIN_INLIERS:
            judged[i] = judge(i, dist, found)
            if judged[i].status == "current":
                return judged[i]
    ranked.sort(key=lambda r: r[:3], reverse=True)
    chosen = ranked[:confirm]
    # Captures that share a large part with the listing all line up; of those, the one whose screen hashes
    # nearest is the likeliest to be the screen itself, whatever its inlier count: it is compared too.
    nearest = min((r for r in ranked if r[0] > 0), key=lambda r: r[3], default=None)
    if nearest is not None and all(r[2] != nearest[2] for r in chosen):
        chosen.append(nearest)
    best: MatchResult | None = None
    for support, _, i, dist, found in chosen:
        if best is not None and best.status == "current":
            break
        result = judged[i] if i in judged else judge(i, dist, found)
        if best is None or _better(result, best):
            best = result
    if best is None or best.status == "unmatched":
        i, dist = near[0]
        return MatchResult("unmatched", index.captures[i], float(dist), best.similarity if best else 0.0,
                           reason=best.reason if best else "no capture resembles it", closest_index=i)
    return best


def _same_file(index: LiveIndex, sha256: str | None) -> MatchResult | None:
    """Current without a look at the pixels: a live capture is the very same file."""
    same = index.find_sha(sha256) if sha256 else None
    if same is None:
        return None
    return MatchResult("current", index.captures[same], 0.0, 1.0, reason="the very same file", closest_index=same)


def _overlap_of(index: LiveIndex, i: int, words: list | None):
    if words is None or index.word_source is None:
        return None

    def overlap() -> tuple[float, int] | None:
        theirs = index.words(i)
        return None if theirs is None else word_overlap(words, theirs)

    return overlap


def _scale_box(box: Box, factor: float) -> Box:
    return tuple(int(round(v * factor)) for v in box)


_RANK = {"current": 0, "stale": 1, "unmatched": 2}


def _better(a: MatchResult, b: MatchResult) -> bool:
    if _RANK[a.status] != _RANK[b.status]:
        return _RANK[a.status] < _RANK[b.status]
    return a.similarity > b.similarity


def _lands_on(transform: align.Transform, boxes: list[Box], screen: Box) -> bool:
    """Does some screen guess of the listing land on the capture's screen (not on a corner of it)?"""
    return max(align.box_iou(align.mapped_box(transform, b), screen) for b in boxes) >= 0.3


def ocr_word_source(cache_dir: str | Path | None, params=None) -> Callable[[LiveCapture, np.ndarray], list[str] | None]:
    """A :attr:`LiveIndex.word_source` that reads a capture's OCR words from the analysis cache (the same words a
    scan of the capture would have) and runs tesseract once for a capture it has never seen. Captures given as
    arrays are read from their work-size copy."""
    from PIL import Image

    from media_check.analysis import AnalysisParams
    from media_check.ocr import ocr_image

    params = params or AnalysisParams()

    def words(capture: LiveCapture, rgb: np.ndarray) -> list[str] | None:
        store = None
        if cache_dir:
            from media_check.cache import WordCache

            store = WordCache(cache_dir)
            found = store.get(capture.sha256, params)
            if found is not None:
                return [w.text for w in found]
        try:
            pixels = rgb
            if capture.file:
                from media_check.load import load_asset

                pixels = np.asarray(load_asset(Path(capture.file), Limits()).image)
            found = ocr_image(Image.fromarray(pixels), params.languages, params.ocr_timeout)
        except Exception:  # noqa: BLE001 - no words only means the pixels decide alone
            return None
        if store is not None:
            try:
                store.put(capture.sha256, params, found)
            except OSError:
                pass
        return [w.text for w in found]

    return words


class LiveCheck:
    """What a scan needs to compare its screenshots with the live app: the index, built once, and where to write
    diff images of stale screenshots."""

    def __init__(self, index: LiveIndex, diff_dir: str | Path | None = None, limits: Limits | None = None):
        self.index = index
        self.diff_dir = Path(diff_dir) if diff_dir else None
        self.limits = limits or Limits()
        self.diffs_written: list[Path] = []

    @classmethod
    def build(cls, sources: Iterable[str | Path], cache_dir: str | Path | None = None, diff_dir=None,
              limits: Limits | None = None, params=None) -> LiveCheck:
        index = LiveIndex.build(sources, cache_dir, limits)
        index.word_source = ocr_word_source(cache_dir, params)
        return cls(index, diff_dir, limits)

    def notes(self) -> list[str]:
        """Lines for the report about captures that could not be used."""
        lines = [f"live capture not used: {problem}" for problem in self.index.problems]
        if len(self.index) == 0:
            lines.append("live-app comparison not made: no readable live capture")
        return lines

    def check(self, path: str | Path, display: str, sha256: str | None, words=None) -> MatchResult | None:
        """The live comparison of one listing screenshot (None when it cannot be read again)."""
        from media_check.load import LoadError, load_asset

        if len(self.index) == 0:
            return None
        same = _same_file(self.index, sha256)  # needs no pixels
        if same is not None:
            return same
        try:
            rgb = np.asarray(load_asset(Path(path), self.limits).image)  # the loader gives RGB
        except (LoadError, OSError):
            return None
        result = match_image(self.index, rgb, words=words)  # not the same file: _same_file said so above
        if self.diff_dir is not None and result.status == "stale" and result.comparison is not None:
            from media_check import diff_image

            view = self.index.view(result.closest_index)
            picture = diff_image.render(rgb, view.image, result.comparison, result.listing_factor,
                                        listing_name=display, live_name=result.closest.path)
            self.diffs_written.append(diff_image.write(picture, self.diff_dir, display))
        return result
