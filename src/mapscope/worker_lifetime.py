"""Worker processes that end with their parent, however the parent ends.

A process-pool worker waits on its task pipe. When the parent is killed (SIGKILL, or a signal it does not
handle) that wait never ends: every worker forked from the parent holds a copy of the pipe's write end, so
no end-of-file ever arrives and the workers live on, re-parented to init, forever. So each worker watches
its parent itself, from the pool's initializer (`end_with_parent`):

- On Linux the kernel's parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) ends the worker at
  once, even in the middle of a long computation. The kernel sends it when the *thread* that forked the
  worker ends, not the process, so it is set only for workers forked by the parent's main thread (whose
  end is the process's end): a hook run before every fork records which thread forks, and the child
  inherits that record. Workers that were spawned, forked by another thread or forked by a forkserver
  rely on the next point alone.
- Everywhere, a daemon thread polls ``os.getppid()`` and ends the worker once it changes: the worker has
  been re-parented because its parent (or the forkserver between them, which exits with the parent) is
  gone. This is the portable fallback; it reacts within `PARENT_POLL_SECONDS`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

#: How often a worker checks that its parent is still alive (the fallback when no parent-death signal).
PARENT_POLL_SECONDS = 0.2

#: Exit status of a worker that ends because its parent is gone.
ORPHANED_WORKER_STATUS = 1

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

#: Whether the last fork in this process was made by its main thread; a forked child inherits the value
#: recorded by its parent just before the fork.
_forked_by_main_thread = False


def _record_forking_thread() -> None:
    global _forked_by_main_thread
    _forked_by_main_thread = threading.current_thread() is threading.main_thread()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(before=_record_forking_thread)


def _set_parent_death_signal(signal_number: int) -> bool:
    """Ask Linux to send `signal_number` to this process when its parent thread ends; False if unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal_number, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """Poll until this process is re-parented, then end it (no cleanup: it owns nothing but its task)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(ORPHANED_WORKER_STATUS)


def end_with_parent(owner_pid: int) -> None:
    """In a freshly started worker of the pool created by process `owner_pid`: make sure this worker ends
    when that process ends, by any signal. Call it first in the pool's initializer."""
    parent = os.getppid()
    if parent == owner_pid and _forked_by_main_thread:
        _set_parent_death_signal(signal.SIGKILL)
    if not _owner_alive(owner_pid) or os.getppid() != parent:
        os._exit(ORPHANED_WORKER_STATUS)  # the parent died before the signal was armed: the kernel missed it
    threading.Thread(target=_watch_parent, args=(parent,), name="mapscope-parent-watch", daemon=True).start()


def _owner_alive(pid: int) -> bool:
    """Whether process `pid` exists (POSIX; elsewhere assumed, as signal 0 would be a Ctrl-C on Windows)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists but belongs to another user
        return True
    return True
