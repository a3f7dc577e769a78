"""Every LayerStats field of many mappings of one layer on one accelerator, in one call.

`evaluate_mappings(batch, accelerator)` equals `analyze_layer` on each mapping, field for field, in both
modes (tests hold it so): a mapping the scalar engine rejects is invalid here, with the same error on
request. Mappings the arrays cannot decide exactly -- counts that could pass 64 bits, more iteration
cases than the limits allow, a tile with no fresh data (MAESTRO terminates), skeletons the scalar engine
rewrites case by case -- are analysed one at a time by the scalar engine, so the result never differs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from mapscope.analysis.batch.array_math import IntArray
from mapscope.analysis.batch.case_patterns import level_slots, pattern_order
from mapscope.analysis.batch.cluster_arrays import LevelArrays, Unbatchable, cluster_level_arrays
from mapscope.analysis.batch.level_walk import LayerWalk, RunArrays, TimingScalars
from mapscope.analysis.batch.mapping_batch import CLUSTER_ENTRY, MappingBatch
from mapscope.analysis.corrections import CORRECTED, MAESTRO_SEMANTICS, Corrections
from mapscope.analysis.layer_analysis import analyze_layer
from mapscope.analysis.layer_fields import LayerCounts, volume_fields
from mapscope.analysis.layer_shape import layer_shape_fields
from mapscope.analysis.tensors import LayerTensors, layer_dimensions, layer_tensors
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.area_power import area_power_arrays, sized_for_area
from mapscope.hardware.energy import EnergyTable
from mapscope.limits import MAX_LAYER_ITERATION_CASES
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.stats import LayerStats

#: Counts at or beyond this bound could wrap the int64 arrays: such mappings go to the scalar engine.
SAFE_COUNT = 2.0**62
#: Mappings evaluated together at most (longer batches go in chunks: same results, matrices that stay in cache).
CHUNK_MAPPINGS = 3072
_INTEGER_FIELDS = frozenset(f.name for f in fields(LayerStats) if f.type in ("int", int))


@dataclass(frozen=True)
class MappingStats:
    """The statistics of every mapping of a batch: `fields` holds one array (or shared value) per LayerStats field."""

    batch: MappingBatch
    accelerator: Accelerator
    compat: str | None
    network_name: str
    energy_table: EnergyTable | None
    previous_l1_accesses: int | np.ndarray  # one value, or one per mapping (a network's previous layers)
    fields: dict[str, Any]
    valid: np.ndarray  # False where analyze_layer raises InputError for the mapping
    scalar_results: dict[int, LayerStats | InputError]  # mappings analysed by the scalar engine

    @property
    def size(self) -> int:
        return self.batch.size

    @property
    def scalar_count(self) -> int:
        """How many mappings the scalar engine analysed (the rest were computed as arrays)."""
        return len(self.scalar_results)

    def previous_l1_at(self, index: int) -> int:
        """The previous layer's L1 accesses that mapping `index` is analysed after (compat energy uses them)."""
        previous = self.previous_l1_accesses
        return int(previous[index]) if isinstance(previous, np.ndarray) else previous

    def mapped_layer(self, index: int) -> MappedLayer:
        return MappedLayer(self.batch.layer_at(index), self.batch.dataflow_at(index))

    def _scalar(self, index: int) -> LayerStats | InputError:
        known = self.scalar_results.get(index)
        if known is None:
            known = _analyze_one(self, index)
        return known

    def error_at(self, index: int) -> InputError | None:
        """The scalar engine's error for mapping `index`, or None when it is valid."""
        if self.valid[index]:
            return None
        result = self._scalar(index)
        return result if isinstance(result, InputError) else None

    def stats_at(self, index: int) -> LayerStats:
        """Mapping `index`'s LayerStats (InputError, as analyze_layer raises it, when the mapping is invalid)."""
        if index in self.scalar_results or not self.valid[index]:
            result = self._scalar(index)
            if isinstance(result, InputError):
                raise result
            return result
        values: dict[str, Any] = {}
        for name, value in self.fields.items():
            if isinstance(value, np.ndarray):
                value = value[index]
                if name in _INTEGER_FIELDS:
                    value = int(value)
                elif isinstance(value, np.floating):
                    value = float(value)
                values[name] = value
            else:
                values[name] = value
        return LayerStats(**values)

    def column(self, name: str) -> np.ndarray:
        """One field over all mappings (garbage where `valid` is False)."""
        value = self.fields[name]
        return value if isinstance(value, np.ndarray) else np.full(self.size, value)


def _analyze_one(result: MappingStats, index: int) -> LayerStats | InputError:
    try:
        return analyze_layer(
            result.mapped_layer(index),
            result.accelerator,
            network_name=result.network_name,
            compat=result.compat,
            energy_table=result.energy_table,
            previous_l1_accesses=result.previous_l1_at(index),
        ).stats
    except InputError as error:
        return error


def _ratio(numerator: Any, denominator: Any) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64))


def _magnitude_bound(levels: tuple[LevelArrays, ...], layer_dims: dict[str, IntArray], latency: int) -> np.ndarray:
    """An upper bound (float64) on every count of each mapping: steps times per-step volumes, level by level.

    A level's dimension is at most its static size or the tile the level above maps on it (a case hands
    down a full or an edge tile, never more); a step moves at most the product of the tile sizes per
    sub-cluster; the one-time tensor sizes are at most the product of the layer's dimensions.
    """
    bound = np.zeros(levels[0].num_sub_clusters.shape)
    tiles_above: list[dict[str, np.ndarray]] = [{}]
    for level in levels[:-1]:
        tiles_above.append({v: size.astype(np.float64) for v, size in zip(level.variables, level.sizes)})
    for level, above in zip(reversed(levels), reversed(tiles_above)):
        steps = np.ones_like(bound)
        volume = level.num_sub_clusters.astype(np.float64)
        for variable, size, offset in zip(level.variables, level.sizes, level.offsets):
            cap = np.maximum(level.dimensions[variable].astype(np.float64), above.get(variable, 1.0))
            steps = steps * np.where(cap <= size, 1.0, np.ceil(cap / offset) + 2)
            volume = volume * np.maximum(size.astype(np.float64), 1.0)
        bound = steps * (4 * volume + latency + 2 + bound)
    tensor = np.ones_like(bound)
    for size in layer_dims.values():
        tensor = tensor * np.maximum(np.abs(size.astype(np.float64)), 1.0)
    return bound + tensor


def evaluate_mappings(
    batch: MappingBatch,
    accelerator: Accelerator,
    *,
    network_name: str = "",
    compat: str | None = None,
    energy_table: EnergyTable | None = None,
    previous_l1_accesses: int | np.ndarray = 0,
) -> MappingStats:
    """The LayerStats of every mapping in `batch` on `accelerator` (see the module docstring).

    `previous_l1_accesses` is one count for every mapping or an int64 array with one per mapping."""
    if batch.size > CHUNK_MAPPINGS:  # every mapping is computed on its own: chunks keep the case matrices in cache
        corrections = MAESTRO_SEMANTICS if compat == "maestro" else CORRECTED
        order = _evaluation_order(batch, accelerator.num_pes, corrections)
        parts = []
        for start in range(0, batch.size, CHUNK_MAPPINGS):
            rows = order[start : start + CHUNK_MAPPINGS]
            previous = previous_l1_accesses[rows] if isinstance(previous_l1_accesses, np.ndarray) else previous_l1_accesses
            parts.append(
                _evaluate(batch.rows_at(rows), accelerator, network_name, compat, energy_table, previous)
            )
        return _joined(batch, parts, order, previous_l1_accesses)
    return _evaluate(batch, accelerator, network_name, compat, energy_table, previous_l1_accesses)


def _layer_arrays(batch: MappingBatch, corrections: Corrections) -> tuple[LayerTensors, dict[str, IntArray], dict[str, int]]:
    """The layer's tensors, each mapping's layer dimensions and the layer's strides."""
    tensors = layer_tensors(batch.layer, corrections.grouped_output_without_input_channels)
    per_layer = [layer_dimensions(each, tensors, corrections.stride_aware_outputs) for each in batch.all_layers]
    dims = {v: np.array([sizes[v] for sizes in per_layer], dtype=np.int64)[batch.rows] for v in per_layer[0]}
    return tensors, dims, {dim: batch.layer.stride(dim) for dim in ("X", "Y")}


def _evaluation_order(batch: MappingBatch, num_pes: int, corrections: Corrections) -> IntArray:
    """The order chunks take the mappings in: by their top level's iteration states (case_patterns)."""
    tensors, dims, strides = _layer_arrays(batch, corrections)
    try:
        with np.errstate(all="ignore"):
            levels, _ = cluster_level_arrays(batch, tensors, dims, num_pes, corrections.stride_aware_outputs)
            _, slot_lists = level_slots(levels[0], dims, strides, corrections)
    except (Unbatchable, KeyError):
        return np.arange(batch.size)  # the chunks go to the scalar engine in any order
    return pattern_order(slot_lists, batch.size)


def _joined(batch: MappingBatch, parts: list[MappingStats], order: IntArray, previous_l1_accesses: int | np.ndarray) -> MappingStats:
    """The chunks' statistics (of the mappings at `order`, in turn) as one result over `batch`."""
    first = parts[0]
    starts = np.cumsum([0] + [part.size for part in parts])
    chunk_rows = [order[start:end] for start, end in zip(starts[:-1], starts[1:])]

    def put_back(values: list[Any], dtype: np.dtype) -> np.ndarray:
        joined = np.empty(batch.size, dtype=dtype)
        for rows, value in zip(chunk_rows, values):
            joined[rows] = value
        return joined

    fields_joined: dict[str, Any] = {}
    for name, value in first.fields.items():
        values = [part.fields[name] for part in parts]
        if any(isinstance(each, np.ndarray) for each in values):  # the type np.concatenate would give
            fields_joined[name] = put_back(values, np.result_type(*(np.asarray(each) for each in values)))
        else:
            fields_joined[name] = value
    scalar_results: dict[int, LayerStats | InputError] = {}
    for rows, part in zip(chunk_rows, parts):
        scalar_results.update({int(rows[index]): outcome for index, outcome in part.scalar_results.items()})
    valid = put_back([part.valid for part in parts], np.dtype(bool))
    return MappingStats(batch, first.accelerator, first.compat, first.network_name, first.energy_table, previous_l1_accesses, fields_joined, valid, scalar_results)


def _evaluate(
    batch: MappingBatch,
    accelerator: Accelerator,
    network_name: str,
    compat: str | None,
    energy_table: EnergyTable | None,
    previous_l1_accesses: int | np.ndarray,
) -> MappingStats:
    """evaluate_mappings on one chunk."""
    corrections = MAESTRO_SEMANTICS if compat == "maestro" else CORRECTED
    count = batch.size
    tensors, dims, strides = _layer_arrays(batch, corrections)
    timing = TimingScalars(
        accelerator.noc_bandwidth_elems_per_cycle,
        accelerator.noc_latency_cycles,
        accelerator.simd_lanes,
        accelerator.offchip_bandwidth_elems_per_cycle,
        corrections.empty_transfer_takes_no_time,
    )
    partial = MappingStats(batch, accelerator, compat, network_name, energy_table, previous_l1_accesses, {}, np.zeros(count, dtype=bool), {})
    try:
        with np.errstate(all="ignore"):
            levels, too_many_pes = cluster_level_arrays(batch, tensors, dims, accelerator.num_pes, corrections.stride_aware_outputs)
            top = LayerWalk(levels, tensors, corrections, strides, timing).run(0, dims)
            bound = _magnitude_bound(levels, dims, accelerator.noc_latency_cycles)
    except (Unbatchable, KeyError):
        return _all_scalar(partial)
    assert top.compute_zero is not None
    needs_scalar = ~too_many_pes & (top.needs_scalar | (top.cases > MAX_LAYER_ITERATION_CASES) | (bound >= SAFE_COUNT))
    invalid = too_many_pes | top.compute_zero
    if compat != "maestro":
        invalid |= top.valid_cases == 0
    valid = ~invalid & ~needs_scalar
    values = _layer_fields(batch, top, accelerator, compat, corrections, energy_table, previous_l1_accesses, network_name)
    result = MappingStats(batch, accelerator, compat, network_name, energy_table, previous_l1_accesses, values, valid, {})
    for index in np.flatnonzero(needs_scalar).tolist():
        outcome = _analyze_one(result, index)
        result.scalar_results[index] = outcome
        if isinstance(outcome, LayerStats):
            valid[index] = True
            for name, value in outcome.__dict__.items():
                column = values[name]
                if isinstance(column, np.ndarray):
                    if column.dtype == np.int64 and not (-(2**63) <= value < 2**63):
                        continue  # beyond int64: stats_at serves it from scalar_results
                    column[index] = value
    return result


def _all_scalar(partial: MappingStats) -> MappingStats:
    """Every mapping through the scalar engine (a skeleton the arrays do not cover)."""
    outcomes = {index: _analyze_one(partial, index) for index in range(partial.size)}
    valid = np.array([isinstance(outcomes[i], LayerStats) for i in range(partial.size)], dtype=bool)
    values: dict[str, Any] = {}
    for name in (f.name for f in fields(LayerStats)):
        column = [getattr(outcome, name) if isinstance(outcome, LayerStats) else 0 for outcome in outcomes.values()]
        if name in _INTEGER_FIELDS:
            values[name] = np.array([v if -(2**63) <= v < 2**63 else 0 for v in column], dtype=np.int64)
        elif all(isinstance(v, (int, float)) for v in column):
            values[name] = np.array(column, dtype=np.float64)
        else:
            values[name] = np.array(column, dtype=object)
    return MappingStats(
        partial.batch,
        partial.accelerator,
        partial.compat,
        partial.network_name,
        partial.energy_table,
        partial.previous_l1_accesses,
        values,
        valid,
        outcomes,
    )


def _layer_columns(batch: MappingBatch, corrections: Corrections) -> dict[str, Any]:
    """Name, type and shape fields: shared values for a one-layer batch, else gathered per mapping."""
    layers = batch.all_layers
    shapes = [{"layer": each.name, "layer_type": str(each.type), **layer_shape_fields(each, stride_aware=corrections.stride_aware_outputs)} for each in layers]
    if len(layers) == 1:
        return shapes[0]
    columns: dict[str, Any] = {}
    for name, value in shapes[0].items():
        column = np.array([shape[name] for shape in shapes], dtype=object if isinstance(value, str) else np.int64)
        columns[name] = column[batch.rows]
    return columns


def _layer_fields(
    batch: MappingBatch,
    top: RunArrays,
    accelerator: Accelerator,
    compat: str | None,
    corrections: Corrections,
    energy_table: EnergyTable | None,
    previous_l1_accesses: int | np.ndarray,
    network_name: str,
) -> dict[str, Any]:
    """layer_analysis.layer_volumes and timing_fields on arrays."""
    count = batch.size
    counts = LayerCounts(top.totals, top.first_l1, top.totals["macs"], top.avg_active, top.arithmetic_intensity)
    stale = None
    if compat == "maestro" and any(kind == CLUSTER_ENTRY for kind, _ in batch.skeleton):
        stale = np.broadcast_to(np.asarray(previous_l1_accesses, dtype=np.int64), (count,))
    volume, _, l1_size, l2_size = volume_fields(
        counts, compat=compat, energy_table=energy_table, stale_l1_accesses=stale, ratio=_ratio, l2_capacity_elems=accelerator.l2_size_elems
    )
    macs, energy = volume["macs"], volume["energy_nj"]
    values: dict[str, Any] = {"network": network_name, **_layer_columns(batch, corrections), **volume}
    timing = top.timing
    runtime = timing["runtime_cycles"]
    throughput = _ratio(macs, runtime)
    noc_bandwidth: Any = accelerator.noc_bandwidth_elems_per_cycle
    if corrections.unlimited_noc_sized_for_requirement:
        noc_bandwidth = np.asarray(sized_for_area(noc_bandwidth, timing["peak_noc_bw"])).astype(np.int64)
    costs = area_power_arrays(accelerator.num_pes, accelerator.simd_lanes, noc_bandwidth, l1_size, l2_size)
    occurrences = top.occurrences
    some = occurrences != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        values.update(
            {
                "num_pes": accelerator.num_pes,
                "simd_lanes": accelerator.simd_lanes,
                "runtime_cycles": runtime,
                "throughput_macs_per_cycle": throughput,
                "throughput_per_energy_gmacs_per_s_j": _ratio(throughput, energy) * 1e9,
                "area_um2": np.broadcast_to(costs.area_um2, (count,)),
                "power_mw": np.broadcast_to(costs.power_mw, (count,)),
                "pe_power_mw": np.broadcast_to(costs.pe_power_mw, (count,)),
                "l1_power_mw": np.broadcast_to(costs.l1_power_mw, (count,)),
                "l2_power_mw": np.broadcast_to(costs.l2_power_mw, (count,)),
                "noc_power_mw": np.broadcast_to(costs.noc_power_mw, (count,)),
                "peak_noc_bw_elems_per_cycle": timing["peak_noc_bw"],
                "avg_noc_bw_elems_per_cycle": np.where(some, timing["avg_noc_bw_sum"] / np.where(some, occurrences, 1), np.nan),
                "offchip_bw_req_elems_per_cycle": timing["offchip_bw_req"],
            }
        )
        for name in ("ingress", "egress", "compute"):
            values[f"{name}_delay_min_cycles"] = np.where(some, timing[f"{name}_min"], 0)
            values[f"{name}_delay_max_cycles"] = np.where(some, timing[f"{name}_max"], 0)
            values[f"{name}_delay_avg_cycles"] = np.where(some, (timing[f"{name}_sum"] / np.where(some, occurrences, 1)).astype(np.int64), 0)
    return {name: (np.array(value) if isinstance(value, np.ndarray) else value) for name, value in values.items()}
