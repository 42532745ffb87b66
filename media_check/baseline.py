"""Baselines: findings a team has reviewed and accepted, so a pipeline fails on new findings only.

A baseline file records, for each accepted finding, the rule and the **content sha256** of the asset (for a
listing-wide finding, a hash of the listing's member hashes), plus the settings of the run that wrote it. Matching
is by (rule code, content hash) alone, never by path or position: a renamed file keeps its waiver, a changed image
is reviewed again. Findings of severity ``error`` (an asset that could not be checked) are never recorded: there is
nothing about it to accept.

:func:`apply` returns a new Report in which matched findings carry ``accepted: true``. They stay in every output,
marked as accepted, but count toward neither the asset's status nor the exit code. Entries that matched nothing
are listed in ``summary.unmatched_waivers`` with a reason (``changed``, ``resolved`` or ``not-scanned``).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from media_check.report import (Finding, ListingResult, Report, Severity, UnmatchedWaiver, Verdict, status_of,
                                summarise)

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be used; the message says why."""


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    sha256: str  # content hash of the asset, or of the listing's members
    path: str  # where it was when accepted: for people and for explaining stale entries, never for matching
    scope: str = "asset"  # asset | listing
    message: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.sha256)


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...]
    settings: dict[str, Any]

    @classmethod
    def from_report(cls, report: Report, settings: dict[str, Any] | None = None) -> Baseline:
        """Every finding of ``report`` that can be accepted (open or already accepted), in a stable order."""
        entries = {}
        for verdict in report.assets:
            for finding in verdict.findings:
                if _acceptable(finding) and verdict.sha256:
                    entries[(finding.code, verdict.sha256)] = Entry(finding.code, finding.name, verdict.sha256,
                                                                    verdict.path, "asset", finding.message)
        for listing in report.listings:
            digest = listing_hash(report, listing.path)
            for finding in listing.findings:
                if _acceptable(finding) and digest:
                    entries[(finding.code, digest)] = Entry(finding.code, finding.name, digest, listing.path,
                                                            "listing", finding.message)
        recorded = {"tool_version": report.tool_version, "config_hash": report.config_hash,
                    "profile": report.profile, "fail-on": report.fail_on, **(settings or {})}
        return cls(tuple(sorted(entries.values(), key=lambda e: (e.path, e.code, e.sha256))), recorded)

    def to_json(self) -> str:
        data = {"media_check_baseline": FORMAT_VERSION, "settings": self.settings,
                "findings": [{"code": e.code, "name": e.name, "sha256": e.sha256, "path": e.path, "scope": e.scope,
                              "message": e.message} for e in self.entries]}
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"baseline file {path} does not exist (write one with --write-baseline)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"baseline file {path} cannot be read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise BaselineError(f"baseline file {path} is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("media_check_baseline") != FORMAT_VERSION:
            raise BaselineError(f"{path} is not a media-check baseline (version {FORMAT_VERSION})")
        entries = []
        for i, row in enumerate(data.get("findings", [])):
            try:
                entries.append(Entry(code=str(row["code"]), name=str(row.get("name", "")), sha256=str(row["sha256"]),
                                     path=str(row.get("path", "")), scope=str(row.get("scope", "asset")),
                                     message=str(row.get("message", ""))))
            except (KeyError, TypeError):
                raise BaselineError(f"baseline file {path}: entry {i + 1} needs 'code' and 'sha256'") from None
        return cls(tuple(entries), dict(data.get("settings", {})))


def listing_hash(report: Report, listing_path: str) -> str | None:
    """The content identity of a listing: a hash of its member assets' content hashes, in order."""
    members = sorted(v.sha256 for v in report.assets
                     if v.sha256 and (posixpath.dirname(v.path.replace("\\", "/")) or ".")
                     == listing_path.replace("\\", "/"))
    if not members:
        return None
    return hashlib.sha256("\n".join(members).encode("ascii")).hexdigest()


def apply(report: Report, baseline: Baseline) -> Report:
    """``report`` with the findings ``baseline`` accepts marked, statuses and summary recomputed."""
    keys = {e.key for e in baseline.entries}
    matched: set[tuple[str, str]] = set()

    def mark(findings: tuple[Finding, ...], digest: str | None) -> tuple[Finding, ...]:
        out = []
        for finding in findings:
            key = (finding.code, digest or "")
            accept = digest is not None and _acceptable(finding) and key in keys
            if accept:
                matched.add(key)
            out.append(replace(finding, accepted=accept) if finding.accepted != accept else finding)
        return tuple(out)

    assets: list[Verdict] = []
    for verdict in report.assets:
        findings = mark(verdict.findings, verdict.sha256)
        assets.append(replace(verdict, findings=findings, status=status_of(findings)))
    listings: list[ListingResult] = []
    listing_hashes = {}
    for listing in report.listings:
        digest = listing_hash(report, listing.path)
        listing_hashes[listing.path] = digest
        listings.append(replace(listing, findings=mark(listing.findings, digest)))
    in_force = set(report.rules)
    scanned_paths = {v.path for v in report.assets} | set(listing_hashes)
    scanned_content = {v.sha256 for v in report.assets if v.sha256} | {d for d in listing_hashes.values() if d}
    unmatched = []
    for entry in baseline.entries:
        if entry.key in matched or (in_force and entry.code not in in_force):
            continue  # matched, or its rule did not run (--select / --ignore): neither used nor stale
        if entry.sha256 in scanned_content:
            reason = "resolved"
        elif entry.path in scanned_paths:
            reason = "changed"
        else:
            reason = "not-scanned"
        unmatched.append(UnmatchedWaiver(entry.code, entry.name, entry.sha256, entry.path, reason))
    s = report.summary
    summary = summarise(assets, listings, s.ocr_calls, s.cache_hits, s.not_checked)
    summary = replace(summary, unmatched_waivers=tuple(unmatched))
    return replace(report, assets=tuple(assets), listings=tuple(listings), summary=summary)


def different_settings(baseline: Baseline, report: Report) -> str | None:
    """A note when the baseline was written under other settings (its entries still apply by rule and content)."""
    recorded = baseline.settings.get("config_hash")
    if recorded and recorded != report.config_hash:
        return (f"the baseline was written with other settings (profile {baseline.settings.get('profile', '?')}, "
                f"config {recorded}; now {report.profile}, config {report.config_hash}): its entries still apply "
                "by rule and content")
    return None


def _acceptable(finding: Finding) -> bool:
    return finding.severity is not Severity.ERROR
