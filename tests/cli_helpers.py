"""Running the CLI in-process in tests, checking its one-line errors, and watching its child processes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mapscope.cli import main


def run(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit status, stdout, stderr)."""
    status = main(arguments)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status: int, err: str) -> None:
    """Exit status 2 and exactly one `error: ...` line, no traceback."""
    assert status == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def child_pids(pid: int) -> set[int]:
    """The live (not zombie) child processes of `pid`, from /proc (Linux); empty elsewhere."""
    children = set()
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        state, parent = stat[stat.rindex(")") + 2 :].split()[:2]  # fields after "(command name)"
        if int(parent) == pid and state != "Z":
            children.add(int(entry.name))
    return children


def is_running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie (a zombie has ended; only its parent's wait is missing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_until_ended(pids: set[int], seconds: float = 10.0) -> set[int]:
    """Wait up to `seconds` for every process of `pids` to end; returns those still running."""
    deadline = time.monotonic() + seconds
    running = {pid for pid in pids if is_running(pid)}
    while running and time.monotonic() < deadline:
        time.sleep(0.05)
        running = {pid for pid in running if is_running(pid)}
    return running
