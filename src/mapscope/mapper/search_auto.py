"""The default-budget search that is both fast and good: a short genetic search finds a strong member
quickly, and the exhaustive search, seeded with it as its incumbent, spends the rest of the budget
pruning and enumerating, so that it certifies the layers it can finish and keeps the genetic best on the others."""

from __future__ import annotations

from dataclasses import replace

from mapscope.errors import InputError
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_result import MappingProblem, SearchResult

#: The share of an auto search's budget its genetic phase spends (the exhaustive phase gets the rest). On
#: MobileNet-V2 at the default budget (`benchmarks/mapper_networks.py`) 0.3, 0.15 and 0 certify the same 43
#: of 62 layer searches; the network's runtime is 1.436e6, 1.463e6 and 1.545e6 cycles and the median search
#: 1.76, 1.46 and 1.17 s: the genetic phase finds what the exhaustive one cannot reach in its budget, on
#: depthwise layers, and half of it keeps most of that.
GENETIC_SHARE = 0.15


def auto_search(problem: MappingProblem, *, budget: int, seed: int = 0, genetic_share: float = GENETIC_SHARE) -> SearchResult:
    """The better of a seeded genetic search on `genetic_share` of `budget` evaluations and the exhaustive
    search that starts from its best with what remains (at least one evaluation each; a share of 0: the
    exhaustive search alone): certified optimal when the exhaustive phase finishes, with its lower bound
    otherwise; counts and seconds are both phases'."""
    if budget < 1:
        raise InputError(f"the budget must be positive, got {budget}", problem.space.where)
    if not 0 <= genetic_share < 1:
        raise InputError(f"the genetic share lies in [0, 1), got {genetic_share}", problem.space.where)
    if genetic_share == 0:  # no genetic phase: the exhaustive search starts from the warm starts' descent
        return replace(exhaustive_search(problem, max_mappings=budget), strategy="auto")
    genetic = genetic_search(problem, budget=max(1, round(genetic_share * budget)), seed=seed)
    remaining = max(1, budget - genetic.mappings_evaluated)
    exhaustive = exhaustive_search(problem, max_mappings=remaining, incumbents=(genetic.best,))
    return replace(
        exhaustive,
        strategy="auto",
        mappings_evaluated=genetic.mappings_evaluated + exhaustive.mappings_evaluated,
        seconds=genetic.seconds + exhaustive.seconds,
    )
