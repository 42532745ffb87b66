"""Behaviour that performance rests on (never timings: those are measured by ``make bench``): cached re-scans run no
OCR and start no worker, a policy change re-judges from the cache, workers run side by side, and the faster
implementations give exactly the values of the ones they replace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import imagehash
import numpy as np
import pytest
from PIL import Image

from conftest import SHARED, app_screen, text_screen
from media_check.executors import ProcessExecutor
from media_check.hashing import _shrink, crop_resistant


def cli(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def _span(seconds):
    start = time.monotonic()
    time.sleep(seconds)
    return os.getpid(), start, time.monotonic()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scaling")
    app_screen(3, size=(1280, 720)).save(out / "01-app.png")
    app_screen(4, size=(1280, 800)).save(out / "02-app-16x10.png")  # not 16:9: aspect-ratio warns
    text_screen(["Sign in", "Email", "Password", "Forgot password?"], size=(1280, 720)).save(out / "03-login.png")
    return out


def test_a_warm_rescan_runs_no_ocr_and_a_policy_change_rejudges_from_the_cache(folder, tmp_path):
    cache = tmp_path / "cache"
    cold = cli("scan", folder, "-f", "json", "--no-progress", "--cache-dir", cache)
    warm = cli("scan", folder, "-f", "json", "--no-progress", "--cache-dir", cache,
               env={"MEDIA_CHECK_INJECT_FAULT": "exit:.png"})  # any worker started would fail its asset
    changed = cli("scan", folder, "-f", "json", "--no-progress", "--cache-dir", cache, "--ignore", "aspect-ratio",
                  env={"MEDIA_CHECK_INJECT_FAULT": "exit:.png"})
    cold_report, warm_report, changed_report = (json.loads(r.stdout) for r in (cold, warm, changed))
    assert cold_report["summary"]["ocr_calls"] == 3
    for report in (warm_report, changed_report):
        assert (report["summary"]["ocr_calls"], report["summary"]["cache_hits"]) == (0, 3)
        assert report["summary"]["by_status"]["error"] == 0
    assert [a["findings"] for a in warm_report["assets"]] == [a["findings"] for a in cold_report["assets"]]
    by_name = {Path(a["path"]).name: a for a in changed_report["assets"]}
    cold_by_name = {Path(a["path"]).name: a for a in cold_report["assets"]}
    assert "aspect-ratio" in {f["name"] for f in cold_by_name["02-app-16x10.png"]["findings"]}
    assert "aspect-ratio" not in {f["name"] for f in by_name["02-app-16x10.png"]["findings"]}
    assert by_name["03-login.png"]["findings"] == cold_by_name["03-login.png"]["findings"]


def test_workers_run_side_by_side_up_to_jobs():
    with ProcessExecutor(jobs=2) as executor:
        spans = list(executor.map(_span, [1.5, 1.5, 1.5, 1.5]))
    assert len({pid for pid, _, _ in spans}) == 2
    first, second = sorted(spans, key=lambda s: s[1])[:2]
    assert second[1] < first[2], "the second task started while the first was running"


def _corpus_sample(count: int) -> list[Path]:
    files = sorted(p for p in (SHARED / "corpus").iterdir() if p.suffix.lower() in (".png", ".jpg", ".webp"))
    return files[:: max(1, len(files) // count)][:count]


@pytest.mark.parametrize("path", _corpus_sample(24), ids=lambda p: p.name)
def test_crop_resistant_hash_equals_imagehash_on_real_screenshots(path):
    image = Image.open(path).convert("RGB")
    image.thumbnail((512, 512))
    small = Image.fromarray(_shrink(np.asarray(image), 256))
    expected = imagehash.crop_resistant_hash(small, min_segment_size=100, segmentation_image_size=100)
    assert str(crop_resistant(image)) == str(expected)


def test_crop_resistant_hash_equals_imagehash_on_noisy_images():
    """Noise makes many tiny segments, one-pixel ones and early stops: imagehash's quirks must be kept."""
    rng = np.random.default_rng(7)
    for case in range(40):
        cells = (2, 5, 12, 40)[case % 4]
        noise = (rng.random((cells, cells, 3)) * 255).astype(np.uint8)
        image = Image.fromarray(noise).resize((int(rng.integers(60, 400)), int(rng.integers(60, 400))),
                                              Image.Resampling.NEAREST if case % 2 else Image.Resampling.BILINEAR)
        small = Image.fromarray(_shrink(np.asarray(image), 256))
        for min_size, side in ((100, 100), (0, 60), (7, 37)):
            expected = imagehash.crop_resistant_hash(small, min_segment_size=min_size, segmentation_image_size=side)
            assert str(crop_resistant(image, min_size, side)) == str(expected), (case, min_size, side)
