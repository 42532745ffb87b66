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
from conftest import ROOT, SHARED, app_screen, text_screen
from PIL import Image

from media_check.executors import ProcessExecutor
from media_check.hashing import _shrink, crop_resistant


def cli(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True, text=True,
                          check=False, timeout=timeout, env={**os.environ, **(env or {})})


def _rendezvous(folder, me, other, patience=120.0):
    """Leave this task's marker, then wait for the other task's: both return True only if they ran at the same
    time (a task that never sees the other's marker gives up after ``patience`` seconds and returns False)."""
    Path(folder, me).touch()
    give_up = time.monotonic() + patience
    while not Path(folder, other).exists():
        if time.monotonic() > give_up:
            return os.getpid(), False
        time.sleep(0.01)
    return os.getpid(), True


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


_LOADED_AT_EXIT = """
import atexit, sys
atexit.register(lambda: print(sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "cv2", "imagehash")
                                     or m in ("media_check.ocr", "media_check.analyse")), file=sys.stderr))
sys.argv = ["media-check", *sys.argv[1:]]
from media_check.cli import main
main()
"""


def test_a_warm_rescan_loads_no_image_or_ocr_code(tmp_path):
    """A warm re-scan reads verdicts from the cache: numpy, OpenCV and the analysis code stay unloaded (importing
    them was most of what a warm re-scan of a small folder cost). Only the tesseract engine's version is asked for:
    it is part of the cache key. (That holds for tesserocr, the engine installed on Linux, where this suite runs;
    the pytesseract fallback imports numpy when it is asked its version.)"""
    listing = tmp_path / "listing"
    listing.mkdir()
    app_screen(5, size=(800, 500)).save(listing / "01-app.png")
    app_screen(5, size=(800, 500)).save(listing / "02-same-app.png")  # a duplicate: the listing rules find it
    (listing / "listing.yaml").write_text("name: Site Diary Sync\nsupport_url: https://example.com/help\n")
    cache = tmp_path / "cache"
    runs = [subprocess.run([sys.executable, "-c", _LOADED_AT_EXIT, "scan", str(listing), "-f", "json", "--no-progress",
                            "--cache-dir", str(cache)], capture_output=True, text=True, check=False, timeout=600)
            for _ in range(2)]
    cold, warm = (json.loads(run.stdout) for run in runs)
    assert "numpy" in runs[0].stderr and "media_check.ocr" in runs[0].stderr  # the check sees what a scan loads
    assert runs[1].stderr.strip().splitlines()[-1] == "[]"
    assert warm["summary"]["ocr_calls"] == 0
    assert "duplicate-asset" in {f["name"] for a in warm["assets"] for f in a["findings"]}
    assert [a["findings"] for a in warm["assets"]] == [a["findings"] for a in cold["assets"]]
    assert warm["listings"] == cold["listings"]


def test_workers_run_side_by_side_up_to_jobs(tmp_path):
    pairs = [("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")]  # each task waits until its partner is running too
    with ProcessExecutor(jobs=2) as executor:
        met = list(executor.map(_rendezvous, [tmp_path] * 4, *zip(*pairs)))
    assert len({pid for pid, _ in met}) == 2
    assert all(together for _, together in met), "each pair of tasks ran at the same time, in two workers"


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


def test_the_streamed_json_report_is_the_canonical_json(sample_report):
    """Writing the report asset by asset gives, byte for byte, the canonical JSON of the whole report."""
    from media_check.report import Report
    from media_check.writers.json_report import chunks

    report = Report.from_dict(sample_report)
    pieces = list(chunks(report))
    assert len(pieces) > len(report.assets)  # streamed, not one string
    assert "".join(pieces) == json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def test_a_verdict_remembered_from_an_earlier_scan_equals_a_fresh_one(folder, tmp_path):
    cache = tmp_path / "cache"
    first = cli("scan", folder, "-f", "json", "--no-progress", "--cache-dir", cache)
    remembered = [p for p in (cache / "verdicts").rglob("*.json") if "listings" not in p.parts]
    assert len(remembered) == 3
    assert len(list((cache / "verdicts").rglob("listings/*/*.json"))) == 1  # the folder's listing-wide findings
    again = cli("scan", folder, "-f", "json", "--no-progress", "--cache-dir", cache)
    fresh = cli("scan", folder, "-f", "json", "--no-progress", "--cache-dir", cache, "--fail-on", "warn")  # new key
    def strip(out):
        return [{k: v for k, v in a.items() if k not in ("timings_ms", "cached")} for a in json.loads(out)["assets"]]

    assert strip(again.stdout) == strip(fresh.stdout)
    assert json.loads(again.stdout)["listings"] == json.loads(fresh.stdout)["listings"]
    assert all(a["cached"] for a in json.loads(again.stdout)["assets"])
    for entry in remembered:  # an entry whose verdict cannot be read back is never used
        entry.write_text(entry.read_text().replace('"status":"', '"status":"x'))
    damaged = cli("scan", folder, "-f", "json", "--no-progress", "--cache-dir", cache)
    assert damaged.returncode == first.returncode and strip(damaged.stdout) == strip(first.stdout)
    for entry in remembered:  # nor a readable entry that carries another key (here: another path)
        data = json.loads(entry.read_text())
        data["key"][3] += "-elsewhere"
        data["verdict"].update(status="pass", findings=[])  # what the report would show if it were used
        entry.write_text(json.dumps(data))
    foreign = cli("scan", folder, "-f", "json", "--no-progress", "--cache-dir", cache)
    assert foreign.returncode == first.returncode and strip(foreign.stdout) == strip(first.stdout)
    assert not any(json.loads(entry.read_text())["key"][3].endswith("-elsewhere") for entry in remembered), \
        "each miss is judged again and remembered under its own key"


def _whole_image_polarity(grey: np.ndarray) -> np.ndarray:
    """normalise_polarity's full-resolution arithmetic written over whole arrays (nine full-size float arrays for
    a 4K image): the reference the strip-by-strip version must equal pixel for pixel."""
    import cv2

    from media_check import ocr

    h, w = grey.shape
    factor = 2 if max(h, w) > 1200 else 1
    small = cv2.resize(grey, (w // factor, h // factor), interpolation=cv2.INTER_AREA) if factor > 1 else grey
    window = ocr.BACKGROUND_WINDOW
    background = cv2.medianBlur(small, window) if min(small.shape) > window else small
    departure = small.astype(np.float32) - background.astype(np.float32)
    lighter = cv2.blur(np.maximum(departure - ocr.NOISE_LEVELS, 0), (window, window))
    darker = cv2.blur(np.maximum(-departure - ocr.NOISE_LEVELS, 0), (window, window))
    inverted = np.where(lighter > ocr.POLARITY_RATIO * darker + 0.5, 1.0,
                        np.where(darker > ocr.POLARITY_RATIO * lighter + 0.5, 0.0,
                                 (background < 110).astype(np.float32)))
    inverted = cv2.blur(inverted, (5, 5)) > 0.5
    back = background.astype(np.float32)
    if factor > 1:
        inverted = cv2.resize(inverted.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
        back = cv2.resize(back, (w, h), interpolation=cv2.INTER_LINEAR)
    diff = grey.astype(np.float32) - back
    dark_range = np.maximum(back, 64.0) - ocr.NOISE_LEVELS
    light_range = np.maximum(255.0 - back, 64.0) - ocr.NOISE_LEVELS
    depth = np.where(inverted, np.maximum(diff - ocr.NOISE_LEVELS, 0) / light_range,
                     np.maximum(-diff - ocr.NOISE_LEVELS, 0) / dark_range)
    coarse = cv2.resize(depth, (w // factor, h // factor), interpolation=cv2.INTER_AREA) if factor > 1 else depth
    gain = 1.0 / np.clip(cv2.dilate(coarse, np.ones((window, window), np.uint8)), ocr.MIN_CONTRAST, 1.0)
    if factor > 1:
        gain = cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(255.0 * (1.0 - depth * gain), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("path", _corpus_sample(6) + sorted((ROOT / "sample_media" / "screens").glob("*.png"))[:3],
                         ids=lambda p: p.name)
def test_polarity_normalisation_in_strips_equals_the_whole_image_formula(path):
    import cv2

    from media_check.ocr import normalise_polarity

    grey = cv2.cvtColor(np.asarray(Image.open(path).convert("RGB")), cv2.COLOR_RGB2GRAY)
    odd = grey[: grey.shape[0] - 1 | 1, : grey.shape[1] - 3]  # odd sizes: strips and half-resolution edges
    for image in (grey, odd):
        assert np.array_equal(normalise_polarity(image)[0], _whole_image_polarity(image))


def test_cache_entries_are_read_only_under_their_own_key(tmp_path):
    from media_check.analysis import Analysis, AnalysisParams
    from media_check.cache import AnalysisCache, read_keyed, write_keyed

    entry = tmp_path / "ab" / "entry.json"
    assert read_keyed(entry, ["a"]) is None  # no entry
    write_keyed(entry, {"key": ["a"], "value": 1})
    assert read_keyed(entry, ["a"]) == {"key": ["a"], "value": 1}
    with pytest.raises(ValueError):
        read_keyed(entry, ["b"])  # another key's
    entry.write_text("[1, 2]")
    with pytest.raises(ValueError):
        read_keyed(entry, ["a"])  # not an entry at all
    # the analysis cache drops such an entry: a miss
    cache, params = AnalysisCache(tmp_path / "cache"), AnalysisParams()
    cache.put(params, Analysis(sha256="f" * 64, kind="screenshot"))
    assert cache.get("f" * 64, params) is not None
    stored = next((tmp_path / "cache" / "analysis").rglob("*.json"))
    stored.write_text("[1, 2]")
    assert cache.get("f" * 64, params) is None and not stored.exists()
