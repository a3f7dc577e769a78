"""Genetic search in GAMMA's style: a population of members evolved by crossover and mutation
(`mapper.genetic_operators`), with elitism, evaluated generation by generation in batches.

The first population holds the warm starts and uniform samples; each generation keeps the `elite` best
members and fills the rest with children of parents drawn from the better half. A member is evaluated
once (its score is remembered), so `mappings_evaluated` counts distinct members; the search stops when
the budget is spent or a generation brings no new member. Seeded: the same seed gives the same result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mapscope.errors import InputError
from mapscope.mapper.counting import sample_mapping
from mapscope.mapper.genetic_operators import MUTATIONS, crossover
from mapscope.mapper.search_log import SearchLog, layer_objective_bound
from mapscope.mapper.search_result import MappingProblem, SearchResult
from mapscope.mapper.space import MappingChoice


@dataclass(frozen=True)
class GeneticSettings:
    """Population size, elites kept per generation, and the chance of a crossover and of each mutation."""

    population: int = 100
    elite: int = 10
    crossover_rate: float = 0.5
    mutation_rate: float = 0.3

    def __post_init__(self) -> None:
        if self.population < 2 or not 1 <= self.elite < self.population:
            raise InputError(f"a population of at least 2 with 1 to population - 1 elites, got {self.population} and {self.elite}", "genetic search")
        if not (0 <= self.crossover_rate <= 1 and 0 <= self.mutation_rate <= 1):
            raise InputError("crossover and mutation rates lie in [0, 1]", "genetic search")


def genetic_search(problem: MappingProblem, *, budget: int, seed: int = 0, settings: GeneticSettings = GeneticSettings()) -> SearchResult:
    """The best feasible member found by evolving the warm starts and random members, at most `budget`
    evaluations after the warm starts' (which always run). Certified only when it reaches the layer's bound."""
    if budget < 1:
        raise InputError(f"the budget must be positive, got {budget}", problem.space.where)
    space = problem.space
    rng = np.random.default_rng(seed)
    log = SearchLog(problem)
    starts = problem.warm_starts()
    scores: dict[MappingChoice, float] = {}
    for (_, choice), value in zip(starts, log.evaluate_starts(starts)):
        scores[choice] = float(value)
    population = list(dict.fromkeys(choice for _, choice in starts))
    fresh = _distinct([sample_mapping(space, rng) for _ in range(max(0, settings.population - len(population)))], scores)
    _score(log, fresh[: max(0, budget - log.evaluated)], scores)
    population += [choice for choice in fresh if choice in scores]
    while log.evaluated < budget and population:
        ranked = sorted(population, key=lambda choice: scores[choice])  # stable: ties keep their order
        elites = ranked[: settings.elite]
        parents = ranked[: max(2, len(ranked) // 2)]
        children: dict[MappingChoice, None] = {}
        wanted = min(settings.population - len(elites), budget - log.evaluated)
        for _ in range(20 * settings.population):
            if len(children) >= wanted:
                break
            child = parents[int(rng.integers(len(parents)))]
            if rng.random() < settings.crossover_rate:
                child = crossover(space, child, parents[int(rng.integers(len(parents)))], rng)
            for mutation in MUTATIONS:
                if rng.random() < settings.mutation_rate:
                    child = mutation(space, child, rng)
            if child not in scores:
                children[child] = None
        if not children:
            break  # converged: no new member within reach of the operators
        _score(log, list(children), scores)
        population = elites + list(children)
    return log.result("genetic", False, layer_objective_bound(problem))


def _distinct(choices: list[MappingChoice], scores: dict[MappingChoice, float]) -> list[MappingChoice]:
    """`choices` without repeats and without members already scored, in order."""
    return [choice for choice in dict.fromkeys(choices) if choice not in scores]


def _score(log: SearchLog, choices: list[MappingChoice], scores: dict[MappingChoice, float]) -> None:
    """Evaluate `choices` in batches and remember each one's value."""
    for choice, value in zip(choices, log.evaluate_choices(choices)):
        scores[choice] = float(value)
