"""A transient progress bar on stderr for long runs; silent when stderr is not a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


def rate_text(per_second: float) -> str:
    """A rate for people: whole numbers with separators from 10 up ("412,310"), two significant digits
    below ("0.58", "3.1"), so a slow job (a co-search design takes seconds) does not show "0"."""
    if per_second >= 10:
        return f"{per_second:,.0f}"
    return f"{per_second:.2g}"


class RateColumn(ProgressColumn):
    """Items per second, with the unit: "412,310 designs/s", "0.58 designs/s"."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{rate_text(speed)} {self.unit}/s", style="progress.data.speed")


@contextmanager
def progress_bar(
    description: str, total: int, console: Console | None = None, unit: str | None = None
) -> Iterator[Callable[[int, int], None]]:
    """A bar that disappears when done, and the `progress(done, total)` callback that moves it.

    With a `unit` it also shows the rate and the time remaining. It draws on `console` (default:
    stderr) only when that is a terminal, so piped output and files stay clean.
    """
    console = console or Console(stderr=True)
    columns: tuple[ProgressColumn, ...] = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    if unit is not None:
        columns += (RateColumn(unit), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(description, total=total)

        def advance(done: int, steps: int) -> None:
            progress.update(task, completed=done, total=steps)

        yield advance
