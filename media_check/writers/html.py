"""One self-contained HTML report: summary, a gallery filterable by status and rule, and per asset the annotated
image, the findings with evidence and fixes, and the live-app comparison.

No network: CSS and script are inline, images are data URIs handed in by the caller (:func:`render` draws
nothing; :func:`media_check.annotate.previews` makes them). A Content-Security-Policy allows only the page's own
script (by hash) and data-URI images. Everything that comes from an asset (names, OCR text, metadata) goes
through jinja2's autoescaping and is read back by the script as text only.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path, PurePath

from jinja2 import Environment, FileSystemLoader, select_autoescape

from media_check.report import Finding, Report, Status, Verdict
from media_check.writers.common import STATUS_ORDER, Preview, box_text, rule_for, status_counts

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env


def render(report: Report, previews: Mapping[str, Preview] | None = None) -> str:
    previews = previews or {}
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    style = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    assets = sorted(report.assets, key=lambda v: (-v.status.rank, v.path))
    index = {v.path: i for i, v in enumerate(report.assets)}
    return _environment().get_template("report.html.j2").render(
        report=report,
        summary=report.summary,
        statuses=status_counts(report),
        rules=_rule_rows(report),
        assets=[_asset(v, index[v.path], previews.get(v.path)) for v in assets],
        listings=[{"path": item.path, "findings": [_finding(f) for f in item.findings]}
                  for item in report.listings if item.findings],
        stale=[w for w in report.summary.unmatched_waivers if w.reason != "not-scanned"],
        unseen=sum(1 for w in report.summary.unmatched_waivers if w.reason == "not-scanned"),
        script=script,
        style=style,
        script_hash=f"sha256-{digest}",
        problems=sum(report.summary.by_status.get(s.value, 0) for s in STATUS_ORDER if s is not Status.PASS),
    )


def _rule_rows(report: Report) -> list[dict]:
    rows: dict[str, dict] = {}
    found = [f for v in report.assets for f in v.findings] + [f for item in report.listings for f in item.findings]
    for finding in found:
        row = rows.setdefault(finding.code, {"code": finding.code, "name": finding.name, "open": 0, "accepted": 0,
                                             "summary": _summary(finding), "worst": 0})
        if finding.accepted:
            row["accepted"] += 1
        else:
            row["open"] += 1
            row["worst"] = max(row["worst"], finding.severity.status.rank)
    return sorted(rows.values(), key=lambda r: (-r["worst"], -r["open"], r["code"]))


def _summary(finding: Finding) -> str:
    rule = rule_for(finding)
    return rule.summary if rule else ""


def _finding(finding: Finding) -> dict:
    return {
        "code": finding.code, "name": finding.name, "severity": finding.severity.value,
        "confidence": f"{finding.confidence:.0%}", "message": finding.message, "fix": finding.fix,
        "accepted": finding.accepted, "summary": _summary(finding),
        "evidence": [{"text": e.text, "box": box_text(e.box) if e.box else None,
                      "timestamp": f"{e.timestamp:.2f} s" if e.timestamp is not None else None}
                     for e in finding.evidence],
    }


def _asset(verdict: Verdict, position: int, preview: Preview | None) -> dict:
    pure = PurePath(verdict.path)
    codes = sorted({f.code for f in verdict.findings})
    live = verdict.live_match
    return {
        "id": f"asset-{position}",
        "path": verdict.path,
        "name": pure.name,
        "folder": str(pure.parent) if str(pure.parent) != "." else "",
        "status": verdict.status.value,
        "rules": " ".join(codes),
        "open": [_finding(f) for f in verdict.findings if not f.accepted],
        "accepted": [_finding(f) for f in verdict.findings if f.accepted],
        "size": f"{verdict.width}x{verdict.height}" if verdict.width and verdict.height else "",
        "format": verdict.format or "",
        "kind": verdict.kind,
        "sha256": verdict.sha256 or "",
        "cached": verdict.cached,
        "timings": ", ".join(f"{k} {v:g} ms" for k, v in verdict.timings_ms.items()),
        "preview": preview,
        "live": None if live is None else {
            "status": live.status, "closest": live.closest, "distance": f"{live.distance:g}",
            "similarity": f"{live.similarity:.0%}", "regions": len(live.changed_regions),
        },
    }
