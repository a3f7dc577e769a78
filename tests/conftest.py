"""Fixtures shared by all tests, and the Hypothesis profile of the run (see property_settings.py)."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from processes import child_pids, wait_until_ended
from property_settings import profile_name
from shared_data import MAESTRO_DATA

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
#: Seconds a process started by a test may take to end after the suite is over.
LEFTOVER_GRACE_SECONDS = 5.0


def pytest_configure(config: pytest.Config) -> None:
    """Load the Hypothesis profile before test modules are collected (their decorators read it), and adopt
    orphans: as a child subreaper, this process becomes the parent of any process a test leaves behind
    (a worker whose parent was killed), so the end-of-session check below can find it."""
    settings.load_profile(profile_name(config.getoption("markexpr") or ""))
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _leftover_processes() -> dict[int, str]:
    """Live descendants of this process once they have had LEFTOVER_GRACE_SECONDS to end, with their command."""
    running = wait_until_ended(child_pids(os.getpid()), LEFTOVER_GRACE_SECONDS)
    commands = {}
    for pid in running:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if "multiprocessing.resource_tracker" not in command:  # Python's own helper; it ends with this process
            commands[pid] = command
    return commands


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a test left a process behind (the issue-11 promise: nothing outlives its command)."""
    if sys.platform != "linux" or getattr(session.config, "workerinput", None) is not None:
        return
    leftovers = _leftover_processes()
    if leftovers:
        listing = "; ".join(f"{pid}: {command[:200]}" for pid, command in sorted(leftovers.items()))
        session.config.get_terminal_writer().line(f"processes left behind by the tests: {listing}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {settings.get_current_profile_name()}"


@pytest.fixture(scope="session")
def maestro_data() -> Path:
    """The bundled MAESTRO inputs (data/mapping, data/hw, validation); skips when ../shared is absent."""
    if not MAESTRO_DATA.is_dir():
        pytest.skip(f"shared MAESTRO data not found at {MAESTRO_DATA}")
    return MAESTRO_DATA
