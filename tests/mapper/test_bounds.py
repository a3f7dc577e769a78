"""The mapper's lower bounds are sound: never above what the engine reports for a mapping they cover.

Random small layers (CONV, DSCONV, NGCONV, TRCONV, GEMM), random accelerators and random mappings in both
modes: mappings whose tiles partition every dimension at 1 to 3 cluster levels (the mapper's space:
equal tiles or with edge tiles), random `tiled` template points (1 and 2 levels) and every shipped
template at its defaults. Each valid mapping is scored by the batched engine (equal to analyze_layer,
tests/analysis/test_mapping_batch.py) and compared with the whole-layer bound and its spatial subspace's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.analysis.batch import evaluate_mappings, mapping_batches
from mapscope.analysis.tensors import layer_tensors
from mapscope.errors import InputError
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.mapper.bounds import (
    LowerBound,
    SpatialSubspace,
    layer_lower_bound,
    layer_work,
    max_usable_pes,
    spatial_subspace_of,
    subspace_lower_bound,
)
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.mapping.templates import TEMPLATES, template
from mapscope.workload.layer import Layer, LayerType, layer_macs

MODES = (None, "maestro")
#: Input dimension -> its window dimension.
WINDOWS = {"X": "S", "Y": "R"}


def property_settings(count: int) -> settings:
    """`examples(count)` examples, no deadline (the engine's first call imports numpy-heavy modules)."""
    return settings(max_examples=examples(count), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def layers(draw: st.DrawFn, gemm: bool = True) -> Layer:
    kinds = [LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.NGCONV, LayerType.TRCONV] + ([LayerType.GEMM] if gemm else [])
    kind = draw(st.sampled_from(kinds))
    if kind is LayerType.GEMM:
        return Layer("L", kind, (("M", draw(st.integers(1, 9))), ("N", draw(st.integers(1, 9))), ("K", draw(st.integers(1, 9)))))
    dims = {"K": draw(st.integers(1, 8)), "C": draw(st.integers(1, 8)), "R": draw(st.integers(1, 3)), "S": draw(st.integers(1, 3))}
    if kind is LayerType.DSCONV:
        del dims["K"]
    if kind is LayerType.NGCONV:
        dims["G"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        dims["N"] = draw(st.integers(1, 2))
    dims["Y"] = draw(st.integers(dims["R"], 10))
    dims["X"] = draw(st.integers(dims["S"], 10))
    stride = draw(st.sampled_from([1, 1, 2, 3]))
    return Layer("L", kind, tuple(dims.items()), (("X", stride), ("Y", draw(st.sampled_from([1, stride])))))


@st.composite
def accelerators(draw: st.DrawFn) -> Accelerator:
    return Accelerator(
        num_pes=draw(st.sampled_from([1, 3, 8, 16, 64])),
        simd_lanes=draw(st.sampled_from([1, 2, 4])),
        noc_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 3, 64, UNLIMITED])),
        noc_latency_cycles=draw(st.integers(0, 2)),
        offchip_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 8, 1000])),
    )


def _divisors(count: int) -> list[int]:
    return [d for d in range(1, count + 1) if count % d == 0]


@st.composite
def partitioning_mappings(draw: st.DrawFn, layer: Layer, num_pes: int, divisor_tiles: bool) -> tuple[Directive, ...]:
    """1 to 3 cluster levels, each mapping every variable in a random order, one or two of them spatially,
    every tile inside the level above's and advancing by its size (X, Y: q outputs, (q - 1)·stride + window
    inputs); with `divisor_tiles` every tile count divides the one above."""
    tensors = layer_tensors(layer)
    variables = list(tensors.input_variables)
    dims = dict(layer.dimensions)
    sliding = tensors.has_sliding_windows
    units = {v: (dims[v] - dims[WINDOWS[v]]) // layer.stride(v) + 1 if sliding and v in WINDOWS else dims[v] for v in variables}
    levels = draw(st.integers(1, 3))
    directives: list[Directive] = []
    for level in range(levels):
        if level:
            directives.append(Cluster(draw(st.integers(1, max(1, min(num_pes, 6))))))
        order = draw(st.permutations(variables))
        tiled = [v for v in order if not (sliding and v in ("R", "S"))]
        spatial = {draw(st.sampled_from(tiled))}
        if len(tiled) > 1 and draw(st.integers(0, 4)) == 0:
            spatial.add(draw(st.sampled_from(tiled)))
        for v in order:
            if sliding and v in ("R", "S"):  # windows whole (MAESTRO rejects other TemporalMaps on them)
                directives.append(TemporalMap(dims[v], dims[v], v))
                continue
            kind = SpatialMap if v in spatial else TemporalMap
            q = draw(st.sampled_from(_divisors(units[v]))) if divisor_tiles else draw(st.integers(1, units[v]))
            units[v] = q
            if sliding and v in WINDOWS:
                directives.append(kind((q - 1) * layer.stride(v) + dims[WINDOWS[v]], q * layer.stride(v), v))
            else:
                directives.append(kind(q, q, v))
    return tuple(directives)


def _close_below(bound: float, value: float) -> bool:
    return bound <= value or math.isclose(bound, value, rel_tol=1e-9)


def assert_bounds_hold(layer: Layer, accelerator: Accelerator, dataflows: list[tuple[Directive, ...]], compat: str | None, divisor_tiles: bool) -> int:
    """Every valid mapping that computes all the layer's MACs has runtime, energy and EDP at least the layer's
    and its subspace's bounds, and the subspace bound is at least the layer's; returns how many were checked.

    A mapping reporting fewer MACs than the layer has (two SpatialMaps of one level whose folds disagree,
    MAESTRO's lost edge sub-clusters) computes another layer: the mapper rejects it, no bound covers it."""
    whole = layer_lower_bound(layer, accelerator, compat=compat, divisor_tiles=divisor_tiles)
    macs = layer_macs(layer)
    checked = 0
    for batch, positions in mapping_batches(layer, dataflows):
        stats = evaluate_mappings(batch, accelerator, compat=compat)
        runtime, energy, reported_macs = stats.column("runtime_cycles"), stats.column("energy_nj"), stats.column("macs")
        for row, position in enumerate(positions.tolist()):
            if not stats.valid[row] or reported_macs[row] < macs:
                continue
            checked += 1
            dataflow = dataflows[position]
            subspace = spatial_subspace_of(dataflow, divisor_tiles)
            bound = subspace_lower_bound(layer, accelerator, subspace, compat=compat)
            value = LowerBound(int(runtime[row]), float(energy[row]))
            where = f"{compat} {layer} {accelerator} {' '.join(map(str, dataflow))}: value {value}, bound {bound}, whole {whole}"
            for name in ("runtime_cycles", "energy_nj", "edp_nj_cycles"):
                assert _close_below(getattr(bound, name), getattr(value, name)), f"{name}: {where}"
                assert _close_below(getattr(whole, name), getattr(bound, name)), f"{name} not monotone: {where}"
    return checked


@property_settings(45)
@given(layer=layers(), accelerator=accelerators(), divisor_tiles=st.booleans(), data=st.data())
def test_bounds_hold_on_partitioning_mappings(layer: Layer, accelerator: Accelerator, divisor_tiles: bool, data: st.DataObject) -> None:
    dataflows = [data.draw(partitioning_mappings(layer, accelerator.num_pes, divisor_tiles)) for _ in range(data.draw(st.integers(1, 8)))]
    for compat in MODES:
        assert_bounds_hold(layer, accelerator, dataflows, compat, divisor_tiles)


@property_settings(40)
@given(layer=layers(gemm=False), accelerator=accelerators(), data=st.data())
def test_bounds_hold_on_tiled_template_points(layer: Layer, accelerator: Accelerator, data: st.DataObject) -> None:
    tiled = template("tiled")
    dataflows = []
    for _ in range(data.draw(st.integers(1, 8))):
        values = {p.name: data.draw(st.sampled_from(p.choices)) for p in tiled.parameters if p.choices is not None}
        values |= {p.name: data.draw(st.integers(1, 10)) for p in tiled.parameters if p.choices is None}
        dataflows.append(tiled.dataflow(layer, accelerator.num_pes, **values))
    for compat in MODES:
        assert_bounds_hold(layer, accelerator, dataflows, compat, divisor_tiles=False)


@property_settings(30)
@given(layer=layers(gemm=False), accelerator=accelerators())
def test_bounds_hold_on_shipped_templates_at_their_defaults(layer: Layer, accelerator: Accelerator) -> None:
    dataflows = [TEMPLATES[name].dataflow(layer, accelerator.num_pes) for name in sorted(TEMPLATES)]
    for compat in MODES:
        assert_bounds_hold(layer, accelerator, dataflows, compat, divisor_tiles=False)
