"""Invariants of the default (corrected) mode on random small layers and valid mappings.

A mapping is valid when its tiles partition every dimension: non-window dimensions advance by their
tile size; an X (Y) tile of q outputs spans (q - 1) * stride + S (R) inputs and advances q * stride;
filter windows R, S are mapped whole. MAESTRO's own semantics break these invariants (see
analysis/corrections.py); compat mode keeps them broken on purpose.
"""

from __future__ import annotations

from math import prod

from hypothesis import assume, given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.analysis import analyze_network
from mapscope.analysis.tensors import layer_tensors
from mapscope.hardware import Accelerator
from mapscope.mapping import (
    Cluster,
    MappedLayer,
    MappedNetwork,
    SpatialMap,
    TemporalMap,
)
from mapscope.stats import LayerStats
from mapscope.workload import Layer, LayerType, layer_macs

WINDOW_OF = {"Y": "R", "X": "S"}


def _directive(draw, variable: str, dims: dict[str, int], strides: dict[str, int], spatial: bool):
    kind = SpatialMap if spatial else TemporalMap
    size = dims[variable]
    if variable in ("R", "S") and not spatial:
        return TemporalMap(size, size, variable)
    if variable in WINDOW_OF and WINDOW_OF[variable] in dims:
        window, stride = dims[WINDOW_OF[variable]], strides[variable]
        outputs = draw(st.integers(1, max(1, (size - window) // stride + 1)))
        return kind((outputs - 1) * stride + window, outputs * stride, variable)
    tile = draw(st.integers(1, size))
    return kind(tile, tile, variable)


def _level(draw, variables: list[str], dims: dict[str, int], strides: dict[str, int], spatial_maps: int = 1) -> list:
    order = draw(st.permutations(variables))
    candidates = [v for v in variables if v not in ("R", "S")]
    count = min(spatial_maps, len(candidates))
    spatial = draw(st.lists(st.sampled_from(candidates), min_size=count, max_size=count, unique=True))
    return [_directive(draw, v, dims, strides, v in spatial) for v in order]


@st.composite
def mapped_layers(draw, spatial_maps: int = 1, windows_only: bool = False) -> tuple[MappedLayer, Accelerator]:
    """A random small layer, a valid mapping with `spatial_maps` SpatialMaps per level, an accelerator;
    `windows_only`: a CONV or DSCONV at stride 1 (every input in some window)."""
    types = [LayerType.CONV, LayerType.DSCONV] if windows_only else [LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.GEMM]
    layer_type = draw(st.sampled_from(types))
    stride = 1 if windows_only else draw(st.sampled_from([1, 1, 2, 3]))
    if layer_type is LayerType.GEMM:
        dims = {"M": draw(st.integers(1, 8)), "N": draw(st.integers(1, 8)), "K": draw(st.integers(1, 8))}
        strides = {"X": 1, "Y": 1}
    else:
        dims = {"K": draw(st.integers(1, 5)), "C": draw(st.integers(1, 5)), "R": draw(st.integers(1, 3)), "S": draw(st.integers(1, 3))}
        if layer_type is LayerType.DSCONV:
            dims["K"] = 1
        dims["Y"] = draw(st.integers(dims["R"], 9))
        dims["X"] = draw(st.integers(dims["S"], 9))
        strides = {"X": stride, "Y": stride}
    layer = Layer("L", layer_type, tuple(dims.items()), tuple(strides.items()))
    variables = list(layer_tensors(layer).input_variables)
    dataflow = _level(draw, variables, dims, strides, spatial_maps)
    num_pes = draw(st.integers(1, 12))
    if draw(st.booleans()):
        cluster = draw(st.integers(1, num_pes))
        upper = {d.dimension: min(d.size, dims[d.dimension]) for d in dataflow}
        inner_dims = dict(upper)
        for reference, window in WINDOW_OF.items():
            if reference in inner_dims:
                inner_dims[reference] = max(inner_dims[reference], dims[window])
        dataflow = dataflow + [Cluster(cluster)] + _level(draw, variables, inner_dims, strides, spatial_maps)
    accelerator = Accelerator(
        num_pes=num_pes,
        simd_lanes=draw(st.sampled_from([1, 2, 4])),
        noc_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 3, 64])),
        noc_latency_cycles=draw(st.integers(0, 2)),
        offchip_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 8, 1000])),
    )
    return MappedLayer(layer, tuple(dataflow)), accelerator


def _analyze(mapped: MappedLayer, accelerator: Accelerator) -> LayerStats:
    return analyze_network(MappedNetwork("n", (mapped,)), accelerator).layers[0]


@settings(max_examples=examples(300), deadline=None)
@given(mapped_layers())
def test_macs_equal_the_layers_true_mac_count(case: tuple[MappedLayer, Accelerator]) -> None:
    mapped, accelerator = case
    assert _analyze(mapped, accelerator).macs == layer_macs(mapped.layer)


@settings(max_examples=examples(300), deadline=None)
@given(mapped_layers())
def test_runtime_is_at_least_macs_over_all_lanes(case: tuple[MappedLayer, Accelerator]) -> None:
    mapped, accelerator = case
    stats = _analyze(mapped, accelerator)
    assert stats.runtime_cycles * accelerator.num_pes * accelerator.simd_lanes >= stats.macs
    assert stats.throughput_macs_per_cycle <= accelerator.num_pes * accelerator.simd_lanes


@settings(max_examples=examples(200), deadline=None)
@given(mapped_layers())
def test_no_count_is_negative(case: tuple[MappedLayer, Accelerator]) -> None:
    mapped, accelerator = case
    stats = _analyze(mapped, accelerator)
    negative = {k: v for k, v in stats.as_dict().items() if isinstance(v, (int, float)) and v < 0}
    assert not negative


@settings(max_examples=examples(100), deadline=None)
@given(mapped_layers())
def test_results_are_deterministic(case: tuple[MappedLayer, Accelerator]) -> None:
    mapped, accelerator = case
    assert _analyze(mapped, accelerator) == _analyze(mapped, accelerator)


@settings(max_examples=examples(200), deadline=None)
@given(mapped_layers())
def test_every_operand_is_loaded_at_least_once(case: tuple[MappedLayer, Accelerator]) -> None:
    mapped, accelerator = case
    stats = _analyze(mapped, accelerator)
    # every weight is used by some MAC, so it must cross the top NoC at least once
    assert stats.filter_l2_read_elems >= prod(dict(mapped.layer.dimensions)[v] for v in layer_tensors(mapped.layer).filter.coupled)


@settings(max_examples=examples(400), deadline=None)
@given(mapped_layers(spatial_maps=2, windows_only=True))
def test_two_spatial_maps_in_a_level_still_load_every_operand(case: tuple[MappedLayer, Accelerator]) -> None:
    """Neighbours that differ along two mapped dimensions share only the overlap along both: no operand
    the MACs use is left unread (Corrections.neighbours_overlap_on_every_spatial_map)."""
    mapped, accelerator = case
    stats = _analyze(mapped, accelerator)
    assume(stats.macs == layer_macs(mapped.layer))  # folds that disagree skip MACs: another layer
    dims, tensors = dict(mapped.layer.dimensions), layer_tensors(mapped.layer)
    assert stats.filter_l2_read_elems >= prod(dims[v] for v in tensors.filter.coupled)
    assert stats.input_l2_read_elems >= stats.input_tensor_elems
