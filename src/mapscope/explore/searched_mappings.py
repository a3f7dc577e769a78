"""Co-search: every design (hardware point) gets its layers' mappings searched on its own accelerator.

A space with `mapping: search` evaluates a design in two steps: the mapper's network search
(`mapper.network_search.map_network`: each distinct layer searched once, with the design's PE count,
its buffers as constraints and its bandwidths in the cost) chooses a dataflow per layer, then the
mapped network is evaluated on the design exactly as a network with its own dataflows is
(`maestro_designs.evaluate_maestro`), so the metrics, columns and errors are those of any MAESTRO design.
With an energy table, the search prices energy with the design's own per-access energies (its buffer sizes).

A design's search depends only on its hardware and the space's settings (the same seed for every design),
so a design gets the same mappings whichever worker or batch evaluates it. A search costs about a
thousand template evaluations, so each design is its own unit of work and its traces are not kept.
The settings are `explore.mapping_search`'s.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mapscope.errors import InputError
from mapscope.explore.maestro_designs import HARDWARE_PARAMETERS, METRICS, MaestroWorkload, evaluate_maestro, hardware_columns
from mapscope.explore.metrics import INTEGER_METRICS, Designs, MetricBatch, design_columns
from mapscope.explore.mapping_search import MappingSearch
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy_lookup import access_energies
from mapscope.mapper.network_search import NetworkMapping, map_network
from mapscope.optimization.objectives import Constraint


def design_accelerator(hardware: dict[str, np.ndarray], row: int) -> Accelerator:
    """Design `row`'s accelerator: its swept values, the base hardware's elsewhere."""
    return Accelerator(**{name: int(hardware[name][row]) for name in HARDWARE_PARAMETERS})


def searched_network(workload: MaestroWorkload, accelerator: Accelerator) -> NetworkMapping:
    """The mapper's network search of the workload's layers on `accelerator`, with the space's settings."""
    search = workload.search
    assert isinstance(search, MappingSearch), "a co-search workload carries its MappingSearch"
    constraints = search.constraints
    if search.l1_fits:
        bound = Constraint("l1_size_req_elems", maximum=accelerator.l1_size_elems)
        constraints = replace(constraints, metric_bounds=(*constraints.metric_bounds, bound))
    return map_network(
        workload.network.network,
        accelerator,
        search.objective,
        strategy=search.strategy,
        budget_per_layer=search.budget_per_layer,
        seed=search.seed,
        restrictions=search.restrictions,
        constraints=constraints,
        compat=workload.compat,
        energy_table=None if workload.energy_table is None else access_energies(workload.energy_table, accelerator).engine_table(),
    )


def evaluate_searched(workload: MaestroWorkload, designs: Designs) -> MetricBatch:
    """Metrics of every design, each with the mappings searched on its accelerator (a design no mapping
    fits, or whose search fails, is an error naming why)."""
    columns, count = design_columns(designs)
    hardware = hardware_columns(workload, columns, count)
    parts: list[MetricBatch] = []
    errors: dict[int, str] = {}
    for row in range(count):
        single = {name: column[row : row + 1] for name, column in columns.items()}
        try:
            mapping = searched_network(workload, design_accelerator(hardware, row))
        except InputError as error:
            errors[row] = f"mapping search: {error}"
            parts.append(MetricBatch({name: np.zeros(1, dtype=np.int64 if name in INTEGER_METRICS else np.float64) for name in METRICS}, {0: ""}))
            continue
        mapped = replace(workload, network=mapping.mapped, search=None, keep_traces=False)
        batch = evaluate_maestro(mapped, single)
        errors.update({row: message for message in batch.errors.values()})
        parts.append(batch)
    metrics = {name: np.concatenate([part.metrics[name] for part in parts]) for name in METRICS} if parts else {}
    return MetricBatch(metrics, errors)
