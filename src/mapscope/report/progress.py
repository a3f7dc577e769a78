"""A transient progress bar on stderr for long runs; silent when stderr is not a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


@contextmanager
def progress_bar(description: str, total: int, console: Console | None = None) -> Iterator[Callable[[int, int], None]]:
    """A bar that disappears when done, and the `progress(done, total)` callback that moves it.

    It draws on `console` (default: stderr) only when that is a terminal, so piped output and files stay clean.
    """
    console = console or Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(description, total=total)

        def advance(done: int, steps: int) -> None:
            progress.update(task, completed=done, total=steps)

        yield advance
