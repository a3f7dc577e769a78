"""Running fuzz cases in limited processes, so a hang or a memory blow-up takes down one child, not the
test run or the machine.

- time: a SIGALRM per input raises `InputTimeout` (a hang in Python code); if the process is still
  stuck shortly after (in C code, where the alarm cannot reach), faulthandler writes its stacks to a
  file and the parent kills it and names the hang from that file;
- memory: RLIMIT_AS caps the address space at the child's size at start plus a budget, so a blow-up
  is a MemoryError in the child;
- lifetime: children ask Linux to kill them when their parent dies (PR_SET_PDEATHSIG), ignore Ctrl-C
  (the parent's to handle), and are forked after `warm_up` so they start with the CLI already built.

`run_isolated` runs one case in a one-shot child (the tests); `benchmarks/fuzz_readers.py` keeps
long-lived workers and uses `prepare_child` and `execute` directly.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import multiprocessing
import os
import re
import resource
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from fuzz_runner import PACKAGE_DIR, UNCAUGHT, Case, InputTimeout, Outcome, exception_outcome

_PR_SET_PDEATHSIG = 1


# ---- speed ----------------------------------------------------------------------------------------------
_COMMANDS: dict[int, object] = {}


def warm_up() -> None:
    """Import the CLI and build its click command once, in the parent, before children are forked.

    `mapscope.cli.main` rebuilds the click command from the typer app on every call (about 65 ms, and
    twice per call), more than most inputs take; children reuse the command built here instead (see
    `_reuse_command`). The command object is stateless between invocations, so outcomes do not change.
    """
    import typer.main

    from mapscope.cli.root import app

    if id(app) not in _COMMANDS:
        _COMMANDS[id(app)] = typer.main.get_command(app)


def _reuse_command() -> None:
    """In a child: let typer hand out the command `warm_up` built (patched here only, never in the parent)."""
    import typer.main

    build = typer.main.get_command

    def cached(app: object) -> object:
        return _COMMANDS.get(id(app)) or build(app)  # type: ignore[arg-type]

    typer.main.get_command = cached  # type: ignore[assignment]


# ---- limits ---------------------------------------------------------------------------------------------
def _alarm(signum: int, frame: object) -> None:
    raise InputTimeout("time limit reached")


def run_with_time_limit(run: Callable[[], Outcome], seconds: float) -> Outcome:
    """`run()` with a SIGALRM after `seconds`: an input that is still running then is a hang."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            outcome = run()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except InputTimeout as error:
        outcome = exception_outcome(error)
    finally:
        signal.signal(signal.SIGALRM, previous)
    if outcome.kind == UNCAUGHT and outcome.crash_class.startswith("hang"):
        outcome = Outcome(UNCAUGHT, outcome.crash_class.replace("hang", f"hang over {seconds:g} s", 1), outcome.detail)
    return Outcome(outcome.kind, outcome.crash_class, outcome.detail, time.perf_counter() - started, outcome.messages)


def address_space_bytes() -> int:
    """This process's current virtual size."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def limit_memory(extra_mb: int) -> None:
    """Cap the address space at its current size plus `extra_mb` (RLIMIT_AS): a blow-up is a MemoryError."""
    limit = address_space_bytes() + extra_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (a no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def prepare_child(parent_pid: int, memory_mb: int) -> None:
    """Set up a forked child: dies with `parent_pid`, ignores Ctrl-C, memory capped, the CLI command reused."""
    die_with_parent(parent_pid)
    _reuse_command()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    limit_memory(memory_mb)


#: Extra seconds after the alarm before faulthandler writes the stacks of a process stuck in C code.
STACK_DUMP_DELAY = 1.0
#: Seconds the parent waits past the time limit before it kills a silent child (> STACK_DUMP_DELAY).
KILL_GRACE = 3.0
_STACK_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<function>\S+)')


def execute(case: Case, runner: Callable[[Case, Path], Outcome], folder: Path, seconds: float, stacks: TextIO | None = None) -> Outcome:
    """Run `case` in this process with a time limit, in an emptied `folder`.

    With `stacks` (a file), faulthandler writes every thread's stack there if the input is still running
    `STACK_DUMP_DELAY` seconds after the alarm, i.e. when it is stuck where the alarm cannot interrupt it
    (C code); the parent kills the process and reads the file (`stuck_outcome`).
    """
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if stacks is not None:
        stacks.seek(0)
        stacks.truncate()
        faulthandler.dump_traceback_later(seconds + STACK_DUMP_DELAY, file=stacks)
    try:
        return run_with_time_limit(lambda: runner(case, folder), seconds)
    finally:
        if stacks is not None:
            faulthandler.cancel_dump_traceback_later()


def stuck_outcome(seconds: float, stacks: Path | None) -> Outcome:
    """The outcome of a process killed because it did not answer: a hang, located by its stack dump."""
    text = stacks.read_text(errors="replace") if stacks is not None and stacks.is_file() else ""
    frame = "not interruptible, no stack"
    for match in _STACK_FRAME.finditer(text):  # most recent call first: the first mapscope frame is the innermost
        if match["file"].startswith(PACKAGE_DIR) and not match["function"].startswith("<"):
            frame = f"{match['file'][len(PACKAGE_DIR):]}:{match['function']}"
            break
    return Outcome(UNCAUGHT, f"hang over {seconds:g} s @ {frame} (in C code, killed)", text[:4000] or "no answer; the process was killed")


def _child(
    connection: object, case: Case, runner: Callable[[Case, Path], Outcome], folder: Path, seconds: float, parent_pid: int, memory_mb: int
) -> None:
    prepare_child(parent_pid, memory_mb)
    with open(folder.parent / "stacks.txt", "w") as stacks:
        outcome = execute(case, runner, folder, seconds, stacks)
    connection.send(outcome)  # type: ignore[attr-defined]


def death_outcome(exitcode: int, seconds: float) -> Outcome:
    """The outcome of a process that ended without answering."""
    name = signal.Signals(-exitcode).name if exitcode < 0 else f"exit {exitcode}"
    return Outcome(UNCAUGHT, f"process died ({name})", f"the process ended with {name} without an answer")


def run_isolated(
    case: Case, runner: Callable[[Case, Path], Outcome], seconds: float = 5.0, memory_mb: int = 1500, grace: float = KILL_GRACE
) -> Outcome:
    """Run `case` in a forked child with a time limit and a memory cap; a child that has not answered
    `grace` seconds after its time limit is killed. The child's files go to a temporary folder removed
    afterwards."""
    warm_up()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    with tempfile.TemporaryDirectory(prefix="mapscope-fuzz-") as folder:
        process = context.Process(
            target=_child, args=(sender, case, runner, Path(folder) / "case", seconds, os.getpid(), memory_mb), daemon=True
        )
        process.start()
        sender.close()
        try:
            if receiver.poll(seconds + grace):
                try:
                    return receiver.recv()  # type: ignore[no-any-return]
                except EOFError:  # it died: wait for its exit status
                    process.join(grace)
            if process.exitcode is None:
                process.kill()
                process.join()
                return stuck_outcome(seconds, Path(folder) / "stacks.txt")
            return death_outcome(process.exitcode, seconds)
        finally:
            if process.is_alive():
                process.kill()
            process.join()
            receiver.close()
