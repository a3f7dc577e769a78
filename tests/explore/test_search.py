"""Search strategies: grid order, random sampling without replacement, the evolutionary search, errors."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.errors import InputError
from mapscope.explore.search import (
    Choices,
    EvolutionarySearch,
    GridSearch,
    Point,
    RandomSearch,
    Strategy,
    make_strategy,
    space_size,
)

SMALL: Choices = {"pe_count": [16, 64, 256], "dataflow": ["ws", "os"], "simd": [True, False], "bw": [1.5, 3.0]}
SEPARABLE: Choices = {f"tile_{j}": list(range(10)) for j in range(4)}
SEPARABLE_TARGET = np.array([3, 7, 0, 9])
HUGE: Choices = {f"p{j}": list(range(1000)) for j in range(8)}  # 10**24 points, beyond int64

Objective = Callable[[list[Point]], np.ndarray]


def product_points(choices: Choices) -> list[Point]:
    """The full product in the documented order, for small spaces only."""
    names = list(choices)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices.values())]


def key(point: Point) -> tuple[object, ...]:
    """A hashable form of a point (the parameter order is fixed)."""
    return tuple(point.values())


def separable_distance(points: list[Point]) -> np.ndarray:
    """Sum over parameters of |index - target|: optimum 0, one objective."""
    digits = np.array([[point[f"tile_{j}"] for j in range(4)] for point in points])
    return np.abs(digits - SEPARABLE_TARGET).sum(axis=1, keepdims=True).astype(float)


def run(strategy: Strategy, objective: Objective) -> tuple[list[Point], np.ndarray]:
    """Drive a strategy to the end, returning every asked point and its objectives."""
    asked: list[Point] = []
    scores: list[np.ndarray] = []
    while points := strategy.ask():
        objectives = objective(points)
        strategy.tell(points, objectives)
        asked += points
        scores.append(objectives)
    return asked, np.concatenate(scores) if scores else np.empty((0, 1))


def no_objective(points: list[Point]) -> np.ndarray:
    """Zeros, for strategies that ignore results."""
    return np.zeros((len(points), 1))


def test_space_size_is_exact() -> None:
    assert space_size(SMALL) == 24
    assert space_size(HUGE) == 10**24


@pytest.mark.parametrize("batch_size", [1, 5, 24, 100])
def test_grid_enumerates_the_product_in_order(batch_size: int) -> None:
    asked, _ = run(GridSearch(SMALL, None, batch_size), no_objective)
    assert asked == product_points(SMALL)


def test_grid_respects_the_budget_and_batch_size() -> None:
    grid = GridSearch(SMALL, budget=7, batch_size=3)
    batches = [grid.ask() for _ in range(4)]
    assert [len(batch) for batch in batches] == [3, 3, 1, 0]
    assert sum(batches, []) == product_points(SMALL)[:7]


def test_grid_walks_huge_spaces_lazily() -> None:
    grid = GridSearch(HUGE, budget=10**20, batch_size=2)
    assert [point["p7"] for point in grid.ask() + grid.ask()] == [0, 1, 2, 3]
    assert all(point["p0"] == 0 for point in grid.ask())


def test_random_points_are_distinct_within_the_product_and_capped() -> None:
    asked, _ = run(RandomSearch(SMALL, budget=1000, batch_size=5, seed=3), no_objective)
    assert len(asked) == 24
    assert sorted(map(key, asked), key=repr) == sorted(map(key, product_points(SMALL)), key=repr)


def test_random_is_reproducible_and_seeded() -> None:
    space: Choices = {f"p{j}": list(range(100)) for j in range(6)}  # 10**12 points
    first, _ = run(RandomSearch(space, budget=300, batch_size=64, seed=11), no_objective)
    again, _ = run(RandomSearch(space, budget=300, batch_size=7, seed=11), no_objective)
    other, _ = run(RandomSearch(space, budget=300, batch_size=64, seed=12), no_objective)
    assert first == again
    assert first != other
    assert len(first) == len({key(point) for point in first}) == 300
    assert all(point[name] in space[name] for point in first for name in space)


def test_random_covers_the_space_roughly_uniformly() -> None:
    space: Choices = {"a": list(range(10)), "b": list(range(10))}
    counts = np.zeros((10, 10))
    for seed in range(200):
        for point in RandomSearch(space, budget=10, batch_size=10, seed=seed).ask():
            counts[int(point["a"]), int(point["b"])] += 1
    assert counts.sum() == 2000
    assert counts.min() > 5 and counts.max() < 40  # expected 20 per cell


def test_random_works_beyond_int64_products() -> None:
    asked, _ = run(RandomSearch(HUGE, budget=500, batch_size=128, seed=1), no_objective)
    again, _ = run(RandomSearch(HUGE, budget=500, batch_size=128, seed=1), no_objective)
    assert asked == again
    assert len({key(point) for point in asked}) == 500


def test_evolve_never_repeats_and_respects_the_budget() -> None:
    asked, _ = run(EvolutionarySearch(SEPARABLE, budget=400, seed=5, population=32), separable_distance)
    assert len(asked) == 400
    assert len({key(point) for point in asked}) == 400


def test_evolve_is_reproducible() -> None:
    first, _ = run(EvolutionarySearch(SEPARABLE, budget=200, seed=9, population=16), separable_distance)
    again, _ = run(EvolutionarySearch(SEPARABLE, budget=200, seed=9, population=16), separable_distance)
    other, _ = run(EvolutionarySearch(SEPARABLE, budget=200, seed=10, population=16), separable_distance)
    assert first == again
    assert first != other


def test_evolve_beats_random_search_on_a_separable_objective() -> None:
    _, evolved = run(EvolutionarySearch(SEPARABLE, budget=400, seed=1, population=32), separable_distance)
    random_bests = [
        run(RandomSearch(SEPARABLE, budget=400, batch_size=64, seed=seed), separable_distance)[1].min()
        for seed in range(10)
    ]
    assert evolved.min() <= 1
    assert evolved.min() < np.mean(random_bests) - 1


def test_evolve_with_two_objectives_and_infeasible_designs() -> None:
    def two_objectives(points: list[Point]) -> np.ndarray:
        distance = separable_distance(points)[:, 0]
        size = np.array([sum(int(value) for value in point.values()) for point in points], dtype=float)
        objectives = np.column_stack([distance, size])
        objectives[size > 30] = np.inf  # too large to build
        return objectives

    asked, objectives = run(EvolutionarySearch(SEPARABLE, budget=300, seed=2), two_objectives)
    assert len(asked) == len({key(point) for point in asked}) == 300
    assert np.isfinite(objectives).all(axis=1).sum() > 150


def test_evolve_finishes_when_the_space_is_exhausted() -> None:
    search = EvolutionarySearch(SMALL, budget=100, seed=0, population=10)
    asked, _ = run(search, lambda points: np.random.default_rng(len(points)).random((len(points), 1)))
    assert len(asked) == 24
    assert sorted(map(key, asked), key=repr) == sorted(map(key, product_points(SMALL)), key=repr)
    assert search.ask() == []


def test_evolve_searches_huge_spaces() -> None:
    def spread(points: list[Point]) -> np.ndarray:
        return np.array([[float(np.std([int(value) for value in point.values()]))] for point in points])

    asked, objectives = run(EvolutionarySearch(HUGE, budget=200, seed=4, population=20), spread)
    assert len({key(point) for point in asked}) == 200
    assert objectives[-20:].min() < objectives[:20].min()


@given(
    radices=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    budget=st.integers(1, 80),
    population=st.integers(2, 12),
    seed=st.integers(0, 2**32),
)
@settings(max_examples=examples(60), deadline=None)
def test_evolve_asks_each_point_once_up_to_the_budget(
    radices: list[int], budget: int, population: int, seed: int
) -> None:
    choices: Choices = {f"p{j}": list(range(radix)) for j, radix in enumerate(radices)}
    search = EvolutionarySearch(choices, budget, seed, population)
    asked, _ = run(search, lambda points: np.array([[hash(key(point)) % 7] for point in points], dtype=float))
    assert len(asked) == len({key(point) for point in asked}) == min(budget, space_size(choices))


def test_evolve_requires_tell_between_asks() -> None:
    search = EvolutionarySearch(SEPARABLE, budget=100, seed=0, population=8)
    with pytest.raises(RuntimeError, match="tell"):
        search.tell([], np.empty((0, 1)))
    points = search.ask()
    with pytest.raises(RuntimeError, match="tell"):
        search.ask()
    with pytest.raises(ValueError, match="expected objectives"):
        search.tell(points, np.zeros((len(points) - 1, 1)))
    with pytest.raises(ValueError, match="same order"):
        search.tell(points[::-1], separable_distance(points))
    search.tell(points, separable_distance(points))
    assert len(search.ask()) == 8


def test_make_strategy_builds_each_strategy() -> None:
    assert isinstance(make_strategy("grid", SMALL, 5, 0, 2), GridSearch)
    assert isinstance(make_strategy("random", SMALL, 5, 0, 2), RandomSearch)
    assert isinstance(make_strategy("evolve", SMALL, 5, 0, 2), EvolutionarySearch)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: make_strategy("anneal", SMALL, 10, 0, 4), "grid, random, evolve"),
        (lambda: make_strategy("grid", {}, 10, 0, 4), "no parameters"),
        (lambda: make_strategy("grid", {"pe_count": []}, 10, 0, 4), "parameter pe_count: has no candidate values"),
        (lambda: make_strategy("random", {"pe_count": [1, 2, 1]}, 10, 0, 4), "repeat"),
        (lambda: make_strategy("random", {"pe_count": "abc"}, 10, 0, 4), "must be a list"),
        (lambda: make_strategy("random", {"pe_count": [[1]]}, 10, 0, 4), "not a number"),  # type: ignore[list-item]
        (lambda: make_strategy("grid", SMALL, 0, 0, 4), "budget"),
        (lambda: make_strategy("random", SMALL, -3, 0, 4), "budget"),
        (lambda: make_strategy("random", SMALL, 10, 0, 0), "batch size"),
        (lambda: make_strategy("random", SMALL, 10, -1, 4), "seed"),
        (lambda: make_strategy("evolve", SMALL, None, 0, 4), "needs a budget"),
        (lambda: make_strategy("evolve", SMALL, 10, 0, 4, population=1), "population"),
        (lambda: space_size({"simd": []}), "no candidate values"),
    ],
)
def test_invalid_input_raises_input_error(build: Callable[[], object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        build()
