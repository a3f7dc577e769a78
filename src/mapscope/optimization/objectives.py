"""What a search minimises and what it must respect: objectives (one metric, or a weighted sum) and
constraints (bounds on a metric), built from a space file's entries with the names checked.

`explore` judges accelerators by them and the mapper judges mappings; both read metrics by the names of
the statistics schema (`runtime_cycles`, `energy_nj`, ...), with the shorthands of OBJECTIVE_ALIASES.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from mapscope.errors import InputError
from mapscope.formats.space_file import Bound, WeightedSum
from mapscope.limits import quoted

#: Objective names that are shorthands for a metric; maximised metrics are minimised as their negation.
OBJECTIVE_ALIASES = {
    "runtime": "runtime_cycles",
    "energy": "energy_nj",
    "edp": "edp_nj_cycles",
    "throughput_per_area": "throughput_macs_per_cycle_per_mm2",
    "area": "area_mm2",
    "power": "power_mw",
}
MAXIMISED_METRICS = frozenset({"throughput_macs_per_cycle", "throughput_macs_per_cycle_per_mm2", "utilization"})
#: The pseudo-constraint "every layer's L1/L2 requirement fits the design's L1/L2 capacity".
BUFFERS_FIT = "buffers_fit"


@dataclass(frozen=True)
class Constraint:
    """`minimum <= metric <= maximum` (either side optional); a design outside is infeasible."""

    metric: str
    minimum: float | None = None
    maximum: float | None = None

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:g} <= {self.metric} <= {self.maximum:g}"
        if self.maximum is not None:
            return f"{self.metric} <= {self.maximum:g}"
        return f"{self.metric} >= {self.minimum:g}"

    def violated(self, values: np.ndarray) -> np.ndarray:
        """True where `values` break the bound (nan breaks every bound)."""
        bad = np.isnan(values)
        if self.minimum is not None:
            bad |= values < self.minimum
        if self.maximum is not None:
            bad |= values > self.maximum
        return bad


@dataclass(frozen=True)
class Objective:
    """A quantity to minimise: one metric (negated when it is a throughput) or a weighted sum of metrics."""

    name: str
    terms: tuple[tuple[str, float], ...]

    def values(self, metrics: Mapping[str, np.ndarray]) -> np.ndarray:
        """The objective of each design; inf or nan where its weights overflow or a metric is undefined."""
        total = np.zeros_like(np.asarray(next(iter(metrics.values())), dtype=np.float64))
        with np.errstate(over="ignore", invalid="ignore"):
            for metric, weight in self.terms:
                total = total + weight * np.asarray(metrics[metric], dtype=np.float64)
        return total

    @property
    def finite_label(self) -> str:
        """The check a design breaks when this objective is not a finite number (it cannot be ranked)."""
        return f"{self.name} is a finite number"

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(metric for metric, _ in self.terms)


def objectives_from(entries: list[str | WeightedSum], known_metrics: tuple[str, ...], where: Callable[[tuple[str | int, ...]], str]) -> tuple[Objective, ...]:
    """Objectives from names and weighted sums, each metric checked against the engine's."""

    def metric(name: str, location: tuple[str | int, ...]) -> tuple[str, float]:
        resolved = OBJECTIVE_ALIASES.get(name, name)
        if resolved not in known_metrics:
            raise InputError(f"unknown objective {quoted(name)}; known: {', '.join(sorted(set(known_metrics) | set(OBJECTIVE_ALIASES)))}", where(location))
        return resolved, -1.0 if resolved in MAXIMISED_METRICS else 1.0

    objectives = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            name, sense = metric(entry, ("objectives", index))
            objectives.append(Objective(entry, ((name, sense),)))
            continue
        if not entry.weighted_sum:
            raise InputError("a weighted sum needs at least one metric", where(("objectives", index, "weighted_sum")))
        terms = []
        for key, weight in entry.weighted_sum.items():
            name, sense = metric(key, ("objectives", index, "weighted_sum", key))
            terms.append((name, sense * float(weight)))
        label = " + ".join(f"{weight:g}*{key}" for key, weight in entry.weighted_sum.items())
        objectives.append(Objective(f"weighted({label})", tuple(terms)))
    names = [o.name for o in objectives]
    if len(set(names)) != len(names):
        raise InputError("an objective is listed twice", where(("objectives",)))
    return tuple(objectives)


def constraints_from(
    entries: Mapping[str, Bound | bool], known: tuple[str, ...], where: Callable[[tuple[str | int, ...]], str]
) -> tuple[tuple[Constraint, ...], bool]:
    """Bounds on metrics or parameters, and whether buffers must hold every layer's requirement."""
    constraints = []
    buffers_fit = True
    for name, entry in entries.items():
        location = ("constraints", name)
        if isinstance(entry, bool):
            if name != BUFFERS_FIT:
                raise InputError(f"only {BUFFERS_FIT} takes true/false; bound other constraints with min/max", where(location))
            buffers_fit = entry
            continue
        resolved = OBJECTIVE_ALIASES.get(name, name)
        if resolved not in known:
            raise InputError(f"unknown constraint {quoted(name)}; constrain a metric or parameter: {', '.join(sorted(known))}", where(location))
        if entry.min is None and entry.max is None:
            raise InputError("a constraint needs min, max or both", where(location))
        if entry.min is not None and entry.max is not None and entry.min > entry.max:
            raise InputError(f"contradictory bounds: min {entry.min} is above max {entry.max}", where(location))
        constraints.append(Constraint(resolved, entry.min, entry.max))
    return tuple(constraints), buffers_fit
