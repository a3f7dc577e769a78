"""The exploration loop: ask the strategy, skip what the store already holds, evaluate, store, tell.

Strategies are deterministic given the objectives they are told, and every result is stored before it
is told, so replaying an interrupted run against its store asks the same designs, evaluates only the
missing ones and ends with the same result set as an uninterrupted run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, overload

import numpy as np

from mapscope.explore.evaluation import objective_matrix
from mapscope.explore.executors import Executor
from mapscope.explore.search import make_strategy, space_size
from mapscope.explore.space import DesignSpace, check_search_size
from mapscope.formats.results.store import DesignBatch, DesignRecord
from mapscope.formats.results.store_batch import concatenated, design_keys, stored_designs
from mapscope.optimization.pareto import pareto_mask

#: progress(done, total): designs settled so far (evaluated or found in the store) and the expected total.
ProgressCallback = Callable[[int, int], None]


class RecordStore(Protocol):
    def add_batch(self, batch: DesignBatch) -> int: ...

    def stored(self, keys: Sequence[str]) -> tuple[np.ndarray, DesignBatch | None]: ...


class MemoryStore:
    """A store for runs without --store: nothing survives the process."""

    def __init__(self) -> None:
        self._index: dict[str, tuple[DesignBatch, int]] = {}

    def add_batch(self, batch: DesignBatch) -> int:
        before = len(self._index)
        for position, key in enumerate(batch.keys):
            self._index.setdefault(key, (batch, position))
        return len(self._index) - before

    def stored(self, keys: Sequence[str]) -> tuple[np.ndarray, DesignBatch | None]:
        return stored_designs(self._index, keys)


class RecordView(Sequence[DesignRecord]):
    """The designs of a batch (or of some of its rows) as DesignRecords, each built when asked for."""

    def __init__(self, batch: DesignBatch, rows: np.ndarray | None = None) -> None:
        self.batch = batch
        self.rows = rows

    def __len__(self) -> int:
        return len(self.batch) if self.rows is None else len(self.rows)

    @overload
    def __getitem__(self, index: int) -> DesignRecord: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[DesignRecord]: ...

    def __getitem__(self, index: int | slice) -> DesignRecord | Sequence[DesignRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.batch.record(index if self.rows is None else int(self.rows[index]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(mine == theirs for mine, theirs in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[DesignRecord]:
        if self.rows is None:
            return self.batch.records()
        return (self.batch.record(row) for row in self.rows.tolist())


@dataclass(frozen=True)
class ExplorationResult:
    space: DesignSpace
    records: Sequence[DesignRecord]  # every design the search asked for, in ask order (a RecordView after `explore`)
    objectives: np.ndarray  # (designs x objectives), minimised; +inf rows for infeasible designs
    front: tuple[int, ...]  # indices into records of the Pareto-optimal feasible designs
    from_store: int  # designs found in the store (a resumed run) rather than evaluated now

    def _feasible_rows(self) -> np.ndarray:
        if isinstance(self.records, RecordView) and self.records.rows is None:
            return np.flatnonzero(self.records.batch.feasible)
        return np.array([i for i, r in enumerate(self.records) if r.feasible], dtype=np.intp)

    @property
    def feasible(self) -> Sequence[DesignRecord]:
        rows = self._feasible_rows()
        if isinstance(self.records, RecordView) and self.records.rows is None:
            return RecordView(self.records.batch, rows)
        return tuple(self.records[i] for i in rows.tolist())

    def key(self, index: int) -> str:
        """The key of design `index` (without building its record)."""
        if isinstance(self.records, RecordView) and self.records.rows is None:
            return self.records.batch.keys[index]
        return self.records[index].key

    def best(self, count: int) -> list[int]:
        """Indices of the `count` best feasible designs by the first objective (ties: the next ones)."""
        feasible = self._feasible_rows()
        if not len(feasible):
            return []
        values = self.objectives[feasible]
        order = np.lexsort(values.T[::-1]) if values.shape[1] else np.arange(len(feasible))
        return [int(i) for i in feasible[order[:count]]]


def expected_total(space: DesignSpace) -> int:
    size = space_size(space.choices)
    return min(size, space.search.budget) if space.search.budget is not None else size


def _chunks(columns: dict[str, np.ndarray], count: int, workers: int, alone: bool = False) -> list[dict[str, np.ndarray]]:
    """Split a batch into pieces for the workers: a few per worker so a slow one does not hold the rest, or
    one per design when each design is costly (`alone`)."""
    pieces = count if alone else max(1, min(count, workers * 4))
    size = -(-count // pieces)
    return [{name: column[start : start + size] for name, column in columns.items()} for start in range(0, count, size)]


def _run_chunks(executor: Executor, chunks: list[dict[str, np.ndarray]], alone: bool) -> Iterator[tuple[int, DesignBatch]]:
    """The executor's results of `chunks`; costly designs on a single worker go one chunk per call, so each
    is stored and shown as it finishes (a one-worker executor may evaluate all chunks of a call at once)."""
    if not alone or executor.workers > 1:
        yield from executor.run(chunks)
        return
    for position, chunk in enumerate(chunks):
        for _, batch in executor.run([chunk]):
            yield position, batch


def explore(
    space: DesignSpace,
    executor: Executor,
    store: RecordStore | None = None,
    progress: ProgressCallback | None = None,
) -> ExplorationResult:
    """Run the space's search to its end; results stream into `store` as they arrive."""
    check_search_size(space, space.name)
    store = store if store is not None else MemoryStore()
    settings = space.search
    strategy = make_strategy(
        settings.strategy, space.choices, settings.budget, settings.seed, settings.batch_size, population=settings.population
    )
    total = expected_total(space)
    asked: list[DesignBatch] = []
    done, from_store = 0, 0
    while True:
        digits = strategy.ask_digits()
        count = len(digits)
        if not count:
            break
        columns = strategy.columns(digits)
        keys = design_keys(columns, count)
        found, known = store.stored(keys)
        from_store += len(found)
        settled = done + len(found)
        if progress is not None:
            progress(settled, total)
        parts = [known] if known is not None else []
        if len(found) < count:
            missing = np.setdiff1d(np.arange(count), found, assume_unique=True) if len(found) else None
            wanted = columns if missing is None else {name: column[missing] for name, column in columns.items()}
            wanted_keys = keys if missing is None else [keys[i] for i in missing.tolist()]
            chunks = _chunks(wanted, count - len(found), executor.workers, space.evaluated_alone)
            starts = np.cumsum([0] + [len(next(iter(chunk.values()))) for chunk in chunks]).tolist()
            evaluated: dict[int, DesignBatch] = {}
            for position, chunk_batch in _run_chunks(executor, chunks, space.evaluated_alone):
                chunk_batch.__dict__["keys"] = wanted_keys[starts[position] : starts[position + 1]]
                store.add_batch(chunk_batch)
                evaluated[position] = chunk_batch
                settled += len(chunk_batch)
                if progress is not None:
                    progress(settled, total)
            parts += [evaluated[position] for position in range(len(chunks))]
        batch = concatenated(parts)
        if len(found) and len(found) < count:  # known designs first, then the evaluated ones: back to ask order
            batch = batch.take(np.argsort(np.concatenate([found, missing])))
        asked.append(batch)
        done += count
        strategy.tell_results(objective_matrix(space, batch))
    designs = concatenated(asked) if asked else None
    records: Sequence[DesignRecord] = RecordView(designs) if designs is not None else ()
    matrix = objective_matrix(space, designs) if designs is not None else np.zeros((0, len(space.objectives)))
    front = tuple(int(i) for i in np.flatnonzero(pareto_mask(matrix))) if len(records) else ()
    return ExplorationResult(space, records, matrix, front, from_store)
