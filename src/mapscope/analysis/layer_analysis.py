"""From a mapped layer and an accelerator to one LayerStats record (docs/model.md, Counts and buffer sizes; Energy; Area and power).

`compat="maestro"` reproduces MAESTRO's CSV exactly, quirks included; the default mode differs only
where MAESTRO is wrong (see README, "Compatibility mode vs default mode").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mapscope.analysis.cluster_levels import build_cluster_levels
from mapscope.analysis.corrections import CORRECTED, MAESTRO_SEMANTICS, Corrections
from mapscope.analysis.level_analysis import LayerAnalyzer, LevelTrace, NoValidCase, TooManyCases
from mapscope.analysis.layer_fields import COUNT_KINDS, LayerCounts, volume_fields
from mapscope.analysis.layer_fields import ieee_ratio as _ratio
from mapscope.analysis.layer_shape import layer_shape_fields
from mapscope.analysis.level_shape import LayerForm, layer_form
from mapscope.analysis.level_tables import level_tables
from mapscope.analysis.level_timing import (
    Delays,
    LevelTiming,
    TimingSettings,
    time_level,
)
from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS, layer_dimensions, layer_tensors
from mapscope.analysis.volumes import LevelShape
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.area_power import area_power, sized_for_area
from mapscope.hardware.energy import EnergyTable
from mapscope.mapping.directives import Cluster
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.stats import LayerStats
from mapscope.workload.layer import Layer

#: Area and power of one design point, memoised: layers of a network share PEs, SIMD, NoC and often their buffer needs.
_area_power = lru_cache(maxsize=4096)(area_power)


@dataclass(frozen=True)
class LayerResult:
    stats: LayerStats
    l1_accesses: int  # this layer's top-level L1 reads + writes (MAESTRO's stale-energy carry)


def _window_violation(shapes: tuple[LevelShape, ...], level: int) -> str:
    """Name the directive whose tile cannot hold one filter window at or below `level`."""
    for shape in shapes[level:]:
        tables = shape.tables
        for directive in shape.directives:
            output = OUTPUT_OF.get(directive.variable)
            if output is None or output not in tables.mapped:
                continue
            sliding = SLIDING_PAIRS[directive.variable]
            for label, table in (("a ", tables.mapped), ("an edge ", tables.mapped_edge)):
                if table[output] <= 0:
                    window = (tables.mapped if label == "a " else tables.mapped_edge).get(sliding, 0)
                    return (
                        f"directive {directive.origin} at cluster level {shape.level.index} gives {label}tile of "
                        f"{table[directive.variable]} element(s) of {directive.variable} for a window of {window} "
                        f"element(s) of {sliding} (output tile {output} = {table[output]})"
                    )
    return f"no step of cluster level {level} holds a complete filter window"


def _no_valid_case_error(mapped: MappedLayer, shapes: tuple[LevelShape, ...], error: NoValidCase) -> InputError:
    if error.level == 0:
        maestro = "MAESTRO reports runtime 0 and NaN throughputs for it (--compat maestro shows its numbers)"
    else:
        maestro = "MAESTRO divides by zero on this mapping (SIGFPE)"
    return InputError(
        f"{_window_violation(shapes, error.level)}, so no step computes a MAC; {maestro}. Map the window dimension "
        "and its input dimension together (e.g. SpatialMap(Sz(S),1) X)",
        f"{mapped.source + ': ' if mapped.source else ''}layer {mapped.layer.name}",
    )


def _too_many_cases_error(mapped: MappedLayer, error: TooManyCases) -> InputError:
    if error.per_layer:
        what = f"the analysis would walk more than {error.limit:,} iteration cases over all cluster levels"
        bound = "that is the limit (MAX_LAYER_ITERATION_CASES)"
    else:
        what = f"cluster level {error.level} has {error.cases:,} iteration cases (combinations of its directives' states)"
        bound = f"at most {error.limit:,} are analysed (MAX_ITERATION_CASES)"
    return InputError(
        f"{what}; {bound}: use fewer directives per cluster level or tiles that divide their dimensions",
        f"{mapped.source + ': ' if mapped.source else ''}layer {mapped.layer.name}",
    )


@dataclass(frozen=True)
class LayerRun:
    """A layer's top-level trace and its timing on one accelerator."""

    trace: LevelTrace
    timing: LevelTiming


@lru_cache(maxsize=1024)
def _layer_form(layer: Layer, corrections: Corrections) -> tuple[LayerForm, dict[str, int]]:
    """A layer's form (tensors, strides, corrections) and dimension sizes, memoised: a mapper analyses
    thousands of mappings of one layer (callers must not change the dictionary)."""
    strides = {dim: layer.stride(dim) for dim in ("X", "Y")}
    tensors = layer_tensors(layer, corrections.grouped_output_without_input_channels)
    return layer_form(tensors, corrections, strides), layer_dimensions(layer, tensors, corrections.stride_aware_outputs)


def _layer_shapes(mapped: MappedLayer, num_pes: int, compat: str | None) -> tuple[tuple[LevelShape, ...], LayerForm, dict[str, int]]:
    layer = mapped.layer
    corrections = MAESTRO_SEMANTICS if compat == "maestro" else CORRECTED
    form, dims = _layer_form(layer, corrections)
    levels = build_cluster_levels(layer, mapped.dataflow, form.tensors, dims, num_pes, true_stride_span=corrections.stride_aware_outputs)
    sliding = form.tensors.has_sliding_windows
    shapes = tuple(
        LevelShape(level, level_tables(level, sliding, corrections, form.strides), sliding, corrections, form.strides) for level in levels
    )
    return shapes, form, dims


def layer_trace(mapped: MappedLayer, num_pes: int, compat: str | None) -> LevelTrace:
    """The top-level trace of one layer: everything that depends on the mapping and the PE count only.

    A pure function of the layer's type, sizes, strides and dataflow and of `num_pes`, so identical
    layers of a network, and every NoC/SIMD/off-chip setting of a sweep, share it.
    """
    shapes, form, dims = _layer_shapes(mapped, num_pes, compat)
    layer = mapped.layer
    try:
        trace = LayerAnalyzer(shapes, form).run(0, tuple(dims.items()))
        if trace.valid_cases == 0 and compat != "maestro":  # MAESTRO's runtime 0 and NaNs: wrong numbers
            raise NoValidCase(0, "no step of the top level computes a MAC")
        return trace
    except NoValidCase as error:
        raise _no_valid_case_error(mapped, shapes, error) from None
    except TooManyCases as error:
        raise _too_many_cases_error(mapped, error) from None
    except KeyError as error:
        raise InputError(
            f"a lower cluster level maps dimension {error.args[0]}, which the level above does not tile",
            f"layer {layer.name}",
        ) from None
    except ZeroDivisionError as error:
        raise InputError(f"{error} (MAESTRO terminates on this mapping)", f"layer {layer.name}") from None


def timing_settings(accelerator: Accelerator, compat: str | None) -> TimingSettings:
    corrections = MAESTRO_SEMANTICS if compat == "maestro" else CORRECTED
    return TimingSettings(
        noc_bandwidth=accelerator.noc_bandwidth_elems_per_cycle,
        noc_latency=accelerator.noc_latency_cycles,
        simd_lanes=accelerator.simd_lanes,
        offchip_bandwidth=accelerator.offchip_bandwidth_elems_per_cycle,
        empty_transfer_takes_no_time=corrections.empty_transfer_takes_no_time,
    )


def run_layer(mapped: MappedLayer, accelerator: Accelerator, compat: str | None, trace: LevelTrace | None = None) -> LayerRun:
    """The trace of one layer (computed unless given) and its timing on `accelerator`."""
    if trace is None:
        trace = layer_trace(mapped, accelerator.num_pes, compat)
    try:
        timing = time_level(trace, timing_settings(accelerator, compat))
    except NoValidCase as error:
        shapes, _, _ = _layer_shapes(mapped, accelerator.num_pes, compat)
        raise _no_valid_case_error(mapped, shapes, error) from None
    return LayerRun(trace, timing)


@dataclass(frozen=True)
class LayerVolumes:
    """The LayerStats fields of one layer that no timing or PE/SIMD number changes, by field name."""

    fields: dict[str, Any]
    l1_accesses: int  # this layer's top-level L1 reads + writes (MAESTRO's stale-energy carry)
    l1_size_req_elems: int
    l2_size_req_elems: int


def layer_volumes(
    mapped: MappedLayer,
    trace: LevelTrace,
    *,
    network_name: str,
    compat: str | None,
    energy_table: EnergyTable | None,
    previous_l1_accesses: int,
    l2_capacity_elems: int | None = None,
) -> LayerVolumes:
    """Accesses, sizes, energy and reuse of one layer from its trace (docs/model.md, Energy); tensors that do
    not fit `l2_capacity_elems` (None: unlimited) bypass L2 to DRAM (layer_fields.l2_residency)."""
    l1_size_req = trace.first_innermost_l1_size_req
    assert l1_size_req is not None
    layer = mapped.layer
    corrections = MAESTRO_SEMANTICS if compat == "maestro" else CORRECTED
    totals = {f"{kind}_{t}": count for kind in COUNT_KINDS for t, count in getattr(trace, kind).items()}
    counts = LayerCounts(totals, l1_size_req, trace.macs, trace.avg_active_sub_clusters, trace.arithmetic_intensity)
    stale = previous_l1_accesses if compat == "maestro" and any(isinstance(d, Cluster) for d in mapped.dataflow) else None
    volume, l1_accesses, l1_size, l2_size = volume_fields(counts, compat=compat, energy_table=energy_table, stale_l1_accesses=stale, ratio=_ratio, l2_capacity_elems=l2_capacity_elems)
    fields: dict[str, Any] = {
        "network": network_name,
        "layer": layer.name,
        "layer_type": str(layer.type),
        **layer_shape_fields(layer, stride_aware=corrections.stride_aware_outputs),
        **volume,
    }
    return LayerVolumes(fields, l1_accesses, l1_size, l2_size)


def timing_fields(
    volumes: LayerVolumes, trace: LevelTrace, timing: LevelTiming, accelerator: Accelerator, corrections: Corrections
) -> dict[str, Any]:
    """The LayerStats fields that depend on the accelerator's PEs, SIMD, NoC and off-chip numbers."""
    macs = volumes.fields["macs"]
    throughput = _ratio(macs, timing.runtime_cycles)
    noc_bandwidth = accelerator.noc_bandwidth_elems_per_cycle
    if corrections.unlimited_noc_sized_for_requirement:
        noc_bandwidth = int(sized_for_area(noc_bandwidth, timing.peak_noc_bw))
    hardware = _area_power(
        accelerator.num_pes,
        accelerator.simd_lanes,
        noc_bandwidth,
        volumes.l1_size_req_elems,
        volumes.l2_size_req_elems,
    )

    def delays(record: Delays) -> tuple[int, int, int]:
        if trace.occurrences == 0:
            return 0, 0, 0
        return int(record.minimum), int(record.maximum), int(record.weighted_sum / trace.occurrences)

    fields: dict[str, Any] = {
        "num_pes": accelerator.num_pes,
        "simd_lanes": accelerator.simd_lanes,
        "runtime_cycles": timing.runtime_cycles,
        "throughput_macs_per_cycle": throughput,
        "throughput_per_energy_gmacs_per_s_j": _ratio(throughput, volumes.fields["energy_nj"]) * 1e9,
        "area_um2": hardware.area_um2,
        "power_mw": hardware.power_mw,
        "pe_power_mw": hardware.pe_power_mw,
        "l1_power_mw": hardware.l1_power_mw,
        "l2_power_mw": hardware.l2_power_mw,
        "noc_power_mw": hardware.noc_power_mw,
        "peak_noc_bw_elems_per_cycle": timing.peak_noc_bw,
        "avg_noc_bw_elems_per_cycle": timing.avg_noc_bw_sum / trace.occurrences if trace.occurrences else float("nan"),
        "offchip_bw_req_elems_per_cycle": timing.offchip_bw_req,
    }
    for name, record in (("ingress", timing.ingress), ("egress", timing.egress), ("compute", timing.compute)):
        minimum, maximum, average = delays(record)
        fields[f"{name}_delay_min_cycles"] = minimum
        fields[f"{name}_delay_max_cycles"] = maximum
        fields[f"{name}_delay_avg_cycles"] = average
    return fields


def analyze_layer(
    mapped: MappedLayer,
    accelerator: Accelerator,
    *,
    network_name: str,
    compat: str | None,
    energy_table: EnergyTable | None,
    previous_l1_accesses: int,
    run: LayerRun | None = None,
) -> LayerResult:
    """Statistics of one layer. `previous_l1_accesses` feeds MAESTRO's stale L1 energy in compat mode;
    `run`, when given, is this layer's already computed trace and timing (see `run_layer`)."""
    fields, l1_accesses = _stats_fields(mapped, accelerator, network_name, compat, energy_table, previous_l1_accesses, run)
    return LayerResult(LayerStats(**fields), l1_accesses)


def layer_stats_fields(
    mapped: MappedLayer, accelerator: Accelerator, *, compat: str | None, energy_table: EnergyTable | None
) -> dict[str, Any]:
    """analyze_layer's LayerStats as a dictionary by field name (no network name, no previous layer): what
    a search reads thousands of times, without building the record (a tenth of a small layer's analysis)."""
    return _stats_fields(mapped, accelerator, "", compat, energy_table, 0, None)[0]


def _stats_fields(
    mapped: MappedLayer,
    accelerator: Accelerator,
    network_name: str,
    compat: str | None,
    energy_table: EnergyTable | None,
    previous_l1_accesses: int,
    run: LayerRun | None,
) -> tuple[dict[str, Any], int]:
    if run is None:
        run = run_layer(mapped, accelerator, compat)
    volumes = layer_volumes(
        mapped,
        run.trace,
        network_name=network_name,
        compat=compat,
        energy_table=energy_table,
        previous_l1_accesses=previous_l1_accesses,
        l2_capacity_elems=accelerator.l2_size_elems,
    )
    corrections = MAESTRO_SEMANTICS if compat == "maestro" else CORRECTED
    return {**volumes.fields, **timing_fields(volumes, run.trace, run.timing, accelerator, corrections)}, volumes.l1_accesses
