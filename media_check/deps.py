"""External programs media-check needs, checked once, with the command that installs what is missing.

- :func:`require_tesseract` (scan): tesseract and its language data, or :class:`DependencyMissing`.
- :func:`require_chromium` (live-app captures): a Chromium executable, or :class:`DependencyMissing`.
- :func:`without_ocr`: the configuration for a scan that runs without tesseract (``--allow-missing-ocr``), and
  the list of rules that therefore cannot run, for the report's ``summary.not_checked``.

The command line turns :class:`DependencyMissing` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace

from media_check.engine import OcrUnavailable, check_tesseract, missing_languages

APT_CHROMIUM = "sudo apt-get install -y chromium"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class DependencyMissing(Exception):
    """A program media-check needs is missing or broken; the message says how to install it."""


def require_tesseract(languages: tuple[str, ...] = ("eng",)) -> str:
    """Tesseract's version; raises :class:`DependencyMissing` naming the install command."""
    try:
        version = check_tesseract()
    except OcrUnavailable as exc:
        raise DependencyMissing(str(exc)) from None
    missing = missing_languages(tuple(languages))
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise DependencyMissing(f"tesseract has no data for language(s) {', '.join(missing)}: run "
                                f"'sudo apt-get install -y {packages}'")
    return version


def require_chromium(explicit: str | None = None) -> str:
    """The path of a working Chromium (``explicit``, ``$MEDIA_CHECK_CHROMIUM``, then the usual names on PATH);
    raises :class:`DependencyMissing` naming the install command."""
    candidates = [explicit] if explicit else []
    if os.environ.get("MEDIA_CHECK_CHROMIUM"):
        candidates.append(os.environ["MEDIA_CHECK_CHROMIUM"])
    candidates += [found for name in CHROMIUM_NAMES if (found := shutil.which(name))]
    for candidate in candidates:
        if not candidate or not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            continue
        try:
            result = subprocess.run([candidate, "--version"], capture_output=True, text=True, timeout=30,
                                    check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise DependencyMissing(f"chromium at {candidate} does not run ({exc}): reinstall it with "
                                    f"'{APT_CHROMIUM}'") from None
        if result.returncode != 0:
            raise DependencyMissing(f"chromium at {candidate} does not run (exit {result.returncode}): reinstall it "
                                    f"with '{APT_CHROMIUM}'")
        return candidate
    raise DependencyMissing(f"chromium is not installed (needed for live-app captures): run '{APT_CHROMIUM}' "
                            "(or 'make install' as root)")


def without_ocr(config, reason: str):
    """``(config, not_run)``: ``config`` with OCR off and the rules that need OCR disabled, and one line per
    disabled rule for the report (``"MC108 blank-screen: not run (tesseract is not installed ...)"``)."""
    from media_check.rules import RULES

    not_run = [f"{RULES[name].code} {name}: not run ({reason})" for name in config.enabled
               if "ocr" in RULES[name].needs]
    enabled = tuple(name for name in config.enabled if "ocr" not in RULES[name].needs)
    return replace(config, enabled=enabled, analysis=replace(config.analysis, ocr=False)), not_run
