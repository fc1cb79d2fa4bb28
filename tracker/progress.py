"""Progress bars for long commands (`reclassify`, `eval`, `poll`): on a terminal only.

Services report progress through a plain callback, `report(done, total)`, and know nothing
of terminals. The command line turns that callback into a rich progress bar on stderr when
stderr is a terminal, and into nothing at all otherwise, so that pipes, cron mails, CI logs
and `docker logs` stay free of bar redraws.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

ProgressReport = Callable[[int, int], None]


def _quiet(done: int, total: int) -> None:
    """The callback off a terminal: does nothing."""


@contextmanager
def progress_bar(description: str, stream: IO[str] | None = None) -> Iterator[ProgressReport]:
    """A `report(done, total)` callback that draws a bar on `stream` (stderr by default)
    when it is a terminal, and does nothing otherwise."""
    out = stream if stream is not None else sys.stderr
    if not _is_terminal(out):
        yield _quiet
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(file=out, force_terminal=True),
        redirect_stdout=False,
        redirect_stderr=False,
    )
    task = bar.add_task(description, total=None)

    def report(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield report


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real file
        return False
