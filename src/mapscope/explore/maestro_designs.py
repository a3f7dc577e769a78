"""Network-level metrics of many MAESTRO-model designs (hardware x mapping parameters) in few numpy calls.

Designs are grouped by what changes a layer's trace (PE count and mapping parameters). Per group each
distinct layer is traced once (and kept for later batches); its runtime on the group's distinct
(SIMD, NoC bandwidth, NoC latency, off-chip bandwidth) settings comes from `timing_batch`. Buffer sizes
enter area, power and the capacity check, and an L2 smaller than a layer's requirement its energy (the
tensors that do not fit bypass L2 to DRAM, docs/energy.md): only those designs have their energy
recounted, from the group's cached traces, once per distinct L2 size.

With an energy table (`MaestroWorkload.energy_table`) each design is priced at its own buffer sizes: the
batch carries the network's counts of the five priced actions per design, and its energy is their dot
product with the design's per-access energies (`energy_lookup.price_columns`), its L1/L2 area the table's.

Area and power are MAESTRO's model of the design's buffers and NoC. A quantity the design leaves
unlimited (UNLIMITED, the default) is not a size: L1 and L2 then take the network's largest buffer
requirement, and the NoC bus its largest peak bandwidth requirement (elements per cycle that keep the
NoC off the critical path, at least 1) -- not 2**31 - 1 lanes, which gave a 1,024-PE design 3.3e9 mm².
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from mapscope.analysis.corrections import CORRECTED, MAESTRO_SEMANTICS
from mapscope.analysis.layer_analysis import layer_trace, layer_volumes
from mapscope.analysis.level_analysis import LevelTrace
from mapscope.analysis.timing_batch import TimingArrays, runtime_batch, time_level_batch
from mapscope.errors import InputError
from mapscope.explore.design_prices import priced_by_table
from mapscope.explore.metrics import NETWORK_METRICS, DesignColumns, Designs, MetricBatch, design_columns
from mapscope.explore.search import Value
from mapscope.explore.template_designs import LARGEST_COUNT, LONGEST_RUNTIME_CYCLES, GroupTotals, access_counts, template_totals, worth_batching
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.hardware.area_power import area_power_arrays, sized_for_area
from mapscope.hardware.energy import ENERGY_COMPONENTS
from mapscope.hardware.energy_tables import EnergyAreaTable
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.templates import apply_template

if TYPE_CHECKING:
    from mapscope.explore.mapping_search import MappingSearch

#: `word_bits` is left out: only an energy table's prices depend on it, and explore prices every design
#: at the base hardware's word width (give it in base_hardware).
HARDWARE_PARAMETERS = tuple(f.name for f in fields(Accelerator) if f.name != "word_bits")
#: The parameters that change a trace; the others are timing-only or cost-only.
TIMING_PARAMETERS = ("simd_lanes", "noc_bandwidth_elems_per_cycle", "noc_latency_cycles", "offchip_bandwidth_elems_per_cycle")
#: What a size-aware energy table prices per design: one count per energy component (mac, l1, l2, noc, dram).
ACCESS_PRICES = ENERGY_COMPONENTS
METRICS = NETWORK_METRICS + (
    "l1_size_req_elems",
    "l2_size_req_elems",
    "l1_size_elems",
    "l2_size_elems",
)


@dataclass(frozen=True)
class MaestroWorkload:
    """A network, how each layer is mapped (its own dataflow, a template, or a search per design), and
    fixed hardware values."""

    network: MappedNetwork
    template: str | None
    mapping_parameters: tuple[str, ...]
    base: Accelerator
    compat: str | None
    identity: str  # stable for one space: keys the trace cache shared by later batches
    search: MappingSearch | None = None  # co-search: each design's mappings searched (explore.searched_mappings)
    energy_table: EnergyAreaTable | None = None  # None: the default per-access energies for every design
    keep_traces: bool = True  # False: a network evaluated once (a design's searched mappings), not cached


@dataclass(frozen=True)
class _NetworkStructure:
    """The hardware-timing-free part of a network on one PE count and mapping: traces and totals."""

    traces: tuple[tuple[str, LevelTrace, int], ...]  # (first layer name, trace, how many layers share it)
    macs: int
    energy_nj: float
    l1_size_req_elems: int
    l2_size_req_elems: int
    layers: tuple[tuple[MappedLayer, LevelTrace], ...]  # every layer in order, with its (shared) trace
    access_counts: tuple[float, ...]  # network totals of the five priced actions (template_designs.access_counts)
    energy_at_l2: dict[int, tuple[float, tuple[float, ...]]] = field(default_factory=dict)  # (energy, counts) by L2 size, filled on demand


_STRUCTURES: dict[tuple[str, int, tuple[Value, ...]], _NetworkStructure | InputError] = {}
_STRUCTURE_CACHE_LIMIT = 4096


def _mapped_network(workload: MaestroWorkload, num_pes: int, mapping: dict[str, Value]) -> MappedNetwork:
    if workload.template is None:
        return workload.network
    return apply_template(workload.network.network, workload.template, num_pes, mapping)


def _structure(workload: MaestroWorkload, num_pes: int, mapping: dict[str, Value]) -> _NetworkStructure:
    """Traces and totals for one (PE count, mapping); an InputError (invalid mapping) is cached too (a
    workload that does not keep traces is built afresh and leaves the cache alone)."""
    if not workload.keep_traces:
        return _build_structure(workload, num_pes, mapping)
    key = (workload.identity, num_pes, tuple(mapping.values()))
    cached = _STRUCTURES.get(key)
    if cached is None:
        try:
            cached = _build_structure(workload, num_pes, mapping)
        except InputError as error:
            cached = error
        if len(_STRUCTURES) >= _STRUCTURE_CACHE_LIMIT:
            _STRUCTURES.clear()
        _STRUCTURES[key] = cached
    if isinstance(cached, InputError):
        raise cached
    return cached


def _build_structure(workload: MaestroWorkload, num_pes: int, mapping: dict[str, Value]) -> _NetworkStructure:
    network = _mapped_network(workload, num_pes, mapping)
    traces: dict[tuple, tuple[str, LevelTrace, int]] = {}
    energy, l1, l2, macs, previous_l1 = 0.0, 0, 0, 0, 0
    counts = [0] * len(ACCESS_PRICES)
    layers: list[tuple[MappedLayer, LevelTrace]] = []
    for mapped in network.layers:
        key = (mapped.layer.type, mapped.layer.dimensions, mapped.layer.strides, mapped.dataflow)
        entry = traces.get(key)
        if entry is None:
            try:
                trace = layer_trace(mapped, num_pes, workload.compat)
            except InputError as error:
                raise InputError(error.message, f"layer {mapped.layer.name}") from None
            entry = (mapped.layer.name, trace, 0)
        traces[key] = (entry[0], entry[1], entry[2] + 1)
        layers.append((mapped, entry[1]))
        volumes = layer_volumes(
            mapped, entry[1], network_name=network.name, compat=workload.compat, energy_table=None, previous_l1_accesses=previous_l1
        )
        previous_l1 = volumes.l1_accesses
        energy += volumes.fields["energy_nj"]
        macs += volumes.fields["macs"]
        counts = [total + count for total, count in zip(counts, access_counts(volumes.fields.__getitem__), strict=True)]
        l1, l2 = max(l1, volumes.l1_size_req_elems), max(l2, volumes.l2_size_req_elems)
    return _NetworkStructure(tuple(traces.values()), macs, energy, l1, l2, tuple(layers), tuple(float(count) for count in counts))


def _energy_at_l2(workload: MaestroWorkload, structure: _NetworkStructure, l2_size_elems: int) -> tuple[float, tuple[float, ...]]:
    """The network's energy (nJ) and priced counts with an L2 of `l2_size_elems`: the tensors a layer's L2
    cannot hold spill to DRAM."""
    found = structure.energy_at_l2.get(l2_size_elems)
    if found is None:
        energy, previous_l1, counts = 0.0, 0, [0] * len(ACCESS_PRICES)
        for mapped, trace in structure.layers:
            volumes = layer_volumes(
                mapped,
                trace,
                network_name="",
                compat=workload.compat,
                energy_table=None,
                previous_l1_accesses=previous_l1,
                l2_capacity_elems=l2_size_elems,
            )
            previous_l1 = volumes.l1_accesses
            energy += volumes.fields["energy_nj"]
            counts = [total + count for total, count in zip(counts, access_counts(volumes.fields.__getitem__), strict=True)]
        found = structure.energy_at_l2[l2_size_elems] = (energy, tuple(float(count) for count in counts))
    return found


def _spill_energies(workload: MaestroWorkload, rows: np.ndarray, hardware: dict[str, np.ndarray], structural: dict[str, np.ndarray], mapping: dict[str, Value]) -> None:
    """Recount the energy of the designs in `rows` (one PE count and mapping) whose L2 is below a layer's requirement."""
    capacity = hardware["l2_size_elems"][rows]
    spilling = (capacity < structural["l2_size_req_elems"][rows]) & (capacity != UNLIMITED)
    if workload.compat == "maestro" or not spilling.any():
        return
    structure = _structure(workload, int(hardware["num_pes"][rows[0]]), mapping)  # traced before or by the batched path's checks
    for size in np.unique(capacity[spilling]).tolist():
        chosen = rows[spilling & (capacity == size)]
        structural["energy_nj"][chosen], structural["access_counts"][chosen] = _energy_at_l2(workload, structure, size)




def _uncounted_total(structure: _NetworkStructure) -> str | None:
    """Why a network total of `structure` cannot be reported as an int64 count, or None when all fit."""
    for name in ("macs", "l1_size_req_elems", "l2_size_req_elems"):
        value = getattr(structure, name)
        if value > LARGEST_COUNT:
            return f"the network's {name} reaches {value:.3g}, beyond what is counted exactly"
    return None


def hardware_columns(workload: MaestroWorkload, columns: DesignColumns, count: int) -> dict[str, np.ndarray]:
    """One int64 array per Accelerator field: the swept value of each design, else the base hardware's."""
    hardware = {}
    for name in HARDWARE_PARAMETERS:
        if name in columns:
            hardware[name] = np.asarray(columns[name], dtype=np.int64)
        else:
            hardware[name] = np.full(count, getattr(workload.base, name), dtype=np.int64)
    return hardware


def _value_codes(column: np.ndarray) -> np.ndarray:
    """A small integer per distinct value of `column` (Python objects by equality, as dict keys do)."""
    if column.dtype != object:
        return np.unique(column, return_inverse=True)[1].reshape(-1)
    numbered: dict[object, int] = {}
    return np.fromiter((numbered.setdefault(value, len(numbered)) for value in column.tolist()), dtype=np.int64, count=len(column))


def _groups_code(key_columns: Sequence[np.ndarray]) -> np.ndarray:
    """One int64 per row, equal for rows equal in every column and ordered as the rows' values are."""
    code = np.zeros(len(key_columns[0]), dtype=np.int64)
    for column in key_columns:
        inverse = _value_codes(column)
        code = code * (int(inverse.max(initial=0)) + 1) + inverse
        _, code = np.unique(code, return_inverse=True)  # renumbered: the product of radices stays small
        code = code.reshape(-1)
    return code


def _first_rows(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct code (in code order) and each row's position among them."""
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _groups(key_columns: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The rows of each distinct combination of `key_columns` values, in order of first appearance."""
    code = _groups_code(key_columns)
    order = np.argsort(code, kind="stable")
    starts = np.flatnonzero(np.diff(code[order], prepend=-1))
    groups = np.split(order, starts[1:])
    return sorted(groups, key=lambda rows: int(rows[0]))


def _mapping_of(workload: MaestroWorkload, columns: Sequence[np.ndarray], row: int) -> dict[str, Value]:
    return {name: column[row].item() if isinstance(column[row], np.generic) else column[row] for name, column in zip(workload.mapping_parameters, columns)}


def _traced_totals(workload: MaestroWorkload, num_pes: int, mapping: dict[str, Value], distinct: np.ndarray, needs_peak: bool) -> GroupTotals | str:
    """A (PE count, mapping)'s totals on the timing settings `distinct` from its traces, or the error of its designs."""
    try:
        structure = _structure(workload, num_pes, mapping)
    except InputError as error:
        return f"mapping rejected: {error}"
    empty_transfer = (MAESTRO_SEMANTICS if workload.compat == "maestro" else CORRECTED).empty_transfer_takes_no_time
    timing = TimingArrays(distinct[:, 1], distinct[:, 2], distinct[:, 0], distinct[:, 3], empty_transfer)
    total = np.zeros(len(distinct), dtype=np.int64)
    valid = np.ones(len(distinct), dtype=bool)
    too_long = np.zeros(len(distinct), dtype=bool)
    peak = np.ones(len(distinct), dtype=np.int64)
    try:
        for _, trace, repeats in structure.traces:
            if needs_peak:  # the full timing, for its peak NoC bandwidth (runtime and validity are the same)
                timed = time_level_batch(trace, timing)
                layer_runtime, layer_valid = timed.runtime_cycles, timed.valid
                peak = np.maximum(peak, timed.peak_noc_bw)
            else:
                layer_runtime, layer_valid = runtime_batch(trace, timing)
            # int64 wraps silently: judge the sum in floating point first (exact far beyond any real runtime)
            too_long |= total.astype(np.float64) + float(repeats) * layer_runtime.astype(np.float64) >= LONGEST_RUNTIME_CYCLES
            total += repeats * layer_runtime
            valid &= layer_valid
    except InputError as error:  # counts of a layer beyond what the batched engine represents
        return f"timing rejected: {error}"
    uncounted = _uncounted_total(structure)
    if uncounted is not None:
        return uncounted
    return GroupTotals(
        total, valid, too_long, peak, structure.macs, structure.energy_nj, structure.l1_size_req_elems, structure.l2_size_req_elems, structure.access_counts
    )


def _batched_groups(
    workload: MaestroWorkload, groups: list[np.ndarray], pes: np.ndarray, settings: np.ndarray, mappings: list[dict[str, Value]]
) -> dict[int, tuple[GroupTotals, np.ndarray]]:
    """The groups that the batched mapping evaluator takes (`worth_batching` per PE count): per group, its
    totals and each of its rows' index into the totals' settings."""
    if workload.template is None or not workload.mapping_parameters:
        return {}
    by_pes: dict[int, list[int]] = {}
    for index, rows in enumerate(groups):
        num_pes = int(pes[rows[0]])
        if (workload.identity, num_pes, tuple(mappings[index].values())) not in _STRUCTURES:
            by_pes.setdefault(num_pes, []).append(index)
    taken: dict[int, tuple[GroupTotals, np.ndarray]] = {}
    for num_pes, members in by_pes.items():
        rows = np.concatenate([groups[index] for index in members])
        first, inverse = _first_rows(_groups_code(list(settings[rows].T)))
        if not worth_batching(len(members), len(first)):
            continue
        network = workload.network.network
        unlimited_l2 = replace(workload.base, l2_size_elems=UNLIMITED)  # energy without spill; spilling designs are recounted
        totals = template_totals(unlimited_l2, network, workload.template, workload.compat, num_pes, [mappings[i] for i in members], settings[rows][first])
        ends = np.cumsum([len(groups[index]) for index in members])
        for index, found, settings_of_rows in zip(members, totals, np.split(inverse, ends[:-1]), strict=True):
            if found is not None:
                taken[index] = (found, settings_of_rows)
    return taken


def evaluate_maestro(workload: MaestroWorkload, designs: Designs) -> MetricBatch:
    """Metrics of every design in `designs` (columns, or dicts, of hardware and mapping parameter values)."""
    columns, count = design_columns(designs)
    hardware = hardware_columns(workload, columns, count)
    runtime = np.zeros(count, dtype=np.int64)
    structural = {name: np.zeros(count, dtype=np.int64) for name in ("macs", "l1_size_req_elems", "l2_size_req_elems")}
    structural["energy_nj"] = np.zeros(count)
    structural["access_counts"] = np.zeros((count, len(ACCESS_PRICES)))  # float64, priced per design by an energy table
    noc_req = np.ones(count, dtype=np.int64)  # peak NoC bandwidth requirement, for designs with an unlimited NoC
    unlimited_noc = hardware["noc_bandwidth_elems_per_cycle"] == UNLIMITED
    errors: dict[int, str] = {}
    mapping_columns = [columns[name] for name in workload.mapping_parameters]
    settings = np.stack([hardware[name] for name in TIMING_PARAMETERS], axis=1)
    groups = _groups([hardware["num_pes"], *mapping_columns])
    mappings = [_mapping_of(workload, mapping_columns, int(rows[0])) for rows in groups]
    batched = _batched_groups(workload, groups, hardware["num_pes"], settings, mappings)
    for index, rows in enumerate(groups):
        if index in batched:
            totals, inverse = batched[index]
        else:
            first_rows, inverse = _first_rows(_groups_code(list(settings[rows].T)))
            needs_peak = bool(unlimited_noc[rows].any())
            outcome = _traced_totals(workload, int(hardware["num_pes"][rows[0]]), mappings[index], settings[rows][first_rows], needs_peak)
            if isinstance(outcome, str):
                errors.update(dict.fromkeys(rows.tolist(), outcome))
                continue
            totals = outcome
        runtime[rows] = totals.runtime_cycles[inverse]
        noc_req[rows] = totals.peak_noc_bw[inverse]
        # the later message wins, as before: too long over "computes nothing"
        errors.update(dict.fromkeys(rows[~totals.valid[inverse]].tolist(), "a step computes nothing on this hardware (MAESTRO divides by zero)"))
        errors.update(
            dict.fromkeys(rows[totals.too_long[inverse]].tolist(), f"the network's runtime reaches {LONGEST_RUNTIME_CYCLES:.3g} cycles, beyond what is counted exactly")
        )
        for name in structural:
            structural[name][rows] = getattr(totals, name)
        _spill_energies(workload, rows, hardware, structural, mappings[index])
    return MetricBatch(_metrics(workload, hardware, runtime, structural, noc_req), errors)


def _metrics(
    workload: MaestroWorkload, hardware: dict[str, np.ndarray], runtime: np.ndarray, structural: dict[str, np.ndarray], noc_req: np.ndarray
) -> dict[str, np.ndarray]:
    """Network metrics; area and power use the buffer sizes and NoC bandwidth when given, else the requirements.

    Counts stay int64 (a runtime below LONGEST_RUNTIME_CYCLES is exact, beyond float64's 2**53)."""
    l1_capacity, l2_capacity, noc = hardware["l1_size_elems"], hardware["l2_size_elems"], hardware["noc_bandwidth_elems_per_cycle"]
    l1_for_area = sized_for_area(l1_capacity, structural["l1_size_req_elems"])
    l2_for_area = sized_for_area(l2_capacity, structural["l2_size_req_elems"])
    costs = area_power_arrays(hardware["num_pes"], hardware["simd_lanes"], sized_for_area(noc, noc_req), l1_for_area, l2_for_area)
    energy_nj, area_um2 = structural["energy_nj"], costs.area_um2
    if workload.energy_table is not None:
        energy_nj, area_um2 = priced_by_table(workload.energy_table, workload.base, hardware["num_pes"], l1_for_area, l2_for_area, structural["access_counts"], area_um2)
    runtime_float = runtime.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        throughput = structural["macs"].astype(np.float64) / runtime_float
    area_mm2 = area_um2 / 1e6
    return {
        "runtime_cycles": runtime,
        "energy_nj": energy_nj,
        "edp_nj_cycles": energy_nj * runtime_float,
        "macs": structural["macs"],
        "throughput_macs_per_cycle": throughput,
        "throughput_macs_per_cycle_per_mm2": throughput / area_mm2,
        "area_um2": area_um2,
        "area_mm2": area_mm2,
        "power_mw": costs.power_mw,
        "l1_size_req_elems": structural["l1_size_req_elems"],
        "l2_size_req_elems": structural["l2_size_req_elems"],
        "l1_size_elems": l1_capacity,
        "l2_size_elems": l2_capacity,
    }
