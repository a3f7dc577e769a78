"""Where design batches are evaluated: in this process, a local process pool, or a Dask cluster.

Every executor takes chunks of designs (columns: one array per parameter) and yields each chunk's
evaluated batch with the chunk's position as soon as it is done (in completion order), so the driver can
store results while others are still running. The local pool and Dask are `mapscope.task_pools`' (a lost
worker is its `WorkerLost`: what finished is stored, so the run can be resumed).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import numpy as np

from mapscope.errors import InputError
from mapscope.explore.evaluation import evaluate_design_batch
from mapscope.explore.metrics import DesignColumns
from mapscope.explore.search import space_size
from mapscope.explore.space import DesignSpace
from mapscope.formats.results.store import DesignBatch
from mapscope.task_pools import DaskPool, ProcessPool, WorkerLost

Chunk = DesignColumns
#: A chunk's position among the chunks of one `run`, and its evaluated designs.
ChunkResult = tuple[int, DesignBatch]


__all__ = ["DaskExecutor", "Executor", "InlineExecutor", "LocalPoolExecutor", "WorkerLost", "make_executor"]


class Executor(Protocol):
    """Evaluates chunks of designs somewhere, yielding (position, batch) in completion order."""

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


class LocalPoolExecutor:
    """A local pool of worker processes (`mapscope.task_pools.ProcessPool`); each receives the space once and
    keeps its trace cache. The workers end with this process, even when it is killed."""

    def __init__(self, space: DesignSpace, workers: int) -> None:
        self.workers = workers
        self.pool = ProcessPool(workers, shared=space)

    def run(self, chunks: Sequence[Chunk]) -> Iterator[ChunkResult]:
        return self.pool.run(evaluate_design_batch, chunks)

    def close(self) -> None:
        self.pool.close()


class DaskExecutor:
    """A Dask distributed cluster (`mapscope.task_pools.DaskPool`): the space is scattered to every worker
    once; a lost worker's chunks are recomputed by Dask, and whatever finished is already in the store if
    the whole run is lost."""

    def __init__(self, space: DesignSpace, scheduler: Any) -> None:
        self.pool = DaskPool(scheduler, shared=space)
        self.workers = self.pool.workers

    def run(self, chunks: Sequence[Chunk]) -> Iterator[ChunkResult]:
        return self.pool.run(evaluate_design_batch, [dict(chunk) for chunk in chunks])

    def close(self) -> None:
        self.pool.close()


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
    or this process alone for a run of at most IN_PROCESS_DESIGNS designs; a co-search, whose designs take
    seconds each, goes to the pool from two designs on)."""
    if scheduler is not None:
        return DaskExecutor(space, scheduler)
    in_process_limit = 1 if space.evaluated_alone else IN_PROCESS_DESIGNS
    if workers is None and _run_designs(space) <= in_process_limit:
        return InlineExecutor(space)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise InputError(f"needs at least one worker, got {count}", "--workers")
    return InlineExecutor(space) if count == 1 else LocalPoolExecutor(space, count)
