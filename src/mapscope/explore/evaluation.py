"""From designs to result records: run the engine, then apply the space's constraints.

`evaluate_designs` is the unit of work executors ship to workers: a pure function of the space and a
list of design points, returning one DesignRecord per point (metrics, feasible, and which constraint
removed it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mapscope.explore.engines import ENGINES
from mapscope.explore.metrics import design_metrics
from mapscope.explore.search import Value
from mapscope.explore.space import DesignSpace
from mapscope.formats.results.store import DesignRecord, design_key


def _parameter_column(points: Sequence[dict[str, Value]], name: str) -> np.ndarray:
    return np.array([float(p[name]) if isinstance(p[name], (int, float)) else np.nan for p in points])


def violations(space: DesignSpace, points: Sequence[dict[str, Value]], metrics: dict[str, np.ndarray]) -> list[str | None]:
    """Per design, the first constraint it breaks (with its value), or None; an objective that is not a
    finite number breaks one too, as such a design cannot be ranked."""
    found: list[str | None] = [None] * len(points)
    checks: list[tuple[str, np.ndarray, np.ndarray]] = []
    for constraint in space.constraints:
        values = metrics[constraint.metric] if constraint.metric in metrics else _parameter_column(points, constraint.metric)
        checks.append((constraint.describe(), constraint.violated(values), values))
    if space.buffers_fit:
        for level in ("l1", "l2"):
            required, capacity = metrics.get(f"{level}_size_req_elems"), metrics.get(f"{level}_size_elems")
            if required is not None and capacity is not None:
                checks.append((f"{level.upper()} requirement <= {level.upper()} size", required > capacity, required))
    for objective in space.objectives:  # a design that cannot be ranked (a metric nan, or weights overflowing)
        values = objective.values(metrics)
        checks.append((objective.finite_label, ~np.isfinite(values), values))
    for label, bad, values in checks:
        for index in np.flatnonzero(bad):
            if found[index] is None:
                found[index] = f"{label} (is {values[index]:g})"
    return found


def evaluate_designs(space: DesignSpace, points: Sequence[dict[str, Value]]) -> list[DesignRecord]:
    """One record per point: its metrics, and whether it is feasible (engine error or broken constraint)."""
    if not points:
        return []
    batch = ENGINES[space.engine].evaluate(space.workload, points)
    broken = violations(space, points, batch.metrics)
    records = []
    for index, (point, metrics) in enumerate(zip(points, design_metrics(batch))):
        violation = batch.errors[index] or broken[index]
        records.append(DesignRecord(design_key(point), dict(point), metrics, violation is None, violation))
    return records


def objective_matrix(space: DesignSpace, records: Sequence[DesignRecord]) -> np.ndarray:
    """(designs x objectives), minimised; infeasible designs are rows of +inf."""
    if not records:
        return np.zeros((0, len(space.objectives)))
    names = {metric for objective in space.objectives for metric in objective.metrics}
    metrics = {name: np.array([r.metrics.get(name, np.nan) for r in records], dtype=np.float64) for name in names}
    matrix = np.stack([objective.values(metrics) for objective in space.objectives], axis=1)
    feasible = np.array([r.feasible for r in records])
    matrix[~feasible] = np.inf
    matrix[np.isnan(matrix).any(axis=1)] = np.inf
    return matrix
