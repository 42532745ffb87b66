"""The command line: parse, load the configuration, run, render, exit. No formatting or analysis lives here.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer

from media_check import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Verify the media of an app-marketplace listing: screenshots that show a login page, a "
                       "splash screen, placeholder or non-production content, ads or errors; stale screenshots.")

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Fatal(Exception):
    """A problem to report in one line and exit 2."""


def _fail(message: str) -> None:
    typer.echo(f"media-check: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _run(debug: bool, func, *args, **kwargs):
    """Run a command body; known problems become one line and exit 2, unknown ones too (traceback with --debug)."""
    from media_check.config import ConfigError
    from media_check.deps import DependencyMissing
    from media_check.discover import DiscoverError
    from media_check.engine import OcrUnavailable
    from media_check.executors import ExecutorUnavailable
    from media_check.listing import ListingFileError

    try:
        return func(*args, **kwargs)
    except typer.Exit:
        raise
    except (Fatal, ConfigError, DiscoverError, OcrUnavailable, DependencyMissing, ListingFileError,
            ExecutorUnavailable) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("media-check: interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:  # noqa: BLE001
        if debug:
            traceback.print_exc()
        _fail(f"internal error: {type(exc).__name__}: {exc}" + ("" if debug else " (run with --debug for details)"))


@app.command()
def scan(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders to scan (folders recursively).")],
    format: Annotated[Optional[str], typer.Option(
        "--format", "-f", help="Report format on stdout (or --output): text, json, junit, sarif, github, gitlab, "
                               "markdown, html. Default text; github when GITHUB_ACTIONS is set.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report here.")] = None,
    report: Annotated[Optional[list[str]], typer.Option(
        "--report", help="Also write FORMAT:PATH (repeatable), e.g. --report sarif:out/results.sarif.")] = None,
    annotate: Annotated[Optional[Path], typer.Option(
        "--annotate", help="Write an annotated PNG per asset into this folder.")] = None,
    show_ocr: Annotated[bool, typer.Option("--show-ocr", help="Outline the OCR words in annotated images.")] = False,
    baseline: Annotated[Optional[Path], typer.Option(
        "--baseline", help="Accept the findings recorded in this baseline file (matched by rule + content).")] = None,
    write_baseline: Annotated[Optional[Path], typer.Option(
        "--write-baseline", help="Record the current findings as accepted in this baseline file.")] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when findings fail the run.")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="Worker processes (default: usable CPUs).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the analysis cache.")] = False,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Analysis cache folder.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="media-check.toml or pyproject.toml.")] = None,
    profile: Annotated[Optional[str], typer.Option("--profile", help="Marketplace profile name or TOML file.")] = None,
    select: Annotated[Optional[list[str]], typer.Option("--select", help="Rules to run: codes, prefixes, names.")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="Rules to skip: codes, prefixes, names.")] = None,
    fail_on: Annotated[Optional[str], typer.Option("--fail-on", help="Exit 1 on findings at or above: warn|fail.")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Finish an interrupted scan of the same inputs: assets it finished are not redone.")] = False,
    allow_missing_ocr: Annotated[bool, typer.Option(
        "--allow-missing-ocr", help="Scan without tesseract if it is missing; the report lists the rules not run.")
    ] = False,
    max_frames: Annotated[Optional[int], typer.Option(
        "--max-frames", min=1, help="Refuse animations or multi-page files with more frames (default 1000).")] = None,
    decode_timeout: Annotated[Optional[float], typer.Option(
        "--decode-timeout", min=0.1, help="Seconds allowed to decode one asset (default 30).")] = None,
    listing: Annotated[Optional[Path], typer.Option(
        "--listing", help="The listing file (listing.yaml / listing.json); found in scanned folders otherwise.")
    ] = None,
    check_urls: Annotated[bool, typer.Option(
        "--check-urls", help="Fetch the listing's support URL and fail if it does not answer.")] = False,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="With --check-urls or --live-url, also fetch private and loopback addresses.")
    ] = False,
    live: Annotated[Optional[list[Path]], typer.Option(
        "--live", help="Captures of the live app (folder or file, repeatable): every screenshot is compared with "
                       "them (stale-screenshot, not-from-live-app).")] = None,
    live_url: Annotated[Optional[list[str]], typer.Option(
        "--live-url", help="Capture these pages of the live app with headless Chromium (only their hosts are "
                           "fetched) and compare every screenshot with them (repeatable).")] = None,
    diff_dir: Annotated[Optional[Path], typer.Option(
        "--diff-dir", help="Write a side-by-side image (listing | live | changes) of each stale screenshot here.")
    ] = None,
    executor: Annotated[str, typer.Option(
        "--executor", envvar="MEDIA_CHECK_EXECUTOR",
        help="Where analyses run: process (isolated worker processes here) or dask (a dask.distributed cluster; "
             "pip install 'media-check[dask]').")] = "process",
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler",
        help="With --executor dask: the scheduler of a running cluster (tcp://host:8786); default: "
             "MEDIA_CHECK_SCHEDULER, else a local cluster of --jobs workers.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks and per-stage timings on stderr.")] = False,
) -> None:
    """Scan listing media and print a verdict per asset."""
    outputs = dict(reports=report or [], annotate=annotate, show_ocr=show_ocr, baseline=baseline,
                   write_baseline=write_baseline, exit_zero=exit_zero, resume=resume,
                   allow_missing_ocr=allow_missing_ocr, max_frames=max_frames, decode_timeout=decode_timeout,
                   listing=listing, check_urls=check_urls, allow_private=allow_private, live=live or [],
                   live_url=live_url or [], diff_dir=diff_dir, executor=executor, scheduler=scheduler)
    raise typer.Exit(_run(debug, _scan, paths, format, output, jobs, no_cache, cache_dir, config, profile, select,
                          ignore, fail_on, no_progress, debug, **outputs))


def _scan(paths, fmt, output, jobs, no_cache, cache_dir, config_file, profile, select, ignore, fail_on,
          no_progress, debug, reports=(), annotate=None, show_ocr=False, baseline=None, write_baseline=None,
          exit_zero=False, resume=False, allow_missing_ocr=False, max_frames=None, decode_timeout=None,
          listing=None, check_urls=False, allow_private=False, live=(), live_url=(), diff_dir=None,
          executor="process", scheduler=None) -> int:
    from media_check.cache import AnalysisCache
    from media_check.config import load_config, split_tokens
    from media_check.deps import DependencyMissing, require_tesseract, without_ocr
    from media_check.executors import check_executor
    from media_check.journal import Journal
    from media_check.pipeline import scan as run_scan
    from media_check.progress import progress_reporter
    from media_check.writers import FORMATS
    from media_check.writers.outputs import parse_target

    auto_github = fmt is None and output is None and os.environ.get("GITHUB_ACTIONS") == "true"
    fmt = fmt or ("github" if auto_github else "text")
    if fmt not in FORMATS:
        raise Fatal(f"unknown --format '{fmt}' (known: {', '.join(FORMATS)})")
    check_executor(executor, scheduler)
    try:
        targets = [parse_target(spec) for spec in reports]
    except ValueError as exc:
        raise Fatal(str(exc)) from None
    accepted = _load_baseline(baseline)
    cfg = load_config(config_file, profile=profile, select=split_tokens(select), ignore=split_tokens(ignore),
                      fail_on=fail_on, jobs=jobs, cache_dir=str(cache_dir) if cache_dir else None)
    if max_frames is not None or decode_timeout is not None:
        limits = {k: v for k, v in (("max_frames", max_frames), ("decode_timeout", decode_timeout)) if v is not None}
        cfg = dataclasses.replace(cfg, analysis=dataclasses.replace(cfg.analysis, **limits))
    not_checked: list[str] = []
    try:
        require_tesseract(cfg.analysis.languages)
    except DependencyMissing as exc:
        if not allow_missing_ocr:
            raise
        cfg, not_checked = without_ocr(cfg, str(exc))
        typer.echo(f"media-check: warning: {exc}; scanning without OCR ({len(not_checked)} rule(s) not run)",
                   err=True)
    cache = None if no_cache else AnalysisCache(cfg.cache_dir)
    live_sources = [str(p) for p in live] + _capture_live_urls(live_url, cfg.cache_dir, allow_private)
    journal = Journal.for_scan(cfg.cache_dir, [str(p) for p in paths], cfg.analysis)
    if not journal.open(resume=resume):
        typer.echo("media-check: note: another scan of the same inputs is running; this one keeps no journal",
                   err=True)
    elif resume:
        typer.echo(f"media-check: resuming: {len(journal.done)} asset(s) already done", err=True)
    try:
        with progress_reporter(enabled=not no_progress) as progress:
            report = run_scan([str(p) for p in paths], cfg, cache=cache, progress=progress, journal=journal,
                              not_checked=not_checked, listing_file=str(listing) if listing else None,
                              check_urls=check_urls, allow_private=allow_private,
                              live_sources=live_sources or None, diff_dir=str(diff_dir) if diff_dir else None,
                              executor=executor, scheduler=scheduler)
    except KeyboardInterrupt:
        journal.close()
        typer.echo(f"media-check: {len(journal.done)} finished asset(s) are saved: run the same command with "
                   "--resume to finish the scan", err=True)
        raise
    report = _with_baseline(report, cfg, accepted, write_baseline)
    _write_outputs(report, cfg, cache, fmt, output, targets, annotate, show_ocr,
                   step_summary=os.environ.get("GITHUB_STEP_SUMMARY") if auto_github else None)
    journal.remove()
    if debug:
        s = report.summary
        typer.echo(f"media-check: {s.assets} assets, OCR calls {s.ocr_calls}, cache hits {s.cache_hits}", err=True)
        for verdict in report.assets:
            typer.echo(f"  {verdict.path}: {verdict.timings_ms}", err=True)
    return EXIT_OK if exit_zero else exit_code(report, cfg.fail_on)


def _load_baseline(path):
    from media_check.baseline import Baseline, BaselineError

    if path is None:
        return None
    try:
        return Baseline.load(path)
    except BaselineError as exc:
        raise Fatal(str(exc)) from None


def _with_baseline(report, cfg, accepted, write_to):
    """Apply the baseline given with --baseline; with --write-baseline record every finding and accept them."""
    from media_check.baseline import Baseline, apply, different_settings
    from media_check.cache import write_atomic

    if accepted is not None:
        note = different_settings(accepted, report)
        if note:
            typer.echo(f"media-check: note: {note}", err=True)
        report = apply(report, accepted)
    if write_to is not None:
        settings = {k: v for k, v in cfg.as_toml_dict().items() if k not in ("jobs", "cache-dir")}
        recorded = Baseline.from_report(report, settings)
        write_to.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(write_to, recorded.to_json())
        typer.echo(f"media-check: wrote {len(recorded.entries)} finding(s) to baseline {write_to}", err=True)
        report = apply(report, recorded)
    return report


def _write_outputs(report, cfg, cache, fmt, output, targets, annotate_dir, show_ocr, step_summary=None) -> None:
    """The stdout (or --output) report, every --report target, annotated images, the GitHub step summary."""
    from media_check.asset_source import AssetSource
    from media_check.cache import write_chunks_atomic
    from media_check.writers.outputs import Renderer

    source = AssetSource(cfg.analysis, cache.root if cache else None)  # loads pixels only when they are drawn
    renderer = Renderer(report, source, show_ocr)
    if fmt == "text" and output is None:
        from media_check.writers.text import render as render_text, use_color

        pieces = iter((render_text(report, color=sys.stdout.isatty() and use_color()),))
    else:
        pieces = renderer.chunks(fmt)  # the JSON report is streamed, asset by asset
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_chunks_atomic(output, pieces)
    else:
        for piece in pieces:
            sys.stdout.write(piece)
    for target in targets:
        renderer.write(target)
    if annotate_dir is not None:
        from media_check.annotate import write_annotated

        written = write_annotated(report, annotate_dir, source, show_ocr)
        typer.echo(f"media-check: {len(written)} annotated image(s) in {annotate_dir}", err=True)
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(renderer.render("markdown"))


def _capture_live_urls(urls, cache_dir, allow_private) -> list[str]:
    """Capture ``--live-url`` pages into the cache folder (one folder per set of URLs); its path, or nothing."""
    if not urls:
        return []
    import hashlib

    from media_check.capture import CaptureError, CaptureOptions, capture

    folder = Path(cache_dir) / "live-captures" / hashlib.sha256("\n".join(urls).encode()).hexdigest()[:16]
    for old in folder.glob("*.png") if folder.exists() else ():
        old.unlink()
    try:
        done = capture(list(urls), folder, CaptureOptions(allow_private=allow_private))
    except CaptureError as exc:
        raise Fatal(str(exc)) from None
    for item in done:
        if item.blocked:
            typer.echo(f"media-check: note: {item.url}: {len(item.blocked)} request(s) to other hosts refused",
                       err=True)
    return [str(folder)]


def exit_code(report, fail_on) -> int:
    """1 when an open (not accepted) finding is at or above ``fail_on``, or an asset could not be checked."""
    from media_check.report import Status

    threshold = Status(fail_on.value).rank
    for verdict in report.assets:
        if verdict.status is Status.ERROR or any(f.severity.status.rank >= threshold and not f.accepted
                                                 for f in verdict.findings):
            return EXIT_FINDINGS
    for listing in report.listings:
        if any(f.severity.status.rank >= threshold and not f.accepted for f in listing.findings):
            return EXIT_FINDINGS
    return EXIT_OK


@app.command("render")
def render_report(
    report_file: Annotated[Path, typer.Argument(help="A JSON report written by 'scan -f json'.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text, json, junit, sarif, github, gitlab, "
                                                               "markdown or html.")] = "text",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report here.")] = None,
    show_ocr: Annotated[bool, typer.Option("--show-ocr", help="Outline OCR words in the HTML images.")] = False,
    config: Annotated[Optional[Path], typer.Option("--config", help="media-check.toml or pyproject.toml.")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Analysis cache folder.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks on stderr.")] = False,
) -> None:
    """Render a JSON report in another format without scanning again (HTML images are read from the assets when
    they are still there, unchanged, relative to the working folder)."""
    raise typer.Exit(_run(debug, _render, report_file, format, output, show_ocr, config, cache_dir))


def _render(report_file, fmt, output, show_ocr, config_file, cache_dir) -> int:
    import json

    from media_check.asset_source import AssetSource
    from media_check.cache import write_atomic
    from media_check.config import load_config
    from media_check.report import Report
    from media_check.writers import FORMATS
    from media_check.writers.outputs import Renderer

    if fmt not in FORMATS:
        raise Fatal(f"unknown --format '{fmt}' (known: {', '.join(FORMATS)})")
    try:
        report = Report.from_dict(json.loads(Path(report_file).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise Fatal(f"{report_file}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise Fatal(f"{report_file} is not a media-check JSON report ({type(exc).__name__}: {exc})") from None
    cfg = load_config(config_file, cache_dir=str(cache_dir) if cache_dir else None)
    text = Renderer(report, AssetSource(cfg.analysis, cfg.cache_dir), show_ocr).render(fmt)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


@app.command("annotate")
def annotate_one(
    image: Annotated[Path, typer.Argument(help="One image file to check and annotate.")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Where to write the PNG (default: "
                                                              "<name>.annotated.png in the working folder).")] = None,
    show_ocr: Annotated[bool, typer.Option("--show-ocr", help="Outline the OCR words.")] = False,
    config: Annotated[Optional[Path], typer.Option("--config", help="media-check.toml or pyproject.toml.")] = None,
    profile: Annotated[Optional[str], typer.Option("--profile", help="Marketplace profile name or TOML file.")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Analysis cache folder.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the analysis cache.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks on stderr.")] = False,
) -> None:
    """Check one image and write it annotated: evidence boxes, verdict banner, legend. Exits 0 once written."""
    raise typer.Exit(_run(debug, _annotate_one, image, out, show_ocr, config, profile, cache_dir, no_cache))


def _annotate_one(image, out, show_ocr, config_file, profile, cache_dir, no_cache) -> int:
    from media_check.annotate import SUFFIX, save_png
    from media_check.asset_source import AssetSource
    from media_check.cache import AnalysisCache
    from media_check.config import load_config
    from media_check.engine import check_tesseract
    from media_check.pipeline import scan as run_scan

    if not image.is_file():
        raise Fatal(f"{image}: not a file (annotate takes one image; use 'scan --annotate DIR' for folders)")
    cfg = load_config(config_file, profile=profile, jobs=1, cache_dir=str(cache_dir) if cache_dir else None)
    check_tesseract()
    cache = None if no_cache else AnalysisCache(cfg.cache_dir)
    report = run_scan([str(image)], cfg, cache=cache)
    if not report.assets:
        raise Fatal(f"{image}: not a media file")
    verdict = report.assets[0]
    picture = AssetSource(cfg.analysis, cache.root if cache else None).annotated(verdict, show_ocr)
    if picture is None:
        reason = verdict.findings[0].message if verdict.findings else "it cannot be decoded as an image"
        raise Fatal(f"{image}: nothing to draw on: {reason}")
    target = out or Path(image.name + SUFFIX)
    target.parent.mkdir(parents=True, exist_ok=True)
    save_png(picture, target)
    names = ", ".join(f"{f.code} {f.name}" for f in verdict.findings) or "no findings"
    typer.echo(f"{verdict.status.value.upper()} {verdict.path}: {names} -> {target}")
    return EXIT_OK


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, default severity and summary."""
    from media_check.rules import ALL_RULES

    for rule in ALL_RULES:
        typer.echo(f"{rule.code}  {rule.name:<22} {rule.severity.value:<5}  {rule.summary}")


@app.command("rule")
def show_rule(code_or_name: Annotated[str, typer.Argument(help="A rule code (MC101) or name (login-screen).")]) -> None:
    """Print a rule's documentation."""
    from media_check.rules import find

    rule = find(code_or_name)
    if rule is None:
        _fail(f"unknown rule '{code_or_name}' (see 'media-check rules')")
    typer.echo(f"{rule.code} {rule.name} (default severity: {rule.severity.value})\n")
    typer.echo(rule.doc)
    if rule.options:
        typer.echo("\nDefaults:")
        for key, value in rule.options.items():
            typer.echo(f"    {key} = {value!r}")


@app.command("show-config")
def show_config(
    config: Annotated[Optional[Path], typer.Option("--config", help="media-check.toml or pyproject.toml.")] = None,
    profile: Annotated[Optional[str], typer.Option("--profile", help="Marketplace profile name or TOML file.")] = None,
) -> None:
    """Print the configuration in force (profile, rules, options), as JSON."""
    import json

    from media_check.config import load_config

    cfg = _run(False, load_config, config, profile=profile)
    typer.echo(f"# from {cfg.source}", err=True)
    typer.echo(json.dumps(cfg.as_toml_dict(), indent=2))


@app.command("eval")
def evaluate(
    manifest: Annotated[Path, typer.Argument(help="A labelled manifest CSV (corpus or expected.csv shape).")],
    root: Annotated[Optional[Path], typer.Option("--root", help="Folder the manifest's files are in "
                                                  "(default: the manifest's folder).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Analysis cache folder.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the analysis cache.")] = False,
    config: Annotated[Optional[Path], typer.Option("--config", help="media-check.toml or pyproject.toml.")] = None,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="A baseline script (DIR -> JSON report) "
                                                      "to score beside, e.g. naive_baseline.py.")] = None,
    bench: Annotated[int, typer.Option("--bench", help="Also time OCR against the content analysis on this "
                                       "many files (fresh, uncached).")] = 0,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks on stderr.")] = False,
) -> None:
    """Score the content rules against a labelled manifest: precision, recall, F1, confusion, false flags."""
    raise typer.Exit(_run(debug, _evaluate, manifest, root, format, cache_dir, no_cache, config, baseline, bench))


def _evaluate(manifest, root, fmt, cache_dir, no_cache, config_file, baseline, bench) -> int:
    from media_check import eval as evaluation
    from media_check.cache import AnalysisCache
    from media_check.config import load_config
    from media_check.engine import check_tesseract

    if fmt not in ("text", "json"):
        raise Fatal(f"unknown --format '{fmt}' (text or json)")
    try:
        cases = evaluation.read_manifest(manifest, root)
    except evaluation.ManifestError as exc:
        raise Fatal(str(exc)) from None
    cfg = load_config(config_file, cache_dir=str(cache_dir) if cache_dir else None)
    check_tesseract()
    cache = None if no_cache else AnalysisCache(cfg.cache_dir)
    predicted, not_analysed, _ = evaluation.run(cases, cfg, cache)
    result = evaluation.score(cases, predicted, not_analysed)
    floor = None
    if baseline:
        floor = evaluation.score_baseline(cases, baseline, root or manifest.parent, Path(cfg.cache_dir))
    cost = None
    if bench:
        picked = [c.path for c in cases if c.path.exists()][:: max(1, len(cases) // bench)][:bench]
        cost = evaluation.content_cost(picked, cfg.analysis.languages)
    render = evaluation.render_json if fmt == "json" else evaluation.render_text
    sys.stdout.write(render(result, floor, cost))
    return EXIT_OK


@app.command("capture")
def capture_pages(
    urls: Annotated[list[str], typer.Argument(help="Pages of the live app to capture (http or https).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the PNG captures.")],
    viewport: Annotated[str, typer.Option("--viewport", help="Browser viewport, WIDTHxHEIGHT.")] = "1920x1080",
    full_page: Annotated[bool, typer.Option("--full-page", help="Capture the whole scrollable page.")] = False,
    storage_state: Annotated[Optional[Path], typer.Option(
        "--storage-state", help="Playwright storage-state JSON (cookies, local storage) of a signed-in session.")
    ] = None,
    wait_for: Annotated[Optional[str], typer.Option(
        "--wait-for", help="CSS selector to wait for before each capture.")] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Also capture hosts on private and loopback addresses.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds allowed per page.")] = 30.0,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks on stderr.")] = False,
) -> None:
    """Capture live-app pages with headless Chromium (only the hosts named are fetched), for scan --live."""
    raise typer.Exit(_run(debug, _capture, urls, out, viewport, full_page, storage_state, wait_for, allow_private,
                          timeout))


def _capture(urls, out, viewport, full_page, storage_state, wait_for, allow_private, timeout) -> int:
    from media_check.capture import CaptureError, CaptureOptions, capture, parse_viewport

    try:
        options = CaptureOptions(viewport=parse_viewport(viewport), full_page=full_page,
                                 storage_state=str(storage_state) if storage_state else None, wait_for=wait_for,
                                 allow_private=allow_private, timeout=timeout)
        done = capture(list(urls), out, options)
    except CaptureError as exc:
        raise Fatal(str(exc)) from None
    for item in done:
        note = f" ({len(item.blocked)} request(s) to other hosts refused)" if item.blocked else ""
        typer.echo(f"{item.path}  {item.width}x{item.height}  {item.url}{note}")
    return EXIT_OK


@app.command("eval-live")
def evaluate_live(
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="The labelled corpus (default ../shared/corpus)."
                                                   )] = None,
    bench: Annotated[bool, typer.Option("--bench/--no-bench", help="Also run the transform benchmark.")] = True,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Benchmark only this many live screens.")
    ] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Analysis cache folder (OCR words).")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks on stderr.")] = False,
) -> None:
    """Score live-app matching: the corpus's labelled pairs, and the transform benchmark beside whole-image pHash."""
    raise typer.Exit(_run(debug, _evaluate_live, corpus, bench, limit, cache_dir, format))


def _evaluate_live(corpus, bench, limit, cache_dir, fmt) -> int:
    from media_check import eval_live
    from media_check.config import load_config

    if fmt not in ("text", "json"):
        raise Fatal(f"unknown --format '{fmt}' (text or json)")
    corpus = corpus or eval_live.CORPUS
    if not (corpus / "manifest.csv").is_file():
        raise Fatal(f"no labelled corpus at {corpus} (manifest.csv missing)")
    cfg = load_config(None, cache_dir=str(cache_dir) if cache_dir else None)
    summary = eval_live.evaluate(corpus, cfg.cache_dir, bench=bench, limit=limit)
    sys.stdout.write(eval_live.render_json(summary) if fmt == "json" else eval_live.render_text(summary))
    return EXIT_OK


@app.command()
def version() -> None:
    """Print media-check's version."""
    typer.echo(__version__)


def main() -> None:
    app()
