"""The engines a design space can use, and the turning of a space file into a checked DesignSpace.

An engine states its hardware parameters, how to check a value, its metrics, how to build its workload
from the space file and how to evaluate a batch of designs. `explore` never cares which engine ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.explore import maestro_designs, systolic_designs
from mapscope.explore.maestro_designs import MaestroWorkload
from mapscope.explore.metrics import DesignColumns, MetricBatch
from mapscope.explore.search import Value
from mapscope.explore.mapping_search import SEARCHED_BATCH_SIZE, MappingSearch, mapping_search, search_identity
from mapscope.explore.searched_mappings import evaluate_searched
from mapscope.explore.space import Candidates, DesignSpace, SearchSettings, checked_values, expand_values, smallest_candidate, space_fingerprint
from mapscope.formats.energy_table_file import load_energy_table
from mapscope.formats.space_file import SpaceFile, read_space_file
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.hardware.energy_lookup import unequal_read_write
from mapscope.hardware.energy_tables import EnergyAreaTable
from mapscope.limits import quoted
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.templates import template as find_template
from mapscope.optimization.objectives import BUFFERS_FIT, Constraint, Objective, constraints_from, objectives_from

Where = Callable[[tuple[str | int, ...]], str]


@dataclass(frozen=True)
class Engine:
    name: str
    hardware_parameters: tuple[str, ...]
    check_parameter: Callable[[str, Value], str | None]  # a one-line problem with one value, or None
    metrics: tuple[str, ...]
    build_workload: Callable[[SpaceFile, tuple[str, ...]], tuple[Any, str]]  # (workload, what identifies it)
    evaluate: Callable[[Any, DesignColumns], MetricBatch]


def _check_maestro_parameter(name: str, value: Value) -> str | None:
    lowest = 0 if name == "noc_latency_cycles" else 1
    if not isinstance(value, int) or isinstance(value, bool):
        return f"must be an integer, got {quoted(value)}"
    if value < lowest or value > UNLIMITED:
        return f"must be between {lowest} and {UNLIMITED}, got {value}"
    return None


def _resolve(space_file: SpaceFile, name: str) -> str | Path:
    """A path relative to the space file when it names an existing file there; else the name (an example)."""
    candidate = space_file.directory / name
    try:
        return candidate if candidate.is_file() else name
    except OSError:  # a name the file system refuses (too long, ...): not a file there
        return name


def _maestro_workload(space_file: SpaceFile, mapping_parameters: tuple[str, ...]) -> tuple[MaestroWorkload, str]:
    from mapscope.formats.sources import build_accelerator, load_workload
    from mapscope.mapping.mapped_workload import map_workload
    from mapscope.mapping.workload_source import template_input

    document, where = space_file.document, space_file.where
    try:
        workload = load_workload(_resolve(space_file, document.network))
        if document.mapping.search is not None:  # the layers as the mapper reads them (`mapscope map`)
            network = map_workload(workload, dataflow=None, num_pes=1, compat=document.compat, unmapped_ok=True).network
        elif document.mapping.template is None:
            network = map_workload(workload, dataflow=None, num_pes=1).network
        else:
            unmapped, _, _ = template_input(workload, document.compat)
            network = MappedNetwork(unmapped.name, tuple(MappedLayer(layer, ()) for layer in unmapped.layers))
    except InputError as error:
        raise InputError(str(error), where(("network",))) from None
    except OSError as error:
        raise InputError(f"cannot read {quoted(document.network)}: {error.strerror}", where(("network",))) from None
    base = Accelerator(num_pes=256)
    if document.base_hardware is not None:
        try:
            base = build_accelerator(_resolve(space_file, document.base_hardware))
        except InputError as error:
            raise InputError(str(error), where(("base_hardware",))) from None
        except OSError as error:
            raise InputError(f"cannot read {quoted(document.base_hardware)}: {error.strerror}", where(("base_hardware",))) from None
    if document.layers is not None:
        network = _selected_layers(network, document.layers, where(("layers",)))
    layers = [(m.layer.name, str(m.layer.type), m.layer.dimensions, m.layer.strides, [str(d) for d in m.dataflow]) for m in network.layers]
    identity = repr((layers, document.mapping.template, base, document.compat))  # no file paths: a moved space stays the same
    maestro_workload = MaestroWorkload(network, document.mapping.template, mapping_parameters, base, document.compat, identity="")
    return maestro_workload, identity


def _selected_layers(network: MappedNetwork, names: list[str], where: str) -> MappedNetwork:
    """The network's layers named in `names`, in network order (each name must be one of its layers, once)."""
    known = {mapped.layer.name for mapped in network.layers}
    for position, name in enumerate(names):
        if name not in known:
            shown = ", ".join(mapped.layer.name for mapped in network.layers[:6])
            raise InputError(f"{network.name} has no layer {quoted(name)} (its {len(network.layers)} layers: {shown}, ...)", where)
        if name in names[:position]:
            raise InputError(f"lists the layer {quoted(name)} twice", where)
    chosen = set(names)
    return MappedNetwork(network.name, tuple(mapped for mapped in network.layers if mapped.layer.name in chosen))


def _systolic_workload(space_file: SpaceFile, mapping_parameters: tuple[str, ...]) -> tuple[Any, str]:
    document, where = space_file.document, space_file.where
    if document.mapping.template is not None or mapping_parameters or document.mapping.search is not None:
        raise InputError("the systolic engine has no mapping template or search (its dataflow is a hardware parameter)", where(("mapping",)))
    if document.layers is not None:
        raise InputError("the systolic engine takes the whole network (layers selects layers of a maestro network)", where(("layers",)))
    try:
        workload = systolic_designs.systolic_workload(document.network, document.batch, document.passes, {}, "")
    except InputError as error:
        raise InputError(error.message, where(("network",))) from None
    return workload, repr((document.network, document.batch, document.passes))


def _evaluate_maestro_designs(workload: MaestroWorkload, designs: DesignColumns) -> MetricBatch:
    """MAESTRO-model designs: with mappings searched per design (co-search), else traced or batched."""
    if workload.search is not None:
        return evaluate_searched(workload, designs)
    return maestro_designs.evaluate_maestro(workload, designs)


ENGINES = {
    "maestro": Engine(
        "maestro",
        maestro_designs.HARDWARE_PARAMETERS,
        _check_maestro_parameter,
        maestro_designs.METRICS,
        _maestro_workload,
        _evaluate_maestro_designs,
    ),
    "systolic": Engine(
        "systolic",
        systolic_designs.HARDWARE_PARAMETERS,
        systolic_designs.check_parameter,
        systolic_designs.METRICS,
        _systolic_workload,
        systolic_designs.evaluate_systolic,
    ),
}


def _mapping_parameters(space_file: SpaceFile) -> list[tuple[str, Candidates]]:
    document, where = space_file.document, space_file.where
    mapping = document.mapping
    if mapping.search is not None and (mapping.template is not None or mapping.parameters):
        raise InputError("a mapping is searched (search) or given by a template (template, parameters), not both", where(("mapping", "search")))
    if mapping.template is None:
        if mapping.parameters:
            raise InputError("mapping parameters need a template (mapping.template)", where(("mapping", "parameters")))
        return []
    try:
        chosen = find_template(mapping.template)
    except InputError as error:
        raise InputError(error.message, where(("mapping", "template"))) from None
    parameters = []
    for name, spec in mapping.parameters.items():
        location = ("mapping", "parameters", name)
        try:
            parameter = chosen.parameter(name)
        except InputError as error:
            raise InputError(error.message, where(location)) from None
        values = expand_values(spec, where(location))
        if parameter.choices is None:
            to_check = checked_values(values)
        else:  # distinct values: the first one outside the choices is among the first len(choices) + 1
            to_check = values[: len(parameter.choices) + 1]
        for value in to_check:
            try:
                parameter.check(value, chosen.where)
            except InputError as error:
                raise InputError(error.message, where(location)) from None
        parameters.append((name, values))
    return parameters


def design_space(space_file: SpaceFile, energy_table: str | PathLike[str] | None = None) -> DesignSpace:
    """Check a space file against its engine and build the DesignSpace (every user error is an InputError);
    `energy_table` (a built-in name or a table file) replaces the file's `energy_table`."""
    document, where = space_file.document, space_file.where
    engine = ENGINES[document.engine]
    parameters: list[tuple[str, Candidates]] = []
    if not document.hardware:
        raise InputError("sweeps nothing: give at least one hardware parameter", where(("hardware",)))
    for name, spec in document.hardware.items():
        location = ("hardware", name)
        if name not in engine.hardware_parameters:
            raise InputError(
                f"unknown hardware parameter {quoted(name)} for the {engine.name} engine; known: {', '.join(engine.hardware_parameters)}",
                where(location),
            )
        values = expand_values(spec, where(location))
        for value in checked_values(values):
            problem = engine.check_parameter(name, value)
            if problem is not None:
                raise InputError(problem, where(location))
        parameters.append((name, values))
    mapping_parameters = _mapping_parameters(space_file)
    clashes = {name for name, _ in parameters} & {name for name, _ in mapping_parameters}
    if clashes:
        raise InputError(f"{', '.join(sorted(clashes))} is both a hardware and a mapping parameter", where(("mapping",)))
    parameters += mapping_parameters
    if document.engine == "maestro" and document.base_hardware is None and "num_pes" not in document.hardware:
        raise InputError("give num_pes under hardware, or a base_hardware file", where(("hardware",)))
    mapping_names = tuple(name for name, _ in mapping_parameters)
    table = _energy_table(space_file, energy_table)
    workload, identity = engine.build_workload(space_file, mapping_names)
    if table is not None:
        _check_priced_sizes(space_file, workload, table, parameters, energy_table is not None)
        workload = replace(workload, energy_table=table)
        identity = repr((identity, table))  # the table's rows, not its path: a moved table file stays the same space
    known = engine.metrics + tuple(name for name, _ in parameters)
    constraints, buffers_fit = _constraints(space_file, known)
    objectives = objectives_from(document.objectives, engine.metrics, where)
    searched = document.engine == "maestro" and document.mapping.search is not None
    if searched:  # the settings resolved (a mapping space file read) are what the designs' results depend on
        workload = replace(workload, search=_mapping_search(space_file, workload, objectives, buffers_fit, parameters))
        identity = repr((identity, search_identity(workload.search)))
    fingerprint = space_fingerprint(space_file, identity)
    workload = replace(workload, identity=fingerprint)  # keys each worker's trace cache
    batch_size = document.search.batch_size or (SEARCHED_BATCH_SIZE if searched else SearchSettings.batch_size)
    search = SearchSettings(**{**document.search.model_dump(), "batch_size": batch_size})
    return DesignSpace(
        name=document.name,
        engine=engine.name,
        workload=workload,
        parameters=tuple(parameters),
        mapping_parameters=mapping_names,
        constraints=constraints,
        buffers_fit=buffers_fit,
        objectives=objectives,
        search=search,
        document=space_file.text,
        fingerprint=fingerprint,
        evaluated_alone=searched,
    )


def _constraints(space_file: SpaceFile, known: tuple[str, ...]) -> tuple[tuple[Constraint, ...], bool | str]:
    """The space's bounds, and `buffers_fit`: true, false, or "l1" (L1 must hold every layer's requirement,
    L2 may be smaller: what it cannot hold bypasses it to DRAM, and costs that energy)."""
    entries = dict(space_file.document.constraints)
    for name, entry in entries.items():
        if isinstance(entry, str) and name != BUFFERS_FIT:
            raise InputError(f"only {BUFFERS_FIT} takes l1; bound other constraints with min/max", space_file.where(("constraints", name)))
        if isinstance(entry, str) and entry != "l1":
            raise InputError(f"{BUFFERS_FIT} is true, false or l1 (L1 must fit, L2 may spill), got {quoted(entry)}", space_file.where(("constraints", name)))
    l1_only = entries.get(BUFFERS_FIT) == "l1"
    if l1_only:
        if space_file.document.engine != "maestro":
            raise InputError("buffers_fit: l1 is for the maestro engine (L1 and L2 buffers)", space_file.where(("constraints", BUFFERS_FIT)))
        entries[BUFFERS_FIT] = True
    constraints, buffers_fit = constraints_from(entries, known, space_file.where)
    return constraints, "l1" if l1_only else buffers_fit


def _energy_table(space_file: SpaceFile, override: str | PathLike[str] | None) -> EnergyAreaTable | None:
    """The table `--energy-table` (`override`, relative to the current folder) or the file's `energy_table`
    (relative to the space file) names, checked for what explore prices with it; None when neither is given."""
    document = space_file.document
    if override is None and document.energy_table is None:
        return None
    where = "--energy-table" if override is not None else space_file.where(("energy_table",))
    if document.engine != "maestro":
        raise InputError("the systolic engine prices energy with its own table; energy_table is for the maestro engine", where)
    if document.compat == "maestro":
        raise InputError("compat mode computes MAESTRO's numbers with MAESTRO's energies; drop energy_table or compat", where)
    try:
        table = load_energy_table(override if override is not None else _resolve(space_file, str(document.energy_table)))
    except InputError as error:
        if error.where is not None:  # located in the table file itself
            raise
        raise InputError(error.message, where) from None
    problem = unequal_read_write(table)
    if problem is not None:
        raise InputError(problem, where)
    return table


def _check_priced_sizes(space_file: SpaceFile, workload: object, table: EnergyAreaTable, parameters: list[tuple[str, Candidates]], override: bool) -> None:
    """A co-search prices each design's mappings before their requirements are known: a table that prices a
    buffer by capacity needs that buffer's size given (swept, or in base_hardware), never unlimited."""
    if not isinstance(workload, MaestroWorkload) or space_file.document.mapping.search is None:
        return
    choices = dict(parameters)
    for level, fixed in (("l1", table.l1_buffer), ("l2", table.l2_buffer)):
        name = f"{level}_size_elems"
        values = choices[name] if name in choices else (getattr(workload.base, name),)
        if fixed is None and UNLIMITED in values:
            raise InputError(
                f"energy table {table.name!r} prices {level.upper()} by its capacity, and a co-search prices mappings on the design's "
                f"buffers: give {name} (swept or in base_hardware), not unlimited",
                "--energy-table" if override else space_file.where(("energy_table",)),
            )


def _mapping_search(
    space_file: SpaceFile, workload: MaestroWorkload, objectives: tuple[Objective, ...], buffers_fit: bool | str, parameters: list[tuple[str, Candidates]]
) -> MappingSearch:
    """The co-search settings of `mapping.search`, checked against the network's layers (on the fewest PEs)."""
    section = space_file.document.mapping.search
    assert section is not None
    pes = dict(parameters).get("num_pes", (workload.base.num_pes,))
    try:
        return mapping_search(
            section, objectives, buffers_fit, workload.network.network, smallest_candidate(pes), workload.compat, space_file.directory, space_file.where  # type: ignore[arg-type]
        )
    except InputError as error:
        if (error.where or "").startswith(space_file.path):
            raise
        raise InputError(str(error), space_file.where(("mapping", "search"))) from None


def load_design_space(path: str | Path, energy_table: str | PathLike[str] | None = None) -> DesignSpace:
    """Read, validate and check a design-space file (`energy_table` replaces its `energy_table`)."""
    return design_space(read_space_file(path), energy_table)


#: Metrics that only grow with every numeric hardware parameter (when buffer sizes are given, not derived).
MONOTONE_COSTS = ("area_um2", "area_mm2", "power_mw")


#: Hardware parameters that, when unlimited, are sized for the network's requirement in area and power.
SIZED_FOR_REQUIREMENT = ("l1_size_elems", "l2_size_elems", "noc_bandwidth_elems_per_cycle")


def cheapest_design(space: DesignSpace) -> dict[str, Value] | None:
    """The design with every numeric parameter at its smallest value, when area and power cannot be lower
    anywhere else in the space (so a budget it breaks removes every design); otherwise None.

    MAESTRO-engine area uses the buffer and NoC bandwidth requirements when no L1/L2 size or NoC bandwidth
    is given, and those vary with the mapping, so the shortcut needs all three set (swept or in the base
    hardware) and no swept value unlimited."""
    choices = space.choices
    if isinstance(space.workload, MaestroWorkload):
        base = space.workload.base
        for name in SIZED_FOR_REQUIREMENT:
            values = choices[name] if name in choices else (getattr(base, name),)
            if UNLIMITED in values:
                return None
    return {name: smallest_candidate(values) for name, values in choices.items()}
