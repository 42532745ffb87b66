"""Writers render a finished :class:`~media_check.report.Report`; none of them computes anything.

Each writer module exposes ``render(report) -> str``. ``FORMATS`` maps a format name to its module path so that
a writer's dependencies are imported only when it is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from media_check.report import Report

FORMATS: dict[str, str] = {
    "json": "media_check.writers.json_report",
    "text": "media_check.writers.text",
    "junit": "media_check.writers.junit",
    "sarif": "media_check.writers.sarif",
    "github": "media_check.writers.github",
    "gitlab": "media_check.writers.gitlab",
    "markdown": "media_check.writers.markdown",
    "html": "media_check.writers.html",
}


def renderer(fmt: str) -> Callable[[Report], str]:
    try:
        module = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format '{fmt}' (known: {', '.join(FORMATS)})") from None
    return importlib.import_module(module).render
