"""The one mechanism explore and the mapper run tasks with (mapscope.task_pools): every task's result once,
under its position, with the shared object; pending tasks cancelled and workers gone when the caller stops
or a task raises; a killed worker a WorkerLost error; workers and a scheduler together refused."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import child_pids, wait_until_ended

from mapscope.errors import InputError
from mapscope.task_pools import DaskPool, InlinePool, ProcessPool, WorkerLost, task_pool


def scaled(shared: int, task: int) -> tuple[int, int]:
    """A task's work: the task times the shared factor, and the pid that computed it."""
    if task < 0:
        raise InputError(f"negative task {task}", "task")
    return task * shared, os.getpid()


def slow(shared: None, task: float) -> float:
    time.sleep(task)
    return task


def killed(shared: None, task: int) -> int:
    """Kills the worker that runs it (task 0); the others finish."""
    if task == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return task


def _is_resource_tracker(pid: int) -> bool:
    """Python's multiprocessing helper (started once, it ends with this process)."""
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.fixture()
def no_new_process() -> Iterator[None]:
    """The test's pools leave no process running (Linux /proc; elsewhere nothing to check)."""
    before = child_pids(os.getpid())
    yield
    started = {pid for pid in child_pids(os.getpid()) - before if not _is_resource_tracker(pid)}
    assert wait_until_ended(started, 10.0) == set()


@pytest.mark.parametrize("workers", [1, 2])
def test_every_task_once_under_its_position_with_the_shared_object(workers: int, no_new_process: None) -> None:
    tasks = [3, 1, 4, 1, 5, 9, 2, 6]
    with task_pool(workers, shared=10) as pool:
        assert isinstance(pool, InlinePool if workers == 1 else ProcessPool) and pool.workers == workers
        results = list(pool.run(scaled, tasks))
    assert sorted(position for position, _ in results) == list(range(len(tasks)))
    assert {position: value for position, (value, _) in results} == {i: 10 * task for i, task in enumerate(tasks)}
    pids = {pid for _, (_, pid) in results}
    assert (pids == {os.getpid()}) if workers == 1 else (os.getpid() not in pids)


def test_the_inline_pool_computes_each_task_when_asked() -> None:
    calls: list[int] = []

    def counting(shared: None, task: int) -> int:
        calls.append(task)
        return task

    iterator = InlinePool().run(counting, [1, 2, 3])
    assert next(iterator) == (0, 1) and calls == [1]


def test_results_come_in_completion_order() -> None:
    with ProcessPool(2) as pool:
        assert [position for position, _ in pool.run(slow, [1.0, 0.0])] == [1, 0]


def test_stopping_early_cancels_the_rest_and_leaves_no_worker(no_new_process: None) -> None:
    started = time.perf_counter()
    with ProcessPool(2) as pool:
        for position, _ in pool.run(slow, [0.0] + [0.5] * 20):
            assert position == 0
            break
    assert time.perf_counter() - started < 5  # 20 half-second tasks on 2 workers would take 5 s


def test_a_task_error_reaches_the_caller_and_the_pool_ends(no_new_process: None) -> None:
    with pytest.raises(InputError, match="task: negative task -1"):
        with ProcessPool(2, shared=1) as pool:
            list(pool.run(scaled, [1, -1, 2]))


def test_a_killed_worker_is_worker_lost(no_new_process: None) -> None:
    with pytest.raises(WorkerLost, match="worker process died"):
        with ProcessPool(2) as pool:
            list(pool.run(killed, [0, 1, 2]))


@pytest.mark.parametrize("workers", [0, -1, True, 1.5])
def test_bad_worker_counts_are_input_errors(workers: object) -> None:
    with pytest.raises(InputError, match="at least one worker"):
        task_pool(workers)  # type: ignore[arg-type]


def test_workers_and_a_scheduler_together_are_refused() -> None:
    with pytest.raises(InputError, match="either --workers or --scheduler"):
        task_pool(2, scheduler="tcp://127.0.0.1:8786")


def test_a_dask_cluster_runs_every_task_and_gives_up_on_a_killing_one(no_new_process: None) -> None:
    distributed = pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with DaskPool(cluster.scheduler_address, shared=10) as pool:
                assert pool.workers == 2
                results = dict(pool.run(scaled, [3, 1, 4]))
                assert {position: value for position, (value, _) in results.items()} == {0: 30, 1: 10, 2: 40}
                assert os.getpid() not in {pid for _, pid in results.values()}
                with pytest.raises(InputError, match="negative task"):
                    list(pool.run(scaled, [-2]))
                with pytest.raises(WorkerLost, match="Dask"):
                    list(pool.run(killed, [0]))
