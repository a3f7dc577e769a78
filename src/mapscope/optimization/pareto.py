"""Pareto dominance under minimisation: the non-dominated front, front ranks, NSGA-II crowding distance.

A row of an objectives matrix is one design; a row holding nan or +inf in any column is an infeasible
design, which is never on a front and never dominates anything (it ranks behind every feasible design).
"""

from __future__ import annotations

import bisect

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float64]
BoolVector = npt.NDArray[np.bool_]
IntVector = npt.NDArray[np.int64]
FloatVector = npt.NDArray[np.float64]


def dominates(a: npt.ArrayLike, b: npt.ArrayLike) -> bool:
    """True when `a` is no worse than `b` everywhere and better somewhere; feasible beats infeasible."""
    first = np.asarray(a, dtype=np.float64).reshape(-1)
    second = np.asarray(b, dtype=np.float64).reshape(-1)
    if first.shape != second.shape:
        raise ValueError(f"objective vectors differ in length: {first.size} and {second.size}")
    if not _feasible_rows(first[None, :])[0]:
        return False
    if not _feasible_rows(second[None, :])[0]:
        return True
    return bool(np.all(first <= second) and np.any(first < second))


def pareto_mask(objectives: npt.ArrayLike) -> BoolVector:
    """True for each feasible row that no other row dominates (identical rows all stay)."""
    matrix = _as_matrix(objectives)
    mask = np.zeros(matrix.shape[0], dtype=np.bool_)
    feasible = np.flatnonzero(_feasible_rows(matrix))
    if feasible.size:
        mask[feasible[_front(matrix[feasible])]] = True
    return mask


def non_dominated_ranks(objectives: npt.ArrayLike) -> IntVector:
    """Front number of each row: 0 is the Pareto front, 1 the front once rank 0 is removed, and so on.

    Infeasible rows all get the largest feasible rank plus one (0 when no row is feasible).
    """
    matrix = _as_matrix(objectives)
    ranks = np.zeros(matrix.shape[0], dtype=np.int64)
    is_feasible = _feasible_rows(matrix)
    points = matrix[is_feasible]
    if points.shape[1] == 1:
        feasible_ranks = np.unique(points[:, 0], return_inverse=True)[1].astype(np.int64).reshape(-1)
    elif points.shape[1] == 2:
        feasible_ranks = _ranks_two(points)
    else:
        feasible_ranks = _ranks_by_peeling(points)
    ranks[is_feasible] = feasible_ranks
    ranks[~is_feasible] = int(feasible_ranks.max()) + 1 if feasible_ranks.size else 0
    return ranks


def crowding_distance(objectives: npt.ArrayLike) -> FloatVector:
    """NSGA-II crowding distance of each row within the given set: larger means a less crowded design.

    Per objective, the extreme rows get inf and the others the normalised gap between their sorted
    neighbours; objectives with no spread add nothing. Infeasible rows get 0 and are left out.
    """
    matrix = _as_matrix(objectives)
    distance = np.zeros(matrix.shape[0], dtype=np.float64)
    feasible = np.flatnonzero(_feasible_rows(matrix))
    points = matrix[feasible]
    if feasible.size <= 2:
        distance[feasible] = np.inf
        return distance
    feasible_distance = np.zeros(feasible.size, dtype=np.float64)
    for column in points.T:
        order = np.argsort(column, kind="stable")
        sorted_values = column[order]
        spread = sorted_values[-1] - sorted_values[0]
        feasible_distance[order[[0, -1]]] = np.inf
        if np.isfinite(spread) and spread > 0:
            feasible_distance[order[1:-1]] += (sorted_values[2:] - sorted_values[:-2]) / spread
    distance[feasible] = feasible_distance
    return distance


def _as_matrix(objectives: npt.ArrayLike) -> FloatMatrix:
    """The objectives as a float (n, k) matrix with k >= 1, rejecting any other shape."""
    matrix = np.asarray(objectives, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] < 1:
        raise ValueError(f"objectives must be an (n, k) matrix with k >= 1, got shape {matrix.shape}")
    return matrix


def _feasible_rows(matrix: FloatMatrix) -> BoolVector:
    """True for rows free of nan and +inf, i.e. designs that were actually scored."""
    return np.asarray(~(np.isnan(matrix) | np.isposinf(matrix)).any(axis=1), dtype=np.bool_)


def _front(points: FloatMatrix) -> BoolVector:
    """Non-dominated mask of feasible points, choosing the fastest method for the number of objectives."""
    if points.shape[1] == 1:
        return np.asarray(points[:, 0] == points[:, 0].min(), dtype=np.bool_)
    if points.shape[1] == 2:
        return _front_two(points)
    return _front_many(points)


def _front_two(points: FloatMatrix) -> BoolVector:
    """Two-objective front by one sweep in (x, y) order: O(n log n), fully vectorised.

    Within a run of equal x only the rows with the run's smallest y can survive; they do when that y
    is strictly below every y seen at smaller x.
    """
    count = points.shape[0]
    order = np.lexsort((points[:, 1], points[:, 0]))
    x_sorted, y_sorted = points[order, 0], points[order, 1]
    run_starts = np.ones(count, dtype=np.bool_)
    run_starts[1:] = x_sorted[1:] != x_sorted[:-1]
    run_start = np.maximum.accumulate(np.where(run_starts, np.arange(count), 0))
    run_min_y = y_sorted[run_start]
    running_min_y = np.minimum.accumulate(y_sorted)
    best_y_before_run = np.full(count, np.inf)
    has_earlier_run = run_start > 0
    best_y_before_run[has_earlier_run] = running_min_y[run_start[has_earlier_run] - 1]
    on_front = np.empty(count, dtype=np.bool_)
    on_front[order] = (y_sorted == run_min_y) & (run_min_y < best_y_before_run)
    return on_front


def _front_many(points: FloatMatrix) -> BoolVector:
    """Front for any number of objectives by culling in lexicographic order.

    A dominator precedes what it dominates lexicographically, so once every earlier survivor has
    removed what it dominates, the next remaining point is on the front. Cost O(n * front size).
    """
    order = np.lexsort(points.T[::-1])
    remaining, candidates = order, points[order]
    position = 0
    while position < candidates.shape[0]:
        leader, tail = candidates[position], candidates[position + 1 :]
        dominated = np.all(tail >= leader, axis=1) & np.any(tail > leader, axis=1)
        if dominated.any():
            keep = np.concatenate([np.ones(position + 1, dtype=np.bool_), ~dominated])
            remaining, candidates = remaining[keep], candidates[keep]
        position += 1
    on_front = np.zeros(points.shape[0], dtype=np.bool_)
    on_front[remaining] = True
    return on_front


def _ranks_two(points: FloatMatrix) -> IntVector:
    """Two-objective front ranks in one (x, y)-ordered pass: O(n log n).

    A point's rank is one more than the highest rank among its dominators: the earlier-x points with
    y <= its y (found by bisecting the smallest y of each rank, which never decreases with rank) and
    the same-x points with smaller y.
    """
    order = np.lexsort((points[:, 1], points[:, 0]))
    x_sorted, y_sorted = points[order, 0].tolist(), points[order, 1].tolist()
    count = len(x_sorted)
    sorted_ranks = [0] * count
    lowest_y_of_rank: list[float] = []
    run_begin = 0
    while run_begin < count:
        run_end = run_begin
        while run_end < count and x_sorted[run_end] == x_sorted[run_begin]:
            run_end += 1
        highest_rank_below = -1
        for position in range(run_begin, run_end):
            y = y_sorted[position]
            if position > run_begin and y == y_sorted[position - 1]:
                sorted_ranks[position] = sorted_ranks[position - 1]
                continue
            if position > run_begin:
                highest_rank_below = sorted_ranks[position - 1]
            rank = max(bisect.bisect_right(lowest_y_of_rank, y), highest_rank_below + 1)
            sorted_ranks[position] = rank
        for position in range(run_begin, run_end):
            rank, y = sorted_ranks[position], y_sorted[position]
            if rank == len(lowest_y_of_rank):
                lowest_y_of_rank.append(y)
            elif y < lowest_y_of_rank[rank]:
                lowest_y_of_rank[rank] = y
        run_begin = run_end
    ranks = np.empty(count, dtype=np.int64)
    ranks[order] = sorted_ranks
    return ranks


def _ranks_by_peeling(points: FloatMatrix) -> IntVector:
    """Front ranks for any number of objectives by removing one front after another."""
    ranks = np.zeros(points.shape[0], dtype=np.int64)
    remaining = np.arange(points.shape[0])
    rank = 0
    while remaining.size:
        on_front = _front_many(points[remaining])
        ranks[remaining[on_front]] = rank
        remaining = remaining[~on_front]
        rank += 1
    return ranks
