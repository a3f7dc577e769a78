"""Running one-layer searches: the strategy by name, and many distinct layers in this process, on a local
process pool or on a Dask cluster (`mapscope.task_pools`; see `run_searches`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mapscope.errors import InputError
from mapscope.mapper.search_auto import auto_search
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_random import random_search
from mapscope.mapper.search_result import MappingProblem, SearchResult
from mapscope.task_pools import task_pool

#: The strategies a network search runs per layer, by name.
STRATEGIES = ("exhaustive", "random", "genetic", "auto")


@dataclass(frozen=True)
class LayerSearch:
    """One distinct layer's search: the problem, the strategy, its budget of evaluations and its seed."""

    problem: MappingProblem
    strategy: str
    budget: int
    seed: int


def check_strategy(strategy: str, budget: int) -> None:
    """InputError unless `strategy` is known and `budget` (evaluations per layer) is positive."""
    if strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; use {', '.join(STRATEGIES)}", "strategy")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise InputError(f"must be a positive number of mappings, got {budget!r}", "budget per layer")


def run_search(search: LayerSearch) -> SearchResult:
    """The search's result: exhaustive stops after `budget` evaluations (certified if it finishes first);
    random and genetic spend the budget (warm starts included); auto splits it (`search_auto`)."""
    if search.strategy == "exhaustive":
        return exhaustive_search(search.problem, max_mappings=search.budget)
    if search.strategy == "random":
        return random_search(search.problem, budget=search.budget, seed=search.seed)
    if search.strategy == "genetic":
        return genetic_search(search.problem, budget=search.budget, seed=search.seed)
    if search.strategy == "auto":
        return auto_search(search.problem, budget=search.budget, seed=search.seed)
    raise InputError(f"unknown strategy {search.strategy!r}; use {', '.join(STRATEGIES)}", "strategy")


def _run_search(shared: None, search: LayerSearch) -> SearchResult:
    """A pool's task (`mapscope.task_pools`): the search, by the module's `run_search`."""
    return run_search(search)


def run_searches(searches: Sequence[LayerSearch], workers: int = 1, scheduler: Any = None) -> Iterator[tuple[int, SearchResult]]:
    """(position, result) of every search, in completion order: on a Dask cluster when a `scheduler`
    (address or `distributed.Client`) is given, else in this process with one worker or on a pool of
    min(workers, searches) processes; the pool is shut down (pending searches cancelled) when the caller
    stops or a search raises, and a lost worker is `mapscope.task_pools.WorkerLost`."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"needs at least one worker, got {workers!r}", "workers")
    count = workers if scheduler is not None else min(workers, max(1, len(searches)))  # workers and a scheduler: an error
    with task_pool(count, scheduler) as pool:
        yield from pool.run(_run_search, searches)
