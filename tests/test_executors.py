"""The executor seam: the local isolated process pool and a dask.distributed cluster behind one
concurrent.futures-shaped interface, giving the same verdicts; faults stay confined to their asset on both."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import app_screen, text_screen
from PIL import Image

from media_check.executors import DaskExecutor, ProcessExecutor, run_tasks
from media_check.workers import TaskTimedOut, WorkerDied, WorkerFailure

CRASHING_NAME = "crash-me.png"  # the dask workers of this module's cluster crash (SIGSEGV) on files named so


def cli(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True, text=True,
                          check=False, timeout=timeout, env={**os.environ, **(env or {})})


def _square(x):
    return x * x


def _pid(_):
    return os.getpid()


def _fail(message):
    raise ValueError(message)


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


def _start_then_sleep(folder, name, seconds):
    Path(folder, f"{name}.started").touch()
    time.sleep(seconds)
    Path(folder, f"{name}.done").touch()
    return seconds


@pytest.fixture(scope="module")
def listing(tmp_path_factory) -> Path:
    """Real screens a scan has something to say about: in use, a login page, placeholder text, a blank capture."""
    folder = tmp_path_factory.mktemp("listing")
    app_screen(1, size=(1280, 720)).save(folder / "01-app.png")
    text_screen(["Sign in to Fieldbook", "Email address", "Password", "Forgot your password?", "Sign in"],
                size=(1280, 720)).save(folder / "02-login.png")
    text_screen(["Project overview", "Lorem ipsum dolor sit amet, consectetur adipiscing elit",
                 "Owner: YOUR NAME HERE"], size=(1280, 720)).save(folder / "03-placeholder.png")
    text_screen([], size=(1280, 720)).save(folder / "04-blank.png")
    return folder


@pytest.fixture(scope="module")
def cluster():
    """A local dask cluster started by the tests, as an operator would run one (default worker settings), whose
    workers were started with a crash injected for files named CRASHING_NAME."""
    from distributed import LocalCluster

    previous = os.environ.get("MEDIA_CHECK_INJECT_FAULT")
    os.environ["MEDIA_CHECK_INJECT_FAULT"] = f"segv:{CRASHING_NAME}"
    try:
        local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                             host="127.0.0.1")
    finally:
        if previous is None:
            del os.environ["MEDIA_CHECK_INJECT_FAULT"]
        else:
            os.environ["MEDIA_CHECK_INJECT_FAULT"] = previous
    yield local
    local.close()


def verdicts(report: dict) -> dict:
    return {Path(a["path"]).name: (a["status"], [(f["code"], f["message"], f["confidence"]) for f in a["findings"]])
            for a in report["assets"]}


# --- the local process executor ----------------------------------------------------------------------------------

def test_process_executor_is_a_concurrent_futures_executor():
    with ProcessExecutor(jobs=2) as executor:
        assert isinstance(executor, cf.Executor)
        assert list(executor.map(_square, range(6))) == [0, 1, 4, 9, 16, 25]
        failing = executor.submit(_fail, "bad input")
        assert isinstance(failing.exception(timeout=60), ValueError)
        pids = set(executor.map(_pid, range(8)))
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_process_executor_confines_crashes_and_hangs_to_their_task():
    os.environ["MEDIA_CHECK_INJECT_FAULT"] = "segv:crashing"  # read by the workers as they start
    executor = ProcessExecutor(jobs=2)
    try:
        crash = executor.submit(_square, "crashing")  # the injected fault matches the first argument
        hang = executor.submit_with_deadline(1.0, _sleep, 30)
        fine = [executor.submit(_square, n) for n in range(4)]
        assert isinstance(hang.exception(timeout=60), TaskTimedOut)  # its 1 s deadline ended it (it would return 30)
        assert isinstance(crash.exception(timeout=60), WorkerDied)
        assert [f.result(timeout=60) for f in fine] == [0, 1, 4, 9]
    finally:
        del os.environ["MEDIA_CHECK_INJECT_FAULT"]
        executor.shutdown()


def test_shutdown_with_cancel_stops_running_work_at_once(tmp_path):
    executor = ProcessExecutor(jobs=2)
    futures = [executor.submit(_start_then_sleep, tmp_path, name, 60) for name in "abcd"]
    give_up = time.monotonic() + 120
    while len(list(tmp_path.glob("*.started"))) < 2:  # both workers are running a task
        assert time.monotonic() < give_up, "the workers never started their tasks"
        time.sleep(0.05)
    executor.shutdown(wait=True, cancel_futures=True)
    assert all(f.done() for f in futures)
    assert all(f.cancelled() or isinstance(f.exception(), WorkerFailure) for f in futures)
    assert not list(tmp_path.glob("*.done")), "the running tasks were stopped, not waited for"
    with pytest.raises(RuntimeError):
        executor.submit(_square, 2)


def test_run_tasks_keeps_a_bounded_number_of_tasks_in_flight():
    pulled = []

    def tasks():
        for n in range(40):
            pulled.append(n)
            yield n, _square, (n,), 60.0

    with ProcessExecutor(jobs=2) as executor:
        seen = 0
        for key, result in run_tasks(executor, tasks(), window=3):
            seen += 1
            assert result == key * key
            assert len(pulled) - seen <= 3  # never more than the window submitted and not yet collected
    assert seen == 40


def test_a_scan_hands_its_large_files_to_the_workers_first(tmp_path, monkeypatch):
    from media_check import pipeline
    from media_check.analysis import AnalysisParams
    from media_check.discover import AssetRef
    from media_check.pipeline import ScanStats, analyse_refs

    refs = []
    for name, size in (("a.png", (64, 48)), ("large.png", (1600, 900)), ("b.png", (64, 48)), ("c.png", (60, 50)),
                       ("larger.png", (2400, 1200)), ("d.png", (64, 48))):
        path = tmp_path / name
        Image.effect_noise(size, 60).convert("RGB").save(path)
        refs.append(AssetRef(path, name, None))
    handed = []

    def recording(executor, tasks, window=None):
        for key, fn, args, _ in tasks:
            handed.append(key[0].display)
            yield key, fn(*args)

    monkeypatch.setattr(pipeline, "run_tasks", recording)
    done = list(analyse_refs(refs, AnalysisParams(ocr=False), 1, None, ScanStats()))
    # the large ones first, largest first; the like-sized others in the order they were found
    assert handed == ["larger.png", "large.png", "a.png", "b.png", "c.png", "d.png"]
    assert sorted(ref.display for ref, _, _ in done) == sorted(handed)


# --- dask --------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_scan_on_a_dask_cluster_gives_the_process_executor_verdicts(listing, cluster, tmp_path):
    local = cli("scan", listing, "-f", "json", "--no-progress", "--cache-dir", tmp_path / "a", "--jobs", 2)
    assert local.returncode == 1, local.stderr
    remote = cli("scan", listing, "-f", "json", "--no-progress", "--cache-dir", tmp_path / "b",
                 "--executor", "dask", "--scheduler", cluster.scheduler_address)
    assert remote.returncode == 1, remote.stderr
    local_report, remote_report = json.loads(local.stdout), json.loads(remote.stdout)
    assert verdicts(remote_report) == verdicts(local_report)
    assert remote_report["summary"]["ocr_calls"] == 4
    statuses = {name: v[0] for name, v in verdicts(local_report).items()}
    assert statuses["02-login.png"] == statuses["03-placeholder.png"] == statuses["04-blank.png"] == "fail"


@pytest.mark.slow
def test_the_cache_written_by_cluster_workers_serves_a_later_scan(listing, cluster, tmp_path):
    shared_cache = tmp_path / "shared-cache"  # a folder every worker sees
    first = cli("scan", listing, "-f", "json", "--no-progress", "--cache-dir", shared_cache, "--executor", "dask",
                "--scheduler", cluster.scheduler_address)
    assert first.returncode == 1, first.stderr
    assert list((shared_cache / "ocr").rglob("*.json")), "the workers cache OCR words in the shared folder"
    again = cli("scan", listing, "-f", "json", "--no-progress", "--cache-dir", shared_cache)
    summary = json.loads(again.stdout)["summary"]
    assert (summary["ocr_calls"], summary["cache_hits"]) == (0, 4)
    assert verdicts(json.loads(again.stdout)) == verdicts(json.loads(first.stdout))


@pytest.mark.slow
def test_a_crash_on_a_dask_worker_costs_only_its_asset(listing, cluster, tmp_path):
    folder = tmp_path / "with-crash"
    folder.mkdir()
    for source in sorted(listing.iterdir())[:2]:
        (folder / source.name).write_bytes(source.read_bytes())
    app_screen(7, size=(1280, 720)).save(folder / CRASHING_NAME)
    from media_check.config import load_config
    from media_check.pipeline import scan

    executor = DaskExecutor(jobs=2, scheduler=cluster.scheduler_address)
    try:
        report = scan([str(folder)], load_config(), executor=executor).to_dict()
        assert len(executor._client.nthreads()) == 2  # both dask workers are still there
    finally:
        executor.shutdown()
    by_name = {Path(a["path"]).name: a for a in report["assets"]}
    assert by_name[CRASHING_NAME]["status"] == "error"
    assert "decoder crashed on this file (SIGSEGV)" in by_name[CRASHING_NAME]["findings"][0]["message"]
    assert all(by_name[n]["status"] != "error" for n in ("01-app.png", "02-login.png"))


def test_a_local_dask_cluster_is_started_for_a_scan_when_no_scheduler_is_named(listing, tmp_path):
    done = cli("scan", listing / "02-login.png", "-f", "json", "--no-progress", "--cache-dir", tmp_path,
               "--executor", "dask", "--jobs", 1)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["assets"][0]["findings"][0]["name"] == "login-screen"


def test_executor_mistakes_are_one_line_and_exit_2(listing, tmp_path):
    unknown = cli("scan", listing, "--executor", "spark", "--cache-dir", tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "media-check: error: unknown executor 'spark' (known: process, dask)"
    misplaced = cli("scan", listing, "--scheduler", "tcp://127.0.0.1:8786", "--cache-dir", tmp_path)
    assert misplaced.returncode == 2
    assert "--scheduler needs --executor dask" in misplaced.stderr
    unreachable = cli("scan", listing, "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9",
                      "--no-cache", env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert unreachable.returncode == 2
    assert "cannot reach the dask scheduler at tcp://127.0.0.1:9" in unreachable.stderr


def test_the_scheduler_variable_leaves_a_process_scan_alone(listing, tmp_path):
    # MEDIA_CHECK_SCHEDULER is read only when the dask executor is chosen: a default scan runs as usual
    done = cli("scan", listing / "01-app.png", "-f", "json", "--no-progress", "--cache-dir", tmp_path,
               env={"MEDIA_CHECK_SCHEDULER": "tcp://127.0.0.1:9"})
    assert done.returncode in (0, 1), done.stderr
    assert "--scheduler" not in done.stderr
    assert len(json.loads(done.stdout)["assets"]) == 1


def test_dask_is_imported_only_when_chosen():
    probe = ("import sys, media_check.cli, media_check.pipeline, media_check.executors; "
             "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.stdout.strip() == "[]", done.stderr
