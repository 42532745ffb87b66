"""Baselines: accepted findings are matched by (rule, content sha256), never by path; a pipeline fails on new
findings only."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from conftest import app_screen, text_screen
from media_check.baseline import Baseline, BaselineError, apply, listing_hash
from media_check.report import ListingResult, Status
from test_writers import SHA, finding, make_report, verdict


def ratio(message="aspect ratio 1.33:1"):
    return finding("MC304", "aspect-ratio", "warn", 1.0, message)


def blank():
    return finding("MC108", "blank-screen", "fail", 0.9, "blank")


def broken():
    return finding("MC301", "unreadable-asset", "error", 1.0, "truncated")


@pytest.fixture
def before():
    return make_report([
        verdict("l/a.png", SHA["a"], [blank(), ratio()]),
        verdict("l/b.png", SHA["b"], [ratio()]),
        verdict("l/c.png", SHA["c"], [broken()]),
        verdict("l/d.png", SHA["d"], []),
    ], listings=[ListingResult("l", (finding("MC305", "too-few-screenshots", "fail", 1.0, "few"),))])


def test_records_everything_but_errors_in_a_stable_order(before):
    baseline = Baseline.from_report(before, {"select": ["ALL"]})
    keys = [(e.code, e.path) for e in baseline.entries]
    assert keys == [("MC305", "l"), ("MC108", "l/a.png"), ("MC304", "l/a.png"), ("MC304", "l/b.png")]
    assert baseline.settings["profile"] == "procore" and baseline.settings["select"] == ["ALL"]
    assert baseline.to_json() == Baseline.from_report(before, {"select": ["ALL"]}).to_json()


def test_accepts_by_rule_and_content_and_recomputes_status(before):
    after = apply(before, Baseline.from_report(before))
    statuses = {v.path: v.status for v in after.assets}
    assert statuses == {"l/a.png": Status.PASS, "l/b.png": Status.PASS, "l/c.png": Status.ERROR,
                        "l/d.png": Status.PASS}
    assert all(f.accepted for v in after.assets for f in v.findings if f.code != "MC301")
    assert not after.assets[2].findings[0].accepted  # an unreadable asset is never waived
    assert after.listings[0].findings[0].accepted
    assert after.summary.accepted == 4 and after.summary.by_rule == {"unreadable-asset": 1}
    assert after.summary.by_status == {"pass": 3, "warn": 0, "fail": 0, "error": 1}
    assert after.summary.unmatched_waivers == ()


def test_a_renamed_file_keeps_its_waiver_a_changed_one_does_not(before):
    baseline = Baseline.from_report(before)
    now = make_report([
        verdict("moved/renamed.png", SHA["a"], [blank(), ratio()]),  # same content, new path
        verdict("l/b.png", SHA["e"], [ratio()]),  # same path, new content
        verdict("l/d.png", SHA["d"], []),
    ])
    after = apply(now, baseline)
    assert [f.accepted for f in after.assets[0].findings] == [True, True]
    assert after.assets[0].status is Status.PASS
    assert not after.assets[1].findings[0].accepted and after.assets[1].status is Status.WARN
    reasons = {(w.code, w.path): w.reason for w in after.summary.unmatched_waivers}
    assert reasons == {("MC304", "l/b.png"): "changed", ("MC305", "l"): "not-scanned"}


def test_a_fixed_finding_leaves_a_resolved_waiver(before):
    baseline = Baseline.from_report(before)
    fixed = replace(before, assets=(replace(before.assets[0], findings=(ratio(),)), *before.assets[1:]))
    after = apply(fixed, baseline)
    assert [(w.code, w.path, w.reason) for w in after.summary.unmatched_waivers] == [("MC108", "l/a.png", "resolved")]


def test_a_new_finding_on_accepted_content_stays_open(before):
    baseline = Baseline.from_report(before)
    grown = replace(before, assets=(replace(before.assets[1], findings=(ratio(), blank())), ))
    after = apply(grown, baseline)
    assert [f.accepted for f in after.assets[0].findings] == [True, False]
    assert after.assets[0].status is Status.FAIL


def test_rules_that_did_not_run_are_neither_used_nor_stale(before):
    baseline = Baseline.from_report(before)
    only_blank = make_report([verdict("l/a.png", SHA["a"], [blank()])], rules=("MC108",))
    assert apply(only_blank, baseline).summary.unmatched_waivers == ()


def test_listing_identity_is_its_members_content(before):
    digest = listing_hash(before, "l")
    assert digest == listing_hash(replace(before, assets=tuple(reversed(before.assets))), "l")
    swapped = replace(before, assets=(replace(before.assets[0], sha256=SHA["f"]), *before.assets[1:]))
    assert listing_hash(swapped, "l") != digest
    assert listing_hash(before, "elsewhere") is None
    root = make_report([verdict("a.png", SHA["a"]), verdict("b.png", SHA["b"])])
    assert listing_hash(root, ".") is not None  # `scan .` names the listing "."


def test_round_trip_and_bad_files(tmp_path, before):
    path = tmp_path / "baseline.json"
    path.write_text(Baseline.from_report(before).to_json())
    assert Baseline.load(path) == Baseline.from_report(before)
    with pytest.raises(BaselineError, match="does not exist"):
        Baseline.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(BaselineError, match="not valid JSON"):
        Baseline.load(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text(json.dumps({"version": "1.0", "results": []}))
    with pytest.raises(BaselineError, match="not a media-check baseline"):
        Baseline.load(tmp_path / "other.json")
    (tmp_path / "partial.json").write_text(json.dumps({"media_check_baseline": 1, "findings": [{"code": "MC108"}]}))
    with pytest.raises(BaselineError, match="entry 1 needs 'code' and 'sha256'"):
        Baseline.load(tmp_path / "partial.json")


# --- end to end: a pipeline that fails on new findings only ----------------------------------------------------

def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


@pytest.mark.slow
def test_pipeline_fails_on_new_findings_only(tmp_path):
    listing = tmp_path / "listing"
    listing.mkdir()
    text_screen(["Daily log", "Crew of 12 on level 4"], size=(1600, 900)).save(listing / "01-ok.png")
    app_screen(seed=1, size=(2400, 1350)).save(listing / "02-too-big.png")
    text_screen(["Schedule", "Level 4 deck pour"], size=(1200, 900)).save(listing / "03-ratio.png")
    common = ("--cache-dir", tmp_path / "cache", "--no-progress", "-j", "1")
    first = run("scan", "listing", *common, cwd=tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr

    wrote = run("scan", "listing", *common, "--write-baseline", "baseline.json", cwd=tmp_path)
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    data = json.loads((tmp_path / "baseline.json").read_text())
    assert {(e["code"], e["path"]) for e in data["findings"]} == {
        ("MC303", "listing/02-too-big.png"), ("MC304", "listing/03-ratio.png")}
    assert data["settings"]["profile"] == "procore" and "jobs" not in data["settings"]

    again = run("scan", "listing", *common, "--baseline", "baseline.json", "-f", "json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["summary"]["accepted"] == 2 and report["summary"]["by_status"]["fail"] == 0
    accepted = [f for a in report["assets"] for f in a["findings"] if f["accepted"]]
    assert {f["code"] for f in accepted} == {"MC303", "MC304"}

    # a new problem fails the run; the accepted ones stay accepted
    app_screen(seed=3, size=(700, 400)).save(listing / "04-small.png")
    # and an accepted image that changes is reviewed again
    app_screen(seed=2, size=(2400, 1350)).save(listing / "02-too-big.png")
    new = run("scan", "listing", *common, "--baseline", "baseline.json", cwd=tmp_path)
    assert new.returncode == 1
    out = " ".join(new.stdout.split())  # the table wraps long lines
    assert "04-small.png" in out
    assert "baseline entry no longer matches: MC303 image-dimensions on listing/02-too-big.png (changed)" in out
    assert "1 finding(s) accepted by the baseline" in out
    assert run("scan", "listing", *common, "--baseline", "baseline.json", "--exit-zero",
               cwd=tmp_path).returncode == 0

    missing = run("scan", "listing", *common, "--baseline", "nope.json", cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
