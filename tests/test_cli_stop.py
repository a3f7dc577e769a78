"""Stopping `mapscope explore --workers 2` from outside: SIGKILL, SIGTERM and Ctrl-C (SIGINT) leave no worker
process behind, SIGTERM and Ctrl-C end with one line and a conventional status (143, 130), and `--resume`
then gives exactly the store of an uninterrupted run."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapscope.formats.results.store_codec import decode_batch
from cli_helpers import run
from processes import child_pids, wait_until_ended

from mapscope.cli import main

sys.path.insert(0, str(Path(__file__).parent / "explore"))
from explore_spaces import TINY_SPACE, write_space  # noqa: E402

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds child processes in /proc (Linux)")

#: A space big enough (864 designs in batches of 16, each batch a few tens of milliseconds) that a run can
#: be stopped in the middle: the stop comes after 200 stored designs, and the test checks that the run was
#: not complete by then.
KILLABLE_SPACE = {
    **copy.deepcopy(TINY_SPACE),
    "name": "killable",
    "mapping": {"template": "tiled", "parameters": {"spatial_dimension": ["K", "C", "Y", "X"], "cluster_size": [1, 2, 4]}},
    "hardware": {
        "num_pes": [4, 16],
        "simd_lanes": [1],
        "noc_bandwidth_elems_per_cycle": [1, 4, 16],
        "noc_latency_cycles": [0, 2],
        "offchip_bandwidth_elems_per_cycle": [4, 256],
        "l1_size_elems": [16, 64, 1024],
        "l2_size_elems": [65536],
    },
    "search": {"batch_size": 16},
}

#: Seconds a worker may take to notice that its parent is gone.
WORKER_GRACE_SECONDS = 5.0


def _stored_rows(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("SELECT COALESCE(SUM(designs), 0) FROM batches").fetchone()[0])
    except sqlite3.Error:
        return 0


def _store_contents(path: Path) -> dict[str, tuple[str, int, str | None]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        values = connection.execute("SELECT columns FROM batches").fetchall()
    rows = [
        (r.key, repr(r.metrics), int(r.feasible), r.violation) for (value,) in values for r in decode_batch(bytes(value)).records()
    ]
    keys = [row[0] for row in rows]
    assert len(keys) == len(set(keys)), "a design is stored twice"
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


@pytest.fixture(autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """Each test here must end every process it started (children of this pytest process)."""
    before = child_pids(os.getpid())
    yield
    left = wait_until_ended(child_pids(os.getpid()) - before, WORKER_GRACE_SECONDS)
    assert not left, f"processes left behind: {sorted(left)}"


@pytest.fixture(scope="module")
def killable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The killable space and the store contents of its uninterrupted run (one worker)."""
    folder = tmp_path_factory.mktemp("killable")
    space = write_space(folder, KILLABLE_SPACE)
    reference = folder / "reference.db"
    assert main(["explore", str(space), "--workers", "1", "--best", "1", "--store", str(reference)]) == 0
    return space, _store_contents(reference)


def _start_explore(space: Path, store: Path, stderr: Path) -> subprocess.Popen[bytes]:
    """`explore --workers 2` in a child process, in a process group of its own (as a shell runs a job);
    stderr goes to a file (a pipe would stay open as long as any worker lives, so reading it would hang on
    exactly the failure tested here)."""
    with stderr.open("wb") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "mapscope.cli", "explore", str(space), "--workers", "2", "--store", str(store)],
            stdout=subprocess.DEVNULL,
            stderr=handle,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
            preexec_fn=_ctrl_c_as_in_a_terminal,
        )


def _ctrl_c_as_in_a_terminal() -> None:
    """SIGINT at its default in the child, as for a job in a terminal: a suite started in the background
    (`make test &`) inherits SIGINT ignored, and Python then keeps ignoring it, so Ctrl-C could not be tested."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _workers_once_busy(process: subprocess.Popen[bytes], store: Path, rows: int = 200) -> set[int]:
    """The worker processes of a running `explore`, once `rows` designs are stored."""
    deadline = time.monotonic() + 60
    while (_stored_rows(store) < rows or len(child_pids(process.pid)) < 2) and process.poll() is None:
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.01)
    return child_pids(process.pid)


TERMINATED = "error: terminated (SIGTERM); results so far are in"
INTERRUPTED = "error: interrupted; results so far are in"


@pytest.mark.parametrize(
    ("stop", "to_group", "status", "message"),
    [
        (signal.SIGKILL, False, -signal.SIGKILL, None),
        (signal.SIGTERM, False, 128 + signal.SIGTERM, TERMINATED),
        (signal.SIGTERM, True, 128 + signal.SIGTERM, TERMINATED),  # kill -TERM -PGID, a container or service stop
        (signal.SIGINT, False, 128 + signal.SIGINT, INTERRUPTED),
        (signal.SIGINT, True, 128 + signal.SIGINT, INTERRUPTED),  # Ctrl-C in a terminal
    ],
    ids=["SIGKILL", "SIGTERM", "SIGTERM-to-group", "SIGINT", "SIGINT-to-group"],
)
def test_a_stopped_explore_leaves_no_worker_and_resumes_exactly(
    killable: tuple[Path, dict],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stop: signal.Signals,
    to_group: bool,
    status: int,
    message: str | None,
) -> None:
    space, expected = killable
    store, stderr = tmp_path / "interrupted.db", tmp_path / "stderr.txt"
    process = _start_explore(space, store, stderr)
    workers: set[int] = set()
    try:
        workers = _workers_once_busy(process, store)
        assert len(workers) == 2, f"expected two workers, found {sorted(workers)}"
        if to_group:
            os.killpg(process.pid, stop)
        else:
            process.send_signal(stop)
        process.wait(timeout=60)
        survivors = wait_until_ended(workers, WORKER_GRACE_SECONDS)
    finally:  # leave nothing behind, even when the test fails
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in wait_until_ended(workers, 0):
            os.kill(pid, signal.SIGKILL)
    assert not survivors, f"workers outlived their parent ({stop.name}): {sorted(survivors)}"
    err = stderr.read_text()
    assert process.returncode == status, err
    if message is not None:
        assert err.startswith(message) and err.endswith("rerun with --resume to continue\n") and err.count("\n") == 1, err
    stored = _stored_rows(store)
    assert 0 < stored < len(expected), f"the run was not stopped in the middle ({stored} of {len(expected)} stored)"

    resumed, _, err = run(["explore", str(space), "--workers", "2", "--best", "1", "--store", str(store), "--resume"], capsys)
    assert resumed == 0, err
    assert _store_contents(store) == expected
