"""The command line: parse, load the configuration, run, render, exit. No formatting or analysis lives here.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, configuration or internal error.
"""

from __future__ import annotations

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
    from media_check.discover import DiscoverError
    from media_check.ocr import OcrUnavailable

    try:
        return func(*args, **kwargs)
    except typer.Exit:
        raise
    except (Fatal, ConfigError, DiscoverError, OcrUnavailable) as exc:
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
    format: Annotated[str, typer.Option("--format", "-f", help="Report format: text or json.")] = "text",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report here.")] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="Worker processes (default: usable CPUs).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the analysis cache.")] = False,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Analysis cache folder.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="media-check.toml or pyproject.toml.")] = None,
    profile: Annotated[Optional[str], typer.Option("--profile", help="Marketplace profile name or TOML file.")] = None,
    select: Annotated[Optional[list[str]], typer.Option("--select", help="Rules to run: codes, prefixes, names.")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="Rules to skip: codes, prefixes, names.")] = None,
    fail_on: Annotated[Optional[str], typer.Option("--fail-on", help="Exit 1 on findings at or above: warn|fail.")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks and per-stage timings on stderr.")] = False,
) -> None:
    """Scan listing media and print a verdict per asset."""
    raise typer.Exit(_run(debug, _scan, paths, format, output, jobs, no_cache, cache_dir, config, profile, select,
                          ignore, fail_on, no_progress, debug))


def _scan(paths, fmt, output, jobs, no_cache, cache_dir, config_file, profile, select, ignore, fail_on,
          no_progress, debug) -> int:
    from media_check.cache import AnalysisCache, write_atomic
    from media_check.config import load_config, split_tokens
    from media_check.ocr import check_tesseract, missing_languages
    from media_check.pipeline import scan as run_scan
    from media_check.progress import progress_reporter
    from media_check.writers import renderer

    if fmt not in ("text", "json"):
        raise Fatal(f"unknown --format '{fmt}' (text or json)")
    cfg = load_config(config_file, profile=profile, select=split_tokens(select), ignore=split_tokens(ignore),
                      fail_on=fail_on, jobs=jobs, cache_dir=str(cache_dir) if cache_dir else None)
    check_tesseract()
    missing = missing_languages(cfg.analysis.languages)
    if missing:
        raise Fatal(f"tesseract has no data for language(s) {', '.join(missing)}: install "
                    + " ".join(f"tesseract-ocr-{m}" for m in missing))
    cache = None if no_cache else AnalysisCache(cfg.cache_dir)
    with progress_reporter(enabled=not no_progress) as progress:
        report = run_scan([str(p) for p in paths], cfg, cache=cache, progress=progress)
    if fmt == "text" and output is None:
        from media_check.writers.text import render as render_text, use_color

        text = render_text(report, color=sys.stdout.isatty() and use_color())
    else:
        text = renderer(fmt)(report)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, text)
    else:
        sys.stdout.write(text)
    if debug:
        s = report.summary
        typer.echo(f"media-check: {s.assets} assets, OCR calls {s.ocr_calls}, cache hits {s.cache_hits}", err=True)
        for verdict in report.assets:
            typer.echo(f"  {verdict.path}: {verdict.timings_ms}", err=True)
    return exit_code(report, cfg.fail_on)


def exit_code(report, fail_on) -> int:
    from media_check.report import Status

    threshold = Status(fail_on.value).rank
    for verdict in report.assets:
        if verdict.status is Status.ERROR or any(f.severity.status.rank >= threshold for f in verdict.findings):
            return EXIT_FINDINGS
    for listing in report.listings:
        if any(f.severity.status.rank >= threshold for f in listing.findings):
            return EXIT_FINDINGS
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
    from media_check.ocr import check_tesseract

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


@app.command()
def version() -> None:
    """Print media-check's version."""
    typer.echo(__version__)


def main() -> None:
    app()
