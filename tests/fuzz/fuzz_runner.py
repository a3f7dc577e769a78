"""Running one fuzz case and classifying what happened: accepted, a clean error, or uncaught.

- accepted: the CLI returned exit status 0 (a reader function returned);
- clean error: exit status 2 with stderr ending in exactly one ``error: ...`` line, no traceback, every
  line at most `MAX_MESSAGE_CHARS` (earlier ``note:``/``warning:`` lines are allowed: the CLI writes
  those before it fails); for reader functions, an InputError with such a message;
- uncaught: anything else: an exception escaping `mapscope.cli.main`, another exit status, a
  multi-line or oversized message, a hang past the time limit, memory exhaustion, a dead process.

An uncaught outcome has a *crash class*: the exception type and the innermost frame inside mapscope
(``ValueError @ formats/maestro/mapping_file.py:number``), so thousands of crashes reduce to a few causes.

Running a case in a separate, limited process is fuzz_isolation's job.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import mapscope

#: Longest acceptable line of an error message (the issue saw a 322 MB one).
MAX_MESSAGE_CHARS = 1000
#: Lines the CLI may write to stderr before its final error line.
_NOTE_PREFIXES = ("note: ", "warning: ")
PACKAGE_DIR = str(Path(mapscope.__file__).resolve().parent) + os.sep
_FUZZ_DIR = str(Path(__file__).resolve().parent) + os.sep

ACCEPTED, CLEAN_ERROR, UNCAUGHT = "accepted", "clean_error", "uncaught"


@dataclass(frozen=True)
class Case:
    """One fuzz input: files written into a fresh folder, and the CLI arguments that read them.

    ``{folder}`` in an argument is replaced by that folder; `steps` say how the input was made.
    """

    family: str
    files: dict[str, bytes]
    arguments: tuple[str, ...]
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    kind: str
    crash_class: str = ""
    detail: str = ""  # the traceback, or why a message is not clean
    seconds: float = 0.0
    messages: tuple[str, ...] = field(default=(), repr=False)


def case_document(case: Case, outcome: Outcome, **extra: object) -> dict[str, object]:
    """A JSON-ready record of an uncaught case (files base64-encoded), for replay with `case_from_document`."""
    return {
        "family": case.family,
        "arguments": list(case.arguments),
        "steps": list(case.steps),
        "files": {name: base64.b64encode(content).decode("ascii") for name, content in case.files.items()},
        "crash_class": outcome.crash_class,
        "detail": outcome.detail,
        **extra,
    }


def case_from_document(document: dict[str, object]) -> Case:
    files = document["files"]
    assert isinstance(files, dict)
    return Case(
        str(document["family"]),
        {name: base64.b64decode(content) for name, content in files.items()},
        tuple(document["arguments"]),  # type: ignore[arg-type]
        tuple(document.get("steps", ())),  # type: ignore[arg-type]
    )


def same_crash(first: str, second: str) -> bool:
    """Whether two crash classes are the same cause (a hang is a hang, wherever the alarm caught it)."""
    return first == second or (first.startswith("hang") and second.startswith("hang"))


class InputTimeout(BaseException):
    """Raised by the per-input alarm; a BaseException so that `except Exception` in the code under test
    does not swallow it."""


# ---- classification -------------------------------------------------------------------------------------
def innermost_mapscope_frame(trace: TracebackType | None) -> str:
    """``formats/maestro/mapping_file.py:number`` for the deepest function of `trace` inside the mapscope package.

    Comprehensions and lambdas count as the function around them, so that one cause gives one class
    wherever inside it the alarm of a hang happened to land.
    """
    found = "outside mapscope"
    for frame, _ in traceback.walk_tb(trace):
        filename, function = frame.f_code.co_filename, frame.f_code.co_name
        if filename.startswith(PACKAGE_DIR) and not function.startswith("<"):
            found = f"{filename[len(PACKAGE_DIR):]}:{function}"
    return found


def exception_name(error: BaseException) -> str:
    """The exception's type, with its module unless it is a builtin (``sqlite3.OperationalError``)."""
    kind = type(error)
    module = kind.__module__.lstrip("_")
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _innermost_line(trace: TracebackType | None) -> str:
    """The deepest frame of all (often a library's), for the detail text."""
    last = None
    for frame, line in traceback.walk_tb(trace):
        if not frame.f_code.co_filename.startswith(_FUZZ_DIR):  # not the alarm handler
            last = f"{frame.f_code.co_filename}:{line} in {frame.f_code.co_name}"
    return last or "?"


def exception_outcome(error: BaseException) -> Outcome:
    """The uncaught outcome of an exception that escaped."""
    kind = "hang" if isinstance(error, InputTimeout) else exception_name(error)
    # No chained exceptions: str() of the one being handled can itself take minutes (a pydantic error
    # quoting an alias bomb), and TracebackException computes it even with chain=False; its type is enough.
    context, error.__context__, error.__cause__ = error.__context__, None, None
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__, limit=-40))
    if context is not None:
        text = f"(raised while handling {type(context).__name__})\n{text}"
    if len(text) > 20_000:
        text = text[:10_000] + "\n[...]\n" + text[-10_000:]
    frame = innermost_mapscope_frame(error.__traceback__)
    return Outcome(UNCAUGHT, f"{kind} @ {frame}", f"innermost: {_innermost_line(error.__traceback__)}\n{text}")


def message_problem(lines: list[str]) -> str | None:
    """Why stderr `lines` of a failed command are not one clean error line, or None when they are."""
    if not lines:
        return "no error message"
    long_lines = [line for line in lines if len(line) > MAX_MESSAGE_CHARS]
    if long_lines:
        return f"message line of {len(long_lines[0]):,} characters (at most {MAX_MESSAGE_CHARS})"
    if any("Traceback" in line for line in lines):
        return "traceback on stderr"
    if not lines[-1].startswith("error: "):
        return "last stderr line does not start with 'error: '"
    if any(not line.startswith(_NOTE_PREFIXES) for line in lines[:-1]):
        return "more than one error line"
    return None


def message_kind(line: str) -> str:
    """The fixed wording of an error message, without its location and the input it quotes:
    ``error: f.m:4: layer C1: expected a dimension name or '}', found 'AAAA...'`` gives
    ``expected a dimension name or``. It names the message that an oversized line came from."""
    text = line.removeprefix("error: ")[:300]
    quote = min((position for position in (text.find(mark) for mark in "'\"[{(") if position >= 0), default=len(text))
    parts = [part.strip() for part in text[:quote].split(": ") if part.strip()]
    return parts[-1][:60] if parts else "(no wording)"


def _unclean(problem: str, lines: list[str], stderr: str) -> Outcome:
    if "characters" in problem:
        long_line = next(line for line in lines if len(line) > MAX_MESSAGE_CHARS)
        crash_class = f"oversized error message: {message_kind(long_line)}"
    else:
        crash_class = f"unclean error message: {problem}"
    return Outcome(UNCAUGHT, crash_class, f"{problem}\n{stderr[:2000]}")


def cli_outcome(status: int, stderr: str) -> Outcome:
    """Classify a finished CLI run by exit status and stderr."""
    lines = stderr.splitlines()
    if status == 0:
        return Outcome(ACCEPTED)
    if status != 2:
        return Outcome(UNCAUGHT, f"exit status {status}", stderr[-2000:])
    problem = message_problem(lines)
    if problem is None:
        return Outcome(CLEAN_ERROR, messages=(lines[-1][:200],))
    return _unclean(problem, lines, stderr)


def run_cli(case: Case, folder: Path) -> Outcome:
    """Write the case's files into `folder` and run ``mapscope <arguments>`` in this process."""
    from mapscope.cli import main

    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    arguments = [argument.replace("{folder}", str(folder)) for argument in case.arguments]
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(arguments)
    except BaseException as error:  # noqa: BLE001 - classifying every escape is the point
        if isinstance(error, KeyboardInterrupt):
            raise
        return exception_outcome(error)
    return cli_outcome(status, stderr.getvalue())


def function_outcome(call: Callable[[], object]) -> Outcome:
    """Classify a reader function: returned (accepted), one-line bounded InputError (clean), else uncaught."""
    from mapscope.errors import InputError

    try:
        call()
    except InputError as error:
        line = f"error: {' '.join(str(error).split())}"  # as the CLI would print it
        problem = message_problem([line])
        if problem is None:
            return Outcome(CLEAN_ERROR, messages=(line[:200],))
        return _unclean(problem, [line], line)
    except BaseException as error:  # noqa: BLE001
        if isinstance(error, KeyboardInterrupt):
            raise
        return exception_outcome(error)
    return Outcome(ACCEPTED)
