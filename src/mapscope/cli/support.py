"""How the `mapscope` process meets its surroundings: termination signals, a closed stdout, the help text.

- SIGTERM (``kill``, a job scheduler, a container stop) stops a command the way Ctrl-C does: it is
  raised in the main thread as `Terminated`, so the same clean-up runs (an exploration commits its store
  and shuts its worker pool down) and the command exits with status 143 (128 + SIGTERM; Ctrl-C gives
  130). A second SIGTERM during that clean-up ends the process at once.
- A reader that goes away early (``mapscope ... | head -1``) ends the command quietly with status 0:
  every requested file has been written before anything is printed. typer (and rich, for the help)
  answer a broken pipe with ``SystemExit(1)``; `stdout_closed` recognises that exit, and
  `silence_stdout` points stdout at the null device so the interpreter's last flush does not complain.
- Boolean flags are shown in the help as flags (typer's rich help labels them ``<bool>``, as if they took
  a value).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

#: Exit status after Ctrl-C (SIGINT) and after SIGTERM: 128 + the signal number, as a shell reports it.
INTERRUPTED_STATUS = 128 + signal.SIGINT
TERMINATED_STATUS = 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM received: stop as on Ctrl-C (every `finally` runs), then exit with `TERMINATED_STATUS`.

    Not a KeyboardInterrupt, which typer turns into a silent exit 130, nor an Exception, which a broad
    ``except Exception`` could swallow.
    """

    def __init__(self) -> None:
        super().__init__("terminated (SIGTERM)")


#: What stops a command from outside: Ctrl-C or SIGTERM.
STOPPED = (KeyboardInterrupt, Terminated)


def interrupt_status(error: BaseException) -> int:
    """The exit status for a Ctrl-C or a SIGTERM."""
    return TERMINATED_STATUS if isinstance(error, Terminated) else INTERRUPTED_STATUS


def interrupt_message(error: BaseException) -> str:
    """What stopped the command, in a word or two: "interrupted" or "terminated (SIGTERM)"."""
    return "terminated (SIGTERM)" if isinstance(error, Terminated) else "interrupted"


def _raise_terminated(signal_number: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # once: a second SIGTERM ends the process at once
    raise Terminated()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within: a SIGTERM raises `Terminated` in the main thread. The previous handler is restored after
    (this runs in-process in tests too). Outside the main thread, signals cannot be handled: no change."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stdout_closed(exit_: SystemExit) -> bool:
    """Whether `exit_` is typer's or rich's answer to a closed stdout: a SystemExit raised while handling
    a broken pipe (EPIPE)."""
    cause = exit_.__context__
    return isinstance(cause, OSError) and cause.errno == errno.EPIPE


def silence_stdout() -> None:
    """After stdout's reader went away: point its file descriptor at the null device, so that whatever is
    still buffered, and the interpreter's final flush, go nowhere instead of raising BrokenPipeError."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (e.g. captured in a test)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


def show_flags_as_flags(command: Any) -> Any:
    """`command` (a click command built by typer; not its subcommands, which are built apart) with every
    boolean flag, --help included, showing no value type in the help.

    typer's rich help labels flags ``<bool>`` (``--quiet <bool>``), which reads as if ``--quiet true``
    were the spelling; they are plain flags. An empty metavar is what that help prints as a flag's type.
    Returns `command`, changed in place.
    """
    help_option = command.get_help_option(command.context_class(command))
    for parameter in [*command.params, help_option]:
        if getattr(parameter, "is_flag", False):
            parameter.metavar = ""
    return command


def note(message: str) -> None:
    """A one-line note on stderr (``note: ...``)."""
    import typer

    typer.echo(f"note: {message}", err=True)


def warning(message: str) -> None:
    """A one-line warning on stderr (``warning: ...``)."""
    import typer

    typer.echo(f"warning: {message}", err=True)
