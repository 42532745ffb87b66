"""Rules -> findings -> verdicts. Cheap and policy-dependent: re-run freely, OCR never runs here."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from media_check.analysis import Analysis
from media_check.config import Config
from media_check.report import Finding, ListingResult, Status, Verdict, status_of
from media_check.rules import RULES
from media_check.rules.base import ASSET, LISTING, AssetContext, Hit, ListingAsset, ListingContext, Rule


def to_finding(rule: Rule, hit: Hit, config: Config) -> Finding:
    return Finding(code=rule.code, name=rule.name, severity=config.severities[rule.name],
                   confidence=round(max(0.0, min(1.0, hit.confidence)), 3), message=hit.message,
                   evidence=tuple(hit.evidence), fix=hit.fix or rule.fix)


def asset_rules(config: Config) -> list[Rule]:
    return [RULES[name] for name in config.enabled if RULES[name].scope == ASSET]


def listing_rules(config: Config) -> list[Rule]:
    return [RULES[name] for name in config.enabled if RULES[name].scope == LISTING]


def judge_asset(path: str, analysis: Analysis, config: Config, extras: Mapping[str, Any] | None = None,
                cached: bool = False) -> Verdict:
    """The verdict of one asset under ``config``."""
    start = time.perf_counter()
    findings: list[Finding] = []
    unreadable = RULES["unreadable-asset"]
    if analysis.error:
        ctx = AssetContext(path, analysis, config.options[unreadable.name], extras or {})
        findings = [to_finding(unreadable, hit, config) for hit in unreadable.check(ctx)]
    else:
        rules = asset_rules(config)
        running = {rule.name: config.options[rule.name] for rule in rules}
        for rule in rules:
            if rule is unreadable:
                continue
            ctx = AssetContext(path, analysis, config.options[rule.name], extras or {}, running)
            findings.extend(to_finding(rule, hit, config) for hit in rule.check(ctx))
    timings = dict(analysis.timings_ms)
    timings["rules"] = round((time.perf_counter() - start) * 1000, 2)
    return Verdict(path=path, sha256=analysis.sha256, kind=analysis.kind, status=status_of(findings),
                   width=analysis.width, height=analysis.height, format=analysis.format,
                   findings=tuple(findings), timings_ms=timings, cached=cached)


def judge_listing(listing: str, assets: Iterable[ListingAsset], config: Config,
                  extras: Mapping[str, Any] | None = None) -> tuple[ListingResult, dict[str, list[Finding]]]:
    """Listing-scope rules over one listing folder: findings about the listing, and findings per asset path."""
    members = tuple(assets)
    about_listing: list[Finding] = []
    about_assets: dict[str, list[Finding]] = {}
    for rule in listing_rules(config):
        ctx = ListingContext(listing, members, config.options[rule.name], extras or {})
        for hit in rule.check(ctx):
            finding = to_finding(rule, hit, config)
            if hit.path is None:
                about_listing.append(finding)
            else:
                about_assets.setdefault(hit.path, []).append(finding)
    return ListingResult(path=listing, findings=tuple(about_listing)), about_assets


def add_findings(verdict: Verdict, extra: list[Finding]) -> Verdict:
    if not extra:
        return verdict
    findings = (*verdict.findings, *extra)
    status = verdict.status if verdict.status is Status.ERROR else status_of(findings)
    return replace(verdict, findings=findings, status=status)
