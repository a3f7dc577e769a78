"""Network totals of a choice of mappings, and the two template baselines a network search is compared with.

Totals are those of `analysis.analyze_network` on the mapped network (what `mapscope analyze` reports
for it; in compat mode MAESTRO's stale L1 energy makes a layer's energy depend on the layer before it).
The network's objective value is the objective over the totals: runtime, energy and the network EDP
(total energy x total runtime). Baselines use the shipped templates at their default parameters:
the best single template (one template for every layer, the best network value among those that fit
every layer under the constraints) and the per-layer best template (each layer's best feasible one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mapscope.analysis.network_analysis import analyze_network
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.mapper.mapping_objectives import EDP_METRIC, stats_metric
from mapscope.mapper.search_log import mapping_stats
from mapscope.mapper.search_result import MappingProblem
from mapscope.mapping.directives import Directive
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.templates import TEMPLATES
from mapscope.optimization.objectives import Objective
from mapscope.stats import LayerStats, NetworkStats
from mapscope.workload.layer import Layer


@dataclass(frozen=True)
class NetworkTotals:
    """Runtime, energy and EDP summed over a network's layers, the objective over them (None when the
    objective is not one of runtime, energy, EDP or a weighted sum of them) and what was chosen
    (a template's name, or None for per-layer choices)."""

    runtime_cycles: int
    energy_nj: float
    edp_nj_cycles: float
    value: float | None
    template: str | None = None

    def document(self) -> dict[str, object]:
        """The totals as a plain mapping (the JSON's names)."""
        return {
            "runtime_cycles": self.runtime_cycles,
            "energy_nj": self.energy_nj,
            "edp_nj_cycles": self.edp_nj_cycles,
            "value": self.value,
            **({"template": self.template} if self.template is not None else {}),
        }


def network_value(objective: Objective, runtime_cycles: float, energy_nj: float) -> float | None:
    """The objective over network totals (EDP: total energy x total runtime); None for other metrics."""
    totals = {"runtime_cycles": float(runtime_cycles), "energy_nj": float(energy_nj), EDP_METRIC: float(energy_nj) * float(runtime_cycles)}
    if any(metric not in totals for metric, _ in objective.terms):
        return None
    return sum(weight * totals[metric] for metric, weight in objective.terms)


def network_totals(stats: NetworkStats, objective: Objective, template: str | None = None) -> NetworkTotals:
    """The totals of one analysed network under `objective`."""
    runtime_cycles = sum(layer.runtime_cycles for layer in stats.layers)
    energy_nj = sum(layer.energy_nj for layer in stats.layers)
    return NetworkTotals(runtime_cycles, energy_nj, energy_nj * runtime_cycles, network_value(objective, runtime_cycles, energy_nj), template)


def analysed(name: str, layers: Sequence[Layer], dataflows: Sequence[tuple[Directive, ...]], accelerator: Accelerator, compat: str | None, energy_table: EnergyTable | None) -> NetworkStats:
    """analyze_network of `layers` mapped with `dataflows` (one per layer)."""
    mapped = MappedNetwork(name, tuple(MappedLayer(layer, flow) for layer, flow in zip(layers, dataflows)))
    return analyze_network(mapped, accelerator, compat=compat, energy_table=energy_table)


#: Per template name, its default dataflow for a layer and the statistics, or None (cannot map it, or infeasible).
TemplateTable = dict[str, "tuple[tuple[Directive, ...], LayerStats] | None"]


def template_table(problem: MappingProblem) -> TemplateTable:
    """Each shipped template's default dataflow for the problem's layer and its statistics, or None where
    the template cannot map the layer or breaks a constraint."""
    space, accelerator = problem.space, problem.accelerator
    table: TemplateTable = {}
    for name, dataflow_template in TEMPLATES.items():
        try:
            written = dataflow_template.dataflow(space.layer, space.num_pes)
            stats = mapping_stats(problem, written)
        except InputError:
            table[name] = None
            continue
        table[name] = (written, stats) if problem.constraints.satisfied_by(stats, accelerator) else None
    return table


def layer_value(objective: Objective, stats: LayerStats) -> float:
    """The objective of one layer's statistics."""
    return sum(weight * stats_metric(stats, metric) for metric, weight in objective.terms)


@dataclass(frozen=True)
class TemplateBaselines:
    """The best single template's totals and the per-layer best template's (None when no template fits)."""

    best_single_template: NetworkTotals | None
    per_layer_best_template: NetworkTotals | None


def template_baselines(
    name: str,
    layers: Sequence[Layer],
    tables: Sequence[Mapping[str, tuple[tuple[Directive, ...], LayerStats] | None]],
    objective: Objective,
    accelerator: Accelerator,
    compat: str | None,
    energy_table: EnergyTable | None,
) -> TemplateBaselines:
    """The two baselines of a network whose layer i has template table `tables[i]` (see `template_table`)."""
    single: NetworkTotals | None = None
    for template in TEMPLATES:
        if any(table[template] is None for table in tables):
            continue
        flows = [table[template][0] for table in tables]  # type: ignore[index]
        totals = network_totals(analysed(name, layers, flows, accelerator, compat, energy_table), objective, template)
        if single is None or _better(totals, single):
            single = totals
    per_layer: NetworkTotals | None = None
    best_flows = []
    for table in tables:
        feasible = [entry for entry in table.values() if entry is not None]
        if not feasible:
            break
        best_flows.append(min(feasible, key=lambda entry: layer_value(objective, entry[1]))[0])
    else:
        per_layer = network_totals(analysed(name, layers, best_flows, accelerator, compat, energy_table), objective)
    return TemplateBaselines(single, per_layer)


def _better(totals: NetworkTotals, incumbent: NetworkTotals) -> bool:
    """Whether `totals` beats `incumbent` (by value, else by EDP when the objective has no network value)."""
    if totals.value is not None and incumbent.value is not None:
        return totals.value < incumbent.value
    return totals.edp_nj_cycles < incumbent.edp_nj_cycles
