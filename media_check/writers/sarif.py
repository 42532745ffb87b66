"""SARIF 2.1.0 for code-scanning views (GitHub code scanning, Azure DevOps, IDE viewers).

- ``tool.driver.rules``: every rule in force, from the registry: ``shortDescription`` is the rule's summary,
  ``fullDescription`` its "What it checks" section, ``help`` the whole documentation.
- One result per finding; an image has no lines, so its region is ``startLine: 1`` (GitHub requires a line) and
  the evidence boxes are ``attachments[].rectangles`` in pixels.
- ``partialFingerprints`` come from the rule and the content sha256: a renamed file keeps its alerts, a changed
  image gets new ones.
- Findings the baseline accepted carry an external suppression, so viewers hide them but keep them auditable.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from media_check.report import Evidence, Finding, Report, Severity
from media_check.rules.base import Rule
from media_check.writers.common import Located, all_findings, fingerprint, rule_for, rules_in_force

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.FAIL: "error", Severity.WARN: "warning"}
FINGERPRINT_KEY = "mediaCheck/v1"


def uri(path: str) -> str:
    """A URI reference for a report path: relative paths stay relative, absolute ones become file URIs."""
    posix = path.replace("\\", "/")
    encoded = quote(posix, safe="/")
    return f"file://{encoded}" if posix.startswith("/") else encoded


def render(report: Report) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report) -> dict:
    rules = rules_in_force(report)
    index = {r.code: i for i, r in enumerate(rules)}
    descriptors = [descriptor(r) for r in rules]
    located = list(all_findings(report))
    for item in located:  # findings of rules not in force (older reports, always-on rules) still need a descriptor
        if item.finding.code not in index:
            rule = rule_for(item.finding)
            index[item.finding.code] = len(descriptors)
            descriptors.append(descriptor(rule) if rule else {"id": item.finding.code, "name": item.finding.name})
    artifacts: list[dict] = []
    artifact_index: dict[str, int] = {}
    for verdict in report.assets:
        artifact_index[verdict.path] = len(artifacts)
        artifact = {"location": {"uri": uri(verdict.path)}, "roles": ["analysisTarget"]}
        if verdict.sha256:
            artifact["hashes"] = {"sha-256": verdict.sha256}
        if verdict.format:
            artifact["properties"] = {"format": verdict.format, "width": verdict.width, "height": verdict.height}
        artifacts.append(artifact)
    seen: dict[str, int] = {}
    results = []
    for item in located:
        key = fingerprint(item.finding.code, item.sha256, item.path)
        seen[key] = seen.get(key, 0) + 1
        results.append(result(item, index[item.finding.code], artifact_index.get(item.path), seen[key] - 1))
    notifications = [{"level": "note", "message": {"text": f"not checked: {entry}"}}
                     for entry in report.summary.not_checked]
    run = {
        "tool": {"driver": {"name": "media-check", "version": report.tool_version,
                            "semanticVersion": report.tool_version, "rules": descriptors}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "artifacts": artifacts,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"profile": report.profile, "configHash": report.config_hash, "failOn": report.fail_on,
                       "reportSchemaVersion": report.schema_version,
                       "summary": report.to_dict()["summary"]},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def descriptor(rule: Rule) -> dict:
    what = " ".join(rule.section("What it checks").split()) or rule.summary
    props: dict = {"tags": ["media-check", _family(rule.code)], "scope": rule.scope}
    if rule.marketplace_rule:
        props["marketplaceRule"] = rule.marketplace_rule
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": what},
        "help": {"text": rule.doc, "markdown": help_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": props,
    }


def help_markdown(rule: Rule) -> str:
    parts = [f"**{rule.code} {rule.name}**: {rule.summary}"]
    for heading in ("What it checks", "Why it matters", "How to fix", "Options"):
        body = rule.section(heading)
        if body:
            parts.append(f"**{heading}**\n\n{body}")
    if rule.marketplace_rule:
        parts.append(f"**Marketplace rule**: {rule.marketplace_rule}")
    return "\n\n".join(parts)


def result(item: Located, rule_index: int, artifact_index: int | None, occurrence: int) -> dict:
    finding: Finding = item.finding
    location: dict = {"uri": uri(item.path)}
    if artifact_index is not None:
        location["index"] = artifact_index
    physical: dict = {"artifactLocation": location}
    if not item.listing:
        physical["region"] = {"startLine": 1}
    out: dict = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message_text(finding)},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding.code, item.sha256, item.path, occurrence)},
        "properties": {"name": finding.name, "severity": finding.severity.value,
                       "confidence": finding.confidence, "fix": finding.fix,
                       "evidence": [_evidence(e) for e in finding.evidence]},
    }
    boxes = [e for e in finding.evidence if e.box is not None]
    if boxes and not item.listing:
        out["attachments"] = [{
            "description": {"text": f"{finding.code} {finding.name}: evidence in pixels"},
            "artifactLocation": dict(location),
            "rectangles": [rectangle(e) for e in boxes],
        }]
    if item.sha256:
        out["properties"]["sha256"] = item.sha256
    if finding.accepted:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": "accepted in the media-check baseline (rule and content sha256)"}]
    return out


def message_text(finding: Finding) -> str:
    text = finding.message
    words = [e.text for e in finding.evidence if e.text]
    if words:
        text += " (evidence: " + "; ".join(f'"{w}"' for w in words[:5]) + (" ..." if len(words) > 5 else "") + ")"
    if finding.fix:
        text += f". Fix: {finding.fix}"
    return text


def rectangle(evidence: Evidence) -> dict:
    x, y, w, h = evidence.box
    rect: dict = {"left": x, "top": y, "right": x + w, "bottom": y + h}
    if evidence.text:
        rect["message"] = {"text": evidence.text}
    return rect


def _evidence(evidence: Evidence) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in
            (("text", evidence.text), ("box", evidence.box), ("timestamp", evidence.timestamp)) if v is not None}


def _family(code: str) -> str:
    return {"1": "content", "2": "fidelity", "3": "spec", "4": "metadata", "5": "preview"}.get(code[2:3], "other")
