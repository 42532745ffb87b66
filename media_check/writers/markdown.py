"""A Markdown summary for a pull request or ``$GITHUB_STEP_SUMMARY``: counts, then every open problem, worst first.

GitHub refuses step summaries over 1 MiB, so the output stays under :data:`LIMIT_BYTES`: rows that do not fit
are dropped, with a note saying how many and where to find them. Everything taken from an asset (file names,
OCR text) is escaped so it renders as text, never as Markdown or HTML.
"""

from __future__ import annotations

import re

from media_check.report import Report
from media_check.rules import find
from media_check.writers.common import all_findings, status_counts, worst_first

LIMIT_BYTES = 1_000_000  # GitHub's step summary limit is 1 MiB (1,048,576 bytes): keep a margin
ICONS = {"error": "⛔ error", "fail": "❌ fail", "warn": "⚠️ warn", "pass": "✅ pass"}
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # what could format, link or split a table cell


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: HTML-escaped, Markdown-escaped, on one line."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _SPECIAL.sub(r"\\\1", text)


def render(report: Report, limit: int = LIMIT_BYTES) -> str:
    s = report.summary
    problems = worst_first([x for x in all_findings(report) if not x.finding.accepted])
    counts = ", ".join(f"{n} {k}" for k, n in status_counts(report) if n)
    head = [f"## media-check: {counts or 'nothing scanned'} ({s.assets} asset(s))", ""]
    head.append(f"Profile **{cell(report.profile)}**, fail on **{cell(report.fail_on)}**, "
                f"media-check {cell(report.tool_version)}." + (" All assets pass." if not problems else ""))
    head.append("")
    head += ["| status | assets |", "|---|---:|"]
    head += [f"| {ICONS[k]} | {n} |" for k, n in status_counts(report)]
    head.append("")
    if s.by_rule:
        head += ["| rule | open findings |", "|---|---:|"]
        head += [f"| {_rule_label(name)} | {n} |"
                 for name, n in sorted(s.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))]
        head.append("")
    tail = _baseline_lines(report) + _not_checked_lines(report)
    rows = []
    if problems:
        rows += [f"### Problems ({len(problems)})", "",
                 "| status | asset | rule | confidence | what | fix |", "|---|---|---|---:|---|---|"]
        for item in problems:
            f = item.finding
            words = [e.text for e in f.evidence if e.text]
            what = cell(f.message) + (" (" + ", ".join(f"“{cell(w)}”" for w in words[:3])
                                      + (" …" if len(words) > 3 else "") + ")" if words else "")
            where = cell(item.path) + (" (whole listing)" if item.listing else "")
            rows.append(f"| {ICONS[f.severity.status.value]} | {where} | {cell(f.code)} {cell(f.name)} | "
                        f"{f.confidence:.2f} | {what} | {cell(f.fix)} |")
        rows.append("")
    return _fit(head, rows, tail, limit, header_rows=4 if problems else 0)


def _fit(head: list[str], rows: list[str], tail: list[str], limit: int, header_rows: int) -> str:
    """Join the parts, dropping problem rows from the end until the text fits in ``limit`` bytes."""
    def size(lines: list[str]) -> int:
        return sum(len(line.encode("utf-8")) + 1 for line in lines)

    fixed = size(head) + size(tail) + 200  # room for the truncation note
    body = rows
    if size(head) + size(rows) + size(tail) > limit:
        budget = limit - fixed
        kept, used = rows[:header_rows], size(rows[:header_rows])
        table = rows[header_rows:-1] if rows else []
        for line in table:
            cost = len(line.encode("utf-8")) + 1
            if used + cost > budget:
                break
            kept.append(line)
            used += cost
        dropped = len(table) - (len(kept) - header_rows)
        body = kept + ["", f"> **{dropped} more problem row(s) not shown**: this summary is limited to "
                           f"{limit:,} bytes. The full list is in the JSON, HTML or SARIF report.", ""]
    return "\n".join(head + body + tail) + "\n"


def _rule_label(name: str) -> str:
    rule = find(name)
    return cell(f"{rule.code} {name}" if rule else name)


def _baseline_lines(report: Report) -> list[str]:
    s = report.summary
    stale = [w for w in s.unmatched_waivers if w.reason != "not-scanned"]
    unseen = len(s.unmatched_waivers) - len(stale)
    if not (s.accepted or s.unmatched_waivers):
        return []
    lines = ["### Baseline", "", f"{s.accepted} finding(s) accepted by the baseline (not counted)."]
    if stale:
        lines += ["", "Entries that no longer match (review the new content, or drop them from the baseline):", ""]
        lines += [f"- {cell(w.code)} {cell(w.name)} on {cell(w.path)}: {cell(w.reason)}" for w in stale]
    if unseen:
        lines += ["", f"{unseen} entr{'y' if unseen == 1 else 'ies'} for files not scanned in this run."]
    return lines + [""]


def _not_checked_lines(report: Report) -> list[str]:
    skipped = report.summary.not_checked
    if not skipped:
        return []
    lines = [f"<details><summary>{len(skipped)} file(s) not checked</summary>", ""]
    lines += [f"- {cell(entry)}" for entry in skipped]
    return lines + ["", "</details>", ""]
