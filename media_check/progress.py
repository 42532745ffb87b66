"""A progress bar on stderr, only when stderr is a terminal (stdout stays clean for reports)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from media_check.pipeline import ProgressFn


@contextmanager
def progress_reporter(enabled: bool = True) -> Iterator[ProgressFn | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
               TextColumn("{task.description}", style="dim"))
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(path: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=path[-50:])

        yield update
