"""Network totals of many template mappings at once, on the batched mapping evaluator.

A space that sweeps template parameters asks for many (PE count, mapping) pairs. Traced one at a time
(`maestro_designs`), each costs the scalar engine a walk per distinct layer; here every mapping of one
PE count is evaluated on each distinct hardware timing setting by `evaluate_mappings`, all distinct
layers x mappings stacked in few long arrays. The traces pay off instead when many timing settings
share few mappings (a trace is timed on every setting at once), so `worth_batching` chooses by counts.

The totals are the trace path's, to the bit: runtimes summed per distinct layer in network order with
the same float check against LONGEST_RUNTIME_CYCLES, energy summed layer by layer in network order
(compat energy chained through each layer's predecessor), requirements as maxima. A mapping the arrays
cannot give the trace path's answer for (a template or engine error, a step that computes nothing, a
count too large) is left to the trace path, which has the exact message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from mapscope.analysis.batch import MappingBatch, evaluate_mappings, mapping_batches, stacked_batches
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapping.directives import Directive
from mapscope.mapping.templates import template as find_template
from mapscope.stats import TENSORS
from mapscope.workload.layer import Layer
from mapscope.workload.network import Network

#: Network runtimes from here on would wrap the int64 sum; a design that long is reported as an error.
LONGEST_RUNTIME_CYCLES = 2.0**62
#: The largest count an int64 metric holds; a network total beyond it is reported as an error of the design.
LARGEST_COUNT = 2**63 - 1
#: The batched path runs when a PE count has at least this many new mappings per distinct timing setting.
MAPPINGS_PER_SETTING = 4
#: The timing parameters, in the order of a settings row.
SETTING_PARAMETERS = ("simd_lanes", "noc_bandwidth_elems_per_cycle", "noc_latency_cycles", "offchip_bandwidth_elems_per_cycle")

Mapping = dict[str, object]
#: The counted actions a size-aware energy table prices, one per analysis energy component (mac, l1, l2,
#: noc, dram): a layer's energy is their dot product with the per-access energies (analysis/layer_fields.py).
ACCESS_COUNTS = ("macs", "l1_access_elems", "l2_access_elems", "noc_transfer_elems", "dram_read_elems", "dram_write_elems")


def access_counts(fields: Callable[[str], object]) -> tuple:
    """The five priced counts (mac, l1, l2, noc, dram) from a layer's fields, as ints or arrays alike."""
    macs, l1, l2, noc, dram_read, dram_write = (fields(name) for name in ACCESS_COUNTS)
    return (macs, l1, l2, noc, dram_read + dram_write)  # type: ignore[operator]


@dataclass(frozen=True)
class GroupTotals:
    """One (PE count, mapping)'s network totals: per timing setting, and timing-free ones."""

    runtime_cycles: np.ndarray  # int64, per setting
    valid: np.ndarray  # False: a step computes nothing on that setting
    too_long: np.ndarray  # the runtime reaches LONGEST_RUNTIME_CYCLES
    peak_noc_bw: np.ndarray  # int64, at least 1
    macs: int
    energy_nj: float
    l1_size_req_elems: int
    l2_size_req_elems: int
    access_counts: tuple[float, ...] = ()  # network totals of the five priced actions (`access_counts`), float64


def worth_batching(new_mappings: int, settings: int) -> bool:
    """Whether `new_mappings` untraced mappings on `settings` distinct timing settings go to the batched path."""
    return new_mappings >= MAPPINGS_PER_SETTING * max(settings, 1)


def _shape(layer: Layer) -> tuple:
    return (layer.type, layer.dimensions, layer.strides)


@dataclass(frozen=True)
class _Layers:
    """A network's distinct layer shapes (first appearance order), each layer's shape and each shape's count."""

    representatives: tuple[Layer, ...]
    shape_of: tuple[int, ...]
    repeats: tuple[int, ...]

    @classmethod
    def of(cls, network: Network) -> _Layers:
        index: dict[tuple, int] = {}
        representatives: list[Layer] = []
        shape_of = []
        for layer in network.layers:
            position = index.setdefault(_shape(layer), len(index))
            if position == len(representatives):
                representatives.append(layer)
            shape_of.append(position)
        repeats = [shape_of.count(position) for position in range(len(representatives))]
        return cls(tuple(representatives), tuple(shape_of), tuple(repeats))


def _dataflows(template_name: str, layers: _Layers, num_pes: int, mappings: Sequence[Mapping]) -> list[list[tuple[Directive, ...]] | None]:
    """Per mapping, the dataflow of each distinct layer (None when the template refuses one)."""
    chosen = find_template(template_name)
    flows: list[list[tuple[Directive, ...]] | None] = []
    for mapping in mappings:
        try:
            flows.append([tuple(chosen.dataflow(layer, num_pes, **mapping)) for layer in layers.representatives])
        except InputError:
            flows.append(None)
    return flows


def _stacked(layers: _Layers, flows: list[list[tuple[Directive, ...]]]) -> list[tuple[MappingBatch, list[tuple[int, np.ndarray, slice]]]]:
    """All (distinct layer x mapping) rows in stacked batches; per batch, (shape, mappings, rows) parts."""
    parts: list[MappingBatch] = []
    owners: list[tuple[int, np.ndarray]] = []
    for shape, layer in enumerate(layers.representatives):
        for batch, members in mapping_batches(layer, [flow[shape] for flow in flows]):
            parts.append(batch)
            owners.append((shape, members))
    return [(joined, [(*owners[position], rows) for position, rows in places]) for joined, places in stacked_batches(parts)]


def template_totals(
    base: Accelerator,
    network: Network,
    template_name: str,
    compat: str | None,
    num_pes: int,
    mappings: Sequence[Mapping],
    settings: np.ndarray,
) -> list[GroupTotals | None]:
    """Per mapping, its totals on every row of `settings` (SETTING_PARAMETERS columns), or None where the
    trace path must decide (it gives the exact error, or a count this path does not represent)."""
    layers = _Layers.of(network)
    flows = _dataflows(template_name, layers, num_pes, mappings)
    usable = [index for index, flow in enumerate(flows) if flow is not None]
    results: list[GroupTotals | None] = [None] * len(mappings)
    if not usable:
        return results
    stacked = _stacked(layers, [flows[index] for index in usable])  # type: ignore[misc]
    shapes, count, setting_count = len(layers.representatives), len(usable), len(settings)
    runtime = np.zeros((setting_count, shapes, count), dtype=np.int64)
    peak = np.ones((setting_count, shapes, count), dtype=np.int64)
    valid = np.ones((shapes, count), dtype=bool)
    fields = {name: np.zeros((shapes, count), dtype=np.int64) for name in ("macs", "l1_size_req_elems", "l2_size_req_elems", "l1_accesses")}
    energy = np.zeros((shapes, count))
    counts = np.zeros((5, shapes, count))  # float64: exact below 2**53, and only ever multiplied by energies
    for setting, row in enumerate(settings.tolist()):
        accelerator = replace(base, num_pes=num_pes, **dict(zip(SETTING_PARAMETERS, row, strict=True)))
        for joined, places in stacked:
            stats = evaluate_mappings(joined, accelerator, compat=compat, network_name=network.name)
            fine = stats.valid.copy()
            fine[list(stats.scalar_results)] = False  # left to the trace path: no second opinion here
            for shape, members, rows in places:
                valid[shape, members] &= fine[rows]
                runtime[setting, shape, members] = stats.column("runtime_cycles")[rows]
                peak[setting, shape, members] = stats.column("peak_noc_bw_elems_per_cycle")[rows]
                if setting == 0:
                    for name in ("macs", "l1_size_req_elems", "l2_size_req_elems"):
                        fields[name][shape, members] = stats.column(name)[rows]
                    fields["l1_accesses"][shape, members] = sum(stats.column(f"{t}_l1_read_elems")[rows] + stats.column(f"{t}_l1_write_elems")[rows] for t in TENSORS)
                    energy[shape, members] = stats.column("energy_nj")[rows]
                    for position, column in enumerate(access_counts(lambda name: stats.column(name)[rows])):
                        counts[position, shape, members] = column
    if compat == "maestro":
        energy_at = _chained_energy(base, network, layers, stacked, fields["l1_accesses"], num_pes, settings, compat)
    else:
        energy_at = lambda position: energy[layers.shape_of[position]]  # noqa: E731
    network_energy = np.zeros(count)
    for position in range(len(layers.shape_of)):
        network_energy = network_energy + energy_at(position)
    repeats = np.array(layers.repeats, dtype=np.int64)[:, None]
    macs_bound = (repeats.astype(np.float64) * fields["macs"].astype(np.float64)).sum(axis=0)
    macs = (repeats * fields["macs"]).sum(axis=0)  # exact: only used below the float bound
    network_counts = (np.array(layers.repeats, dtype=np.float64)[None, :, None] * counts).sum(axis=1)
    l1, l2 = fields["l1_size_req_elems"].max(axis=0), fields["l2_size_req_elems"].max(axis=0)
    total, too_long = _summed_runtimes(layers, runtime)
    peak_noc = np.maximum(peak.max(axis=1), 1)
    settled = valid.all(axis=0) & (macs_bound < LONGEST_RUNTIME_CYCLES)
    for column in np.flatnonzero(settled).tolist():
        results[usable[column]] = GroupTotals(
            total[:, column],
            np.ones(setting_count, dtype=bool),
            too_long[:, column],
            peak_noc[:, column],
            int(macs[column]),
            float(network_energy[column]),
            int(l1[column]),
            int(l2[column]),
            tuple(network_counts[:, column].tolist()),
        )
    return results


def _summed_runtimes(layers: _Layers, runtime: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Network runtimes (settings x mappings) from per-shape ones (settings x shapes x mappings), summed shape
    by shape as the trace path sums its traces, with its float check against LONGEST_RUNTIME_CYCLES."""
    total = np.zeros((runtime.shape[0], runtime.shape[2]), dtype=np.int64)
    too_long = np.zeros(total.shape, dtype=bool)
    for shape, repeats in enumerate(layers.repeats):
        layer_runtime = runtime[:, shape]
        too_long |= total.astype(np.float64) + float(repeats) * layer_runtime.astype(np.float64) >= LONGEST_RUNTIME_CYCLES
        total += repeats * layer_runtime
    return total, too_long


def _chained_energy(
    base: Accelerator,
    network: Network,
    layers: _Layers,
    stacked: list[tuple[MappingBatch, list[tuple[int, np.ndarray, slice]]]],
    l1_accesses: np.ndarray,
    num_pes: int,
    settings: np.ndarray,
    compat: str | None,
) -> Callable[[int], np.ndarray]:
    """Compat energy of each network position: MAESTRO charges a clustered layer its predecessor's L1
    accesses, so each (shape, previous shape) pair is evaluated with that predecessor's counts."""
    pairs: dict[tuple[int, int], np.ndarray] = {}
    wanted = {(layers.shape_of[position], layers.shape_of[position - 1] if position else -1) for position in range(len(layers.shape_of))}
    accelerator = replace(base, num_pes=num_pes, **dict(zip(SETTING_PARAMETERS, settings[0].tolist(), strict=True)))
    for joined, places in stacked:
        for previous in sorted({p for _, p in wanted}):
            previous_l1 = np.zeros(joined.size, dtype=np.int64)
            for _, members, rows in places:
                previous_l1[rows] = l1_accesses[previous, members] if previous >= 0 else 0
            stats = evaluate_mappings(joined, accelerator, compat=compat, network_name=network.name, previous_l1_accesses=previous_l1)
            for shape, members, rows in places:
                if (shape, previous) in wanted:
                    energy = pairs.setdefault((shape, previous), np.zeros(l1_accesses.shape[1]))
                    energy[members] = stats.column("energy_nj")[rows]
    return lambda position: pairs[(layers.shape_of[position], layers.shape_of[position - 1] if position else -1)]
