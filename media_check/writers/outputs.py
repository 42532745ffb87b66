"""Several reports from one run: ``--report FORMAT:PATH`` targets, rendered from the same Report and written
atomically. The HTML report gets its annotated images from an :class:`~media_check.asset_source.AssetSource`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from media_check.report import Report
from media_check.writers import FORMATS, renderer

if TYPE_CHECKING:
    from media_check.asset_source import AssetSource


@dataclass(frozen=True)
class Target:
    format: str
    path: Path


def parse_target(spec: str) -> Target:
    """``FORMAT:PATH`` (``sarif:out/results.sarif``) -> Target; ValueError with a readable reason otherwise."""
    fmt, sep, path = spec.partition(":")
    if not sep or not path:
        raise ValueError(f"--report expects FORMAT:PATH, got '{spec}' (formats: {', '.join(FORMATS)})")
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format '{fmt}' in --report {spec} (known: {', '.join(FORMATS)})")
    return Target(fmt, Path(path))


class Renderer:
    """Renders a report in any format; the HTML previews are drawn once, however many HTML targets there are."""

    def __init__(self, report: Report, source: AssetSource | None = None, show_ocr: bool = False):
        self.report = report
        self.source = source
        self.show_ocr = show_ocr
        self._previews = None

    def render(self, fmt: str) -> str:
        if fmt == "html":
            from media_check.writers.html import render as render_html

            return render_html(self.report, self.previews())
        return renderer(fmt)(self.report)

    def chunks(self, fmt: str) -> Iterator[str]:
        """The report in ``fmt`` in pieces: JSON is streamed asset by asset, other formats come whole."""
        if fmt == "json":
            from media_check.writers.json_report import chunks

            return chunks(self.report)
        return iter((self.render(fmt),))

    def previews(self):
        if self._previews is None:
            if self.source is None:
                self._previews = {}
            else:
                from media_check.annotate import previews

                self._previews = previews(self.report, self.source, self.show_ocr)
        return self._previews

    def write(self, target: Target) -> None:
        from media_check.cache import write_chunks_atomic

        target.path.parent.mkdir(parents=True, exist_ok=True)
        write_chunks_atomic(target.path, self.chunks(target.format))
