"""What a rule is, and what it sees.

A rule is small: a stable code, a kebab-case name, a default severity, options with defaults, the facts it needs,
and a ``check`` that yields :class:`Hit` objects. Its docstring is its user documentation: the first line is the
summary, then sections under fixed headings (``What it checks``, ``Why it matters``, ``How to fix``, ``Options``).
The engine (:mod:`media_check.judge`) turns hits into findings and adds code, name, severity and the fix text.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from media_check.analysis import Analysis
from media_check.report import Evidence, Severity

ASSET = "asset"
LISTING = "listing"
HEADINGS = ("What it checks", "Why it matters", "How to fix", "Options", "Examples")


@dataclass(frozen=True)
class Hit:
    """One thing a rule found. ``path`` names the asset a listing-scope rule is talking about (None: the listing)."""

    message: str
    confidence: float = 1.0
    evidence: tuple[Evidence, ...] = ()
    fix: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class AssetContext:
    path: str
    analysis: Analysis
    options: Mapping[str, Any]
    extras: Mapping[str, Any] = field(default_factory=dict)  # e.g. the live-app index
    # options of every asset rule the policy runs, by name: a rule that leaves a case to another checks that the
    # other runs, with its options (None: not told; every rule is taken to run with its defaults)
    running: Mapping[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class ListingAsset:
    path: str
    analysis: Analysis  # words dropped: listing rules see structure, hashes and features


@dataclass(frozen=True)
class ListingContext:
    path: str
    assets: tuple[ListingAsset, ...]
    options: Mapping[str, Any]
    extras: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    check: Callable[..., Iterable[Hit]]
    doc: str
    options: Mapping[str, Any] = field(default_factory=dict)
    needs: frozenset[str] = frozenset()
    scope: str = ASSET
    marketplace_rule: str = ""

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.name

    def section(self, heading: str) -> str:
        return doc_sections(self.doc).get(heading, "")

    @property
    def fix(self) -> str:
        return " ".join(self.section("How to fix").split())


def rule(*, code: str, name: str, severity: str, options: Mapping[str, Any] | None = None,
         needs: Iterable[str] = (), scope: str = ASSET, marketplace_rule: str = "") -> Callable[[Callable], Rule]:
    """Turn a check function into a :class:`Rule`; its docstring becomes the documentation."""
    if not re.fullmatch(r"MC\d{3}", code):
        raise ValueError(f"rule code {code!r} is not of the form MCnnn")
    if not re.fullmatch(r"[a-z]+(-[a-z]+)*", name):
        raise ValueError(f"rule name {name!r} is not kebab-case")

    def wrap(func: Callable) -> Rule:
        doc = inspect.getdoc(func) or ""
        missing = [h for h in ("What it checks", "Why it matters", "How to fix") if h not in doc_sections(doc)]
        if missing:
            raise ValueError(f"rule {name!r} documentation lacks section(s): {', '.join(missing)}")
        return Rule(code=code, name=name, severity=Severity(severity), check=func, doc=doc,
                    options=dict(options or {}), needs=frozenset(needs), scope=scope,
                    marketplace_rule=marketplace_rule)

    return wrap


def doc_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its headed sections (``Heading:`` on a line of its own)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.rstrip(":") in HEADINGS and stripped.endswith(":"):
            current = stripped[:-1]
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items()}
