"""Where design batches are evaluated: in this process, a local process pool, or a Dask cluster.

Every executor takes chunks of designs (columns: one array per parameter) and yields each chunk's
evaluated batch with the chunk's position as soon as it is done (in completion order), so the driver can
store results while others are still running.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

import numpy as np

from mapscope.errors import InputError
from mapscope.explore.evaluation import evaluate_design_batch
from mapscope.explore.metrics import DesignColumns
from mapscope.explore.search import space_size
from mapscope.explore.space import DesignSpace
from mapscope.worker_lifetime import end_with_parent
from mapscope.formats.results.store import DesignBatch

Chunk = DesignColumns
#: A chunk's position among the chunks of one `run`, and its evaluated designs.
ChunkResult = tuple[int, DesignBatch]


class WorkerLost(RuntimeError):
    """A worker vanished mid-run; what finished is stored, so the run can be resumed."""


class Executor(Protocol):
    workers: int

    def run(self, chunks: Sequence[Chunk]) -> Iterator[ChunkResult]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Evaluates in the calling process (one worker): no start-up cost, the default for small runs."""

    workers = 1

    def __init__(self, space: DesignSpace) -> None:
        self.space = space

    def run(self, chunks: Sequence[Chunk]) -> Iterator[ChunkResult]:
        """All chunks in one engine call (each call has a fixed cost), then each chunk's part in turn, so
        the store still commits chunk by chunk."""
        if len(chunks) <= 1:
            yield from ((position, evaluate_design_batch(self.space, chunk)) for position, chunk in enumerate(chunks))
            return
        names = list(chunks[0])
        whole = evaluate_design_batch(self.space, {name: np.concatenate([chunk[name] for chunk in chunks]) for name in names})
        start = 0
        for position, chunk in enumerate(chunks):
            stop = start + (len(chunk[names[0]]) if names else 0)
            yield position, whole.take(np.arange(start, stop))
            start = stop

    def close(self) -> None:
        pass


_WORKER_SPACE: DesignSpace | None = None


def _install_space(space: DesignSpace, owner_pid: int) -> None:
    """Worker start-up: end with the parent process `owner_pid` however it ends (see worker_lifetime); keep
    the space; leave Ctrl-C to the parent, which stops the pool cleanly (a terminal sends SIGINT to the
    whole process group); end quietly on SIGTERM (a forked worker inherits the CLI's handler, which would
    raise in the worker and print a traceback; the pool itself ends broken workers with SIGTERM)."""
    global _WORKER_SPACE
    end_with_parent(owner_pid)
    _WORKER_SPACE = space
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _evaluate_in_worker(position: int, chunk: Chunk) -> ChunkResult:
    assert _WORKER_SPACE is not None, "worker started without a design space"
    return position, evaluate_design_batch(_WORKER_SPACE, chunk)


class LocalPoolExecutor:
    """A local pool of worker processes; each receives the space once and keeps its trace cache. The workers
    end with this process, even when it is killed (see `mapscope.worker_lifetime`)."""

    def __init__(self, space: DesignSpace, workers: int) -> None:
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, initializer=_install_space, initargs=(space, os.getpid()))

    def run(self, chunks: Sequence[Chunk]) -> Iterator[ChunkResult]:
        try:
            yield from _as_completed([self.pool.submit(_evaluate_in_worker, position, chunk) for position, chunk in enumerate(chunks)])
        except BrokenProcessPool:
            raise WorkerLost("a worker process died (killed, or out of memory)") from None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _as_completed(futures: list[Future[ChunkResult]]) -> Iterator[ChunkResult]:
    """Results in completion order; whatever has not started is cancelled if the caller stops early."""
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:
        for future in futures:
            future.cancel()


def _evaluated_chunk(space: DesignSpace, position: int, chunk: Chunk) -> ChunkResult:
    return position, evaluate_design_batch(space, chunk)


class DaskExecutor:
    """A Dask distributed cluster: the space is scattered to every worker once; a lost worker's chunks are
    recomputed by Dask, and whatever finished is already in the store if the whole run is lost."""

    def __init__(self, space: DesignSpace, scheduler: Any) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError("the Dask backend needs dask.distributed: pip install 'mapscope[dask]'", "--scheduler") from None
        if isinstance(scheduler, Client):
            self.client, self._own_client = scheduler, False
        else:
            try:
                self.client, self._own_client = Client(scheduler, timeout="10s"), True
            except (OSError, TimeoutError) as error:
                raise InputError(f"cannot reach the Dask scheduler: {' '.join(str(error).split())}", str(scheduler)) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.space_future = self.client.scatter(space, broadcast=True)

    def run(self, chunks: Sequence[Chunk]) -> Iterator[ChunkResult]:
        from distributed import as_completed

        futures = [self.client.submit(_evaluated_chunk, self.space_future, position, dict(chunk), pure=False) for position, chunk in enumerate(chunks)]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self._own_client:
            self.client.close()


#: Without --workers, runs of up to this many designs are evaluated in this process: measured on 2 cores,
#: a pool's start-up and the transfer of points and records cost more than it gains below it (122,880
#: ResNet-50 designs with a store: 5.5 s in-process, 6.5 s on 2 workers; the 12,960-design example 1.8 s
#: against 2.3 s).
IN_PROCESS_DESIGNS = 200_000


def _run_designs(space: DesignSpace) -> int:
    """How many designs the run asks at most (the whole space, or the budget)."""
    size = space_size(space.choices)
    return size if space.search.budget is None else min(size, space.search.budget)


def make_executor(space: DesignSpace, workers: int | None = None, scheduler: Any = None) -> Executor:
    """Dask when a scheduler (address or Client) is given; else `workers` local processes (default: all cores,
    or this process alone for a run of at most IN_PROCESS_DESIGNS designs)."""
    if scheduler is not None:
        return DaskExecutor(space, scheduler)
    if workers is None and _run_designs(space) <= IN_PROCESS_DESIGNS:
        return InlineExecutor(space)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise InputError(f"needs at least one worker, got {count}", "--workers")
    return InlineExecutor(space) if count == 1 else LocalPoolExecutor(space, count)
