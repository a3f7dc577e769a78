"""Pareto front, front ranks and crowding distance against brute-force definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.optimization.pareto import (
    crowding_distance,
    dominates,
    non_dominated_ranks,
    pareto_mask,
)

INFEASIBLE = (float("nan"), float("inf"))


def brute_force_front(matrix: np.ndarray) -> np.ndarray:
    """O(n^2) definition: feasible rows that no feasible row is <= everywhere and < somewhere."""
    feasible = ~(np.isnan(matrix) | np.isposinf(matrix)).any(axis=1)
    front = np.zeros(matrix.shape[0], dtype=bool)
    for i in np.flatnonzero(feasible):
        front[i] = not any(
            np.all(matrix[j] <= matrix[i]) and np.any(matrix[j] < matrix[i]) for j in np.flatnonzero(feasible)
        )
    return front


def brute_force_ranks(matrix: np.ndarray) -> np.ndarray:
    """Front ranks by peeling brute-force fronts; infeasible rows last."""
    ranks = np.full(matrix.shape[0], -1)
    remaining = np.flatnonzero(~(np.isnan(matrix) | np.isposinf(matrix)).any(axis=1))
    rank = 0
    while remaining.size:
        front = brute_force_front(matrix[remaining])
        ranks[remaining[front]] = rank
        remaining = remaining[~front]
        rank += 1
    ranks[ranks < 0] = rank
    return ranks


@st.composite
def objective_matrices(draw: st.DrawFn, max_objectives: int = 3, infeasible: bool = True) -> np.ndarray:
    """Small integer matrices with many ties and duplicates, optionally with infeasible rows."""
    objectives = draw(st.integers(1, max_objectives))
    values = st.integers(0, 4).map(float)
    if infeasible:
        values = st.one_of(values, values, values, values, values, st.sampled_from(INFEASIBLE))
    rows = draw(st.lists(st.lists(values, min_size=objectives, max_size=objectives), max_size=40))
    return np.array(rows, dtype=float).reshape(len(rows), objectives)


@given(objective_matrices())
@settings(max_examples=examples(300), deadline=None)
def test_pareto_mask_matches_brute_force(matrix: np.ndarray) -> None:
    assert np.array_equal(pareto_mask(matrix), brute_force_front(matrix))


@given(objective_matrices())
@settings(max_examples=examples(300), deadline=None)
def test_ranks_match_brute_force_peeling(matrix: np.ndarray) -> None:
    assert np.array_equal(non_dominated_ranks(matrix), brute_force_ranks(matrix))


@given(objective_matrices())
@settings(max_examples=examples(200), deadline=None)
def test_crowding_distance_is_nonnegative_with_infinite_extremes(matrix: np.ndarray) -> None:
    distance = crowding_distance(matrix)
    feasible = ~(np.isnan(matrix) | np.isposinf(matrix)).any(axis=1)
    assert np.all(distance >= 0)
    assert np.all(distance[~feasible] == 0)
    if feasible.any():
        for column in matrix[feasible].T:
            feasible_distance = distance[feasible]
            assert np.isinf(feasible_distance[column == column.min()]).any()
            assert np.isinf(feasible_distance[column == column.max()]).any()


def test_two_objective_sweep_agrees_with_general_method_on_real_values() -> None:
    rng = np.random.default_rng(7)
    points = rng.random((3000, 2)).round(2)
    with_third = np.column_stack([points, np.zeros(len(points))])  # a constant third objective changes nothing
    assert np.array_equal(pareto_mask(points), pareto_mask(with_third))
    assert np.array_equal(non_dominated_ranks(points), non_dominated_ranks(with_third))


def test_identical_rows_both_stay_on_the_front() -> None:
    assert pareto_mask([[1, 2], [1, 2], [2, 3]]).tolist() == [True, True, False]
    assert pareto_mask([[1, 1, 1], [1, 1, 1]]).tolist() == [True, True]


def test_single_objective_front_is_every_row_at_the_minimum() -> None:
    assert pareto_mask([[3.0], [1.0], [1.0], [np.nan], [2.0]]).tolist() == [False, True, True, False, False]
    assert non_dominated_ranks([[3.0], [1.0], [np.inf], [2.0], [1.0]]).tolist() == [2, 0, 3, 1, 0]


def test_infeasible_rows_never_dominate() -> None:
    matrix = [[np.inf, 0.0], [np.nan, 0.0], [5.0, 5.0]]
    assert pareto_mask(matrix).tolist() == [False, False, True]
    assert non_dominated_ranks(matrix).tolist() == [1, 1, 0]
    assert not pareto_mask([[np.inf, 1.0], [1.0, np.nan]]).any()
    assert non_dominated_ranks([[np.inf], [np.nan]]).tolist() == [0, 0]


def test_empty_input_gives_empty_results() -> None:
    empty = np.empty((0, 2))
    assert pareto_mask(empty).shape == (0,)
    assert non_dominated_ranks(empty).shape == (0,)
    assert crowding_distance(empty).shape == (0,)


def test_matrix_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="matrix"):
        pareto_mask([1.0, 2.0])
    with pytest.raises(ValueError, match="matrix"):
        non_dominated_ranks(np.empty((3, 0)))


def test_dominates() -> None:
    assert dominates([1, 2], [1, 3])
    assert not dominates([1, 2], [1, 2])
    assert not dominates([1, 3], [2, 2])
    assert dominates([1, 2], [np.inf, 0])  # a feasible design beats an infeasible one
    assert not dominates([np.nan, 0], [5, 5])
    with pytest.raises(ValueError, match="length"):
        dominates([1, 2], [1, 2, 3])


def test_crowding_distance_of_a_known_front() -> None:
    front = [[0.0, 4.0], [1.0, 2.0], [3.0, 1.0], [4.0, 0.0]]
    # interior: (3 - 0) / 4 + (4 - 1) / 4 = 1.5 and (4 - 1) / 4 + (2 - 0) / 4 = 1.25
    assert crowding_distance(front).tolist() == [np.inf, 1.5, 1.25, np.inf]
    assert crowding_distance([[1.0, 1.0], [2.0, 0.0]]).tolist() == [np.inf, np.inf]
