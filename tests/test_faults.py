"""Real faults, survived: worker crashes and kills, hangs, kill -9 and Ctrl-C mid-scan then --resume, torn journal
lines, corrupt cache entries, missing or broken tesseract and Chromium."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import text_screen
from media_check.deps import DependencyMissing, require_chromium
from media_check.limits import TimeLimitExceeded, time_limit
from media_check.workers import TaskTimedOut, WorkerDied, run_isolated


def cli(*args, env=None, timeout=600, **kw):
    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, **kw)


def make_screens(folder: Path, count: int, size=(800, 450)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{chr(ord('a') + i)}.png"
        text_screen([f"Daily log {i}", f"Crew {i * 7} on site", "Concrete pour level 3"], size=size,
                    font_size=24).save(path)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def four_screens(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("four")
    make_screens(folder, 4)
    return folder


# --- worker faults ---------------------------------------------------------------------------------------------

def _double(x):
    return x * 2


def test_a_dying_worker_costs_only_its_own_task():
    faults = "segv:seg,kill:oom,exit:bye"
    os.environ["MEDIA_CHECK_INJECT_FAULT"] = faults
    try:
        tasks = [(k, _double, (k,)) for k in ("one", "seg", "two", "oom", "three", "bye", "four")]
        results = dict(run_isolated(tasks, jobs=2, deadline=60))
    finally:
        del os.environ["MEDIA_CHECK_INJECT_FAULT"]
    assert {k: results[k] for k in ("one", "two", "three", "four")} == {
        "one": "oneone", "two": "twotwo", "three": "threethree", "four": "fourfour"}
    assert isinstance(results["seg"], WorkerDied) and "SIGSEGV" in str(results["seg"])
    assert isinstance(results["oom"], WorkerDied) and "out-of-memory" in str(results["oom"])
    assert isinstance(results["bye"], WorkerDied) and "exited unexpectedly" in str(results["bye"])


def test_a_hung_worker_is_killed_at_its_deadline_and_the_rest_goes_on():
    os.environ["MEDIA_CHECK_INJECT_FAULT"] = "hang:stuck"
    try:
        started = time.monotonic()
        results = dict(run_isolated([(k, _double, (k,)) for k in ("stuck", "a", "b", "c")], jobs=2, deadline=2.0))
        elapsed = time.monotonic() - started
    finally:
        del os.environ["MEDIA_CHECK_INJECT_FAULT"]
    assert isinstance(results["stuck"], TaskTimedOut)  # it blocks every signal it can: only SIGKILL stops it
    assert (results["a"], results["b"], results["c"]) == ("aa", "bb", "cc")
    assert elapsed < 30


def test_a_task_can_carry_its_own_deadline():
    os.environ["MEDIA_CHECK_INJECT_FAULT"] = "hang:stuck"
    try:
        started = time.monotonic()
        results = dict(run_isolated([("stuck", _double, ("stuck",), 1.0), ("ok", _double, ("ok",))], jobs=1,
                                    deadline=600))
    finally:
        del os.environ["MEDIA_CHECK_INJECT_FAULT"]
    assert isinstance(results["stuck"], TaskTimedOut) and "longer than 1 s" in str(results["stuck"])
    assert results["ok"] == "okok"
    assert time.monotonic() - started < 30


def test_time_limit_stops_python_level_work():
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded, match="decoding took longer than 0.3 s"):
        with time_limit(0.3, "decoding"):
            while True:
                sum(range(1000))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_survives_decoder_crash_and_oom_kill(four_screens, tmp_path, jobs):
    result = cli("scan", four_screens, "-f", "json", "--cache-dir", tmp_path, "--jobs", jobs, "--no-progress",
                 env={"MEDIA_CHECK_INJECT_FAULT": "segv:b.png,kill:c.png"})
    assert result.returncode == 1, result.stderr
    by_name = {Path(a["path"]).name: a for a in json.loads(result.stdout)["assets"]}
    assert "decoder crashed on this file (SIGSEGV)" in by_name["b.png"]["findings"][0]["message"]
    assert "out-of-memory killer" in by_name["c.png"]["findings"][0]["message"]
    assert by_name["a.png"]["status"] != "error" and by_name["d.png"]["status"] != "error"
    assert by_name["b.png"]["status"] == by_name["c.png"]["status"] == "error"


@pytest.mark.slow
def test_scan_stops_an_asset_stuck_in_its_decoder(four_screens, tmp_path):
    config = tmp_path / "media-check.toml"
    config.write_text("ocr-timeout = 1\n")
    started = time.monotonic()
    result = cli("scan", four_screens, "-f", "json", "--cache-dir", tmp_path / "cache", "--jobs", "2",
                 "--config", config, "--decode-timeout", "1", "--no-progress",
                 env={"MEDIA_CHECK_INJECT_FAULT": "hang:a.png"})
    assert time.monotonic() - started < 60
    assert result.returncode == 1, result.stderr
    by_name = {Path(a["path"]).name: a for a in json.loads(result.stdout)["assets"]}
    assert "took longer than 12 s and its worker was stopped" in by_name["a.png"]["findings"][0]["message"]
    assert all(by_name[n]["status"] != "error" for n in ("b.png", "c.png", "d.png"))


# --- interrupted scans and --resume ----------------------------------------------------------------------------

def _journal_lines(cache: Path) -> list[str]:
    lines: list[str] = []
    for journal in (cache / "journal").glob("*.jsonl") if (cache / "journal").exists() else []:
        lines += [line for line in journal.read_text().splitlines() if line.endswith("}")]
    return lines


def _start_and_interrupt(args: list, cache: Path, sig: int, after: int) -> tuple[subprocess.Popen, int, str]:
    process = subprocess.Popen([sys.executable, "-m", "media_check", *map(str, args)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 180
    while len(_journal_lines(cache)) < after:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the scan journaled nothing"
        time.sleep(0.02)
    os.killpg(process.pid, sig)  # the whole process group, as a terminal or the OOM killer would
    _, stderr = process.communicate(timeout=60)
    return process, len(_journal_lines(cache)), stderr


@pytest.mark.slow
def test_kill_9_mid_scan_then_resume_redoes_nothing_finished(tmp_path):
    folder = tmp_path / "listing"
    make_screens(folder, 8)
    cache, out = tmp_path / "cache", tmp_path / "out" / "report.json"
    args = ["scan", folder, "--no-cache", "--cache-dir", cache, "--jobs", "1", "-f", "json", "-o", out,
            "--no-progress"]
    process, done, _ = _start_and_interrupt(args, cache, signal.SIGKILL, after=2)
    assert process.returncode == -signal.SIGKILL
    assert 2 <= done < 8, done
    assert not out.exists()  # no half-written report: it is written atomically at the end
    journal = next((cache / "journal").glob("*.jsonl"))
    with open(journal, "a") as handle:  # a power loss can tear the last line: it must be ignored
        handle.write('{"crc": 12, "entry": {"path": "x", "sha')
    resumed = cli(*args, "--resume")
    assert resumed.returncode in (0, 1), resumed.stderr
    assert f"resuming: {done} asset(s) already done" in resumed.stderr
    report = json.loads(out.read_text())
    assert len(report["assets"]) == 8 and all(a["status"] != "error" for a in report["assets"])
    assert report["summary"]["ocr_calls"] == 8 - done  # finished assets were not analysed again
    assert not journal.exists()  # removed once the report is written


@pytest.mark.slow
def test_ctrl_c_says_how_to_resume(tmp_path):
    folder = tmp_path / "listing"
    make_screens(folder, 6)
    cache = tmp_path / "cache"
    args = ["scan", folder, "--no-cache", "--cache-dir", cache, "--jobs", "2", "-f", "json", "--no-progress"]
    process, done, stderr = _start_and_interrupt(args, cache, signal.SIGINT, after=1)
    assert process.returncode == 130
    assert "media-check: interrupted" in stderr
    assert "finished asset(s) are saved: run the same command with --resume" in stderr
    resumed = cli(*args, "--resume")
    assert resumed.returncode in (0, 1), resumed.stderr
    assert json.loads(resumed.stdout)["summary"]["ocr_calls"] == 6 - done


# --- cache -----------------------------------------------------------------------------------------------------

def test_corrupt_cache_entries_are_discarded_and_recomputed(tmp_path):
    folder = tmp_path / "listing"
    make_screens(folder, 2)
    cache = tmp_path / "cache"
    args = ["scan", folder, "-f", "json", "--cache-dir", cache, "--jobs", "1", "--no-progress"]
    first = cli(*args)
    assert json.loads(first.stdout)["summary"]["cache_hits"] == 0
    entries = sorted((cache / "analysis").rglob("*.json"))
    assert len(entries) == 2
    entries[0].write_text('{"key": ["trunc')  # torn write
    second = cli(*args)
    report = json.loads(second.stdout)
    assert report["summary"]["cache_hits"] == 1
    assert [a["status"] for a in report["assets"]] == [a["status"] for a in json.loads(first.stdout)["assets"]]
    assert json.loads(entries[0].read_text())["key"][0]  # rewritten whole
    other = json.loads(entries[1].read_text())
    entries[0].write_text(json.dumps(other))  # a valid entry under the wrong key
    third = json.loads(cli(*args).stdout)
    assert third["summary"]["cache_hits"] == 1
    assert [a["sha256"] for a in third["assets"]] == [a["sha256"] for a in report["assets"]]


# --- dependencies ----------------------------------------------------------------------------------------------

@pytest.fixture
def no_tesseract_env(tmp_path) -> dict[str, str]:
    empty = tmp_path / "bin"
    empty.mkdir()
    return {"PATH": str(empty), "MEDIA_CHECK_OCR_ENGINE": "pytesseract"}


def test_missing_tesseract_is_one_clear_line_and_exit_2(four_screens, tmp_path, no_tesseract_env):
    result = cli("scan", four_screens, "--cache-dir", tmp_path / "c", env=no_tesseract_env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "media-check: error: tesseract is not installed: run 'sudo apt-get install -y tesseract-ocr "
        "tesseract-ocr-eng' (or 'make install' as root)"]
    assert result.stdout == ""


def test_broken_tesseract_is_reported(four_screens, tmp_path, no_tesseract_env):
    fake = Path(no_tesseract_env["PATH"]) / "tesseract"
    fake.write_text("#!/bin/sh\necho 'error while loading shared libraries: libtesseract.so.5' >&2\nexit 127\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = cli("scan", four_screens, "--cache-dir", tmp_path / "c", env=no_tesseract_env)
    assert result.returncode == 2
    assert "tesseract is installed but does not run" in result.stderr


def test_missing_language_data_names_the_package(four_screens, tmp_path):
    empty = tmp_path / "tessdata"
    empty.mkdir()
    result = cli("scan", four_screens, "--cache-dir", tmp_path / "c", env={"TESSDATA_PREFIX": str(empty)})
    assert result.returncode == 2
    assert "apt-get install -y tesseract-ocr-eng" in result.stderr


def test_allow_missing_ocr_scans_and_says_which_rules_did_not_run(four_screens, tmp_path, no_tesseract_env):
    result = cli("scan", four_screens, "-f", "json", "--cache-dir", tmp_path / "c", "--allow-missing-ocr",
                 "--no-progress", env=no_tesseract_env)
    assert result.returncode in (0, 1), result.stderr
    assert "scanning without OCR" in result.stderr
    report = json.loads(result.stdout)
    assert len(report["assets"]) == 4
    assert report["summary"]["ocr_calls"] == 0
    not_run = [line for line in report["summary"]["not_checked"] if ": not run (tesseract is not installed" in line]
    assert any(line.startswith("MC108 blank-screen") for line in not_run)
    from media_check.rules import RULES

    assert len(not_run) == sum("ocr" in rule.needs for rule in RULES.values())
    assert not any(f["code"] in {line.split()[0] for line in not_run}
                   for a in report["assets"] for f in a["findings"])


def test_require_chromium(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("MEDIA_CHECK_CHROMIUM", raising=False)
    with pytest.raises(DependencyMissing, match=r"chromium is not installed .*apt-get install -y chromium"):
        require_chromium()
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    with pytest.raises(DependencyMissing, match="does not run"):
        require_chromium()
    assert require_chromium("/usr/bin/chromium") == "/usr/bin/chromium"
