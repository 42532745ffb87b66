"""Every writer on one fixed, hand-built report: snapshots, format contracts, and hostile names.

Snapshots live in tests/snapshots/; after an intended change, regenerate them with
``MEDIA_CHECK_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_writers.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from media_check.report import (Evidence, Finding, ListingResult, LiveMatch, Report, Severity, UnmatchedWaiver, Verdict, summarise)
from media_check.rules import ALL_RULES, find
from media_check.writers import FORMATS, renderer

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE / "snapshots"
SARIF_SCHEMA = HERE / "data" / "sarif-schema-2.1.0.json"
SHA = {name: (name * 64)[:64] for name in "abcdef"}

HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>.png",
    'a&b "quoted" \'single\'.png',
    "new\nline.png",
    "100%25 done %0A.png",
    "::error file=x::y.png",
    "comma,separated,name.png",
    "pipe | star * under_score `tick` [link](x).png",
]


def finding(code: str, name: str, severity: str, confidence: float, message: str, evidence=(), fix="",
            accepted=False) -> Finding:
    return Finding(code=code, name=name, severity=Severity(severity), confidence=confidence, message=message,
                   evidence=tuple(evidence), fix=fix, accepted=accepted)


def make_report(assets, listings=(), fail_on="fail", rules=("MC108", "MC301", "MC302", "MC303", "MC304", "MC305"),
                not_checked=(), unmatched=()) -> Report:
    from dataclasses import replace

    summary = replace(summarise(tuple(assets), tuple(listings), ocr_calls=3, cache_hits=2, not_checked=not_checked),
                      unmatched_waivers=tuple(unmatched))
    return Report(schema_version="1.1", tool_version="0.0.0-test", profile="procore", config_hash="0123456789abcdef",
                  assets=tuple(assets), listings=tuple(listings), summary=summary, fail_on=fail_on,
                  rules=tuple(rules))


def verdict(path: str, sha: str, findings=(), status=None, live=None, **kw) -> Verdict:
    from media_check.report import status_of

    findings = tuple(findings)
    return Verdict(path=path, sha256=sha, kind=kw.pop("kind", "screenshot"), status=status or status_of(findings),
                   width=kw.pop("width", 1920), height=kw.pop("height", 1080), format=kw.pop("format", "png"),
                   findings=findings, live_match=live, timings_ms={"load": 5.0, "ocr": 400.0, "rules": 1.0},
                   cached=kw.pop("cached", False))


def fixed_report() -> Report:
    """One of everything: fail, warn, pass, error, an accepted finding, a live match, a listing finding, a waiver."""
    blank = finding("MC108", "blank-screen", "fail", 0.9, "98.5% of the image is one colour and it has 2 word(s)",
                    [Evidence(text="FieldNote", box=(860, 500, 200, 60))],
                    "Capture the screen again once the app has loaded its content.")
    custom = finding("MC999", "custom-check", "fail", 0.75, "A check from a plug-in the registry does not know",
                     [Evidence(text="Lorem ipsum", box=(100, 200, 300, 40)), Evidence(text="dolor", box=(420, 200, 90, 40))],
                     "Replace the placeholder text.")
    dims = finding("MC303", "image-dimensions", "fail", 1.0, "1080x1920 is larger than the maximum 1920x1080",
                   [Evidence(text="1080x1920")], "Capture at 1920x1080.")
    ratio = finding("MC304", "aspect-ratio", "warn", 1.0, "aspect ratio 0.56:1 (1080x1920); 16:9 is preferred",
                    [Evidence(text="1080x1920")], "Capture the app in a 16:9 window.")
    accepted = finding("MC304", "aspect-ratio", "warn", 1.0, "aspect ratio 1.33:1 (1600x1200); 16:9 is preferred",
                       [Evidence(text="1600x1200")], "Capture the app in a 16:9 window.", accepted=True)
    broken = finding("MC301", "unreadable-asset", "error", 1.0, "the PNG file is truncated: it ends before the image "
                     "data does", fix="Export the file again.")
    few = finding("MC305", "too-few-screenshots", "fail", 1.0, "2 screenshots; the marketplace asks for at least 3",
                  fix="Add screenshots.")
    live = LiveMatch(status="stale", closest="live/dashboard.png", distance=14.0, similarity=0.82,
                     changed_regions=((40, 60, 400, 120),))
    assets = [
        verdict("listing/01-splash.png", SHA["a"], [blank, custom]),
        verdict("listing/02-dashboard.png", SHA["b"], [], live=live, cached=True),
        verdict("listing/03-phone.png", SHA["c"], [dims, ratio], width=1080, height=1920),
        verdict("listing/04-legacy.png", SHA["d"], [accepted], width=1600, height=1200),
        verdict("listing/05-broken.png", SHA["e"], [broken], width=None, height=None, format="png"),
    ]
    listings = [ListingResult(path="listing", findings=(few,))]
    waivers = [UnmatchedWaiver("MC108", "blank-screen", SHA["f"], "listing/06-old.png", "changed"),
               UnmatchedWaiver("MC304", "aspect-ratio", SHA["f"], "elsewhere/x.png", "not-scanned")]
    return make_report(assets, listings, not_checked=("listing/notes.txt: not a media file",), unmatched=waivers)


def hostile_report() -> Report:
    ocr = "<script>alert('ocr')</script> 100% :: a,b\nnext"
    assets = []
    for i, name in enumerate(HOSTILE_NAMES):
        f = finding("MC108", "blank-screen", "fail", 0.9, f"message with % and :: and, commas\nand a newline {i}",
                    [Evidence(text=ocr, box=(10, 10, 50, 20))], fix="<b>fix</b> & more")
        assets.append(verdict(f"dir & co/{name}", SHA["abcdef"[i % 6]] if i < 6 else "9" * 64, [f]))
    return make_report(assets)


@pytest.fixture(scope="module")
def report() -> Report:
    return fixed_report()


# --- snapshots ------------------------------------------------------------------------------------------------

SNAPSHOT_FILES = {"json": "report.json", "text": "report.txt", "junit": "report.junit.xml",
                  "sarif": "report.sarif", "github": "report.github.txt", "gitlab": "report.gitlab.json",
                  "markdown": "report.md", "html": "report.html"}


def stable(fmt: str, text: str) -> str:
    """Rule documentation is owned by each rule and checked against the registry separately; keep it out of the
    SARIF and HTML snapshots so editing a docstring does not churn them."""
    if fmt == "html":
        from markupsafe import escape

        for rule in ALL_RULES:  # the HTML shows each rule's one-line summary
            text = text.replace(str(escape(rule.summary)), f"<summary of {rule.code}>")
        return text
    if fmt != "sarif":
        return text
    data = json.loads(text)
    for rule in data["runs"][0]["tool"]["driver"]["rules"]:
        for key in ("shortDescription", "fullDescription", "help"):
            if key in rule:
                rule[key] = {"text": "<from the rule's documentation>"}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_every_format_has_a_snapshot():
    assert set(SNAPSHOT_FILES) == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(SNAPSHOT_FILES))
def test_snapshot(fmt, report):
    text = stable(fmt, renderer(fmt)(report))
    assert text == stable(fmt, renderer(fmt)(report)), "rendering must be deterministic"
    path = SNAPSHOTS / SNAPSHOT_FILES[fmt]
    if os.environ.get("MEDIA_CHECK_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path.name}: run with MEDIA_CHECK_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), f"{fmt} output changed; review and update {path.name}"


def test_json_round_trips_the_report(report):
    again = Report.from_dict(json.loads(renderer("json")(report)))
    assert again == report


# --- JUnit ----------------------------------------------------------------------------------------------------

def test_junit_one_case_per_asset_and_rule(report):
    root = ET.fromstring(renderer("junit")(report))
    cases = root.findall(".//testcase")
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names)), "testcase names are unique"
    asset_codes = {r.code for r in ALL_RULES if r.scope == "asset" and r.code in report.rules}
    for v in report.assets:
        mine = {n.split("::")[1] for n in names if n.startswith(v.path + "::")}
        assert asset_codes <= mine
    assert "listing/01-splash.png::MC999" in names  # a finding of a rule outside the registry still gets a case
    assert "listing::MC305" in names
    assert int(root.get("tests")) == len(cases)


def test_junit_failures_errors_skips_and_passes(report):
    root = ET.fromstring(renderer("junit")(report))
    case = {c.get("name"): c for c in root.iter("testcase")}
    failure = case["listing/01-splash.png::MC108"].find("failure")
    assert failure is not None and failure.get("message").startswith("98.5% of the image")
    assert '"FieldNote" 200x60 at (860, 500)' in failure.text and "fix: Capture the screen again" in failure.text
    # below --fail-on: passes, the warning kept in system-out
    warn = case["listing/03-phone.png::MC304"]
    assert warn.find("failure") is None and "aspect ratio 0.56:1" in warn.find("system-out").text
    accepted = case["listing/04-legacy.png::MC304"]
    assert accepted.find("failure") is None and "accepted by the baseline" in accepted.find("system-out").text
    assert case["listing/05-broken.png::MC301"].find("error") is not None
    assert case["listing/05-broken.png::MC108"].find("skipped") is not None
    clean = case["listing/02-dashboard.png::MC108"]
    assert list(clean) == []
    assert root.get("failures") == "4" and root.get("errors") == "1" and root.get("skipped") == "4"


def test_junit_fail_on_warn_turns_warnings_into_failures(report):
    from dataclasses import replace

    root = ET.fromstring(renderer("junit")(replace(report, fail_on="warn")))
    case = {c.get("name"): c for c in root.iter("testcase")}
    assert case["listing/03-phone.png::MC304"].find("failure") is not None
    assert case["listing/04-legacy.png::MC304"].find("failure") is None  # accepted stays accepted


# --- SARIF ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def test_sarif_validates_against_the_official_schema(report, sarif_validator):
    errors = sorted(sarif_validator.iter_errors(json.loads(renderer("sarif")(report))), key=str)
    assert not errors, errors[0].message


def test_sarif_rules_come_from_the_registry(report):
    log = json.loads(renderer("sarif")(report))
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    for code in report.rules:
        rule = find(code)
        assert rules[code]["shortDescription"]["text"] == rule.summary
        assert rules[code]["fullDescription"]["text"] == " ".join(rule.section("What it checks").split())
        assert rules[code]["help"]["text"] == rule.doc
        assert "Why it matters" in rules[code]["help"]["markdown"]
    assert rules["MC999"] == {"id": "MC999", "name": "custom-check"}


def test_sarif_results_regions_rectangles_fingerprints_suppressions(report):
    run = json.loads(renderer("sarif")(report))["runs"][0]
    results = run["results"]
    ids = [r["rules"] for r in [run["tool"]["driver"]]][0]
    for result in results:
        assert ids[result["ruleIndex"]]["id"] == result["ruleId"]
    custom = next(r for r in results if r["ruleId"] == "MC999")
    assert custom["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert custom["attachments"][0]["rectangles"] == [
        {"left": 100, "top": 200, "right": 400, "bottom": 240, "message": {"text": "Lorem ipsum"}},
        {"left": 420, "top": 200, "right": 510, "bottom": 240, "message": {"text": "dolor"}}]
    accepted = [r for r in results if r.get("suppressions")]
    assert len(accepted) == 1 and accepted[0]["suppressions"][0]["kind"] == "external"
    listing = next(r for r in results if r["ruleId"] == "MC305")
    assert "region" not in listing["locations"][0]["physicalLocation"]
    prints = [r["partialFingerprints"]["mediaCheck/v1"] for r in results]
    assert len(set(prints)) == len(prints)


def test_sarif_fingerprints_follow_content_not_path(report):
    from dataclasses import replace

    moved = replace(report, assets=tuple(replace(v, path="renamed/" + v.path) for v in report.assets))
    changed = replace(report, assets=tuple(replace(v, sha256="0" * 64) for v in report.assets))

    def prints(r):
        return [x["partialFingerprints"]["mediaCheck/v1"] for x in json.loads(renderer("sarif")(r))["runs"][0]["results"]
                if x["ruleId"] != "MC305"]

    assert prints(moved) == prints(report)
    assert not set(prints(changed)) & set(prints(report))


# --- GitHub ---------------------------------------------------------------------------------------------------

def _unescape(value: str) -> str:
    codes = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    return re.sub(r"%25|%0D|%0A|%3A|%2C", lambda m: codes[m.group(0)], value)


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert match, line
    props = dict(p.split("=", 1) for p in match.group(2).split(",")) if match.group(2) else {}
    return match.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(match.group(3))


def test_github_annotations_worst_first(report):
    lines = renderer("github")(report).splitlines()
    parsed = [parse_command(line) for line in lines]
    levels = [p[0] for p in parsed]
    assert levels == sorted(levels, key=["error", "warning", "notice"].index)
    first = parsed[0]
    assert first[0] == "error" and first[1]["file"] == "listing/05-broken.png"  # an error outranks a failure
    assert first[1]["title"] == "MC301 unreadable-asset"
    assert all("accepted" not in p[2] or p[0] == "notice" for p in parsed)
    assert parsed[-1][0] == "notice" and "1 finding(s) accepted by the baseline" in parsed[-1][2]
    assert "MC108 listing/06-old.png (changed)" in parsed[-1][2]


def test_github_caps_annotations_at_ten_per_level():
    assets = [verdict(f"s/{i:02d}.png", f"{i:064x}", [
        finding("MC108", "blank-screen", "fail", 0.5 + i / 100, f"blank {i}"),
        finding("MC304", "aspect-ratio", "warn", 1.0, f"ratio {i}")]) for i in range(14)]
    parsed = [parse_command(line) for line in renderer("github")(make_report(assets)).splitlines()]
    assert [p[0] for p in parsed].count("error") == 10
    assert [p[0] for p in parsed].count("warning") == 10
    errors = [p for p in parsed if p[0] == "error"]
    assert errors[0][1]["file"] == "s/13.png"  # highest confidence first
    notice = parsed[-1]
    assert notice[0] == "notice" and "8 more finding(s) not annotated (4 error(s), 4 warning(s))" in notice[2]


# --- GitLab ---------------------------------------------------------------------------------------------------

def test_gitlab_code_quality(report):
    issues = json.loads(renderer("gitlab")(report))
    assert all({"description", "check_name", "fingerprint", "severity", "location"} <= set(i) for i in issues)
    assert all(i["location"]["lines"]["begin"] == 1 for i in issues)
    assert {i["severity"] for i in issues} == {"major", "minor", "critical"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert not any(i["location"]["path"] == "listing/04-legacy.png" for i in issues)  # accepted: left out
    assert len(issues) == sum(1 for v in report.assets for f in v.findings if not f.accepted) + 1


# --- Markdown -------------------------------------------------------------------------------------------------

def test_markdown_summary(report):
    text = renderer("markdown")(report)
    assert text.startswith("## media-check: 1 error, 2 fail, 2 pass (5 asset(s))")
    section = text.split("### Problems (6)")[1].split("###")[0]
    problems = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(problems) == 6 and problems[0].startswith("| ⛔ error | listing/05-broken.png")
    assert "MC108 blank-screen on listing/06-old.png: changed" in text
    assert "1 entry for files not scanned in this run." in text


def test_markdown_stays_under_the_limit_with_a_note():
    big = [verdict(f"many/{i:05d}.png", f"{i:064x}", [finding("MC108", "blank-screen", "fail", 0.9, "x" * 200)])
           for i in range(6000)]
    text = renderer("markdown")(make_report(big))
    assert len(text.encode("utf-8")) < 1024 * 1024
    match = re.search(r"\*\*(\d+) more problem row\(s\) not shown\*\*", text)
    assert match
    shown = sum(1 for line in text.splitlines() if line.startswith("| ❌ fail | many/"))
    assert shown + int(match.group(1)) == 6000


# --- hostile names in every writer ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile() -> Report:
    return hostile_report()


def test_hostile_json_and_text_keep_names_exact(hostile):
    data = json.loads(renderer("json")(hostile))
    assert [a["path"] for a in data["assets"]] == [v.path for v in hostile.assets]
    text = renderer("text")(hostile)
    assert "onerror=alert(1)" in text


def test_hostile_junit_is_well_formed_and_exact(hostile):
    root = ET.fromstring(renderer("junit")(hostile))
    names = {c.get("name") for c in root.iter("testcase")}
    for v in hostile.assets:
        assert f"{v.path}::MC108" in names
    failure = next(root.iter("failure"))
    assert "<script>alert('ocr')</script>" in failure.text  # escaped on the way out, exact on the way back


def test_junit_replaces_characters_xml_cannot_carry():
    bell = make_report([verdict("bell\x07\x00.png", SHA["a"], [finding("MC108", "blank-screen", "fail", 1.0,
                                                                      "odd \x1b[31m escape")])])
    root = ET.fromstring(renderer("junit")(bell))
    assert "bell\ufffd\ufffd.png::MC108" in {c.get("name") for c in root.iter("testcase")}


def test_hostile_sarif_validates_and_encodes_uris(hostile, sarif_validator):
    from urllib.parse import unquote

    log = json.loads(renderer("sarif")(hostile))
    assert not list(sarif_validator.iter_errors(log))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert [unquote(u) for u in uris] == [v.path for v in hostile.assets]
    assert all(not re.search(r"[\s<>\"'%](?![0-9A-F]{2})", u) for u in uris)


def test_hostile_github_commands_stay_one_line_and_decode_exactly(hostile):
    out = renderer("github")(hostile)
    lines = out.splitlines()
    assert len(lines) == len(hostile.assets)  # no name or message breaks a command over two lines
    by_path = {v.path: v for v in hostile.assets}
    for line in lines:
        level, props, message = parse_command(line)
        assert level == "error" and props["file"] in by_path
        assert message.startswith(by_path.pop(props["file"]).findings[0].message)
        raw_props = line[2:].split("::")[0]
        assert raw_props.count(",") == 1  # only the separator between file= and title=


def test_hostile_gitlab_keeps_paths(hostile):
    issues = json.loads(renderer("gitlab")(hostile))
    assert [i["location"]["path"] for i in issues] == [v.path for v in hostile.assets]


def test_hostile_markdown_renders_as_text(hostile):
    text = renderer("markdown")(hostile)
    assert "<img" not in text and "<script" not in text and "<b>" not in text
    rows = [line for line in text.splitlines() if line.startswith("| ❌") and "dir &amp; co" in line]
    assert len(rows) == len(hostile.assets)  # newlines in names or messages never split a row
    for row in rows:
        unescaped_pipes = len(re.findall(r"(?<!\\)\|", row))
        assert unescaped_pipes == 7, row  # six cells


def test_hostile_html_escapes_everything(hostile):
    text = renderer("html")(hostile)
    assert "<img src=x" not in text and "<script>alert" not in text and "<b>fix</b>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in text
    assert "&lt;script&gt;alert(&#39;ocr&#39;)&lt;/script&gt;" in text
    assert text.count("<script") == 1  # the report's own script, allowed by its hash in the CSP
