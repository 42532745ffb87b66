"""The version of each analysis stage. Each is part of the analysis cache key (:class:`~media_check.analysis.
AnalysisParams`), so bumping one re-analyses every asset on the next scan; bumping only ``PREPROCESS_VERSION``
re-runs OCR, and bumping the others alone reuses the cached OCR words.

Kept together in a module that imports nothing, so a warm re-scan builds its cache keys without loading numpy,
OpenCV or tesseract.
"""

ANALYSER_VERSION = "10"  # anything that changes an Analysis: features (features.py), hashes (hashing.py), analyse.py
PREPROCESS_VERSION = "17"  # what OCR reads: preprocessing, passes, engine settings (ocr.py)
LOADER_VERSION = "2"  # decoding (load.py, containers.py)
VIDEO_VERSION = "1"  # keyframe selection and probing (video.py)
