"""One asset -> its :class:`~media_check.analysis.Analysis`: the expensive, policy-independent facts (OCR words,
hashes, features).

An Analysis is a pure function of the file's bytes, the analyser version and :class:`AnalysisParams`, so it is
cached by that key (:mod:`media_check.cache`) and computed in worker processes. Rules never run here.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np

from media_check import features as features_mod, hashing
from media_check.analysis import Analysis, AnalysisParams
from media_check.engine import OcrUnavailable
from media_check.load import LoadError, load_asset
from media_check.ocr import OcrTimeout, ocr_image
from media_check.paths import file_size
from media_check.video import LoadedVideo
from media_check.words import Word, main_read

# A change to what this module computes bumps versions.ANALYSER_VERSION (part of the analysis cache key).

def analyse_file(path: str, sha256: str, params: AnalysisParams, cache_dir: str | None = None) -> Analysis:
    """The Analysis of one file. Never raises: a failure becomes ``Analysis.error``.

    With ``cache_dir``, OCR words already cached for this content (by an older analyser version) are reused.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    try:
        loaded = load_asset(Path(path), params.limits())
    except LoadError as exc:
        return Analysis(sha256=sha256, kind=exc.kind, format=exc.format, error=exc.reason,
                        timings_ms={"load": _ms(start)})
    except Exception as exc:  # noqa: BLE001 - one bad file never stops a scan
        return Analysis(sha256=sha256, kind="unknown", error=f"could not be decoded: {type(exc).__name__}: {exc}",
                        timings_ms={"load": _ms(start)})
    timings["load"] = _ms(start)
    if isinstance(loaded, LoadedVideo):
        return _analyse_video(loaded, sha256, params, cache_dir, timings, path)
    analysis = Analysis(sha256=sha256, kind="screenshot", format=loaded.format, width=loaded.width,
                        height=loaded.height, has_alpha=loaded.has_alpha, frames=loaded.frames,
                        notes=list(loaded.notes), file_bytes=file_size(path))
    return _analyse_pixels(analysis, loaded.image, params, cache_dir, timings)


def _analyse_pixels(analysis: Analysis, image, params: AnalysisParams, cache_dir: str | None,
                    timings: dict[str, float]) -> Analysis:
    """OCR words (cached by the pixels' owner ``analysis.sha256``), hashes and features of one RGB image."""
    sha256 = analysis.sha256
    if params.ocr:
        t = time.perf_counter()
        try:
            words = _cached_words(cache_dir, sha256, params)
            if words is None:
                words = ocr_image(image, params.languages, params.ocr_timeout)
                analysis.ocr_ran = True
                if cache_dir:
                    from media_check.cache import WordCache

                    WordCache(cache_dir).put(sha256, params, words)
            analysis.words = words
        except OcrTimeout as exc:
            analysis.error = f"{exc}; the asset was not checked"
            analysis.cacheable = False
        except OcrUnavailable as exc:
            analysis.error = str(exc)
            analysis.cacheable = False
        except Exception as exc:  # noqa: BLE001
            analysis.error = f"OCR failed: {type(exc).__name__}: {exc}"
            analysis.cacheable = False
        timings["ocr"] = _ms(t)
    t = time.perf_counter()
    pixels = np.asarray(image)  # one array of the RGB pixels, read by the hashes and the features
    analysis.hashes = hashing.hashes(pixels, analysis.words)
    timings["hashes"] = _ms(t)
    t = time.perf_counter()
    # layout features describe the main OCR read (the one the screen classifier was trained on)
    analysis.features = features_mod.image_features(pixels, main_read(analysis.words))
    timings["features"] = _ms(t)
    analysis.timings_ms = timings
    return analysis


def _analyse_video(loaded: LoadedVideo, sha256: str, params: AnalysisParams, cache_dir: str | None,
                   timings: dict[str, float], path: str) -> Analysis:
    """A video's Analysis: its metadata, and one full screenshot-like Analysis per keyframe (kind ``keyframe``),
    whose OCR words are cached by the keyframe's own pixel hash like any image's."""
    analysis = Analysis(sha256=sha256, kind="video", format=loaded.format, width=loaded.width,
                        height=loaded.height, frames=loaded.frames, notes=list(loaded.notes),
                        file_bytes=file_size(path), duration=loaded.duration, fps=loaded.fps)
    for keyframe in loaded.keyframes:
        pixels = np.asarray(keyframe.image)
        digest = hashlib.sha256(f"{pixels.shape}".encode() + pixels.tobytes()).hexdigest()
        frame = Analysis(sha256=digest, kind="keyframe", width=keyframe.image.width, height=keyframe.image.height,
                         timestamp=keyframe.timestamp, span=keyframe.span)
        _analyse_pixels(frame, keyframe.image, params, cache_dir, {})
        analysis.ocr_ran = analysis.ocr_ran or frame.ocr_ran
        if frame.error and not analysis.error:
            analysis.error = f"the frame at {keyframe.timestamp:.1f} s could not be analysed: {frame.error}"
            analysis.cacheable = False
        analysis.keyframes.append(frame)
    analysis.timings_ms = timings
    return analysis


def _cached_words(cache_dir: str | None, sha256: str, params: AnalysisParams) -> list[Word] | None:
    if not cache_dir:
        return None
    from media_check.cache import WordCache

    return WordCache(cache_dir).get(sha256, params)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
