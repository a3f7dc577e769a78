"""The exploration loop: ask the strategy, skip what the store already holds, evaluate, store, tell.

Strategies are deterministic given the objectives they are told, and every result is stored before it
is told, so replaying an interrupted run against its store asks the same designs, evaluates only the
missing ones and ends with the same result set as an uninterrupted run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from mapscope.explore.evaluation import objective_matrix
from mapscope.explore.executors import Executor
from mapscope.explore.pareto import pareto_mask
from mapscope.explore.search import make_strategy, space_size
from mapscope.explore.space import DesignSpace, check_search_size
from mapscope.formats.results.store import DesignRecord, design_key

#: progress(done, total): designs settled so far (evaluated or found in the store) and the expected total.
ProgressCallback = Callable[[int, int], None]


class RecordStore(Protocol):
    def add(self, records: Sequence[DesignRecord]) -> int: ...

    def get(self, keys: Sequence[str]) -> dict[str, DesignRecord]: ...


class MemoryStore:
    """A store for runs without --store: nothing survives the process."""

    def __init__(self) -> None:
        self._records: dict[str, DesignRecord] = {}

    def add(self, records: Sequence[DesignRecord]) -> int:
        new = [r for r in records if r.key not in self._records]
        self._records.update((r.key, r) for r in new)
        return len(new)

    def get(self, keys: Sequence[str]) -> dict[str, DesignRecord]:
        return {key: self._records[key] for key in keys if key in self._records}


@dataclass(frozen=True)
class ExplorationResult:
    space: DesignSpace
    records: tuple[DesignRecord, ...]  # every design the search asked for, in ask order
    objectives: np.ndarray  # (designs x objectives), minimised; +inf rows for infeasible designs
    front: tuple[int, ...]  # indices into records of the Pareto-optimal feasible designs
    from_store: int  # designs found in the store (a resumed run) rather than evaluated now

    @property
    def feasible(self) -> tuple[DesignRecord, ...]:
        return tuple(r for r in self.records if r.feasible)

    def best(self, count: int) -> list[int]:
        """Indices of the `count` best feasible designs by the first objective (ties: the next ones)."""
        feasible = [i for i, r in enumerate(self.records) if r.feasible]
        return sorted(feasible, key=lambda i: tuple(self.objectives[i]))[:count]


def expected_total(space: DesignSpace) -> int:
    size = space_size(space.choices)
    return min(size, space.search.budget) if space.search.budget is not None else size


def _chunks(points: Sequence[dict], workers: int) -> list[Sequence[dict]]:
    """Split a batch into pieces for the workers: a few per worker so a slow one does not hold the rest."""
    pieces = max(1, min(len(points), workers * 4))
    size = -(-len(points) // pieces)
    return [points[start : start + size] for start in range(0, len(points), size)]


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
    records: list[DesignRecord] = []
    from_store = 0
    while True:
        batch = strategy.ask()
        if not batch:
            break
        keys = [design_key(point) for point in batch]
        known = store.get(keys)
        from_store += len(known)
        settled = len(records) + len(known)
        if progress is not None:
            progress(settled, total)
        missing = [point for point, key in zip(batch, keys) if key not in known]
        results = dict(known)
        if missing:
            for chunk_records in executor.run(_chunks(missing, executor.workers)):
                store.add(chunk_records)
                results.update((r.key, r) for r in chunk_records)
                settled += len(chunk_records)
                if progress is not None:
                    progress(settled, total)
        batch_records = [results[key] for key in keys]
        records.extend(batch_records)
        strategy.tell(batch, objective_matrix(space, batch_records))
    matrix = objective_matrix(space, records)
    front = tuple(int(i) for i in np.flatnonzero(pareto_mask(matrix))) if len(records) else ()
    return ExplorationResult(space, tuple(records), matrix, front, from_store)
