"""Where picklable tasks run: this process, a local process pool or a Dask cluster; one mechanism for the
design batches of `explore` and the layer searches of `map`.

A pool is given once an object every task reads (`shared`: a design space, or nothing) and runs
``function(shared, task)`` for each task of `run`, yielding ``(position, result)`` in completion order so
that the caller can keep results while others still run. Leaving the iteration early (the caller stops, a
task raises, Ctrl-C) cancels what has not started; `close` (or leaving a ``with`` block) shuts the pool
down. Local workers end with this process however it ends (`mapscope.worker_lifetime`); a worker lost
mid-run is a `WorkerLost` error.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from mapscope.errors import InputError
from mapscope.worker_lifetime import end_with_parent

Task = TypeVar("Task")
Result = TypeVar("Result")

#: A task's work: ``function(shared, task)``, a module-level function (it is pickled by name).
TaskFunction = Callable[[Any, Task], Result]


class WorkerLost(RuntimeError):
    """A worker vanished mid-run (killed, out of memory, or its cluster gone): what was yielded is all there is."""


class TaskPool(Protocol):
    """Runs tasks somewhere; `workers` is how many run at once."""

    workers: int

    def run(self, function: TaskFunction[Task, Result], tasks: Sequence[Task]) -> Iterator[tuple[int, Result]]: ...

    def close(self) -> None: ...


class _ClosingPool:
    """``with pool:`` closes the pool on leaving, however the block ends."""

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


class InlinePool(_ClosingPool):
    """This process, one task after the other in order: no start-up cost, the default for small runs."""

    workers = 1

    def __init__(self, shared: Any = None) -> None:
        self.shared = shared

    def run(self, function: TaskFunction[Task, Result], tasks: Sequence[Task]) -> Iterator[tuple[int, Result]]:
        """Each task's result in order, computed when the caller asks for it."""
        for position, task in enumerate(tasks):
            yield position, function(self.shared, task)


#: In a local pool's worker: the pool's shared object, installed once when the worker starts.
_WORKER_SHARED: Any = None


def _start_worker(owner_pid: int, shared: Any) -> None:
    """Worker start-up: end with the process `owner_pid` however it ends (see worker_lifetime); keep the
    shared object; leave Ctrl-C to the parent, which stops the pool cleanly (a terminal sends SIGINT to the
    whole process group); end quietly on SIGTERM (a forked worker inherits the CLI's handler, which would
    raise in the worker and print a traceback; the pool itself ends broken workers with SIGTERM)."""
    global _WORKER_SHARED
    end_with_parent(owner_pid)
    _WORKER_SHARED = shared
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_in_worker(function: TaskFunction[Task, Result], position: int, task: Task) -> tuple[int, Result]:
    return position, function(_WORKER_SHARED, task)


class ProcessPool(_ClosingPool):
    """A pool of `workers` local processes, each given `shared` once when it starts; the workers end with
    this process, even when it is killed (see `mapscope.worker_lifetime`)."""

    def __init__(self, workers: int, shared: Any = None) -> None:
        _check_workers(workers)
        self.workers = workers
        self._executor = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(os.getpid(), shared))

    def run(self, function: TaskFunction[Task, Result], tasks: Sequence[Task]) -> Iterator[tuple[int, Result]]:
        """Every task submitted at once; results in completion order; the rest cancelled when the caller stops."""
        futures: list[Future[tuple[int, Result]]] = []
        try:
            futures = [self._executor.submit(_run_in_worker, function, position, task) for position, task in enumerate(tasks)]
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool:
            raise WorkerLost("a worker process died (killed, or out of memory)") from None
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Cancel what has not started, wait for the running tasks' workers to end."""
        self._executor.shutdown(wait=True, cancel_futures=True)


def _run_on_dask(function: TaskFunction[Task, Result], shared: Any, position: int, task: Task) -> tuple[int, Result]:
    return position, function(shared, task)


class DaskPool(_ClosingPool):
    """A Dask distributed cluster, from a scheduler address or a `distributed.Client` (left open at close);
    `shared` is scattered to every worker once. Dask recomputes a lost worker's tasks; when it gives up
    (a task's workers died too often) or the cluster goes away, the run ends with `WorkerLost`."""

    def __init__(self, scheduler: Any, shared: Any = None) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError("the Dask backend needs dask.distributed: pip install 'mapscope[dask]'", "--scheduler") from None
        if isinstance(scheduler, Client):
            self.client, self._own_client = scheduler, False
        else:
            try:
                self.client, self._own_client = Client(scheduler, timeout="10s"), True
            except (OSError, TimeoutError, ValueError) as error:
                raise InputError(f"cannot reach the Dask scheduler: {' '.join(str(error).split())}", str(scheduler)) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._shared = None if shared is None else self.client.scatter(shared, broadcast=True)

    def run(self, function: TaskFunction[Task, Result], tasks: Sequence[Task]) -> Iterator[tuple[int, Result]]:
        """Every task submitted at once; results in completion order; the rest cancelled when the caller stops."""
        from distributed import KilledWorker, as_completed

        futures = [self.client.submit(_run_on_dask, function, self._shared, position, task, pure=False) for position, task in enumerate(tasks)]
        try:
            for future in as_completed(futures):
                yield future.result()
        except KilledWorker as error:
            raise WorkerLost(f"Dask workers died running a task, so Dask gave it up ({' '.join(str(error).split())})") from None
        except CancelledError:
            raise WorkerLost("the Dask scheduler cancelled the run (was the connection to it lost?)") from None
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Close the client this pool opened (a given client stays open for its owner)."""
        if self._own_client:
            self.client.close()


def _check_workers(workers: int) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"needs at least one worker, got {workers!r}", "--workers")


def check_pool_settings(workers: int, scheduler: Any) -> None:
    """InputError unless `workers` is a positive count and, with a Dask `scheduler`, one (the cluster's
    workers run the tasks); a command calls it before any work, `task_pool` again."""
    _check_workers(workers)
    if scheduler is not None and workers > 1:
        raise InputError("give either --workers or --scheduler: the Dask cluster's workers run the tasks", "--workers")


def task_pool(workers: int = 1, scheduler: Any = None, shared: Any = None) -> InlinePool | ProcessPool | DaskPool:
    """Dask when a `scheduler` (address or Client) is given, else `workers` local processes, this process
    for one; InputError when both more than one worker and a scheduler are asked for."""
    check_pool_settings(workers, scheduler)
    if scheduler is not None:
        return DaskPool(scheduler, shared)
    return InlinePool(shared) if workers == 1 else ProcessPool(workers, shared)
