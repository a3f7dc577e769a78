"""Running one-layer searches: the strategy by name, and many distinct layers in this process or on a
local process pool (workers end with the run; see `run_searches`)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_random import random_search
from mapscope.mapper.search_result import MappingProblem, SearchResult
from mapscope.worker_lifetime import end_with_parent

#: The strategies a network search runs per layer, by name.
STRATEGIES = ("exhaustive", "random", "genetic")

#: Called in each new worker with the pid of the process that owns the pool (e.g. to end with it when it
#: is killed); the pool's own shutdown ends the workers whenever the run ends normally or by an exception.


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
    random and genetic spend the budget (warm starts included)."""
    if search.strategy == "exhaustive":
        return exhaustive_search(search.problem, max_mappings=search.budget)
    if search.strategy == "random":
        return random_search(search.problem, budget=search.budget, seed=search.seed)
    if search.strategy == "genetic":
        return genetic_search(search.problem, budget=search.budget, seed=search.seed)
    raise InputError(f"unknown strategy {search.strategy!r}; use {', '.join(STRATEGIES)}", "strategy")


def run_searches(searches: Sequence[LayerSearch], workers: int = 1) -> Iterator[tuple[int, SearchResult]]:
    """(position, result) of every search, in completion order: in this process with one worker, else on
    a pool of min(workers, searches) processes, shut down (pending searches cancelled) when the caller
    stops or a search raises."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"needs at least one worker, got {workers!r}", "workers")
    if workers == 1 or len(searches) <= 1:
        for position, search in enumerate(searches):
            yield position, run_search(search)
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(searches)), initializer=_start_worker, initargs=(os.getpid(),))
    futures: dict[Future[SearchResult], int] = {}
    try:
        futures = {pool.submit(run_search, search): position for position, search in enumerate(searches)}
        for future in as_completed(futures):
            yield futures[future], future.result()
    except BrokenProcessPool:
        raise InputError("a worker process died (killed, or out of memory)", "workers") from None
    finally:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(owner_pid: int) -> None:
    """A worker's start: it ends with the process `owner_pid` however that one ends (mapscope.worker_lifetime);
    Ctrl-C is left to the parent (a terminal sends
    it to the whole process group; the parent shuts the pool down) and SIGTERM ends the worker quietly."""
    end_with_parent(owner_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
