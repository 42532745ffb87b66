"""The live-matching evaluation: the corpus pairs it reads, the listing-style transforms of its benchmark, and its
report. (The scores themselves are measured by ``make eval-live``, not asserted here.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media_check import eval_live

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(scope="module")
def screen() -> np.ndarray:
    with Image.open(ROOT / "sample_media" / "screens" / "in-use-rfi-dashboard.png") as image:
        return np.asarray(image.convert("RGB"))


def test_transforms_keep_the_screen_and_change_what_they_say(screen):
    h, w = screen.shape[:2]
    variants = eval_live._transforms(screen)
    assert variants["resize-0.5x"].shape[:2] == (h // 2, w // 2)
    assert variants["crop-20%-bottom"].shape[:2] == (round(h * 0.8), w)
    assert variants["pad-20%"].shape[:2] == (h + 2 * round(h * 0.2), w + 2 * round(w * 0.2))
    framed = variants["device-frame+caption"]
    assert framed.shape[0] > 0.75 * h and framed.shape[1] > 0.75 * w  # the screen plus bezel, caption, margins
    clock = variants["clock"]
    assert (clock != screen).any() and (clock[h // 10:] == screen[h // 10:]).all()  # only the top strip changed
    row = variants["data-row"]
    changed = np.nonzero((row != screen).any(axis=2))[0]
    assert len(changed) and changed.max() - changed.min() < 0.05 * h  # one row, in the middle of the screen


@pytest.mark.skipif(not (CORPUS / "manifest.csv").exists(), reason="needs ../shared/corpus")
def test_corpus_pairs_are_read_with_their_labels():
    pairs = eval_live.corpus_pairs(CORPUS)
    labels = {label for _, label, _, _ in pairs}
    assert labels == {"stale", "same_screen", "different_screen"}
    assert all(old.exists() and new.exists() and "_old" in old.name and "_new" in new.name for _, _, old, new in pairs)


def test_outcomes_are_scored_by_label():
    assert eval_live.PairOutcome("p", "same_screen", "current", 1, 0, "", 1).ok
    assert not eval_live.PairOutcome("p", "same_screen", "stale", 1, 0, "", 1).ok
    assert eval_live.PairOutcome("p", "different_screen", "stale", 1, 0, "", 1).ok
    assert eval_live.PairOutcome("p", "different_screen", "unmatched", 1, 0, "", 1).ok
    assert not eval_live.PairOutcome("p", "different_screen", "current", 1, 0, "", 1).ok
    assert not eval_live.PairOutcome("p", "stale", "unmatched", 1, 0, "", 1).ok


def test_report_puts_the_phash_floor_beside_the_scores():
    summary = {
        "pairs": [{"pair": "pair_001", "label": "stale", "status": "unmatched", "ok": False, "similarity": 0.1,
                   "reason": "nothing lines up", "phash": "unmatched", "ms": 10.0}],
        "by_label": {"stale": {"n": 1, "ok": 0, "phash_ok": 1, "statuses": {"unmatched": 1}}},
        "median_pair_ms": 10.0,
        "transforms": {
            "pad-20%": {"n": 10, "right": 10, "right_but_stale": 0, "wrong": 0, "missed": 0, "current": 0,
                        "stale_same_app": 0, "phash_right": 0, "phash_wrong": 0, "phash_missed": 10,
                        "median_ms": 90.0},
            "foreign:jpeg-q60": {"n": 4, "right": 0, "right_but_stale": 0, "wrong": 1, "missed": 3, "current": 0,
                                 "stale_same_app": 1, "phash_right": 0, "phash_wrong": 0, "phash_missed": 4,
                                 "median_ms": 200.0}},
    }
    text = eval_live.render_text(summary)
    assert "stale -> stale" in text and "miss: pair_001" in text
    assert "100.0%" in text and "pHash 0.0% right" in text
    assert "unmatched 75.0%" in text and "same app 25.0%" in text
    assert eval_live.render_json(summary).startswith("{")
