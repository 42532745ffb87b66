"""Measure live-app matching: the labelled pairs of the real corpus, and a transform benchmark.

Pairs (``../shared/corpus``, ``pair_NNN_old`` = the listing, ``pair_NNN_new`` = the live capture): ``same_screen``
must come out current, ``stale`` stale, and ``different_screen`` anything but current. Each pair is judged alone
(the live set is its partner), exactly as ``media-check scan --live`` would judge it.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from media_check.live import LiveIndex, match_image

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


@dataclass(frozen=True)
class PairOutcome:
    pair: str
    label: str
    status: str
    similarity: float
    distance: float
    reason: str
    ms: float

    @property
    def ok(self) -> bool:
        if self.label == "same_screen":
            return self.status == "current"
        if self.label == "stale":
            return self.status == "stale"
        return self.status != "current"


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def corpus_pairs(corpus: Path = CORPUS) -> list[tuple[str, str, Path, Path]]:
    """(pair name, label, listing file, live file) of every labelled pair in the corpus manifest."""
    rows = list(csv.DictReader(open(corpus / "manifest.csv", encoding="utf-8")))
    by_file = {r["file"]: r for r in rows}
    pairs = []
    for row in rows:
        name = row["file"]
        if not name.startswith("pair_") or "_old" not in name:
            continue
        partner = name.replace("_old", "_new")
        if partner not in by_file:
            continue
        pairs.append((name.split("_old")[0], row["labels"].split("+")[0], corpus / name, corpus / partner))
    return pairs


def score_pairs(corpus: Path = CORPUS) -> list[PairOutcome]:
    outcomes = []
    for name, label, old, new in corpus_pairs(corpus):
        index = LiveIndex()
        index.add_image(new.name, load_rgb(new))
        listing = load_rgb(old)
        start = time.perf_counter()
        result = match_image(index, listing)
        ms = (time.perf_counter() - start) * 1000
        outcomes.append(PairOutcome(name, label, result.status, result.similarity, result.distance, result.reason,
                                    ms))
    return outcomes
