"""Several reports from one run, re-rendering a saved report, and the GitHub Actions defaults, through the real
command on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import app_screen
from media_check.report import Report
from media_check.writers import FORMATS, renderer

SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


def run(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600, env=env)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """One scan of a small listing, every format written with --report."""
    root = tmp_path_factory.mktemp("cli")
    shots = root / "shots"
    shots.mkdir()
    app_screen(seed=1).save(shots / "01-ok.png")
    app_screen(seed=2, size=(1200, 900)).save(shots / "02-ratio.png")
    app_screen(seed=3, size=(700, 400)).save(shots / "03-small.png")
    (shots / "04-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    reports = [f"--report={fmt}:out/report.{fmt}" for fmt in FORMATS]
    result = run("scan", "shots", "--no-progress", "-j", "1", "--cache-dir", root / "cache", *reports, cwd=root)
    return root, result


def test_one_run_writes_every_format(scanned):
    root, result = scanned
    assert result.returncode == 1, result.stderr  # a failing and an unreadable asset
    assert "04-broken.png" in result.stdout  # stdout keeps the text table
    out = root / "out"
    report = Report.from_dict(json.loads((out / "report.json").read_text()))
    assert [Path(a.path).name for a in report.assets] == ["01-ok.png", "02-ratio.png", "03-small.png",
                                                          "04-broken.png"]
    for fmt in FORMATS:
        assert (out / f"report.{fmt}").stat().st_size > 0, fmt
    sarif = json.loads((out / "report.sarif").read_text())
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"MC301", "MC303", "MC304"}
    cases = {c.get("name"): c for c in ET.parse(out / "report.junit").getroot().iter("testcase")}
    assert cases["shots/03-small.png::MC303"].find("failure") is not None
    assert list(cases["shots::MC305"]) == []  # four screenshots are enough: the listing case passes
    assert (out / "report.html").read_text().count("data:image/jpeg;base64,") >= 6  # 3 readable x thumb + view
    assert oct((out / "report.json").stat().st_mode & 0o777) != "0o600"  # shared like any file, not private


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_render_reproduces_each_format_without_scanning(scanned, fmt):
    root, _ = scanned
    result = run("render", "out/report.json", "--format", fmt, "--cache-dir", root / "cache", cwd=root)
    assert result.returncode == 0, result.stderr
    expected = (root / "out" / f"report.{fmt}").read_text()
    assert result.stdout == expected


def test_render_and_report_errors_are_one_line_exit_2(scanned):
    root, _ = scanned
    (root / "not-a-report.json").write_text('{"hello": 1}')
    bad = run("render", "not-a-report.json", "--format", "sarif", cwd=root)
    assert bad.returncode == 2 and "is not a media-check JSON report" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert run("render", "out/report.json", "--format", "pdf", cwd=root).returncode == 2
    spec = run("scan", "shots", "--report", "sarif", cwd=root)
    assert spec.returncode == 2 and "--report expects FORMAT:PATH" in spec.stderr
    unknown = run("scan", "shots", "--report", "pdf:x.pdf", cwd=root)
    assert unknown.returncode == 2 and "unknown report format 'pdf'" in unknown.stderr


def test_github_actions_gets_annotations_and_a_step_summary(scanned):
    root, _ = scanned
    summary = root / "step-summary.md"
    summary.write_text("earlier step\n")
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = run("scan", "shots", "--no-progress", "--cache-dir", root / "cache", cwd=root, env=env)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines)
    assert lines[0].startswith("::error file=shots/04-broken.png,title=MC301 unreadable-asset::")
    text = summary.read_text()
    assert text.startswith("earlier step\n## media-check: 1 error, 1 fail, 1 warn, 1 pass")  # appended
    explicit = run("scan", "shots", "--no-progress", "--cache-dir", root / "cache", "-f", "json", cwd=root, env=env)
    assert json.loads(explicit.stdout)["summary"]["assets"] == 4  # an explicit format wins


def test_render_matches_the_library_renderers(scanned):
    root, _ = scanned
    report = Report.from_dict(json.loads((root / "out" / "report.json").read_text()))
    for fmt in ("junit", "sarif", "github", "gitlab", "markdown"):
        assert renderer(fmt)(report) == (root / "out" / f"report.{fmt}").read_text()


def test_action_scan_step_runs_as_written(scanned):
    """The Scan step of action.yml, run by bash as the runner would: annotations, SARIF, HTML, exit code output."""
    import yaml

    root, _ = scanned
    action = yaml.safe_load((Path(__file__).resolve().parents[1] / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "scan")
    outputs, summary = root / "gh-output", root / "gh-summary.md"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "GITHUB_ACTIONS": "true",
           "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
           "MC_PATHS": "shots", "MC_BASELINE": "", "MC_FAIL_ON": "fail", "MC_SARIF": "action/out.sarif",
           "MC_HTML": "action/report.html", "MC_ARGS": f"--cache-dir {root / 'cache'} -j 1"}
    result = subprocess.run(["bash", "-c", step["run"]], capture_output=True, text=True, cwd=root, env=env,
                            timeout=600)
    assert result.returncode == 1, result.stderr
    assert outputs.read_text() == "exit-code=1\n"
    assert result.stdout.startswith("::error file=shots/04-broken.png")
    assert json.loads((root / "action" / "out.sarif").read_text())["version"] == "2.1.0"
    assert (root / "action" / "report.html").exists() and summary.read_text().startswith("## media-check")
