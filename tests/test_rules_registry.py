"""Every rule is documented, uniquely named and reachable by code and name."""

import re

import pytest

from media_check.rules import ALL_RULES, find, matching


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule):
    assert re.fullmatch(r"MC\d{3}", rule.code)
    assert rule.summary.endswith(".")
    for heading in ("What it checks", "Why it matters", "How to fix"):
        assert rule.section(heading), f"{rule.name}: no '{heading}'"
    assert rule.marketplace_rule, f"{rule.name}: not tied to a marketplace rule"
    assert rule.fix


def test_lookup_by_code_and_name():
    assert find("mc303").name == "image-dimensions"
    assert find("Image-Dimensions").code == "MC303"
    assert find("nope") is None


def test_prefix_matching():
    assert {r.code for r in matching("MC30")} == {f"MC30{i}" for i in range(1, 10)}
    assert matching("ALL") == list(ALL_RULES)
    assert matching("zzz") == []
