"""Pool workers end with their parent (mapscope.worker_lifetime): the parent-death signal where it is
safe, the parent poll everywhere, and no worker killed while its parent lives on."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from mapscope.worker_lifetime import end_with_parent

sys.path.insert(0, str(Path(__file__).parent.parent))
from processes import wait_until_ended  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: prctl and /proc")

_PR_GET_PDEATHSIG = 2


def _parent_death_signal() -> int:
    """In a worker: the signal the kernel sends it when its parent thread ends (0: none)."""
    value = ctypes.c_int(0)
    assert ctypes.CDLL(None, use_errno=True).prctl(_PR_GET_PDEATHSIG, ctypes.byref(value), 0, 0, 0) == 0
    return value.value


def _pool() -> ProcessPoolExecutor:
    """A one-worker pool started by fork (the parent-death signal is for forked workers only)."""
    fork = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(max_workers=1, mp_context=fork, initializer=end_with_parent, initargs=(os.getpid(),))


def test_workers_forked_by_the_main_thread_get_the_parent_death_signal() -> None:
    with _pool() as pool:
        assert pool.submit(_parent_death_signal).result(timeout=60) == signal.SIGKILL


def test_workers_started_by_another_thread_survive_its_end() -> None:
    """The kernel's parent-death signal fires when the forking *thread* ends: it must not be armed then,
    or the pool would break as soon as the thread that first used it returns."""
    pool = _pool()
    try:
        answers: list[int] = []
        thread = threading.Thread(target=lambda: answers.append(pool.submit(_parent_death_signal).result(timeout=60)))
        thread.start()
        thread.join()
        assert answers == [0]
        time.sleep(0.5)
        assert pool.submit(os.getpid).result(timeout=60) > 0  # the worker is still there, the pool not broken
    finally:
        pool.shutdown()


#: A parent whose pool is started by a non-main thread, so only the poll of the parent's pid can end its
#: workers; it prints their pids, then waits to be killed.
ORPHANING_PARENT = textwrap.dedent(
    """
    import os, sys, threading, time
    from concurrent.futures import ProcessPoolExecutor
    from mapscope.worker_lifetime import end_with_parent

    pool = ProcessPoolExecutor(max_workers=2, initializer=end_with_parent, initargs=(os.getpid(),))
    pids = []
    thread = threading.Thread(target=lambda: pids.extend(pool.submit(os.getpid).result() for _ in range(8)))
    thread.start()
    thread.join()
    print(" ".join(str(pid) for pid in pool._processes), flush=True)
    time.sleep(120)
    """
)


def test_without_the_parent_death_signal_the_poll_ends_orphaned_workers() -> None:
    parent = subprocess.Popen([sys.executable, "-c", ORPHANING_PARENT], stdout=subprocess.PIPE, text=True)
    workers: set[int] = set()
    try:
        assert parent.stdout is not None
        workers = {int(pid) for pid in parent.stdout.readline().split()}
        assert len(workers) == 2
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()  # type: ignore[union-attr]
    survivors = wait_until_ended(workers, 5.0)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"orphaned workers still running: {sorted(survivors)}"
