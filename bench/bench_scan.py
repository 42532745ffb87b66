"""Scan benchmark: media-check against the plain ``tesseract`` command, cold and warm, with peak memory.

Prints, from one run, medians of several repetitions (the machine is shared and noisy: the ratios are what count):
cold throughput (assets/s), plain-tesseract throughput with the same number of parallel processes
(``OMP_THREAD_LIMIT=1``, the honest floor), their ratio, warm re-scan time and its ratio to cold, peak RSS of the
whole process tree, and a per-stage breakdown. Usage: ``python bench/bench_scan.py [--runs 3] [--jobs 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.screens import render_screens  # noqa: E402
from media_check.sniff import MEDIA_EXTENSIONS  # noqa: E402

ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


class TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_rss(p) for p in _tree(self.pid)))
            time.sleep(self.interval)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except OSError:
            pass
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_scan(folder: Path, cache: Path, jobs: int) -> tuple[float, int, dict]:
    out = cache / "report.json"
    cmd = [sys.executable, "-m", "media_check", "scan", str(folder), "--no-progress", "-f", "json", "-o", str(out),
           "--cache-dir", str(cache), "--jobs", str(jobs)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with TreeMemory(proc.pid) as memory:
        _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, memory.peak, json.loads(out.read_text())


def run_plain_tesseract(files: list[Path], jobs: int) -> float:
    def one(path: Path) -> None:
        subprocess.run(["tesseract", str(path), "-"], env=ENV, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - start


def stage_breakdown(report: dict) -> dict[str, float]:
    totals: dict[str, float] = {}
    for asset in report["assets"]:
        for stage, ms in asset.get("timings_ms", {}).items():
            totals[stage] = totals.get(stage, 0.0) + ms
    return totals


def time_writers(report: dict) -> dict[str, float]:
    from media_check.report import Report
    from media_check.writers import FORMATS, renderer

    parsed = Report.from_dict(report)
    out = {}
    for fmt in FORMATS:
        start = time.perf_counter()
        try:
            renderer(fmt)(parsed)
        except Exception:  # noqa: BLE001 - a writer that needs extra context is skipped here
            continue
        out[fmt] = (time.perf_counter() - start) * 1000
    return out


def bench(name: str, folder: Path, runs: int, jobs: int) -> dict:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_EXTENSIONS)
    cold, warm, plain, peaks = [], [], [], []
    report = None
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="media-check-bench-") as tmp:
            cache = Path(tmp)
            seconds, peak, report = run_scan(folder, cache, jobs)
            cold.append(seconds)
            peaks.append(peak)
            warm.append(run_scan(folder, cache, jobs)[0])
        plain.append(run_plain_tesseract(files, jobs))
    n = len(files)
    result = {
        "dataset": name, "assets": n, "jobs": jobs, "runs": runs,
        "cold_s": statistics.median(cold), "warm_s": statistics.median(warm), "plain_tesseract_s": statistics.median(plain),
        "peak_rss_mb": max(peaks) / 1e6,
    }
    result["cold_assets_per_s"] = n / result["cold_s"]
    result["plain_assets_per_s"] = n / result["plain_tesseract_s"]
    result["speedup_vs_plain"] = result["plain_tesseract_s"] / result["cold_s"]
    result["warm_speedup"] = result["cold_s"] / result["warm_s"]
    result["stages_ms"] = stage_breakdown(report)
    result["writers_ms"] = time_writers(report)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    screens = render_screens(ROOT / ".media-check-cache" / "bench" / "screens", 60)
    datasets = [("60 generated 1920x1080 screens", screens[0].parent)]
    if args.corpus.is_dir():
        datasets.append(("shared corpus", args.corpus))
    results = [bench(name, folder, args.runs, args.jobs) for name, folder in datasets]
    for r in results:
        print(f"\n== {r['dataset']}: {r['assets']} assets, {r['jobs']} jobs, median of {r['runs']} runs")
        print(f"  cold scan            {r['cold_s']:7.2f} s   {r['cold_assets_per_s']:5.2f} assets/s")
        print(f"  plain tesseract      {r['plain_tesseract_s']:7.2f} s   {r['plain_assets_per_s']:5.2f} assets/s")
        print(f"  ratio cold/plain     {r['speedup_vs_plain']:7.2f}x  (target >= 1.3x)")
        print(f"  warm re-scan         {r['warm_s']:7.2f} s   {r['warm_speedup']:5.1f}x faster than cold (target >= 50x)")
        print(f"  peak RSS (tree)      {r['peak_rss_mb']:7.0f} MB")
        total = sum(r["stages_ms"].values()) or 1.0
        stages = ", ".join(f"{k} {v / 1000:.1f}s ({100 * v / total:.0f}%)" for k, v in r["stages_ms"].items())
        print(f"  stages (CPU, summed) {stages}")
        print("  writers              " + ", ".join(f"{k} {v:.0f}ms" for k, v in r["writers_ms"].items()))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
