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
pair (:mod:`media_check.match`) and decides current, stale or unmatched.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from media_check import align, hashing
from media_check import match as match_mod
from media_check.align import Box, Features
from media_check.limits import Limits
from media_check.report import LiveMatch

LIVE_VERSION = "1"  # bump when index entries change
SHORTLIST = 8  # captures confirmed geometrically per listing image
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


def capture_entries(rgb: np.ndarray) -> tuple[Box, np.ndarray]:
    """The screen box of a capture and the structure hashes (N x 3 uint64) of its index entries."""
    screen = align.locate_screen(rgb)
    h, w = rgb.shape[:2]
    boxes = [screen] + [_crop_box(screen, shares) for shares in CROPS]
    if screen != (0, 0, w, h):
        boxes.append((0, 0, w, h))
    return screen, np.stack([hashing.hash_bits(align.crop(rgb, b)) for b in boxes])


def query_hashes(rgb: np.ndarray, boxes: Iterable[Box]) -> np.ndarray:
    """Structure hashes (N x 3 uint64) of each guess of a listing image's screen."""
    return np.stack([hashing.hash_bits(align.crop(rgb, b)) for b in boxes])


class LiveIndex:
    """The hash index of a set of live captures."""

    def __init__(self) -> None:
        self.captures: list[LiveCapture] = []
        self.problems: list[str] = []  # captures that could not be read, with the reason
        self._bits: list[np.ndarray] = []
        self._owner: list[np.ndarray] = []
        self._packed: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._features: OrderedDict[int, Features] = OrderedDict()
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
        """Index an RGB array as a capture called ``path`` (captures already in memory: tests, benchmarks)."""
        screen, entries = capture_entries(rgb)
        digest = sha256 or hashlib.sha256(rgb.tobytes()).hexdigest()
        h, w = rgb.shape[:2]
        return self.add(LiveCapture(path, path, digest, w, h, screen), entries, rgb)

    @classmethod
    def build(cls, paths: Iterable[str | Path], cache_dir: str | Path | None = None, limits: Limits | None = None,
              progress: Callable[[str, int, int], None] | None = None) -> LiveIndex:
        """Index every picture under ``paths`` (files or folders, recursive). Unreadable captures are listed in
        :attr:`problems`, never fatal."""
        from media_check.analyse import sha256_of
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
            rgb = np.asarray(loaded.image.convert("RGB"))
            screen, entries = capture_entries(rgb)
            h, w = rgb.shape[:2]
            index.add(LiveCapture(ref.display, str(ref.path), digest, w, h, screen), entries, rgb)
            if store:
                store.put(digest, w, h, screen, entries)
        return index

    # ------------------------------------------------------------------ lookup

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._packed is None:
            bits = np.concatenate(self._bits) if self._bits else np.zeros((0, 3), np.uint64)
            owner = np.concatenate(self._owner) if self._owner else np.zeros(0, np.int32)
            starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else np.zeros(0, int)
            self._packed = (bits, owner, starts)
        return self._packed

    def distances(self, query: np.ndarray) -> np.ndarray:
        """For each capture, the smallest summed Hamming distance (0..192) between any query hash triple and any
        of its entries."""
        bits, owner, starts = self._arrays()
        if len(bits) == 0:
            return np.zeros(0, np.int64)
        query = np.asarray(query, dtype=np.uint64).reshape(-1, 3)
        best = None
        for row in query:
            d = hashing.hamming(bits, row).sum(axis=1, dtype=np.int64)
            best = d if best is None else np.minimum(best, d)
        return np.minimum.reduceat(best, starts)

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

    # ------------------------------------------------------------------ pixels and features, on demand

    @staticmethod
    def _remember(store: OrderedDict, key: int, value, size: int) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > size:
            store.popitem(last=False)

    def image(self, i: int) -> np.ndarray:
        if i in self._images:
            self._images.move_to_end(i)
            return self._images[i]
        from media_check.load import load_asset

        loaded = load_asset(Path(self.captures[i].file), self.limits)
        rgb = np.asarray(loaded.image.convert("RGB"))
        self._remember(self._images, i, rgb, 4)
        return rgb

    def features(self, i: int) -> Features:
        if i in self._features:
            self._features.move_to_end(i)
            return self._features[i]
        found = align.orb_features(self.image(i))
        self._remember(self._features, i, found, 256)
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

    def live_match(self) -> LiveMatch:
        return LiveMatch(status=self.status, closest=self.closest.path if self.closest else None,
                         distance=float(self.distance), similarity=round(float(self.similarity), 3),
                         changed_regions=tuple(tuple(int(v) for v in box) for box in self.changed_regions))


def match_image(index: LiveIndex, rgb: np.ndarray, sha256: str | None = None, shortlist: int = SHORTLIST,
                confirm: int = 2) -> MatchResult:
    """Match one listing image against the live captures and decide current, stale or unmatched."""
    if len(index) == 0:
        return MatchResult("unmatched", None, 192.0, 0.0, reason="no live captures to compare with")
    if sha256:
        same = index.find_sha(sha256)
        if same is not None:
            return MatchResult("current", index.captures[same], 0.0, 1.0, reason="the very same file",
                               closest_index=same)
    boxes = align.screen_candidates(rgb)
    near = index.nearest(query_hashes(rgb, boxes), shortlist)
    listing_features = align.orb_features(rgb)
    # Rank the shortlist by geometric support: inliers of a feature transform that lands on the capture.
    ranked = []
    for i, dist in near:
        transform = align.feature_transform(listing_features, index.features(i))
        support = transform.inliers if transform is not None and _lands_on(transform, boxes, index.captures[i]) \
            else 0
        ranked.append((support, -dist, i, dist))
    ranked.sort(reverse=True)
    best: MatchResult | None = None
    for support, _, i, dist in ranked[:confirm]:
        capture = index.captures[i]
        comparison = match_mod.compare(rgb, index.image(i), boxes, listing_features, index.features(i),
                                       live_screen=capture.screen)
        decision = match_mod.decide(comparison)
        result = MatchResult(decision.status, capture, float(dist), decision.similarity,
                             decision.changed_regions, decision.reason, comparison, i)
        if best is None or _better(result, best):
            best = result
    if best is None or best.status == "unmatched":
        i, dist = near[0]
        return MatchResult("unmatched", index.captures[i], float(dist), best.similarity if best else 0.0,
                           reason=best.reason if best else "no capture resembles it", closest_index=i)
    return best


_RANK = {"current": 0, "stale": 1, "unmatched": 2}


def _better(a: MatchResult, b: MatchResult) -> bool:
    if _RANK[a.status] != _RANK[b.status]:
        return _RANK[a.status] < _RANK[b.status]
    return a.similarity > b.similarity


def _lands_on(transform: align.Transform, boxes: list[Box], capture: LiveCapture) -> bool:
    """Does some screen guess of the listing land on the capture's screen (not on a corner of it)?"""
    return max(align.box_iou(align.mapped_box(transform, b), capture.screen) for b in boxes) >= 0.3
