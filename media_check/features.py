"""Layout and image features of a screenshot: cheap numbers (OpenCV/numpy on a downscaled copy) that the rules and
the screen classifier read. Pure functions of the pixels and the OCR words; keys are stable names."""

from __future__ import annotations

import cv2
import numpy as np

from media_check.ocr import Word

WORK_SIDE = 640  # features are computed on a copy whose long side is at most this


def image_features(rgb: np.ndarray, words: list[Word]) -> dict[str, float]:
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA) \
        if scale < 1 else rgb
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(grey, 60, 160)
    hist = np.bincount((grey // 8).ravel(), minlength=32).astype(np.float64)
    p = hist / hist.sum()
    grey_entropy = float(-(p[p > 0] * np.log2(p[p > 0])).sum())
    dominant = float(p.max())
    quant = (small // 32).reshape(-1, 3).astype(np.int32)
    codes = quant[:, 0] * 64 + quant[:, 1] * 8 + quant[:, 2]
    cp = np.bincount(codes, minlength=512).astype(np.float64)
    cp = cp / cp.sum()
    colour_entropy = float(-(cp[cp > 0] * np.log2(cp[cp > 0])).sum())
    text_area = sum(word.box[2] * word.box[3] for word in words) / float(w * h)
    return {
        "width": float(w),
        "height": float(h),
        "aspect": float(w) / float(h),
        "grey_mean": float(grey.mean()),
        "grey_std": float(grey.std()),
        "grey_entropy": grey_entropy,
        "dominant_grey_fraction": dominant,
        "colour_entropy": colour_entropy,
        "edge_density": float((edges > 0).mean()),
        "word_count": float(len(words)),
        "text_area_fraction": float(text_area),
    }
