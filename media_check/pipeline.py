"""discover -> hash -> analyse (cache, worker pool) -> judge -> Report.

The cache is consulted in this process, so a re-scan of an unchanged folder starts no worker and runs no OCR.
Misses go to ``jobs`` isolated worker processes (:mod:`media_check.workers`), one asset per worker at a time, so
memory does not grow with the number of assets and a decoder crash, an out-of-memory kill or a hang costs only its
own asset an ``error`` verdict (even with ``--jobs 1``: decoding never runs in this process). Results are judged as
they arrive and, with a :class:`~media_check.journal.Journal`, appended to it so an interrupted scan can resume.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from media_check import __version__
from media_check.analysis import Analysis, AnalysisParams, sha256_of
from media_check.cache import AnalysisCache
from media_check.config import Config, usable_cpus
from media_check.discover import AssetRef, discover
from media_check.executors import AnalysisExecutor, make_executor, run_tasks
from media_check.judge import add_findings, judge_asset, judge_listing
from media_check.limits import asset_deadline
from media_check.listing import assign_refs, collect_listings, support_urls
from media_check.paths import NotReadable, file_size, open_regular
from media_check.preview import judge_video
from media_check.report import SCHEMA_VERSION, ListingResult, Report, Verdict, summarise
from media_check.rules import ALWAYS_ON, RULES
from media_check.rules.base import ListingAsset
from media_check.sniff import HEAD_BYTES, VIDEO_FORMATS, sniff
from media_check.verdict_cache import VerdictCache

if TYPE_CHECKING:
    from media_check.journal import Journal

ProgressFn = Callable[[str, int, int], None]


@dataclass
class ScanStats:
    ocr_calls: int = 0
    cache_hits: int = 0
    analysed: int = 0
    resumed: int = 0  # taken from an interrupted scan's journal
    skipped: list[str] = field(default_factory=list)


def analyse_refs(refs: list[AssetRef], params: AnalysisParams, jobs: int, cache: AnalysisCache | None,
                 stats: ScanStats, journal: Journal | None = None, executor: str | AnalysisExecutor = "process",
                 scheduler: str | None = None) -> Iterator[tuple[AssetRef, Analysis, bool]]:
    """(ref, analysis, from_cache) for every ref, in completion order; journaled or cached ones first. Misses
    run on ``executor`` (:mod:`media_check.executors`: a name, started for them, or a running executor)."""
    pending: list[tuple[AssetRef, str]] = []
    for ref in refs:
        if ref.escape:
            yield ref, Analysis(sha256="", kind="unknown", error=ref.escape, cacheable=False), False
            continue
        try:
            digest = sha256_of(ref.path)
        except IsADirectoryError:
            yield ref, Analysis(sha256="", kind="unknown", error="is a folder, not a file", cacheable=False), False
            continue
        except OSError as exc:
            reason = exc.reason if isinstance(exc, NotReadable) else "permission denied: the file cannot be read" \
                if isinstance(exc, PermissionError) else f"cannot be read: {exc.strerror or exc}"
            yield ref, Analysis(sha256="", kind="unknown", error=reason, cacheable=False), False
            continue
        resumed = journal.lookup(ref.display, digest) if journal else None
        if resumed is not None:
            stats.resumed += 1
            yield ref, resumed, True
            continue
        hit = cache.get(digest, params) if cache else None
        if hit is not None:
            stats.cache_hits += 1
            yield ref, hit, True
        else:
            pending.append((ref, digest))
    yield from _analyse_pending(pending, params, jobs, cache, stats, executor, scheduler)


def _large_files_first(pending: list[tuple[AssetRef, str]]) -> list[tuple[AssetRef, str]]:
    """Files four or more times the median size first, largest first, then the others in discovery order: a
    long analysis starts early, so no worker ends the scan alone with it while the others are idle, and a folder
    of like-sized files keeps its order, so its listings are completed (and let go) one after another."""
    if len(pending) < 3:
        return pending
    sizes = [file_size(ref.path) or 0 for ref, _ in pending]
    cut = 4 * statistics.median(sizes)
    large = sorted((i for i, size in enumerate(sizes) if size >= cut and size > 0), key=lambda i: -sizes[i])
    chosen = set(large)
    return [pending[i] for i in large] + [item for i, item in enumerate(pending) if i not in chosen]


def _is_video(ref: AssetRef) -> bool:
    try:
        with open_regular(ref.path) as handle:
            return sniff(handle.read(HEAD_BYTES)) in VIDEO_FORMATS
    except OSError:
        return False


def _analyse_pending(pending: list[tuple[AssetRef, str]], params: AnalysisParams, jobs: int,
                     cache: AnalysisCache | None, stats: ScanStats,
                     executor: str | AnalysisExecutor = "process", scheduler: str | None = None,
                     ) -> Iterator[tuple[AssetRef, Analysis, bool]]:
    if not pending:
        return
    # the analysis code (numpy, OpenCV, tesseract) is loaded only when something needs analysing
    from media_check.analyse import analyse_file
    from media_check.video import MAX_KEYFRAMES

    # absolute paths: the executor's workers may run in another folder, or on another machine sharing the files
    cache_dir = str(cache.root.absolute()) if cache else None

    def finish(ref: AssetRef, analysis: Analysis) -> tuple[AssetRef, Analysis, bool]:
        stats.analysed += 1
        stats.ocr_calls += int(analysis.ocr_ran)
        if cache:
            cache.put(params, analysis)
        return ref, analysis, False

    def deadline(ref: AssetRef) -> float:  # a video OCRs each of its keyframes
        passes = MAX_KEYFRAMES if _is_video(ref) else 1
        return asset_deadline(params.decode_timeout, params.ocr_timeout, passes)

    pending = _large_files_first(pending)
    tasks = (((ref, digest), analyse_file, (str(ref.path.absolute()), digest, params, cache_dir), deadline(ref))
             for ref, digest in pending)
    default = asset_deadline(params.decode_timeout, params.ocr_timeout)
    owned = isinstance(executor, str)
    if owned:  # started only when something needs analysing: a warm re-scan starts no worker and no cluster
        executor = make_executor(executor, max(1, min(jobs, len(pending))), default, scheduler)
    finished = False
    try:
        for (ref, digest), result in run_tasks(executor, tasks):
            if isinstance(result, Analysis):
                yield finish(ref, result)
            else:  # the worker crashed, was killed or timed out on this asset: only this asset is affected
                reason = str(result) if str(result) else type(result).__name__
                yield ref, Analysis(sha256=digest, kind="unknown", cacheable=False, error=reason), False
        finished = True
    finally:
        if owned:  # interrupted: running tasks are abandoned and their workers killed
            executor.shutdown(wait=True, cancel_futures=not finished)


def scan(paths: list[str], config: Config, *, cache: AnalysisCache | None = None,
         progress: ProgressFn | None = None, extras: dict[str, Any] | None = None,
         journal: Journal | None = None, not_checked: list[str] | None = None,
         listing_file: str | None = None, check_urls: bool = False, allow_private: bool = False,
         live_sources: list[str] | None = None, diff_dir: str | None = None,
         executor: str | AnalysisExecutor = "process", scheduler: str | None = None) -> Report:
    """The report of a scan of ``paths``. ``not_checked``: lines for the report about what could not be checked
    (rules that could not run); ``journal``: where finished analyses are appended, and taken from on resume.
    Listing files (``listing.yaml``/``.json`` under ``paths``, or ``listing_file``) define their listings' members
    and metadata; ``check_urls`` fetches their support URLs (``allow_private``: private addresses too).
    ``live_sources``: folders or files of live-app captures; every screenshot is compared with them (the index is
    built once per scan) and ``diff_dir`` receives a side-by-side image of each stale one. ``executor``: where
    analyses run (``process``, ``dask`` with an optional ``scheduler`` address, or an AnalysisExecutor)."""
    refs, skipped = discover(paths)
    refs, captures = _without_live_captures(refs, live_sources)
    listing_files = collect_listings(paths, listing_file)
    refs, roles = assign_refs(refs, listing_files)
    skipped = [s for s in skipped if s.display not in {item.display for item in listing_files}]
    stats = ScanStats(skipped=[*(not_checked or []), *(f"{s.display}: {s.reason}" for s in skipped)])
    live = _live_check(live_sources, config, cache, diff_dir)
    if live is not None:
        stats.skipped.extend(live.notes())
    if captures:
        stats.skipped.append(f"{captures} file(s) under --live: live-app captures, compared with, not judged")
    jobs = config.jobs or usable_cpus()
    env_jobs = os.environ.get("MEDIA_CHECK_JOBS")
    if env_jobs and not config.jobs:
        jobs = max(1, int(env_jobs))
    verdicts: dict[str, Verdict] = {}
    lite: dict[str, list[ListingAsset]] = {}
    # verdicts of unchanged assets under an unchanged policy: a warm re-scan runs no rule (not with caller extras)
    memo = VerdictCache(cache.root, config.fingerprint(), config.analysis.fingerprint()) \
        if cache is not None and not extras else None
    total = len(refs)
    by_file = {item.display: item for item in listing_files}
    # a listing folder without a listing file is judged as soon as its last member is, so the scan keeps only the
    # listings in progress (memory stays flat over thousands of listings)
    unfinished = Counter(ref.listing for ref in refs if ref.listing is not None and ref.listing not in by_file)
    judged: dict[str, ListingResult] = {}
    if progress:
        progress("", 0, total)
    for ref, analysis, from_cache in analyse_refs(refs, config.analysis, jobs, cache, stats, journal, executor,
                                                  scheduler):
        if journal is not None and not from_cache:
            journal.record(ref.display, analysis)
        analysis = as_role(analysis, roles.get(ref.display))
        match = live.check(ref.path, ref.display, analysis.sha256, analysis.words) \
            if live is not None and analysis.kind == "screenshot" and not analysis.error else None
        asset_extras = extras if match is None else {**(extras or {}), "live_match": match}
        verdicts[ref.display] = _judged(ref.display, analysis, config, asset_extras, from_cache,
                                        memo if match is None and not analysis.error else None)
        if match is not None:
            verdicts[ref.display] = replace(verdicts[ref.display], live_match=match.live_match())
        if ref.listing is not None:
            lite.setdefault(ref.listing, []).append(ListingAsset(ref.display, replace(analysis, words=[],
                                                                                      keyframes=[])))
            if ref.listing in unfinished:
                unfinished[ref.listing] -= 1
                if not unfinished[ref.listing]:
                    judged[ref.listing] = _judge_listing(ref.listing, lite.pop(ref.listing), config, extras,
                                                         verdicts, memo if live is None else None)
        if progress:
            progress(ref.display, len(verdicts), total)
    listings = []
    url_checks = None
    if check_urls:
        from media_check.urlcheck import check_url  # http.client and ssl: only when URLs are fetched

        url_checks = {url: check_url(url, allow_private=allow_private) for url in support_urls(listing_files)}
    for listing in sorted(set(lite) | set(by_file) | set(judged)):
        if listing in judged:
            listings.append(judged[listing])
            continue
        listing_extras = extras
        if listing in by_file:
            listing_extras = {**(extras or {}), "listing": by_file[listing]}
            if url_checks is not None:
                listing_extras["url_checks"] = url_checks
        listings.append(_judge_listing(listing, lite.get(listing, []), config, listing_extras, verdicts))
    ordered = tuple(verdicts[ref.display] for ref in refs)
    return build_report(ordered, tuple(listings), config, stats)


def _without_live_captures(refs: list[AssetRef], live_sources: list[str] | None) -> tuple[list[AssetRef], int]:
    """``refs`` without the live-app captures among them (a listing folder that keeps its captures in a subfolder,
    scanned with ``--live`` pointing there): captures are what screenshots are compared with, not listing media."""
    if not live_sources:
        return refs, 0
    roots = [Path(source).resolve() for source in live_sources]

    def is_capture(ref: AssetRef) -> bool:
        if ref.escape:  # a link out of the scanned folder or a looping one: reported as such, never followed
            return False
        try:
            path = ref.path.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop
            return False
        return any(path.is_relative_to(root) for root in roots)

    kept = [ref for ref in refs if not is_capture(ref)]
    return kept, len(refs) - len(kept)


def _live_check(sources: list[str] | None, config: Config, cache: AnalysisCache | None, diff_dir: str | None):
    """The live-app comparison for this scan (its capture index built once), or None without live captures."""
    if not sources:
        return None
    from media_check.limits import Limits
    from media_check.live import LiveCheck

    limits = Limits(max_pixels=config.analysis.max_pixels, max_file_bytes=config.analysis.max_file_bytes)
    return LiveCheck.build(sources, cache.root if cache else None, diff_dir, limits, config.analysis)


def _judge_listing(listing: str, members: list[ListingAsset], config: Config, extras: dict[str, Any] | None,
                   verdicts: dict[str, Verdict], memo: VerdictCache | None = None) -> ListingResult:
    """Listing-wide rules over the listing's members; their findings about single assets join those verdicts.
    With ``memo`` (a listing folder, nothing else in play), remembered findings for the same members are reused."""
    members = sorted(members, key=lambda a: a.path)
    key = [(a.path, a.analysis.sha256, a.analysis.kind) for a in members]
    remembered = memo.get_listing(listing, key) if memo is not None else None
    if remembered is not None:
        result, per_asset = remembered
    else:
        result, per_asset = judge_listing(listing, members, config, extras)
        if memo is not None and all(a.analysis.cacheable for a in members):
            memo.put_listing(listing, key, result, per_asset)
    for path, findings in per_asset.items():
        if path in verdicts:
            verdicts[path] = add_findings(verdicts[path], findings)
    return result


def _judged(path: str, analysis: Analysis, config: Config, extras: dict[str, Any] | None, from_cache: bool,
            memo: VerdictCache | None) -> Verdict:
    """The asset's verdict: remembered when its analysis came from the cache and nothing else changed, else
    judged (and remembered)."""
    verdict = memo.get(analysis.sha256, analysis.kind, path) if memo is not None and from_cache else None
    if verdict is None:
        verdict = judge_media(path, analysis, config, extras, cached=from_cache)
        if memo is not None and analysis.cacheable:
            memo.put(verdict)
    return verdict


def as_role(analysis: Analysis, role: str | None) -> Analysis:
    """The analysis as its listing file names it: an image named as the logo is a ``logo``, not a screenshot."""
    if role == "logo" and analysis.kind == "screenshot":
        return replace(analysis, kind="logo")
    return analysis


def judge_media(path: str, analysis: Analysis, config: Config, extras: dict[str, Any] | None,
                cached: bool = False) -> Verdict:
    """A video through its keyframes (:mod:`media_check.preview`); a logo only for readability (its size is a
    listing rule); anything else through every asset rule."""
    if analysis.kind == "video":
        return judge_video(path, analysis, config, extras, cached=cached)
    if analysis.kind == "logo":
        return judge_asset(path, analysis, replace(config, enabled=tuple(n for n in config.enabled if n in ALWAYS_ON)),
                           extras, cached=cached)
    return judge_asset(path, analysis, config, extras, cached=cached)


def build_report(verdicts: tuple[Verdict, ...], listings, config: Config, stats: ScanStats) -> Report:
    return Report(schema_version=SCHEMA_VERSION, tool_version=__version__, profile=config.profile,
                  config_hash=config.fingerprint(), assets=verdicts, listings=listings,
                  summary=summarise(verdicts, listings, stats.ocr_calls, stats.cache_hits, stats.skipped),
                  fail_on=config.fail_on.value, rules=tuple(sorted(RULES[name].code for name in config.enabled)))
