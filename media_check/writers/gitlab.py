"""GitLab code quality report (the ``codequality`` artifact): one issue per open finding.

Severities map warn -> minor, fail -> major, error -> critical. Fingerprints come from the rule and the content
sha256 (plus an occurrence number when one rule reports the same content twice), so GitLab tracks an issue across
renames and sees a changed image as new. Findings the baseline accepted are left out: the format has no way to
mark an issue as accepted.
"""

from __future__ import annotations

import json

from media_check.report import Report, Severity
from media_check.writers.common import all_findings, fingerprint

SEVERITIES = {Severity.WARN: "minor", Severity.FAIL: "major", Severity.ERROR: "critical"}


def render(report: Report) -> str:
    issues = []
    seen: dict[str, int] = {}
    for item in all_findings(report):
        finding = item.finding
        if finding.accepted:
            continue
        key = fingerprint(finding.code, item.sha256, item.path)
        seen[key] = seen.get(key, 0) + 1
        body = finding.message + (f"\n\nFix: {finding.fix}" if finding.fix else "")
        issues.append({
            "type": "issue",
            "engine_name": "media-check",
            "check_name": f"{finding.code} {finding.name}",
            "description": f"{finding.code} {finding.name}: {finding.message}",
            "content": {"body": body},
            "fingerprint": fingerprint(finding.code, item.sha256, item.path, seen[key] - 1),
            "severity": SEVERITIES[finding.severity],
            "location": {"path": item.path, "lines": {"begin": 1}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
