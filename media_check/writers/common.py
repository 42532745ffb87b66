"""What several writers read off a report the same way: the rules in force, the order of findings, the threshold.

Lookups only: nothing here judges an asset again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from media_check.report import Finding, Report, Severity, Status
from media_check.rules import ALL_RULES, find
from media_check.rules.base import ASSET, LISTING, Rule

STATUS_ORDER = (Status.ERROR, Status.FAIL, Status.WARN, Status.PASS)


@dataclass(frozen=True)
class Preview:
    """An annotated image of an asset for the HTML report: data URIs of a thumbnail and a larger view."""

    thumb: str
    full: str
    width: int
    height: int


@dataclass(frozen=True)
class Located:
    """A finding with the place it is about: an asset (with its content hash) or a listing folder."""

    path: str
    sha256: str | None
    finding: Finding
    listing: bool = False


def rules_in_force(report: Report) -> list[Rule]:
    """The registered rules the run used (every registered rule for reports that do not say)."""
    if not report.rules:
        return list(ALL_RULES)
    rules = [find(code) for code in report.rules]
    return [r for r in rules if r is not None]


def asset_rules(report: Report) -> list[Rule]:
    return [r for r in rules_in_force(report) if r.scope == ASSET]


def listing_rules(report: Report) -> list[Rule]:
    return [r for r in rules_in_force(report) if r.scope == LISTING]


def rule_for(finding: Finding) -> Rule | None:
    return find(finding.code)


def fails_run(finding: Finding, report: Report) -> bool:
    """True when this open finding is at or above the run's --fail-on threshold (an error always is)."""
    if finding.accepted:
        return False
    if finding.severity is Severity.ERROR:
        return True
    return finding.severity.status.rank >= Status(report.fail_on).rank


def all_findings(report: Report) -> Iterator[Located]:
    """Every finding of the report, asset findings in report order, then listing findings."""
    for verdict in report.assets:
        for finding in verdict.findings:
            yield Located(verdict.path, verdict.sha256, finding)
    for listing in report.listings:
        for finding in listing.findings:
            yield Located(listing.path, None, finding, listing=True)


def worst_first(located: list[Located]) -> list[Located]:
    """Findings by severity (worst first), then confidence (highest first), then path and code: stable."""
    return sorted(located, key=lambda x: (-x.finding.severity.status.rank, -x.finding.confidence, x.path,
                                          x.finding.code))


def fingerprint(code: str, sha256: str | None, path: str, occurrence: int = 0) -> str:
    """A stable identity for a finding: the rule and the content hash (the path only when there is no content)."""
    material = f"{code}:{sha256 or 'path:' + path}" + (f":{occurrence}" if occurrence else "")
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def status_counts(report: Report) -> list[tuple[str, int]]:
    return [(s.value, report.summary.by_status.get(s.value, 0)) for s in STATUS_ORDER]


def box_text(box) -> str:
    x, y, w, h = box
    return f"{w}x{h} at ({x}, {y})"
