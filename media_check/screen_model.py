"""The screen classifier: what kind of screen a screenshot shows (in use, login, splash, error), with probabilities.

Inputs are the cached layout/image features of the Analysis (:mod:`media_check.features`), numbers derived from
where the OCR words sit, and counts of lexicon phrases (:mod:`media_check.phrases`). The model is a multinomial
logistic regression trained by ``models/train_screen_classifier.py`` and stored as plain JSON
(``models/screen_classifier.json``: feature names, standardisation, coefficients), so inference is one small
matrix product in numpy: no training library is needed at run time and loading takes milliseconds.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from media_check.phrases import MODELS_DIR, Match
from media_check.words import Word, lines_of, main_read

MODEL_PATH = MODELS_DIR / "screen_classifier.json"
CLASSES = ("in_use", "login", "splash", "error")

# Features the model reads, in order. Image features come from Analysis.features; the rest are computed here.
FEATURES = (
    # text amount and layout (from the OCR words)
    "log_words", "log_lines", "mean_conf", "text_area_fraction", "text_bbox_fraction", "text_x_spread",
    "text_y_spread", "text_centred", "max_text_height", "log_long_lines", "digit_word_fraction", "headline_lines",
    "text_middle_fraction", "aligned_lines",
    # lexicon phrases
    "login_strong", "login_cta", "login_field", "login_signed_in", "error_strong", "error_weak",
    "placeholder_strong", "ad_strong", "store_badges",
    # image structure (from the cached features)
    "log_aspect", "colour_entropy", "grey_entropy", "edge_density", "edge_density_centre", "background_fraction",
    "largest_uniform_fraction", "foreground_fraction", "foreground_bbox_fraction", "foreground_centre_offset",
    "log_blobs", "largest_blob_fraction", "largest_blob_centred", "log_row_bands", "busy_row_fraction",
    "log_boxes", "box_stack", "box_stack_centred", "box_stack_width", "saturation_mean", "log_h_lines",
    "log_v_lines",
)


def text_layout(words: Sequence[Word], width: int, height: int) -> dict[str, float]:
    """Where and how much text there is, relative to the image."""
    area = float(max(1, width) * max(1, height))
    # the main OCR read only: the words the completing reads add (see ocr_image) are for the phrase rules
    good = [w for w in main_read(words) if w.conf >= 30 and any(c.isalnum() for c in w.text)]
    lines = lines_of(good) if good else []
    if not good:
        return {"log_words": 0.0, "log_lines": 0.0, "mean_conf": 0.0, "text_area_fraction": 0.0,
                "text_bbox_fraction": 0.0, "text_x_spread": 0.0, "text_y_spread": 0.0, "text_centred": 0.0,
                "max_text_height": 0.0, "log_long_lines": 0.0, "digit_word_fraction": 0.0, "headline_lines": 0.0,
                "text_middle_fraction": 0.0, "aligned_lines": 0.0}
    xs = np.array([w.box[0] + w.box[2] / 2 for w in good]) / max(1, width)
    ys = np.array([ln.box[1] + ln.box[3] / 2 for ln in lines]) / max(1, height)
    x0 = min(w.box[0] for w in good)
    y0 = min(w.box[1] for w in good)
    x1 = max(w.box[0] + w.box[2] for w in good)
    y1 = max(w.box[1] + w.box[3] for w in good)
    line_centres = np.array([(ln.box[0] + ln.box[2] / 2) / max(1, width) for ln in lines])
    return {
        "log_words": math.log1p(len(good)),
        "log_lines": math.log1p(len(lines)),
        "mean_conf": float(np.mean([w.conf for w in good]) / 100.0),
        "text_area_fraction": sum(w.box[2] * w.box[3] for w in good) / area,
        "text_bbox_fraction": (x1 - x0) * (y1 - y0) / area,
        "text_x_spread": float(xs.std()),
        "text_y_spread": float(ys.std()) if len(ys) > 1 else 0.0,
        "text_centred": float(np.mean(np.abs(line_centres - 0.5) < 0.08)),
        "max_text_height": max(w.box[3] for w in good) / max(1, height),
        "log_long_lines": math.log1p(sum(1 for ln in lines if len(ln.words) >= 5)),
        "digit_word_fraction": sum(any(c.isdigit() for c in w.text) for w in good) / len(good),
        # title typography: lines at least 4% of the image high (UI text is 1-2%)
        "headline_lines": float(min(4, sum(1 for ln in lines if ln.box[3] >= 0.04 * height))),
        "text_middle_fraction": float(np.mean((ys > 0.25) & (ys < 0.75))),
        "aligned_lines": _aligned_lines(lines, width),
    }


def _aligned_lines(lines, width: int) -> float:
    """Share of text lines (of at least 4) that start at the same left edge as two others: the rows of a list,
    a table, a form or a settings page. A title card's few centred lines share none."""
    if len(lines) < 4:
        return 0.0
    lefts = np.array([ln.box[0] for ln in lines], dtype=float) / max(1, width)
    close = np.abs(lefts[:, None] - lefts[None, :]) <= 0.01
    return float(np.mean(close.sum(axis=1) >= 3))


def phrase_counts(matches: Sequence[Match]) -> dict[str, float]:
    """How many phrases of each lexicon tier were found (capped: a screen full of one word is not more of it)."""
    def count(*categories: str) -> float:
        return float(min(4, sum(1 for m in matches if m.category in categories)))

    return {
        "login_strong": count("login.strong"), "login_cta": count("login.cta"), "login_field": count("login.field"),
        "login_signed_in": count("login.signed_in"), "error_strong": count("error.strong", "error.patterns"),
        "error_weak": count("error.weak"), "placeholder_strong": count("placeholder.strong"),
        "ad_strong": count("ad.strong"), "store_badges": count("splash.marketing"),
    }


_IMAGE_KEYS = ("colour_entropy", "grey_entropy", "edge_density", "edge_density_centre", "background_fraction",
               "largest_uniform_fraction", "foreground_fraction", "foreground_bbox_fraction",
               "foreground_centre_offset", "largest_blob_fraction", "largest_blob_centred", "busy_row_fraction",
               "box_stack", "box_stack_centred", "box_stack_width", "saturation_mean")
REQUIRED_IMAGE_FEATURES = frozenset((*_IMAGE_KEYS, "aspect", "blob_count", "row_bands", "box_count", "h_lines",
                                     "v_lines"))


def has_image_features(features: Mapping[str, float]) -> bool:
    """Whether an analysis carries every image feature the model reads (older or partial analyses do not)."""
    return REQUIRED_IMAGE_FEATURES <= features.keys()


def image_structure(features: Mapping[str, float]) -> dict[str, float]:
    f = features
    return {
        "log_aspect": math.log(max(1e-3, f.get("aspect", 1.0))),
        "log_blobs": math.log1p(f.get("blob_count", 0.0)),
        "log_row_bands": math.log1p(f.get("row_bands", 0.0)),
        "log_h_lines": math.log1p(f.get("h_lines", 0.0)),
        "log_v_lines": math.log1p(f.get("v_lines", 0.0)),
        "log_boxes": math.log1p(f.get("box_count", 0.0)),
        **{k: float(f.get(k, 0.0)) for k in _IMAGE_KEYS},
    }


def screen_features(words: Sequence[Word], width: int, height: int, features: Mapping[str, float],
                    matches: Sequence[Match]) -> dict[str, float]:
    """Every input of the classifier, by name."""
    return {**text_layout(words, width, height), **phrase_counts(matches), **image_structure(features)}


@dataclass(frozen=True)
class ScreenModel:
    classes: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # classes x features
    intercept: np.ndarray

    @classmethod
    def from_json(cls, data: Mapping) -> ScreenModel:
        model = cls(tuple(data["classes"]), tuple(data["features"]), np.asarray(data["mean"], dtype=float),
                    np.asarray(data["scale"], dtype=float), np.asarray(data["coef"], dtype=float),
                    np.asarray(data["intercept"], dtype=float))
        if model.coef.shape != (len(model.classes), len(model.features)):
            raise ValueError("screen classifier: coefficient matrix does not match its classes and features")
        return model

    def probabilities(self, values: Mapping[str, float]) -> dict[str, float]:
        """P(class) for one screen, from its named feature values (a missing feature counts as its mean)."""
        x = np.array([values.get(name, self.mean[i]) for i, name in enumerate(self.features)], dtype=float)
        z = self.coef @ ((x - self.mean) / self.scale) + self.intercept
        z = np.exp(z - z.max())
        p = z / z.sum()
        return {c: float(v) for c, v in zip(self.classes, p)}


@functools.lru_cache(maxsize=2)
def load_model(path: str | None = None) -> ScreenModel | None:
    """The trained classifier, or None when ``models/screen_classifier.json`` is absent (rules fall back to text)."""
    target = Path(path or MODEL_PATH)
    if not target.is_file():
        return None
    return ScreenModel.from_json(json.loads(target.read_text(encoding="utf-8")))
