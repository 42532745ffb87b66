"""A readable table for a person at a terminal: one row per asset, its findings, and a summary line."""

from __future__ import annotations

import io
import os

from rich.console import Console
from rich.table import Table
from rich.text import Text

from media_check.report import Report, Status

STYLES = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red", Status.ERROR: "bold magenta"}


def render(report: Report, width: int | None = None, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 120, force_terminal=color, no_color=not color,
                      highlight=False, soft_wrap=False)
    table = Table(show_header=True, header_style="bold", expand=False, show_lines=False)
    table.add_column("status", no_wrap=True)
    table.add_column("asset", overflow="fold")
    table.add_column("findings", overflow="fold")
    for verdict in report.assets:
        findings = Text()
        for i, finding in enumerate(verdict.findings):
            if i:
                findings.append("\n")
            style = "dim" if finding.accepted else STYLES[finding.severity.status]
            findings.append(f"{finding.code} {finding.name}", style=style)
            findings.append(" [accepted]" if finding.accepted else "", style="dim")
            findings.append(f" ({finding.confidence:.2f}) {finding.message}")
        table.add_row(Text(verdict.status.value.upper(), style=STYLES[verdict.status]),
                      Text(verdict.path), findings if verdict.findings else Text("-", style="dim"))
    console.print(table)
    for listing in report.listings:
        for finding in listing.findings:
            console.print(Text(f"listing {listing.path}: ", style="bold")
                          + Text(f"{finding.code} {finding.name}", style=STYLES[finding.severity.status])
                          + Text(" [accepted]" if finding.accepted else "", style="dim")
                          + Text(f" {finding.message}"))
    for line in waiver_lines(report):
        console.print(Text(line, style="yellow"))
    console.print(summary_line(report))
    return buffer.getvalue()


def summary_line(report: Report) -> str:
    s = report.summary
    counts = ", ".join(f"{s.by_status[k]} {k}" for k in ("pass", "warn", "fail", "error"))
    extra = f"; {len(s.not_checked)} file(s) not checked" if s.not_checked else ""
    extra += f"; {s.accepted} finding(s) accepted by the baseline" if s.accepted else ""
    return (f"{s.assets} asset(s): {counts} (profile {report.profile}; OCR ran on {s.ocr_calls}, "
            f"{s.cache_hits} from cache{extra})")


def waiver_lines(report: Report) -> list[str]:
    """Baseline entries that accepted nothing: changed or resolved ones by name, the others counted."""
    waivers = report.summary.unmatched_waivers
    lines = [f"baseline entry no longer matches: {w.code} {w.name} on {w.path} ({w.reason})"
             for w in waivers if w.reason != "not-scanned"]
    unseen = sum(1 for w in waivers if w.reason == "not-scanned")
    if unseen:
        lines.append(f"{unseen} baseline entr{'y' if unseen == 1 else 'ies'} for files not scanned in this run")
    return lines


def use_color() -> bool:
    return "NO_COLOR" not in os.environ
