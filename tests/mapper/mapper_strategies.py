"""Small random layers and mapping spaces for the mapper's property tests, and a stats comparison."""

from __future__ import annotations

import math
from dataclasses import asdict

from hypothesis import strategies as st

from mapscope.analysis.layer_analysis import analyze_layer
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingSpace
from mapscope.mapping.directives import Directive
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.stats import LayerStats
from mapscope.workload.layer import Layer, LayerType


@st.composite
def small_layers(draw: st.DrawFn) -> Layer:
    """CONV, DSCONV, NGCONV (optionally batched) and GEMM layers of a few elements per dimension, any stride."""
    layer_type = draw(st.sampled_from([LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.NGCONV, LayerType.GEMM]))
    if layer_type is LayerType.GEMM:
        dims = {"M": draw(st.integers(1, 8)), "N": draw(st.integers(1, 8)), "K": draw(st.integers(1, 8))}
        return Layer("L", layer_type, tuple(dims.items()))
    dims = {"K": draw(st.integers(1, 6)), "C": draw(st.integers(1, 6)), "R": draw(st.integers(1, 3)), "S": draw(st.integers(1, 3))}
    if layer_type is LayerType.DSCONV:
        del dims["K"]
    if layer_type is LayerType.NGCONV:
        dims["G"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        dims["N"] = draw(st.integers(1, 2))
    dims["Y"] = draw(st.integers(dims["R"], 10))
    dims["X"] = draw(st.integers(dims["S"], 10))
    stride = draw(st.sampled_from([1, 1, 2, 3]))
    return Layer("L", layer_type, tuple(dims.items()), (("X", stride), ("Y", draw(st.sampled_from([1, stride])))))


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
    accelerator = Accelerator(
        num_pes=pes,
        simd_lanes=draw(st.sampled_from([1, 2])),
        noc_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 4, 2**31 - 1])),
        noc_latency_cycles=draw(st.integers(0, 2)),
        offchip_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 8, 1000])),
    )
    return space, accelerator


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
