"""What a mapping search is asked (`MappingProblem`) and what it answers (`SearchResult`)."""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.mapper.mapping_objectives import MappingConstraints
from mapscope.mapper.members import choice_of
from mapscope.mapper.space import MappingChoice, MappingSpace
from mapscope.mapping.directives import Directive
from mapscope.mapping.templates import TEMPLATES
from mapscope.optimization.objectives import Objective
from mapscope.stats import LayerStats

#: A named warm start: a template's name and its dataflow read back as a member of the space.
NamedStart = tuple[str, MappingChoice]


@dataclass(frozen=True)
class MappingProblem:
    """One layer's search: its space (layer, PEs, mode), the accelerator, the objective, the constraints,
    the warm starts (named members; `template_starts` by default) and whether to keep a Pareto front."""

    space: MappingSpace
    accelerator: Accelerator
    objective: Objective
    constraints: MappingConstraints = MappingConstraints()
    starts: tuple[NamedStart, ...] | None = None
    energy_table: EnergyTable | None = None
    pareto: bool = False

    def __post_init__(self) -> None:
        if self.accelerator.num_pes != self.space.num_pes:
            raise InputError(f"the space is for {self.space.num_pes} PEs, the accelerator has {self.accelerator.num_pes}", self.space.where)

    @property
    def may_spill(self) -> bool:
        """Whether a mapping covered may overflow a finite L2 (its capacity not enforced) and so spill."""
        return not self.constraints.buffers_fit and self.accelerator.l2_size_elems < UNLIMITED

    def warm_starts(self) -> tuple[NamedStart, ...]:
        """The given starts, or every template whose default dataflow is a member of the space."""
        return self.starts if self.starts is not None else template_starts(self.space)


def template_starts(space: MappingSpace) -> tuple[NamedStart, ...]:
    """Every shipped template, at its default parameters, whose dataflow for the space's layer is a member
    (others, such as rs with its two SpatialMaps in a level, are left out), in the templates' order."""
    starts = []
    for name, dataflow_template in TEMPLATES.items():
        try:
            starts.append((name, choice_of(space, dataflow_template.dataflow(space.layer, space.num_pes))))
        except InputError:
            continue
    return tuple(starts)


@dataclass(frozen=True)
class ParetoPoint:
    """One evaluated feasible mapping on the runtime-energy front."""

    runtime_cycles: int
    energy_nj: float
    dataflow: tuple[Directive, ...]


@dataclass(frozen=True)
class SearchResult:
    """The best feasible mapping a search found, with its exact statistics and how sure the search is.

    `certified_optimal`: no member of the space does better (every spatial subspace enumerated or pruned
    by a sound bound). Otherwise `lower_bound` (when known) is at most the optimum, so the optimum lies in
    [lower_bound, value]. `best_template` is the best warm start under the same objective and constraints.
    `kept_template` names a template (at its defaults, possibly outside the space, as `rs` is) that did
    better than every member the search found: a network search keeps its dataflow, statistics and value
    (`network_search.with_template_floor`), while `certified_optimal` and `lower_bound` still speak of the space."""

    layer: str
    strategy: str
    objective: str
    best: MappingChoice
    dataflow: tuple[Directive, ...]
    stats: LayerStats
    value: float
    certified_optimal: bool
    lower_bound: float | None
    mappings_evaluated: int
    seconds: float
    best_template: str | None
    best_template_value: float | None
    pareto_front: tuple[ParetoPoint, ...] | None = None
    kept_template: str | None = None

    @property
    def gap(self) -> float | None:
        """value - lower_bound (0 when certified; None when no bound is known; never negative: a kept
        template outside the space may beat the space's bound)."""
        return None if self.lower_bound is None else max(0.0, self.value - self.lower_bound)

    @property
    def improvement_over_template(self) -> float | None:
        """best_template_value / value (1.0: no better than the best template; None without a feasible template)."""
        if self.best_template_value is None or self.value == 0:
            return None
        return self.best_template_value / self.value
