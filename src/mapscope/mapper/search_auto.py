"""The default search: the exhaustive search from the templates' descent where its tile bounds prune and
certify, after a short genetic search whose best becomes its incumbent where they do not (compatibility
mode, imperfect tiles, objectives the bounds do not cover): there the exhaustive search enumerates whole
subspaces in bound order, and the genetic search's members from all over the space find feasible and
better members within a small budget (docs/mapper-search.md, Auto search)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mapscope.errors import InputError
from mapscope.mapper.mapping_objectives import objective_bounds
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_result import MappingProblem, SearchResult
from mapscope.mapper.tile_bounds import TileBounds

#: The share of an auto search's budget a genetic phase spends first where the exhaustive search has no tile
#: bounds (the exhaustive phase gets the rest). In compatibility mode, with nothing to prune members that
#: overflow L1, a budget of 40 found no fitting member of a small CONV without it (`tests/test_cli_map.py`).
UNTILED_GENETIC_SHARE = 0.15


def default_genetic_share(problem: MappingProblem) -> float:
    """0 where the exhaustive search has tile bounds for the problem, UNTILED_GENETIC_SHARE elsewhere. With
    them, on the zoo's ResNet-50, VGG-16 and MobileNet-V2 at the default budget (`benchmarks/mapper_networks.py`,
    the share patched), 0 certifies 127 of 134 layer searches in a median 0.76 s and 0.15 certifies 126
    (ResNet-50 runtime: 21 of 24 against 23) in more time, for the same network values: the genetic phase
    paid there only while the depthwise layers' bounds were loose (then 0.3, 0.15 and 0 certified the same 43
    of MobileNet-V2's 62, and 0 left its runtime 5.6% higher)."""
    tiled = TileBounds.of(problem.space) is not None and objective_bounds(problem.objective, np.zeros(1), 0.0) is not None
    return 0.0 if tiled else UNTILED_GENETIC_SHARE


def auto_search(problem: MappingProblem, *, budget: int, seed: int = 0, genetic_share: float | None = None) -> SearchResult:
    """The better of a seeded genetic search on `genetic_share` of `budget` evaluations (None: the problem's
    `default_genetic_share`) and the exhaustive search that starts from its best with what remains (at least
    one evaluation each; a share of 0: the exhaustive search alone): certified optimal when the exhaustive
    phase finishes, with its lower bound otherwise; counts and seconds are both phases'."""
    if genetic_share is None:
        genetic_share = default_genetic_share(problem)
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
