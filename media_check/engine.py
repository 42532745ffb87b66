"""The tesseract engine on this machine: which one (:func:`engine_name`), its version (part of the OCR cache
key), where its language data lives, and which script languages the OCR's second pass can use.

Nothing here reads an image, so a warm re-scan builds its cache keys and checks its dependencies without loading
the OCR machinery (:mod:`media_check.ocr`).
"""

from __future__ import annotations

import functools
import os
import shutil


APT_TESSERACT = "sudo apt-get install -y tesseract-ocr tesseract-ocr-eng"  # what OcrUnavailable's messages advise


class OcrUnavailable(Exception):
    """Tesseract is missing or broken; the message says how to install it."""


# tesseract OSD script name -> the language data that reads it (Debian: tesseract-ocr-<lang, _ as ->). OSD tells
# Chinese from Japanese poorly, so both read the Han family (the first one leads).
SCRIPT_LANGUAGES = {"Han": ("chi_sim", "jpn"), "Japanese": ("jpn", "chi_sim"), "Katakana": ("jpn", "chi_sim"),
                    "Hiragana": ("jpn", "chi_sim"), "Hangul": ("kor",), "Korean": ("kor",), "Arabic": ("ara",),
                    "Cyrillic": ("rus",)}


def engine_name() -> str:
    """The OCR engine in use: ``tesserocr`` when available (unless overridden), else ``pytesseract``."""
    wanted = os.environ.get("MEDIA_CHECK_OCR_ENGINE", "auto")
    if wanted in ("auto", "tesserocr"):
        try:
            import tesserocr  # noqa: F401

            return "tesserocr"
        except ImportError:
            if wanted == "tesserocr":
                raise OcrUnavailable("MEDIA_CHECK_OCR_ENGINE=tesserocr but tesserocr is not installed") from None
    return "pytesseract"


@functools.lru_cache(maxsize=None)
def engine_version() -> str:
    """Engine and tesseract version: OCR output depends on both, so both are in the cache key."""
    if engine_name() == "tesserocr":
        import tesserocr

        return "tesserocr-" + tesserocr.tesseract_version().split()[1]
    import pytesseract

    try:
        return "pytesseract-" + str(pytesseract.get_tesseract_version())
    except Exception:  # noqa: BLE001
        return "pytesseract-unknown"


def tessdata_dir() -> str | None:
    """Where the system's trained language data lives (the tesserocr wheel ships none)."""
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    for candidate in ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                      "/usr/share/tessdata", "/usr/local/share/tessdata", "/opt/homebrew/share/tessdata"):
        if os.path.isfile(os.path.join(candidate, "eng.traineddata")):
            return candidate
    return None


def check_tesseract() -> str:
    """The OCR engine's version, or :class:`OcrUnavailable` with the command that installs what is missing."""
    if engine_name() == "tesserocr":
        if tessdata_dir() is None:
            raise OcrUnavailable(f"tesseract language data is not installed: run '{APT_TESSERACT}' (or 'make install' "
                                 "as root)")
        return engine_version()
    import pytesseract  # the fallback engine's module, imported when it is used

    if shutil.which("tesseract") is None:
        raise OcrUnavailable(f"tesseract is not installed: run '{APT_TESSERACT}' (or 'make install' as root)")
    try:
        return str(pytesseract.get_tesseract_version())
    except Exception as exc:  # noqa: BLE001
        raise OcrUnavailable(f"tesseract is installed but does not run: {exc}") from None


def missing_languages(languages: tuple[str, ...]) -> list[str]:
    if engine_name() == "tesserocr":
        folder = tessdata_dir() or ""
        return [lang for lang in languages if not os.path.isfile(os.path.join(folder, f"{lang}.traineddata"))]
    import pytesseract

    try:
        have = set(pytesseract.get_languages(config=""))
    except Exception:  # noqa: BLE001
        return []
    return [lang for lang in languages if lang not in have]


@functools.lru_cache(maxsize=None)
def second_pass_languages() -> tuple[str, ...]:
    """The script languages installed for the second pass (empty without the OSD data)."""
    folder = tessdata_dir()
    if folder is None or not os.path.isfile(os.path.join(folder, "osd.traineddata")):
        return ()
    return tuple(sorted({lang for group in SCRIPT_LANGUAGES.values() for lang in group
                         if os.path.isfile(os.path.join(folder, f"{lang}.traineddata"))}))
