"""End to end through the real command: real files, real tesseract, real worker processes."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, app_screen, text_screen
from media_check.schema import report_schema


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


# The nineteen screens come from one template (same layout, other data rows): the same screen shown again, which
# duplicate-asset rightly reports. These tests are about the pipeline, so that rule is left out of their scans.
SCAN = ("scan", "--ignore", "duplicate-asset")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Twenty assets: nineteen screens and one corrupt file."""
    root = tmp_path_factory.mktemp("listing")
    for i in range(19):
        app_screen(seed=i).save(root / f"{i:02d}-screen.png")
    (root / "07-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    (root / "notes.txt").write_text("not media")
    return root


@pytest.fixture(scope="module")
def first_scan(folder, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    result = run(*SCAN, folder, "--format", "json", "--cache-dir", cache, "--jobs", "2")
    return result, cache


def test_one_corrupt_file_among_twenty(first_scan):
    result, _ = first_scan
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    statuses = {a["path"].split("/")[-1]: a["status"] for a in report["assets"]}
    assert len(statuses) == 20
    assert statuses.pop("07-broken.png") == "error"
    assert set(statuses.values()) == {"pass"}
    broken = next(a for a in report["assets"] if a["path"].endswith("07-broken.png"))
    assert broken["findings"][0]["name"] == "unreadable-asset"
    assert "truncated" in broken["findings"][0]["message"]
    assert report["summary"]["ocr_calls"] == 19
    assert any("notes.txt" in entry for entry in report["summary"]["not_checked"])


def test_report_is_in_stable_order_and_validates(first_scan):
    report = json.loads(first_scan[0].stdout)
    paths = [a["path"] for a in report["assets"]]
    assert paths == sorted(paths)
    jsonschema.validate(report, report_schema())
    for key in ("schema_version", "tool_version", "profile", "assets", "summary"):
        assert key in report
    asset = report["assets"][0]
    for key in ("path", "sha256", "kind", "width", "height", "status", "findings"):
        assert key in asset


def test_committed_schema_is_current():
    committed = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    assert committed == report_schema()


def test_second_scan_runs_no_ocr(folder, first_scan):
    _, cache = first_scan
    result = run(*SCAN, folder, "--format", "json", "--cache-dir", cache)
    report = json.loads(result.stdout)
    assert report["summary"]["ocr_calls"] == 0
    assert report["summary"]["cache_hits"] == 20  # a corrupt file's analysis is deterministic too
    assert json.loads(first_scan[0].stdout)["assets"][3]["findings"] == report["assets"][3]["findings"]


def test_policy_change_reuses_analysis(folder, first_scan):
    _, cache = first_scan
    result = run(*SCAN, folder, "--format", "json", "--cache-dir", cache, "--profile",
                 str(write_profile(folder.parent)))
    report = json.loads(result.stdout)
    assert report["summary"]["ocr_calls"] == 0
    assert report["summary"]["by_rule"].get("image-dimensions") == 19


def write_profile(where: Path) -> Path:
    path = where / "tiny.toml"
    path.write_text('name = "tiny"\n[rules.image-dimensions]\nmax-width = 1000\nmax-height = 800\n')
    return path


def test_exit_codes(tmp_path):
    text_screen(["Daily log", "Crew of 12 on level 4"], size=(1600, 900)).save(tmp_path / "a.png")
    clean = run("scan", tmp_path / "a.png", "--no-cache")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    text_screen(["Daily log", "Crew of 12 on level 4"], size=(1200, 900)).save(tmp_path / "b.png")
    warn = run("scan", tmp_path / "b.png", "--no-cache")
    assert warn.returncode == 0  # aspect-ratio is a warning; default --fail-on fail
    assert run("scan", tmp_path / "b.png", "--no-cache", "--fail-on", "warn").returncode == 1
    missing = run("scan", tmp_path / "nope")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_config = tmp_path / "media-check.toml"
    bad_config.write_text("[rules.blank-screen]\nx = 1\n")
    result = run("scan", tmp_path / "a.png", "--config", bad_config)
    assert result.returncode == 2
    assert "unknown option 'x' for rule 'blank-screen'" in result.stderr


def test_text_table_and_output_file(tmp_path, folder, first_scan):
    _, cache = first_scan
    out = tmp_path / "out" / "report.txt"
    result = run(*SCAN, ".", "--cache-dir", cache, "--output", out, cwd=folder)  # short paths: one table row each
    text = out.read_text()
    assert result.stdout == ""
    assert "07-broken.png" in text and "unreadable-asset" in text
    assert "20 asset(s): 19 pass, 0 warn, 0 fail, 1 error" in text


def test_rules_and_rule_commands():
    listing = run("rules").stdout
    assert "MC303" in listing and "image-dimensions" in listing
    doc = run("rule", "blank-screen")
    assert doc.returncode == 0 and "Why it matters" in doc.stdout
    assert run("rule", "MC999").returncode == 2


def test_select_limits_rules(tmp_path):
    text_screen(["Budget"], size=(1200, 900)).save(tmp_path / "a.png")
    result = run("scan", tmp_path, "--no-cache", "--format", "json", "--select", "MC303")
    names = {f["name"] for a in json.loads(result.stdout)["assets"] for f in a["findings"]}
    assert "aspect-ratio" not in names
