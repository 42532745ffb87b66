"""The pixels behind a report's verdicts, and their OCR words, for annotated images and the HTML report.

:class:`AssetSource` is the seam to the files and the analysis cache: it re-reads an asset from the path in the
report (only if its content sha256 still matches the report, so boxes never land on a changed file) and finds its
OCR words by content hash in the cache (running OCR only when they are not cached). Making one costs nothing: the
decoding, drawing and OCR code is loaded when pixels are first asked for, so every writer can be handed one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from media_check.analysis import AnalysisParams, sha256_of
from media_check.report import Verdict
from media_check.words import Word

if TYPE_CHECKING:
    from PIL import Image


class AssetSource:
    """The pixels behind a report's verdicts, and their OCR words on request.

    ``base`` is the folder the report's relative paths are relative to (the working folder of the scan).
    """

    def __init__(self, params: AnalysisParams | None = None, cache_dir: str | Path | None = None,
                 base: Path | None = None):
        self.params = params or AnalysisParams()
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.base = base or Path.cwd()

    def image(self, verdict: Verdict) -> Image.Image | None:
        """The decoded asset, or None when it is gone, changed since the report, or cannot be decoded.

        A name shown with escapes (control characters in it) does not lead back to the file: no image for it.
        """
        from media_check.load import LoadError, load_image

        if not verdict.sha256 or verdict.kind != "screenshot":
            return None
        path = self.base / verdict.path
        try:
            if not path.is_file() or sha256_of(path) != verdict.sha256:  # never block on a FIFO or a device
                return None
            return load_image(path, self.params.max_pixels, self.params.max_file_bytes).image
        except (OSError, LoadError):
            return None

    def words(self, verdict: Verdict, image: Image.Image) -> list[Word]:
        """The OCR words of the asset: from the cache by content sha256, or read again when not cached."""
        if self.cache_dir and verdict.sha256:
            from media_check.cache import AnalysisCache, WordCache

            analysis = AnalysisCache(self.cache_dir).get(verdict.sha256, self.params)
            if analysis is not None and analysis.words:
                return analysis.words
            words = WordCache(self.cache_dir).get(verdict.sha256, self.params)
            if words is not None:
                return words
        from media_check.ocr import ocr_image

        return ocr_image(image, self.params.languages, self.params.ocr_timeout)

    def annotated(self, verdict: Verdict, show_ocr: bool = False, max_side: int | None = None) -> Image.Image | None:
        image = self.image(verdict)
        if image is None:
            return None
        from media_check.annotate import annotate

        words = self.words(verdict, image) if show_ocr else ()
        return annotate(image, verdict, words, max_side=max_side)
