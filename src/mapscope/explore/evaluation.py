"""From designs to evaluated columns: run the engine, then apply the space's constraints.

`evaluate_design_batch` is the unit of work executors ship to workers: a pure function of the space and
designs as columns (one array per parameter), returning a `DesignBatch` (metrics, whether the engine
evaluated each design, and which constraint removed it), with no object per design.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mapscope.explore.engines import ENGINES
from mapscope.explore.metrics import DesignColumns, Designs, design_columns
from mapscope.explore.space import DesignSpace
from mapscope.formats.results.store import DesignBatch, DesignRecord


def _parameter_column(columns: DesignColumns, name: str, count: int) -> np.ndarray:
    column = columns.get(name)
    if column is None:
        return np.full(count, np.nan)
    if column.dtype == object:
        return np.array([float(value) if isinstance(value, (int, float)) else np.nan for value in column.tolist()])
    return column.astype(np.float64)


def violations(space: DesignSpace, columns: DesignColumns, metrics: dict[str, np.ndarray], count: int) -> list[str | None]:
    """Per design, the first constraint it breaks (with its value), or None; an objective that is not a
    finite number breaks one too, as such a design cannot be ranked."""
    found: list[str | None] = [None] * count
    checks: list[tuple[str, np.ndarray, np.ndarray]] = []
    for constraint in space.constraints:
        values = metrics[constraint.metric] if constraint.metric in metrics else _parameter_column(columns, constraint.metric, count)
        checks.append((constraint.describe(), constraint.violated(values), values))
    for level in space.fitted_levels:
        required, capacity = metrics.get(f"{level}_size_req_elems"), metrics.get(f"{level}_size_elems")
        if required is not None and capacity is not None:
            checks.append((f"{level.upper()} requirement <= {level.upper()} size", required > capacity, required))
    for objective in space.objectives:  # a design that cannot be ranked (a metric nan, or weights overflowing)
        values = objective.values(metrics)
        checks.append((objective.finite_label, ~np.isfinite(values), values))
    for label, bad, values in checks:
        for index in np.flatnonzero(bad).tolist():
            if found[index] is None:
                found[index] = f"{label} (is {values[index]:g})"
    return found


def evaluate_design_batch(space: DesignSpace, designs: Designs) -> DesignBatch:
    """The designs evaluated: their metrics, and whether each is feasible (engine error or broken constraint)."""
    columns, count = design_columns(designs)
    batch = ENGINES[space.engine].evaluate(space.workload, columns)
    broken = violations(space, columns, batch.metrics, count)
    for index, error in batch.errors.items():
        broken[index] = error
    evaluated = batch.evaluated()
    metrics = batch.metrics
    if batch.errors:  # what the arrays hold for a design in error means nothing: make it plainly so
        failed = ~evaluated
        metrics = {name: _blanked(values, failed) for name, values in metrics.items()}
    feasible = np.fromiter((violation is None for violation in broken), dtype=np.bool_, count=count)
    return DesignBatch(columns, metrics, evaluated, tuple(broken), feasible)


def _blanked(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`values` with `rows` set to nan (floats) or 0 (counts)."""
    values = values.copy()
    values[rows] = np.nan if values.dtype.kind == "f" else 0
    return values


def evaluate_designs(space: DesignSpace, points: Designs) -> list[DesignRecord]:
    """One record per design: its metrics, and whether it is feasible (for callers with a few designs)."""
    if not len(points):
        return []
    return list(evaluate_design_batch(space, points).records())


def objective_matrix(space: DesignSpace, designs: DesignBatch | Sequence[DesignRecord]) -> np.ndarray:
    """(designs x objectives), minimised; infeasible designs are rows of +inf."""
    if not len(designs):
        return np.zeros((0, len(space.objectives)))
    names = {metric for objective in space.objectives for metric in objective.metrics}
    if isinstance(designs, DesignBatch):
        metrics = {name: np.asarray(designs.metrics[name], dtype=np.float64) if name in designs.metrics else np.full(len(designs), np.nan) for name in names}
        feasible = designs.feasible
    else:
        metrics = {name: np.array([r.metrics.get(name, np.nan) for r in designs], dtype=np.float64) for name in names}
        feasible = np.array([r.feasible for r in designs])
    matrix = np.stack([objective.values(metrics) for objective in space.objectives], axis=1)
    matrix[~feasible] = np.inf
    matrix[np.isnan(matrix).any(axis=1)] = np.inf
    return matrix
