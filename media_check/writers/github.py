"""GitHub Actions workflow commands: one annotation per finding, worst first.

``::error file=<path>,title=<code> <name>::<message>`` for failures and errors, ``::warning`` for warnings.
GitHub shows at most 10 error and 10 warning annotations per step, so the worst of each are emitted and one
``::notice`` counts the rest (and the findings the baseline accepted). Data is escaped as the runner expects:
``%``, ``\\r`` and ``\\n`` everywhere, and also ``:`` and ``,`` inside properties.
"""

from __future__ import annotations

from media_check.report import Report, Severity
from media_check.writers.common import Located, all_findings, worst_first

MAX_PER_LEVEL = 10
LEVELS = {Severity.ERROR: "error", Severity.FAIL: "error", Severity.WARN: "warning"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(item: Located) -> str:
    finding = item.finding
    lines = [f"{finding.message} (confidence {finding.confidence:.2f})"]
    words = [e.text for e in finding.evidence if e.text]
    if words:
        lines.append("Evidence: " + "; ".join(f'"{w}"' for w in words[:5]) + (" ..." if len(words) > 5 else ""))
    if finding.fix:
        lines.append(f"Fix: {finding.fix}")
    return command(LEVELS[finding.severity], "\n".join(lines), file=item.path,
                   title=f"{finding.code} {finding.name}")


def render(report: Report) -> str:
    located = list(all_findings(report))
    open_findings = worst_first([x for x in located if not x.finding.accepted])
    accepted = len(located) - len(open_findings)
    shown: dict[str, int] = {"error": 0, "warning": 0}
    hidden: dict[str, int] = {"error": 0, "warning": 0}
    out = []
    for item in open_findings:
        level = LEVELS[item.finding.severity]
        if shown[level] < MAX_PER_LEVEL:
            shown[level] += 1
            out.append(annotation(item))
        else:
            hidden[level] += 1
    notes = []
    if hidden["error"] or hidden["warning"]:
        notes.append(f"{hidden['error'] + hidden['warning']} more finding(s) not annotated "
                     f"({hidden['error']} error(s), {hidden['warning']} warning(s)): GitHub shows at most "
                     f"{MAX_PER_LEVEL} of each per step; see the job summary or the full report")
    if accepted:
        notes.append(f"{accepted} finding(s) accepted by the baseline")
    stale = [w for w in report.summary.unmatched_waivers if w.reason != "not-scanned"]
    if stale:
        notes.append(f"{len(stale)} baseline entr{'y no longer matches' if len(stale) == 1 else 'ies no longer match'}: "
                     + "; ".join(f"{w.code} {w.path} ({w.reason})" for w in stale[:5])
                     + (" ..." if len(stale) > 5 else ""))
    s = report.summary
    counts = ", ".join(f"{s.by_status.get(k, 0)} {k}" for k in ("error", "fail", "warn", "pass"))
    if notes:
        out.append(command("notice", f"media-check: {s.assets} asset(s): {counts}. " + ". ".join(notes),
                           title="media-check"))
    return "".join(line + "\n" for line in out)
