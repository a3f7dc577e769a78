"""What the mapper minimises over a layer's mappings and what a mapping must respect.

Objectives are `optimization.objectives.Objective`s over the statistics schema's names (runtime_cycles,
energy_nj, and edp_nj_cycles = energy x runtime, which the mapper derives). Constraints are the
accelerator's L1 and L2 capacities (on by default), optionally its NoC and off-chip bandwidths as hard
limits, and any metric bound (`optimization.objectives.Constraint`). An objective the lower bounds cover
(runtime, energy, EDP, or a weighted sum of them with non-negative weights) also has a bound, which the
exhaustive search prunes with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from mapscope.analysis.batch import MappingStats
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper.bounds import LowerBound
from mapscope.optimization.objectives import MAXIMISED_METRICS, OBJECTIVE_ALIASES, Constraint, Objective
from mapscope.stats import LayerStats

class EvaluatedColumns(Protocol):
    """Evaluated mappings as the objectives read them: which are valid, and one column per statistic."""

    @property
    def valid(self) -> np.ndarray:
        """False where the engine rejected the mapping."""
        ...

    def column(self, name: str) -> np.ndarray:
        """One statistic over every mapping."""
        ...


#: The energy-delay product's metric name (energy_nj x runtime_cycles; not a LayerStats field).
EDP_METRIC = "edp_nj_cycles"
#: Metrics a mapping objective may use: every numeric LayerStats field and the EDP.
MAPPING_METRICS = tuple(name for name, kind in LayerStats.field_types().items() if kind in (int, float)) + (EDP_METRIC,)
#: Metrics the lower bounds of mapper.bounds cover.
BOUNDED_METRICS = ("runtime_cycles", "energy_nj", EDP_METRIC)


def mapping_objective(spec: str | Mapping[str, float]) -> Objective:
    """An objective from a name (runtime, energy, edp or a metric) or a weighted sum {metric: weight}."""
    def metric(name: str) -> tuple[str, float]:
        resolved = OBJECTIVE_ALIASES.get(name, name)
        if resolved not in MAPPING_METRICS:
            raise InputError(f"unknown objective {name!r}; use runtime, energy, edp or a statistics field", "mapper objective")
        return resolved, -1.0 if resolved in MAXIMISED_METRICS else 1.0

    if isinstance(spec, str):
        return Objective(spec, (metric(spec),))
    if not spec:
        raise InputError("a weighted sum needs at least one metric", "mapper objective")
    terms = []
    for name, weight in spec.items():
        resolved, sense = metric(name)
        terms.append((resolved, sense * float(weight)))
    label = " + ".join(f"{weight:g}*{name}" for name, weight in spec.items())
    return Objective(f"weighted({label})", tuple(terms))


def objective_bound(objective: Objective, bound: LowerBound) -> float | None:
    """A lower bound on `objective` over the mappings `bound` covers, or None when the bounds say nothing
    (a metric they do not bound, or a negative weight)."""
    values = {"runtime_cycles": float(bound.runtime_cycles), "energy_nj": bound.energy_nj, EDP_METRIC: bound.edp_nj_cycles}
    if any(metric not in values or weight < 0 for metric, weight in objective.terms):
        return None
    return sum(weight * values[metric] for metric, weight in objective.terms)


def objective_bounds(objective: Objective, runtime_cycles: np.ndarray, energy_nj: float | np.ndarray) -> np.ndarray | None:
    """`objective_bound` for an array of runtime bounds with one energy bound, shared or per element (the EDP is
    still a product of two non-negative bounds), element for element the same float operations (None where
    `objective_bound` says nothing)."""
    runtime = np.asarray(runtime_cycles).astype(np.float64)
    energy = np.broadcast_to(np.asarray(energy_nj, dtype=np.float64), runtime.shape)
    values = {"runtime_cycles": runtime, "energy_nj": energy, EDP_METRIC: runtime * energy}
    if any(metric not in values or weight < 0 for metric, weight in objective.terms):
        return None
    total = np.zeros_like(runtime)
    for metric, weight in objective.terms:
        total = total + weight * values[metric]
    return total


def bounds_energy(objective: Objective) -> bool:
    """Whether `objective` reads the energy bound (an energy or EDP term): only then is a finer one worth computing."""
    return any(metric in ("energy_nj", EDP_METRIC) for metric, _ in objective.terms)


def metric_column(stats: MappingStats | EvaluatedColumns, metric: str) -> np.ndarray:
    """One metric over every mapping of an evaluated batch, as float64 (the EDP derived)."""
    if metric == EDP_METRIC:
        return stats.column("energy_nj").astype(np.float64) * stats.column("runtime_cycles").astype(np.float64)
    return stats.column(metric).astype(np.float64)


def stats_metric(stats: LayerStats, metric: str) -> float:
    """One metric of one mapping's statistics (the EDP derived)."""
    if metric == EDP_METRIC:
        return float(stats.energy_nj) * float(stats.runtime_cycles)
    return float(getattr(stats, metric))


@dataclass(frozen=True)
class MappingConstraints:
    """What a mapping must respect to be returned: buffer capacities, optional bandwidth limits, metric bounds."""

    buffers_fit: bool = True  # L1 and L2 requirements at most the accelerator's sizes
    noc_bandwidth_limit: bool = False  # peak NoC bandwidth at most the accelerator's
    offchip_bandwidth_limit: bool = False  # off-chip bandwidth requirement at most the accelerator's
    metric_bounds: tuple[Constraint, ...] = ()

    def __post_init__(self) -> None:
        for bound in self.metric_bounds:
            if OBJECTIVE_ALIASES.get(bound.metric, bound.metric) not in MAPPING_METRICS:
                raise InputError(f"unknown constraint metric {bound.metric!r}", "mapper constraints")

    def checks(self, accelerator: Accelerator) -> tuple[tuple[str, str, float | None, float | None], ...]:
        """(label, metric, minimum, maximum) of every check, labels naming the constraint for messages."""
        found: list[tuple[str, str, float | None, float | None]] = []
        if self.buffers_fit:
            found.append((f"L1 capacity ({accelerator.l1_size_elems} elements)", "l1_size_req_elems", None, accelerator.l1_size_elems))
            found.append((f"L2 capacity ({accelerator.l2_size_elems} elements)", "l2_size_req_elems", None, accelerator.l2_size_elems))
        if self.noc_bandwidth_limit:
            found.append((f"NoC bandwidth ({accelerator.noc_bandwidth_elems_per_cycle} elements/cycle)", "peak_noc_bw_elems_per_cycle", None, accelerator.noc_bandwidth_elems_per_cycle))
        if self.offchip_bandwidth_limit:
            found.append((f"off-chip bandwidth ({accelerator.offchip_bandwidth_elems_per_cycle} elements/cycle)", "offchip_bw_req_elems_per_cycle", None, accelerator.offchip_bandwidth_elems_per_cycle))
        for bound in self.metric_bounds:
            found.append((bound.describe(), OBJECTIVE_ALIASES.get(bound.metric, bound.metric), bound.minimum, bound.maximum))
        return tuple(found)

    def violations(self, stats: MappingStats | EvaluatedColumns, accelerator: Accelerator) -> dict[str, np.ndarray]:
        """Per check label, True where a mapping of the batch breaks it (invalid mappings break none here)."""
        found = {}
        for label, metric, minimum, maximum in self.checks(accelerator):
            found[label] = Constraint(metric, minimum, maximum).violated(metric_column(stats, metric)) & stats.valid
        return found

    def satisfied_by(self, stats: LayerStats, accelerator: Accelerator) -> bool:
        """Whether one mapping's statistics respect every check."""
        for _, metric, minimum, maximum in self.checks(accelerator):
            if Constraint(metric, minimum, maximum).violated(np.array([stats_metric(stats, metric)]))[0]:
                return False
        return True
