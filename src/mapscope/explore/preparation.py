"""A design space made ready to search: the search settings a caller overrides, and the checks that refuse a
space before any work (a search too large, bounds no value meets, budgets the cheapest design exceeds).

Everything here runs before a store is created or touched, so a refused space costs nothing.
"""

from __future__ import annotations

from dataclasses import replace

from mapscope.errors import InputError
from mapscope.explore.engines import MONOTONE_COSTS, cheapest_design
from mapscope.explore.evaluation import evaluate_designs
from mapscope.explore.search import STRATEGY_NAMES
from mapscope.explore.space import DesignSpace, check_search_size, unmet_parameter_bound


def with_search_overrides(
    space: DesignSpace, *, strategy: str | None = None, budget: int | None = None, seed: int | None = None, where: str = "search"
) -> DesignSpace:
    """`space` with the given search settings replacing its own (None keeps the space's); `where` locates
    errors the space itself causes (an evolutionary search without a budget)."""
    search = space.search
    if strategy is not None:
        if strategy not in STRATEGY_NAMES:
            raise InputError(f"unknown strategy {strategy!r}; use {', '.join(STRATEGY_NAMES)}", "--strategy")
        search = replace(search, strategy=strategy)
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0:
            raise InputError(f"must be positive, got {budget}", "--budget")
        search = replace(search, budget=budget)
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InputError(f"must be non-negative, got {seed}", "--seed")
        search = replace(search, seed=seed)
    if search.strategy == "evolve" and search.budget is None:
        raise InputError("the evolutionary search needs a budget (search.budget or --budget)", where)
    return replace(space, search=search)


def checked_space(space: DesignSpace, where: str) -> DesignSpace:
    """`space` after the checks every search needs first: a search size the run can hold, and constraints
    some design can meet (`where` names the space in errors)."""
    check_search_size(space, where)
    check_satisfiable(space, f"{where}: constraints")
    return space


def check_satisfiable(space: DesignSpace, where: str = "constraints") -> None:
    """Refuse constraints that remove every design before any evaluation: bounds no parameter value meets,
    and area/power budgets the cheapest design of the space already exceeds."""
    problem = unmet_parameter_bound(space)
    if problem is not None:
        raise InputError(problem, where)
    budgets = [c for c in space.constraints if c.metric in MONOTONE_COSTS and c.maximum is not None]
    corner = cheapest_design(space) if budgets else None
    if corner is None:
        return
    record = evaluate_designs(space, [corner])[0]
    for constraint in budgets:
        value = record.metrics[constraint.metric]
        if value > constraint.maximum:  # type: ignore[operator]
            design = ", ".join(f"{name}={value}" for name, value in corner.items())
            raise InputError(
                f"constraint {constraint.describe()} removes every design: the cheapest one ({design}) already has "
                f"{constraint.metric} = {value:.4g}",
                where,
            )
