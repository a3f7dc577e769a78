"""Finding the processes a test started, and waiting for them to end (Linux /proc; empty elsewhere)."""

from __future__ import annotations

import time
from pathlib import Path


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
