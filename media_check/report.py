"""The report types: Evidence, Finding, Verdict, Report.

They are frozen dataclasses and the one source of truth for the JSON contract: ``to_dict`` gives the canonical
JSON, ``from_dict`` reads it back (``media-check render``), and :mod:`media_check.schema` derives the JSON schema
from the type hints. Every writer renders a :class:`Report`; none computes anything.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

SCHEMA_VERSION = "1.1"


class Status(str, Enum):
    """Verdict of one asset, from best to worst."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]


_STATUS_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}


class Severity(str, Enum):
    """How much a finding weighs: a warning, a failure, or an asset that could not be checked."""

    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"

    @property
    def status(self) -> Status:
        return Status(self.value)


@dataclass(frozen=True)
class Evidence:
    """What a finding points at: some text, a pixel box ``[x, y, w, h]`` in original-image coordinates, or both."""

    text: str | None = None
    box: tuple[int, int, int, int] | None = None
    timestamp: float | None = None


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    confidence: float
    message: str
    evidence: tuple[Evidence, ...] = ()
    fix: str = ""
    accepted: bool = False  # matched by the baseline: shown, but counts toward neither the status nor the exit code


@dataclass(frozen=True)
class LiveMatch:
    """How a listing screenshot compares with the captures of the live app."""

    status: str  # current | stale | unmatched
    closest: str | None
    distance: float
    similarity: float
    changed_regions: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class Verdict:
    path: str
    sha256: str | None
    kind: str  # screenshot | video | logo | unknown
    status: Status
    width: int | None = None
    height: int | None = None
    format: str | None = None
    findings: tuple[Finding, ...] = ()
    live_match: LiveMatch | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    cached: bool = False


@dataclass(frozen=True)
class ListingResult:
    """Findings about a listing as a whole (a folder of media, or a listing file)."""

    path: str
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class UnmatchedWaiver:
    """A baseline entry that accepted nothing in this run.

    ``reason``: ``changed`` (the file at the recorded path has new content, so it is reviewed again), ``resolved``
    (the content was scanned and the rule no longer fires) or ``not-scanned`` (neither the path nor the content was
    part of this run: deleted, or outside the scanned paths).
    """

    code: str
    name: str
    sha256: str
    path: str
    reason: str


@dataclass(frozen=True)
class Summary:
    """Counts over the run. ``by_rule`` counts open findings; ``accepted`` counts the findings the baseline accepted."""

    assets: int
    by_status: dict[str, int]
    by_rule: dict[str, int]
    ocr_calls: int
    cache_hits: int
    not_checked: tuple[str, ...] = ()
    accepted: int = 0
    unmatched_waivers: tuple[UnmatchedWaiver, ...] = ()


@dataclass(frozen=True)
class Report:
    schema_version: str
    tool_version: str
    profile: str
    config_hash: str
    assets: tuple[Verdict, ...]
    listings: tuple[ListingResult, ...]
    summary: Summary
    fail_on: str = "fail"  # the --fail-on threshold of the run
    rules: tuple[str, ...] = ()  # codes of the rules in force (empty in older reports: every registered rule)

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return from_plain(cls, data)


def status_of(findings: tuple[Finding, ...] | list[Finding]) -> Status:
    """The verdict implied by a set of findings: the worst severity of the open (not accepted) ones, or pass."""
    worst = Status.PASS
    for finding in findings:
        if finding.accepted:
            continue
        status = finding.severity.status
        if status.rank > worst.rank:
            worst = status
    return worst


def summarise(verdicts: list[Verdict] | tuple[Verdict, ...], listings=(), ocr_calls=0, cache_hits=0,
              not_checked=()) -> Summary:
    by_status = {s.value: 0 for s in Status}
    by_rule: dict[str, int] = {}
    accepted = 0
    findings = [f for v in verdicts for f in v.findings] + [f for listing in listings for f in listing.findings]
    for verdict in verdicts:
        by_status[verdict.status.value] += 1
    for finding in findings:
        if finding.accepted:
            accepted += 1
        else:
            by_rule[finding.name] = by_rule.get(finding.name, 0) + 1
    return Summary(assets=len(verdicts), by_status=by_status, by_rule=dict(sorted(by_rule.items())),
                   ocr_calls=ocr_calls, cache_hits=cache_hits, not_checked=tuple(not_checked), accepted=accepted)


def to_plain(value: Any) -> Any:
    """A dataclass tree (a Report, a Verdict, a Finding...) as plain JSON data: enums as their values, tuples as
    lists, an Evidence's unset optional keys left out."""
    if isinstance(value, Evidence):  # optional keys: absent rather than null
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None}
    if dataclasses.is_dataclass(value):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


@functools.cache
def _fields_of(tp: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A dataclass's resolved type hints and field names (resolved once: verdict caches rebuild many)."""
    return typing.get_type_hints(tp), frozenset(f.name for f in dataclasses.fields(tp))


def from_plain(tp: Any, data: Any) -> Any:
    """Rebuild a dataclass tree (a Report, a Verdict, a Finding...) from plain JSON data (the inverse of
    :func:`to_plain`)."""
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return from_plain(args[0], data)
    if dataclasses.is_dataclass(tp):
        hints, names = _fields_of(tp)
        return tp(**{k: from_plain(hints[k], v) for k, v in data.items() if k in names})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v) for v in data)
        return tuple(from_plain(a, v) for a, v in zip(args, data))
    if origin is dict:
        return dict(data)
    return data
