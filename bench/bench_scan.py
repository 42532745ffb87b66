"""Scan benchmark (``make bench``): every performance target of media-check, measured in one run.

All figures come from real ``media-check scan`` processes on this machine, beside the plain ``tesseract`` command
run over the same images with the same number of parallel processes (``OMP_THREAD_LIMIT=1``: the honest floor).
The machine is shared and noisy, so each ratio is taken between runs made back to back, medians of ``--runs``.

1. 60 generated 1920x1080 app screens: cold scan vs plain tesseract, warm re-scan of the unchanged folder, a
   policy change re-judged from the cache (no OCR), peak RSS of the whole process tree (sampled from /proc),
   per-stage breakdown, writer timings; jobs=1 vs jobs=2 (scaling); the dask executor on a local cluster.
2. ../shared/corpus (real screenshots, 1 run): cold vs plain tesseract, warm, and OCR agreement with plain
   full-size tesseract (no ground truth there: the share of plain tesseract's words media-check also reads).
3. sample_media: OCR word recall and precision against the HTML ground truth (bench/ocr_recall.py).
4. 4K screenshots (3840x2160) with 2 workers: peak RSS.
5. A folder of 10,000 small screenshots (1,000 listings of 10): RSS as 1k, 5k and 10k assets are done.
6. The live-app index benchmark (bench/live_index.py), when present.

Usage: ``python bench/bench_scan.py [--runs 3] [--jobs 2] [--skip corpus,tiny,...] [--json out.json]``.
Scans run with byte-code caching on (``PYTHONDONTWRITEBYTECODE`` unset), as on any installed copy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.screens import render_screens, tiny_listings  # noqa: E402
from media_check.sniff import MEDIA_EXTENSIONS  # noqa: E402

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"OMP_THREAD_LIMIT": "1"}
WORK = ROOT / ".media-check-cache" / "bench"
SECTIONS = ("screens", "scaling", "dask", "corpus", "recall", "4k", "tiny", "live")


# --- measuring ---------------------------------------------------------------------------------------------------

class TreeMemory:
    """Resident memory of a process and all its descendants, sampled from /proc: the peak, and samples of
    ``(seconds, tree bytes, parent bytes, progress())`` for curves."""

    def __init__(self, pid: int, interval: float = 0.05, progress=None):
        self.pid, self.interval, self.progress = pid, interval, progress
        self.peak = 0
        self.samples: list[tuple[float, int, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        start = time.perf_counter()
        while not self._stop.is_set():
            pids = _tree(self.pid)
            total = sum(_rss(p) for p in pids)
            self.peak = max(self.peak, total)
            if self.progress is not None:
                self.samples.append((time.perf_counter() - start, total, _rss(self.pid), self.progress()))
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


class JournalCounter:
    """How many assets a running scan has finished: the lines of its resume journal, read as they are added."""

    def __init__(self, cache: Path):
        self.folder = cache / "journal"
        self.count = 0
        self._offsets: dict[Path, int] = {}

    def __call__(self) -> int:
        for path in self.folder.glob("*.jsonl") if self.folder.is_dir() else ():
            try:
                with open(path, "rb") as handle:
                    handle.seek(self._offsets.get(path, 0))
                    chunk = handle.read()
                    self._offsets[path] = handle.tell()
            except OSError:
                continue
            self.count += chunk.count(b"\n")
        return self.count


@dataclass
class ScanRun:
    seconds: float
    peak: int
    report: dict
    samples: list = field(default_factory=list)
    cpu: float = 0.0  # CPU seconds of the whole process tree


def children_cpu() -> float:
    """CPU seconds used so far by this process's finished children and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_scan(folder: Path, cache: Path, jobs: int, *extra: str, out: Path | None = None,
             curve: bool = False) -> ScanRun:
    out = out or cache / "report.json"
    cmd = [sys.executable, "-m", "media_check", "scan", str(folder), "--no-progress", "-f", "json", "-o", str(out),
           "--cache-dir", str(cache), "--jobs", str(jobs), *extra]
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with TreeMemory(proc.pid, 0.25 if curve else 0.02, JournalCounter(cache) if curve else None) as memory:
        _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {err.decode()[-2000:]}")
    return ScanRun(elapsed, memory.peak, json.loads(out.read_text()), memory.samples, children_cpu() - cpu)


def run_plain_tesseract(files: list[Path], jobs: int, tsv: bool = False) -> tuple[float, float, dict[Path, str]]:
    """Seconds and CPU seconds for ``tesseract FILE -`` over ``files``, ``jobs`` at a time; with ``tsv`` also
    each file's output (TSV: words with confidences; the recognition work is the same)."""
    outputs: dict[Path, str] = {}

    def one(path: Path) -> None:
        done = subprocess.run(["tesseract", str(path), "-", *(["tsv"] if tsv else [])], env=ENV,
                              stdout=subprocess.PIPE if tsv else subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              check=False, text=True)
        if tsv:
            outputs[path] = done.stdout

    cpu = children_cpu()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - start, children_cpu() - cpu, outputs


def media_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_EXTENSIONS)


def stage_breakdown(report: dict) -> dict[str, float]:
    totals: dict[str, float] = {}
    for asset in report["assets"]:
        for stage, ms in asset.get("timings_ms", {}).items():
            totals[stage] = totals.get(stage, 0.0) + ms
    return totals


def time_writers(report: dict) -> dict[str, float]:
    from media_check.report import Report
    from media_check.writers import FORMATS
    from media_check.writers.outputs import Renderer

    parsed = Report.from_dict(report)
    out = {}
    for fmt in FORMATS:
        start = time.perf_counter()
        Renderer(parsed).render(fmt)  # html without annotated previews: the page itself
        out[fmt] = (time.perf_counter() - start) * 1000
    return out


def verdicts(report: dict) -> dict[str, tuple]:
    return {a["path"]: (a["status"], tuple(sorted(f["code"] for f in a["findings"]))) for a in report["assets"]}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def warm_up_bytecode(folder: Path) -> None:
    """One untimed scan, so the byte-code of every module a scan imports is compiled and cached as an install's
    would be (a checkout in an environment with PYTHONDONTWRITEBYTECODE=1 has none)."""
    with tempfile.TemporaryDirectory(prefix="media-check-bench-") as tmp:
        run_scan(folder, Path(tmp), 1, "--select", "MC3")


# --- sections ------------------------------------------------------------------------------------------------------

def bench_folder(name: str, folder: Path, runs: int, jobs: int, keep_cache: Path | None = None,
                 plain_tsv: bool = False) -> dict:
    """Cold and warm scans and plain tesseract on ``folder``, ``runs`` times, medians."""
    files = media_files(folder)
    cold, warm, plain, peaks, cold_cpu, plain_cpu = [], [], [], [], [], []
    report, outputs, last_cache = None, {}, None
    for run in range(runs):
        tmp = Path(tempfile.mkdtemp(prefix="media-check-bench-"))
        first = run_scan(folder, tmp, jobs)
        cold.append(first.seconds)
        cold_cpu.append(first.cpu)
        peaks.append(first.peak)
        report = first.report
        warm.append(run_scan(folder, tmp, jobs).seconds)
        if last_cache is not None:
            shutil.rmtree(last_cache, ignore_errors=True)
        last_cache = tmp
        seconds, cpu, outputs = run_plain_tesseract(files, jobs, tsv=plain_tsv)
        plain.append(seconds)
        plain_cpu.append(cpu)
    if keep_cache is not None:
        shutil.rmtree(keep_cache, ignore_errors=True)
        shutil.move(str(last_cache), keep_cache)
    else:
        shutil.rmtree(last_cache, ignore_errors=True)
    n = len(report["assets"])
    result = {"dataset": name, "assets": n, "jobs": jobs, "runs": runs,
              "cold_s": statistics.median(cold), "warm_s": statistics.median(warm),
              "plain_tesseract_s": statistics.median(plain), "peak_rss_mb": max(peaks) / 1e6,
              "ocr_calls": report["summary"]["ocr_calls"], "verdicts": verdicts(report)}
    result["cold_assets_per_s"] = n / result["cold_s"]
    result["plain_assets_per_s"] = len(files) / result["plain_tesseract_s"]
    result["speedup_vs_plain"] = result["cold_assets_per_s"] / result["plain_assets_per_s"]
    result["cold_cpu_s"], result["plain_cpu_s"] = statistics.median(cold_cpu), statistics.median(plain_cpu)
    result["cpu_ratio"] = (result["plain_cpu_s"] / len(files)) / (result["cold_cpu_s"] / n)
    result["warm_speedup"] = result["cold_s"] / result["warm_s"]
    result["stages_ms"] = stage_breakdown(report)
    result["writers_ms"] = time_writers(report)
    result["_plain_outputs"] = outputs
    result["_report"] = report
    return result


def policy_change(folder: Path, cache: Path, jobs: int) -> dict:
    """Re-judge a scanned folder under another policy: the analyses come from the cache, OCR never runs."""
    out = {}
    for label, extra in (("--ignore aspect-ratio --fail-on warn", ("--ignore", "aspect-ratio", "--fail-on", "warn")),
                         ("--profile google-play", ("--profile", "google-play"))):
        run = run_scan(folder, cache, jobs, *extra, out=cache / "policy.json")
        summary = run.report["summary"]
        out[label] = {"seconds": run.seconds, "ocr_calls": summary["ocr_calls"], "cache_hits": summary["cache_hits"],
                      "by_status": summary["by_status"]}
    return out


def content_share(report: dict, sample: list[Path]) -> dict:
    """Content analysis beyond OCR (layout features + phrases + screen classifier + rules) as a share of OCR time:
    from the scan's stage timings, and fresh in-process timings on ``sample`` (media_check.eval.content_cost)."""
    from media_check.eval import content_cost

    stages = stage_breakdown(report)
    ocr = stages.get("ocr", 0.0) or 1.0
    fresh = content_cost(sample)
    return {"features_share": stages.get("features", 0.0) / ocr,
            "features_rules_share": (stages.get("features", 0.0) + stages.get("rules", 0.0)) / ocr,
            "fresh": fresh}


def ocr_agreement(report: dict, cache: Path, plain_tsv: dict[Path, str]) -> dict:
    """How much of what plain full-size tesseract reads media-check also reads, on real screenshots without ground
    truth. Tokens: lower-case runs of 2+ letters or digits, counted with multiplicity, per image."""
    from bench.ocr_recall import tokens
    from media_check.analysis import AnalysisParams
    from media_check.cache import WordCache

    words = WordCache(cache)
    params = AnalysisParams()
    both = plain_all = mine_all = both_conf = plain_conf = images = 0
    consensus = plain_in_consensus = mine_in_consensus = 0
    for asset in report["assets"]:
        tsv = plain_tsv.get(Path(asset["path"]))
        cached = words.get(asset["sha256"], params) if asset.get("sha256") else None
        if tsv is None or cached is None:
            continue
        images += 1
        rows = [line.split("\t") for line in tsv.splitlines()[1:]]
        rows = [r for r in rows if len(r) == 12 and r[11].strip() and float(r[10]) >= 0]
        plain = tokens(" ".join(r[11] for r in rows))
        confident = tokens(" ".join(r[11] for r in rows if float(r[10]) >= 90))
        mine = tokens(" ".join(w.text for w in cached))
        mine_confident = tokens(" ".join(w.text for w in cached if w.conf >= 90))
        agreed = confident | mine_confident  # words one engine or the other is sure of: a proxy for the truth
        consensus += sum(agreed.values())
        plain_in_consensus += sum((plain & agreed).values())
        mine_in_consensus += sum((mine & agreed).values())
        both += sum((plain & mine).values())
        both_conf += sum((confident & mine).values())
        plain_all += sum(plain.values())
        plain_conf += sum(confident.values())
        mine_all += sum(mine.values())
    return {"images": images, "plain_tokens": plain_all, "media_check_tokens": mine_all,
            "recall_of_plain": both / max(plain_all, 1), "recall_of_plain_confident": both_conf / max(plain_conf, 1),
            "agreement_f1": 2 * both / max(plain_all + mine_all, 1), "consensus_words": consensus,
            "plain_recall_consensus": plain_in_consensus / max(consensus, 1),
            "media_check_recall_consensus": mine_in_consensus / max(consensus, 1)}


def ground_truth_recall() -> dict:
    from bench import ocr_recall

    truth = ocr_recall.ground_truth()
    out = {"screens": len(truth), "words": sum(sum(c.values()) for _, c in truth)}
    for name, reader in (("plain", ocr_recall.read_plain), ("media_check", ocr_recall.read_media_check)):
        recall, precision, seconds = ocr_recall.score(truth, reader)
        out[name] = {"recall": recall, "precision": precision, "seconds": seconds}
    return out


def tiny_curve(folder: Path, jobs: int) -> dict:
    """One cold scan of the 10,000-asset folder: RSS of the tree and of the scanning process as assets finish."""
    with tempfile.TemporaryDirectory(prefix="media-check-bench-") as tmp:
        run = run_scan(folder, Path(tmp), jobs, curve=True, out=Path(tmp) / "report.json")
        report_bytes = (Path(tmp) / "report.json").stat().st_size
    # RSS around each mark: the highest sample while the 100 assets before it finished (the workers are still up;
    # right after the last asset they are stopped, which would make the end look better than it is)
    marks = {}
    for mark in (1_000, 5_000, 10_000):
        near = [s for s in run.samples if mark - 100 <= s[3] <= mark]
        if near:
            marks[mark] = {"tree_mb": max(s[1] for s in near) / 1e6, "parent_mb": max(s[2] for s in near) / 1e6}
    assets = len(run.report["assets"])
    return {"assets": assets, "seconds": run.seconds, "assets_per_s": assets / run.seconds,
            "peak_rss_mb": run.peak / 1e6, "marks": marks, "report_mb": report_bytes / 1e6,
            "ocr_calls": run.report["summary"]["ocr_calls"],
            "peak_parent_mb": max((s[2] for s in run.samples), default=0) / 1e6}


def dask_run(folder: Path, jobs: int, reference: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="media-check-bench-") as tmp:
        run = run_scan(folder, Path(tmp), jobs, "--executor", "dask")
    same = verdicts(run.report) == reference
    return {"seconds": run.seconds, "assets_per_s": len(run.report["assets"]) / run.seconds,
            "peak_rss_mb": run.peak / 1e6, "identical_verdicts": same}


def live_index() -> str | None:
    script = ROOT / "bench" / "live_index.py"
    if not script.exists():
        return None
    done = subprocess.run([sys.executable, str(script)], env=ENV, capture_output=True, text=True, cwd=ROOT,
                          check=False)
    lines = [line for line in done.stdout.splitlines() if not line.startswith(("loading", "  indexed"))]
    return "\n".join(lines) if done.returncode == 0 else f"failed ({done.returncode}): {done.stderr[-500:]}"


# --- printing ------------------------------------------------------------------------------------------------------

def print_folder(r: dict) -> None:
    print(f"\n== {r['dataset']}: {r['assets']} assets, {r['jobs']} jobs, median of {r['runs']} run(s)")
    print(f"  cold scan            {r['cold_s']:7.2f} s   {r['cold_assets_per_s']:6.2f} assets/s")
    print(f"  plain tesseract      {r['plain_tesseract_s']:7.2f} s   {r['plain_assets_per_s']:6.2f} assets/s")
    print(f"  cold / plain         {r['speedup_vs_plain']:7.2f}x  (target >= 1.3x); CPU per asset "
          f"{r['cold_cpu_s'] / r['assets']:.2f} s vs {r['plain_cpu_s'] / r['assets']:.2f} s: {r['cpu_ratio']:.2f}x")
    print(f"  warm re-scan         {r['warm_s']:7.2f} s   {r['warm_speedup']:6.1f}x faster than cold (target >= 50x)")
    print(f"  peak RSS (tree)      {r['peak_rss_mb']:7.0f} MB")
    stages = r["stages_ms"]
    total = sum(stages.values()) or 1.0
    names = {"load": "decode", "ocr": "OCR", "features": "features", "hashes": "hashes", "rules": "rules"}
    print("  stages (CPU summed)  " + ", ".join(f"{names.get(k, k)} {v / 1000:.1f}s ({100 * v / total:.0f}%)"
                                                for k, v in stages.items()))
    print("  writers              " + ", ".join(f"{k} {v:.0f}ms" for k, v in r["writers_ms"].items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--tiny", type=int, default=10_000, help="assets in the many-small-files folder")
    parser.add_argument("--skip", default="", help=f"comma-separated sections to skip: {','.join(SECTIONS)}")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    started = time.perf_counter()
    print(f"media-check benchmark: {os.cpu_count()} CPUs, load average {load_average()} at start", flush=True)
    results: dict = {}
    screens = render_screens(WORK / "screens", 60)[0].parent
    warm_up_bytecode(screens)

    main_cache = WORK / "cache-screens"
    r = bench_folder("60 generated 1920x1080 screens", screens, args.runs, args.jobs, keep_cache=main_cache)
    results["screens"] = r
    print_folder(r)
    policy = policy_change(screens, main_cache, args.jobs)
    results["policy"] = policy
    for label, p in policy.items():
        print(f"  policy change ({label}): {p['seconds']:.2f} s, OCR calls {p['ocr_calls']}, cache hits "
              f"{p['cache_hits']}, statuses {p['by_status']}")
    share = content_share(r["_report"], media_files(screens)[:12])
    results["content_share"] = share
    fresh = share["fresh"]
    print(f"  content analysis beyond OCR: features {100 * share['features_share']:.1f}% of OCR time, features + "
          f"rules {100 * share['features_rules_share']:.1f}% (scan timings); fresh on {fresh['images']} screens: "
          f"features + phrases + classifier + rules {fresh['content_ms_median']} ms vs OCR {fresh['ocr_ms_median']} ms"
          f" = {100 * fresh['content_share_of_ocr_median']:.1f}%", flush=True)

    reference_s = r["cold_s"]
    if "scaling" not in skip and args.jobs > 1:  # alternated back to back, so both see the same machine load
        ones, manys = [], []
        for _ in range(2):
            for jobs, into in ((1, ones), (args.jobs, manys)):
                with tempfile.TemporaryDirectory(prefix="media-check-bench-") as tmp:
                    into.append(run_scan(screens, Path(tmp), jobs).seconds)
        one, many = statistics.median(ones), statistics.median(manys)
        reference_s = many
        speedup = one / many
        results["scaling"] = {"jobs1_s": one, f"jobs{args.jobs}_s": many, "speedup": speedup,
                              "efficiency": speedup / args.jobs}
        print(f"  scaling (median of 2 alternated pairs): jobs=1 {60 / one:.2f} assets/s, jobs={args.jobs} "
              f"{60 / many:.2f} assets/s: {speedup:.2f}x, efficiency {100 * speedup / args.jobs:.0f}%", flush=True)

    if "dask" not in skip:
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("  dask executor: not installed (pip install 'media-check[dask]')")
        else:
            d = dask_run(screens, args.jobs, r["verdicts"])
            results["dask"] = d
            print(f"  dask executor (local cluster, {args.jobs} workers): {d['seconds']:.2f} s, "
                  f"{d['assets_per_s']:.2f} assets/s ({reference_s / d['seconds']:.2f}x the process "
                  f"executor), peak RSS {d['peak_rss_mb']:.0f} MB, verdicts identical: {d['identical_verdicts']}",
                  flush=True)

    if "corpus" not in skip and args.corpus.is_dir():
        corpus_cache = WORK / "cache-corpus"
        c = bench_folder("shared corpus (real screenshots)", args.corpus, 1, args.jobs, keep_cache=corpus_cache,
                         plain_tsv=True)
        results["corpus"] = c
        print_folder(c)
        agreement = ocr_agreement(c["_report"], corpus_cache, c["_plain_outputs"])
        results["corpus_ocr"] = agreement
        a = agreement
        print(f"  OCR vs plain full-size tesseract on {a['images']} images: media-check reads "
              f"{100 * a['recall_of_plain']:.1f}% of its words ({100 * a['recall_of_plain_confident']:.1f}"
              f"% of those it reads with confidence >= 90); agreement F1 {a['agreement_f1']:.3f}; tokens "
              f"{agreement['media_check_tokens']} vs {agreement['plain_tokens']}")
        print(f"  recall of the words either engine reads with confidence >= 90 ({a['consensus_words']}): "
              f"media-check {a['media_check_recall_consensus']:.3f}, plain tesseract {a['plain_recall_consensus']:.3f}",
              flush=True)
        shutil.rmtree(corpus_cache, ignore_errors=True)

    if "recall" not in skip:
        g = ground_truth_recall()
        results["ground_truth"] = g
        print(f"\n== OCR against ground truth (sample_media, {g['screens']} screens, {g['words']} words)")
        for name in ("plain", "media_check"):
            print(f"  {name:<12} recall {g[name]['recall']:.3f}  precision {g[name]['precision']:.3f}  "
                  f"({g[name]['seconds']:.1f} s, one process)", flush=True)

    if "4k" not in skip:
        k4 = render_screens(WORK / "screens-4k", 12, scale=2)[0].parent
        r4 = bench_folder("12 generated 3840x2160 screens", k4, 1, args.jobs)
        results["4k"] = r4
        print_folder(r4)

    if "tiny" not in skip:
        tiny = tiny_listings(WORK / f"tiny-{args.tiny}", args.tiny)[0].parent.parent
        t = tiny_curve(tiny, args.jobs)
        results["tiny"] = t
        marks = ", ".join(f"{k:,} done: tree {v['tree_mb']:.0f} MB (scan process {v['parent_mb']:.0f} MB)"
                          for k, v in t["marks"].items()) + " (highest over the 100 assets before each mark)"
        print(f"\n== {t['assets']:,} small screenshots (200x150) in listings of 10, {args.jobs} jobs, 1 run")
        print(f"  cold scan            {t['seconds']:7.1f} s   {t['assets_per_s']:6.1f} assets/s, OCR calls "
              f"{t['ocr_calls']}")
        print(f"  RSS                  {marks}")
        print(f"  peak RSS             tree {t['peak_rss_mb']:.0f} MB, scan process {t['peak_parent_mb']:.0f} MB "
              f"(JSON report {t['report_mb']:.1f} MB)", flush=True)

    if "live" not in skip:
        text = live_index()
        if text is not None:
            results["live_index"] = text
            print("\n== live-app index (bench/live_index.py)\n" + "\n".join(f"  {line}" for line in text.splitlines()))

    print_summary(results, args.jobs)
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s; load average {load_average()} at the end)")
    if args.json:
        clean = {k: ({kk: vv for kk, vv in v.items() if not kk.startswith("_") and kk != "verdicts"}
                     if isinstance(v, dict) else v) for k, v in results.items()}
        args.json.write_text(json.dumps(clean, indent=2, default=str))


def print_summary(results: dict, jobs: int) -> None:
    rows = []
    s = results["screens"]
    rows.append(("cold scan vs plain tesseract, 60 x 1080p", f"{s['speedup_vs_plain']:.2f}x", ">= 1.3x",
                 s["speedup_vs_plain"] >= 1.3))
    if "corpus" in results:
        c = results["corpus"]
        rows.append(("cold scan vs plain tesseract, corpus", f"{c['speedup_vs_plain']:.2f}x", ">= 1.3x",
                     c["speedup_vs_plain"] >= 1.3))
        a = results["corpus_ocr"]
        rows.append(("corpus recall vs plain (consensus of sure words)",
                     f"{a['media_check_recall_consensus']:.3f} vs {a['plain_recall_consensus']:.3f}", "within 0.02",
                     a["media_check_recall_consensus"] >= a["plain_recall_consensus"] - 0.02))
        rows.append(("corpus: plain's sure words (conf>=90) also read", f"{100 * a['recall_of_plain_confident']:.1f}%",
                     ">= 98%", a["recall_of_plain_confident"] >= 0.98))
    if "ground_truth" in results:
        g = results["ground_truth"]
        rows.append(("sample_media recall vs plain (ground truth)",
                     f"{g['media_check']['recall']:.3f} vs {g['plain']['recall']:.3f}", "within 0.02",
                     g["media_check"]["recall"] >= g["plain"]["recall"] - 0.02))
    rows.append(("warm re-scan vs cold, 60 x 1080p", f"{s['warm_speedup']:.0f}x", ">= 50x", s["warm_speedup"] >= 50))
    if "corpus" in results:
        rows.append(("warm re-scan vs cold, corpus", f"{results['corpus']['warm_speedup']:.0f}x", ">= 50x",
                     results["corpus"]["warm_speedup"] >= 50))
    ocr_free = all(p["ocr_calls"] == 0 for p in results["policy"].values())
    rows.append(("policy change re-judged without OCR", "0 OCR calls" if ocr_free else "OCR ran", "0", ocr_free))
    if "4k" in results:
        peak = results["4k"]["peak_rss_mb"]
        rows.append((f"peak RSS, 4K screens, {jobs} workers", f"{peak:.0f} MB", "<= 600 MB", peak <= 600))
    if "tiny" in results:
        t = results["tiny"]
        marks = t["marks"]
        if marks:
            trees = [m["tree_mb"] for m in marks.values()]
            parents = [m["parent_mb"] for m in marks.values()]
            flat = max(trees) - min(trees) <= 60 and parents[-1] - parents[0] <= 40
            rows.append((f"RSS at {', '.join(f'{k // 1000}k' for k in marks)} assets (tree)",
                         " / ".join(f"{t:.0f}" for t in trees) + " MB", "flat", flat))
    if "scaling" in results:
        sc = results["scaling"]
        rows.append((f"jobs=1 -> jobs={jobs} speed-up", f"{sc['speedup']:.2f}x ({100 * sc['efficiency']:.0f}%)",
                     "near-linear", sc["efficiency"] >= 0.8))
    if "dask" in results:
        d = results["dask"]
        rows.append(("dask executor: verdicts identical", str(d["identical_verdicts"]), "True",
                     d["identical_verdicts"]))
    print("\n== summary")
    for label, value, goal, ok in rows:
        print(f"  {label:<48} {value:>18}   goal {goal:<11} {'ok' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
