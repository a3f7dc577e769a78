"""Small random layers and mapping spaces for the mapper's property tests, and a stats comparison."""

from __future__ import annotations

import math
from dataclasses import asdict

from hypothesis import strategies as st
from layer_strategies import small_layers

from mapscope.analysis.layer_analysis import analyze_layer
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingSpace
from mapscope.mapping.directives import Directive
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.stats import LayerStats
from mapscope.workload.layer import Layer, LayerType


@st.composite
def spaces(draw: st.DrawFn, max_levels: int = 3) -> tuple[MappingSpace, Accelerator]:
    """A space over a small layer (either mode, perfect or imperfect tiles, reduced or not) and an accelerator."""
    layer = draw(small_layers())
    pes = draw(st.sampled_from([1, 2, 4, 6, 8, 16]))
    space = MappingSpace(
        layer,
        pes,
        max_levels=draw(st.integers(1, max_levels)),
        imperfect=draw(st.booleans()),
        compat=draw(st.sampled_from([None, "maestro"])),
        reduce_symmetric=draw(st.booleans()),
    )
    return space, draw(small_accelerators(pes))


@st.composite
def tiny_layers(
    draw: st.DrawFn, *, gemm: tuple[int, int, int], conv: tuple[int, int, int, int], rows: int, columns: int, strides: tuple[int, ...]
) -> Layer:
    """A tiny CONV, DSCONV or GEMM layer for brute-force tests: GEMM M, N, K up to `gemm`; K, C, R, S up to
    `conv`; Y up to R + `rows`, X up to S + `columns`; an X stride from `strides`."""
    layer_type = draw(st.sampled_from([LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.GEMM]))
    if layer_type is LayerType.GEMM:
        return Layer("L", layer_type, tuple((name, draw(st.integers(1, top))) for name, top in zip("MNK", gemm)))
    dims = {name: draw(st.integers(1, top)) for name, top in zip("KCRS", conv)}
    if layer_type is LayerType.DSCONV:
        del dims["K"]
    dims["Y"] = draw(st.integers(dims["R"], dims["R"] + rows))
    dims["X"] = draw(st.integers(dims["S"], dims["S"] + columns))
    return Layer("L", layer_type, tuple(dims.items()), (("X", draw(st.sampled_from(strides))), ("Y", 1)))


@st.composite
def small_accelerators(draw: st.DrawFn, num_pes: int) -> Accelerator:
    """An accelerator of `num_pes` PEs with 1 or 2 SIMD lanes and narrow to unlimited NoC and off-chip bandwidths."""
    return Accelerator(
        num_pes=num_pes,
        simd_lanes=draw(st.sampled_from([1, 2])),
        noc_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 4, 2**31 - 1])),
        noc_latency_cycles=draw(st.integers(0, 2)),
        offchip_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 8, 1000])),
    )


def layer_stats(layer: Layer, dataflow: tuple[Directive, ...], accelerator: Accelerator, compat: str | None) -> LayerStats:
    """analyze_layer's statistics of one mapping (raises InputError as it does)."""
    mapped = MappedLayer(layer, dataflow)
    return analyze_layer(mapped, accelerator, network_name="n", compat=compat, energy_table=None, previous_l1_accesses=0).stats


def differences(left: LayerStats, right: LayerStats) -> dict[str, tuple[object, object]]:
    """The fields where two stats differ (NaN equals NaN)."""
    found = {}
    for name, value in asdict(left).items():
        other = getattr(right, name)
        if isinstance(value, float) and isinstance(other, float) and math.isnan(value) and math.isnan(other):
            continue
        if value != other or type(value) is not type(other):
            found[name] = (value, other)
    return found
