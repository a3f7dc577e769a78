"""The default search: the exhaustive search from the templates' descent, certified on the layers it can
finish in its budget; optionally after a short genetic search whose best becomes its incumbent, which pays
where the exhaustive search cannot come near the optimum in its budget (docs/mapper-search.md, Auto search)."""

from __future__ import annotations

from dataclasses import replace

from mapscope.errors import InputError
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_result import MappingProblem, SearchResult

#: The share of an auto search's budget a genetic phase spends first (the exhaustive phase gets the rest).
#: On the zoo's ResNet-50, VGG-16 and MobileNet-V2 at the default budget (`benchmarks/mapper_networks.py`,
#: the share patched) 0 certifies 127 of 134 layer searches in a median 0.76 s and 0.15 certifies fewer
#: (ResNet-50 runtime: 21 of 24 against 23) in more time, with the same network values: the genetic phase
#: paid only while the depthwise layers' bounds were loose (then, 0.3, 0.15 and 0 certified the same 43 of
#: MobileNet-V2's 62, and 0 left its runtime 5.6% higher).
GENETIC_SHARE = 0.0


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
