"""The rule registry: every rule, in one explicit table, looked up by code or name."""

from __future__ import annotations

from media_check.rules import content, fidelity, metadata, spec, store_spec, video
from media_check.rules.base import Rule

ALL_RULES: tuple[Rule, ...] = tuple(sorted((*spec.RULES, *content.RULES, *metadata.RULES, *video.RULES,
                                             *store_spec.RULES, *fidelity.RULES), key=lambda r: r.code))
RULES: dict[str, Rule] = {r.name: r for r in ALL_RULES}
BY_CODE: dict[str, Rule] = {r.code: r for r in ALL_RULES}
ALWAYS_ON = frozenset({"unreadable-asset"})

if len(RULES) != len(ALL_RULES) or len(BY_CODE) != len(ALL_RULES):
    raise RuntimeError("two rules share a code or a name")


def find(code_or_name: str) -> Rule | None:
    """The rule called ``code_or_name`` (a code like MC101 or a name like login-screen), or None."""
    key = code_or_name.strip()
    return BY_CODE.get(key.upper()) or RULES.get(key.lower())


def matching(token: str) -> list[Rule]:
    """Rules selected by ``token``: a name, a code, a code prefix (MC1, MC10) or ALL."""
    key = token.strip()
    if key.upper() == "ALL":
        return list(ALL_RULES)
    exact = find(key)
    if exact is not None:
        return [exact]
    return [r for r in ALL_RULES if key.upper().startswith("MC") and r.code.startswith(key.upper())]
