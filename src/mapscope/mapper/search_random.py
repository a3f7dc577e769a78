"""Random search: members drawn uniformly from the space (`sample_mapping`), evaluated in batches until a
budget of evaluations is spent, after the warm starts. Seeded: the same seed gives the same result."""

from __future__ import annotations

import numpy as np

from mapscope.errors import InputError
from mapscope.mapper.counting import sample_mapping
from mapscope.mapper.search_log import SearchLog, layer_objective_bound
from mapscope.mapper.search_result import MappingProblem, SearchResult

#: Members drawn per batch unless asked otherwise.
RANDOM_BATCH_MAPPINGS = 512


def random_search(problem: MappingProblem, *, budget: int, seed: int = 0, batch_mappings: int = RANDOM_BATCH_MAPPINGS) -> SearchResult:
    """The best feasible mapping among the warm starts and uniform samples, `budget` evaluations in all
    (the warm starts are always evaluated). Certified only when it reaches the layer's lower bound."""
    if budget < 1 or batch_mappings < 1:
        raise InputError(f"the budget and the batch size must be positive, got {budget} and {batch_mappings}", problem.space.where)
    rng = np.random.default_rng(seed)
    log = SearchLog(problem)
    log.evaluate_starts(problem.warm_starts())
    while log.evaluated < budget:
        count = min(batch_mappings, budget - log.evaluated)
        log.evaluate_choices([sample_mapping(problem.space, rng) for _ in range(count)])
    return log.result("random", False, layer_objective_bound(problem))
