"""The version of each analysis stage. Each is part of the analysis cache key (:class:`~media_check.analysis.
AnalysisParams`), so bumping one re-analyses every asset on the next scan; bumping only ``PREPROCESS_VERSION``
re-runs OCR, and bumping the others alone reuses the cached OCR words. (The word cache is keyed by the file's
bytes, not its decoded pixels: a decoding change that moves pixels, such as an orientation fix, needs
``PREPROCESS_VERSION`` bumped too, or words read from the old pixels are reused.)

Kept together in a module that imports nothing, so a warm re-scan builds its cache keys without loading numpy,
OpenCV or the OCR code.
"""

# anything else that changes an Analysis: features (features.py), hashes and the screen signature (hashing.py,
# align.py, live.py's capture and hash boxes), analyse.py
ANALYSER_VERSION = "10"
PREPROCESS_VERSION = "21"  # what OCR reads: preprocessing, passes, engine settings (ocr.py)
LOADER_VERSION = "2"  # decoding (load.py, containers.py)
VIDEO_VERSION = "1"  # keyframe selection and probing (video.py)
