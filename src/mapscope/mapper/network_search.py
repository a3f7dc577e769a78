"""Mapping search over a whole network: every distinct layer searched once (identical layers, the same
shape in the same mode, share its result), the chosen mappings analysed as a network, and totals against
the template baselines (`mapper.network_totals`). Distinct layers run in this process, on a process pool or
on a Dask cluster (`mapper.layer_searches`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.mapper.layer_searches import LayerSearch, check_strategy, run_searches
from mapscope.mapper.mapping_objectives import MappingConstraints, mapping_objective
from mapscope.mapper.network_totals import NetworkTotals, TemplateBaselines, TemplateTable, analysed, layer_value, network_totals, template_baselines, template_table
from mapscope.mapper.restrictions import SpaceRestrictions, restricted_space, space_restrictions, start_members
from mapscope.mapper.search_result import MappingProblem, SearchResult, template_starts
from mapscope.mapper.space import MappingSpace
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.mapped_workload import map_workload
from mapscope.mapping.workload_source import Workload
from mapscope.optimization.objectives import Objective
from mapscope.stats import LayerStats, NetworkStats
from mapscope.workload.layer import Layer
from mapscope.workload.network import Network

#: The strategy and budget (evaluations per distinct layer) a network search uses unless told otherwise:
#: `auto` (the exhaustive search from the templates' descent, `search_auto`), 1,000 mappings; on the zoo's three networks
#: it certifies 127 of 134 distinct layer searches in a median 0.8 to 0.9 s (benchmarks/mapper_networks.py).
DEFAULT_STRATEGY = "auto"
DEFAULT_BUDGET_PER_LAYER = 1000

#: `progress(done, total)` after each distinct layer's search.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LayerMapping:
    """One layer's chosen mapping: the search's result (named after this layer), the layer's statistics
    as analysed in the network, and the name of the layer whose search it reuses (its own when searched)."""

    name: str
    search: SearchResult
    stats: LayerStats
    searched_as: str

    def document(self) -> dict[str, object]:
        """The layer's entry of the result document."""
        search = self.search
        return {
            "name": self.name,
            "searched_as": self.searched_as,
            "strategy": search.strategy,
            "objective": search.objective,
            "value": search.value,
            "certified_optimal": search.certified_optimal,
            "lower_bound": search.lower_bound,
            "mappings_evaluated": search.mappings_evaluated,
            "seconds": search.seconds,
            "best_template": search.best_template,
            "best_template_value": search.best_template_value,
            "improvement_over_best_template": search.improvement_over_template,
            "kept_template": search.kept_template,
            "dataflow": [str(directive) for directive in search.dataflow],
            "runtime_cycles": self.stats.runtime_cycles,
            "energy_nj": self.stats.energy_nj,
        }


@dataclass(frozen=True)
class NetworkMapping:
    """A network's chosen mappings (`mapped`, writable as a .m file), each layer's search, the network's
    statistics with them (`stats`), its totals and the template baselines'."""

    network: str
    objective: str
    strategy: str
    compat: str | None
    accelerator: Accelerator
    layers: tuple[LayerMapping, ...]
    mapped: MappedNetwork
    stats: NetworkStats
    totals: NetworkTotals
    baselines: TemplateBaselines
    distinct_layers: int
    seconds: float

    @property
    def certified_layers(self) -> int:
        """Distinct layers whose mapping is certified optimal over the space."""
        return len({entry.searched_as for entry in self.layers if entry.search.certified_optimal})

    @property
    def mappings_evaluated(self) -> int:
        """Evaluations over every distinct layer's search."""
        return sum(entry.search.mappings_evaluated for entry in self.layers if entry.searched_as == entry.name)

    def improvement_over(self, baseline: NetworkTotals | None) -> float | None:
        """baseline value / network value (None without a baseline or a network value)."""
        if baseline is None or baseline.value is None or not self.totals.value:
            return None
        return baseline.value / self.totals.value

    def document(self) -> dict[str, object]:
        """The result as plain values: the JSON `mapscope map --json` writes (and `mapscope.map` returns)."""
        baselines = self.baselines
        return {
            "network": self.network,
            "objective": self.objective,
            "strategy": self.strategy,
            "compat": self.compat,
            "layers": [entry.document() for entry in self.layers],
            "totals": {
                **self.totals.document(),
                "layers": len(self.layers),
                "distinct_layers": self.distinct_layers,
                "certified_layers": self.certified_layers,
                "mappings_evaluated": self.mappings_evaluated,
                "seconds": self.seconds,
                "best_single_template": None if baselines.best_single_template is None else baselines.best_single_template.document(),
                "per_layer_best_template": None if baselines.per_layer_best_template is None else baselines.per_layer_best_template.document(),
                "improvement_over_best_single_template": self.improvement_over(baselines.best_single_template),
                "improvement_over_per_layer_best_template": self.improvement_over(baselines.per_layer_best_template),
            },
        }


def _shape(layer: Layer) -> Layer:
    """The layer without its name: layers with equal shapes have the same mappings and statistics."""
    return replace(layer, name="")


def layer_problem(
    layer: Layer,
    accelerator: Accelerator,
    objective: Objective,
    restrictions: SpaceRestrictions | None,
    constraints: MappingConstraints,
    compat: str | None,
    energy_table: EnergyTable | None,
) -> MappingProblem:
    """One layer's problem: its space (restricted by a space file), the templates as warm starts plus the
    file's `start_from` members (named after their template)."""
    if restrictions is None:
        space = MappingSpace(layer, accelerator.num_pes, compat=compat, where=f"layer {layer.name}")
        starts = template_starts(space)
    else:
        space = restricted_space(restrictions, layer, accelerator.num_pes, compat)
        seeded = tuple((seed.name, member) for seed, member in zip(restrictions.start_from, start_members(restrictions, space)))
        starts = template_starts(space) + seeded
    return MappingProblem(space, accelerator, objective, constraints, starts=starts, energy_table=energy_table)


def map_network(
    network: Network,
    accelerator: Accelerator,
    objective: Objective,
    *,
    strategy: str = DEFAULT_STRATEGY,
    budget_per_layer: int = DEFAULT_BUDGET_PER_LAYER,
    seed: int = 0,
    restrictions: SpaceRestrictions | None = None,
    constraints: MappingConstraints = MappingConstraints(),
    compat: str | None = None,
    energy_table: EnergyTable | None = None,
    workers: int = 1,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> NetworkMapping:
    """Search a mapping for every distinct layer of `network` (each with `strategy`, `budget_per_layer`
    evaluations and the same `seed`), on `workers` processes or a Dask cluster (`scheduler`: an address or
    a `distributed.Client`); InputError naming the layer no mapping fits."""
    check_strategy(strategy, budget_per_layer)
    started = time.perf_counter()
    first_of: dict[Layer, int] = {}
    for index, layer in enumerate(network.layers):
        first_of.setdefault(_shape(layer), index)
    distinct = list(first_of.values())
    problems = [layer_problem(network.layers[i], accelerator, objective, restrictions, constraints, compat, energy_table) for i in distinct]
    searches = [LayerSearch(problem, strategy, budget_per_layer, seed) for problem in problems]
    results: dict[int, SearchResult] = {}
    if progress is not None:
        progress(0, len(searches))
    for position, result in run_searches(searches, workers, scheduler):
        results[distinct[position]] = result
        if progress is not None:
            progress(len(results), len(searches))
    tables = {distinct[position]: template_table(problem) for position, problem in enumerate(problems)}
    results = {i: with_template_floor(result, tables[i], objective) for i, result in results.items()}
    searched_index = [first_of[_shape(layer)] for layer in network.layers]
    flows = [results[i].dataflow for i in searched_index]
    stats = analysed(network.name, network.layers, flows, accelerator, compat, energy_table)
    layers = tuple(
        LayerMapping(layer.name, replace(results[i], layer=layer.name), layer_stats, network.layers[i].name)
        for layer, i, layer_stats in zip(network.layers, searched_index, stats.layers)
    )
    baselines = template_baselines(network.name, network.layers, [tables[i] for i in searched_index], objective, accelerator, compat, energy_table)
    return NetworkMapping(
        network=network.name,
        objective=objective.name,
        strategy=strategy,
        compat=compat,
        accelerator=accelerator,
        layers=layers,
        mapped=MappedNetwork(network.name, tuple(MappedLayer(layer, flow) for layer, flow in zip(network.layers, flows))),
        stats=stats,
        totals=network_totals(stats, objective),
        baselines=baselines,
        distinct_layers=len(distinct),
        seconds=time.perf_counter() - started,
    )


def with_template_floor(result: SearchResult, table: TemplateTable, objective: Objective) -> SearchResult:
    """`result` measured against every template at its defaults (`template_table`: feasible under the same
    constraints), so that a network's mapping is never worse than the best of them: the best template
    becomes `best_template`, and when it beats the search its dataflow is kept (`kept_template`). A
    template outside the space (`rs`) or a budget too small to reach a template's neighbourhood can do
    that; the search's certificate and bound still speak of its space."""
    values = {name: layer_value(objective, entry[1]) for name, entry in table.items() if entry is not None}
    if not values:
        return result
    name = min(values, key=lambda template: (values[template], template))
    if result.best_template_value is not None and result.best_template_value <= values[name]:
        return result
    result = replace(result, best_template=name, best_template_value=values[name])
    if values[name] >= result.value:
        return result
    written, stats = table[name]  # type: ignore[misc]
    return replace(result, dataflow=written, stats=stats, value=values[name], kept_template=name)


def map_workload_network(
    workload: Workload,
    accelerator: Accelerator,
    *,
    objective: str | Mapping[str, float] = "edp",
    space: SpaceRestrictions | str | os.PathLike[str] | None = None,
    strategy: str | None = None,
    budget_per_layer: int | None = None,
    seed: int = 0,
    workers: int = 1,
    scheduler: Any = None,
    compat: str | None = None,
    progress: Progress | None = None,
) -> NetworkMapping:
    """`map_network` of a loaded workload's layers (a model lowered as `analyze` lowers it; a mapped
    network's dataflows ignored): `objective` by name or weighted sum (`mapping_objective`), `space` a
    space file or its restrictions, strategy and budget per distinct layer by default DEFAULT_STRATEGY and
    DEFAULT_BUDGET_PER_LAYER."""
    chosen = mapping_objective(objective)
    check_strategy(DEFAULT_STRATEGY if strategy is None else strategy, DEFAULT_BUDGET_PER_LAYER if budget_per_layer is None else budget_per_layer)
    restrictions = space
    if space is not None and not isinstance(space, SpaceRestrictions):
        from mapscope.formats.mapping_space_file import read_mapping_space_file

        restrictions = space_restrictions(read_mapping_space_file(space))
    mapped = map_workload(workload, dataflow=None, num_pes=accelerator.num_pes, compat=compat, unmapped_ok=True)
    return map_network(
        mapped.network.network,
        accelerator,
        chosen,
        strategy=DEFAULT_STRATEGY if strategy is None else strategy,
        budget_per_layer=DEFAULT_BUDGET_PER_LAYER if budget_per_layer is None else budget_per_layer,
        seed=seed,
        restrictions=restrictions,  # type: ignore[arg-type]
        compat=compat,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
