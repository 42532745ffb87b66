"""JUnit XML for CI test views: one testcase per (asset x rule in force), passes included.

Testcase names are unique and stable: ``<asset path>::<rule code>`` (``listing/01.png::MC101``), and
``<listing folder>::<rule code>`` for listing-wide rules. A finding at or above the run's ``--fail-on`` threshold is
a ``<failure>`` (an unreadable asset an ``<error>``, and the asset's other rules are ``<skipped>``); a finding below
the threshold, or one the baseline accepted, leaves the testcase passing with the finding in ``<system-out>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from media_check.report import Finding, Report, Severity, Status
from media_check.writers.common import asset_rules, box_text, fails_run, listing_rules

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def render(report: Report) -> str:
    root = ET.Element("testsuites", name="media-check")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    rule_names = {r.code: r.name for r in asset_rules(report) + listing_rules(report)}
    for verdict in report.assets:
        codes = {r.code for r in asset_rules(report)} | {f.code for f in verdict.findings}
        cases = []
        for code in sorted(codes):
            findings = [f for f in verdict.findings if f.code == code]
            name = findings[0].name if findings else rule_names.get(code, "")
            unreadable = verdict.status is Status.ERROR and not any(
                f.severity is Severity.ERROR for f in findings)
            cases.append(_case(verdict.path, code, name, findings, report,
                               skipped="not checked: the asset could not be read" if unreadable else None))
        _suite(root, verdict.path, cases, totals, sum(verdict.timings_ms.values()) / 1000,
               {"sha256": verdict.sha256 or "", "status": verdict.status.value, "kind": verdict.kind})
    for listing in report.listings:
        codes = {r.code for r in listing_rules(report)} | {f.code for f in listing.findings}
        cases = []
        for code in sorted(codes):
            findings = [f for f in listing.findings if f.code == code]
            name = findings[0].name if findings else rule_names.get(code, "")
            cases.append(_case(listing.path, code, name, findings, report))
        _suite(root, listing.path, cases, totals, 0.0, {"scope": "listing"})
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(root: ET.Element, name: str, cases: list[ET.Element], totals: dict[str, int], seconds: float,
           properties: dict[str, str]) -> None:
    suite = ET.SubElement(root, "testsuite", name=xml_text(name))
    props = ET.SubElement(suite, "properties")
    for key, value in properties.items():
        ET.SubElement(props, "property", name=key, value=xml_text(value))
    counts = {"tests": len(cases), "failures": 0, "errors": 0, "skipped": 0}
    for case in cases:
        for tag, key in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            if case.find(tag) is not None:
                counts[key] += 1
        suite.append(case)
    for key, value in counts.items():
        suite.set(key, str(value))
        totals[key] += value
    suite.set("time", f"{seconds:.3f}")


def _case(path: str, code: str, name: str, findings: list[Finding], report: Report,
          skipped: str | None = None) -> ET.Element:
    case = ET.Element("testcase", classname=xml_text(path), name=xml_text(f"{path}::{code}"), time="0")
    if skipped:
        ET.SubElement(case, "skipped", message=xml_text(skipped))
        return case
    failing = [f for f in findings if fails_run(f, report)]
    if failing:
        tag = "error" if any(f.severity is Severity.ERROR for f in failing) else "failure"
        element = ET.SubElement(case, tag, message=xml_text(failing[0].message), type=xml_text(f"{code} {name}"))
        element.text = xml_text("\n\n".join(describe(f) for f in failing))
    quiet = [f for f in findings if f not in failing]
    if quiet:
        out = ET.SubElement(case, "system-out")
        out.text = xml_text("\n\n".join(describe(f) for f in quiet))
    return case


def describe(finding: Finding) -> str:
    """The body of a failure: message, confidence, evidence lines, fix."""
    state = "accepted by the baseline" if finding.accepted else finding.severity.value
    lines = [f"{finding.code} {finding.name} ({state}, confidence {finding.confidence:.2f}): {finding.message}"]
    for item in finding.evidence:
        parts = []
        if item.text is not None:
            parts.append(f'"{item.text}"')
        if item.box is not None:
            parts.append(box_text(item.box))
        if item.timestamp is not None:
            parts.append(f"at {item.timestamp:.2f} s")
        lines.append("  evidence: " + " ".join(parts))
    if finding.fix:
        lines.append(f"  fix: {finding.fix}")
    return "\n".join(lines)
