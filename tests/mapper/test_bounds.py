"""The mapper's lower bounds are sound: never above what the engine reports for a mapping they cover
(tiles that partition every dimension, every MAC computed; docs/mapper-bounds.md, What the bounds cover).

Random small layers (CONV, DSCONV, NGCONV, TRCONV, GEMM), random accelerators and random mappings in both
modes: mappings whose tiles partition every dimension at 1 to 3 cluster levels (the mapper's space:
equal tiles or with edge tiles), random `tiled` template points (1 and 2 levels) and every shipped
template at its defaults. Each valid mapping is scored by the batched engine (equal to analyze_layer,
tests/analysis/test_mapping_batch.py) and compared with the whole-layer bound and its spatial subspace's.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layer_strategies import small_layers
from property_settings import examples

from mapscope.analysis.batch import evaluate_mappings, mapping_batches, template_batches
from mapscope.analysis.tensors import layer_tensors
from mapscope.errors import InputError
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.mapper.bounds import (
    LowerBound,
    SpatialSubspace,
    axis_parallelism,
    effective_parallelism,
    layer_lower_bound,
    max_usable_pes,
    spatial_subspace_of,
    subspace_lower_bound,
)
from mapscope.mapper.layer_work import layer_work
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.mapping.templates import TEMPLATES, template
from mapscope.workload.layer import Layer, LayerType, layer_macs

MODES = (None, "maestro")
#: Input dimension -> its window dimension.
WINDOWS = {"X": "S", "Y": "R"}


def property_settings(count: int) -> settings:
    """`examples(count)` examples, no deadline (the engine's first call imports numpy-heavy modules)."""
    return settings(max_examples=examples(count), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def layers(gemm: bool = True) -> st.SearchStrategy[Layer]:
    """Small layers of every convolution type (transposed included) and, with `gemm`, small GEMMs."""
    types = [LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.NGCONV, LayerType.TRCONV] + ([LayerType.GEMM] if gemm else [])
    return small_layers(types, max_channels=8, max_gemm=9)


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
    """1 to 3 cluster levels, each mapping every variable in a random order, one or two of them spatially
    (two only with equal tile counts), every tile inside the level above's and advancing by its size
    (X, Y: q outputs, (q - 1)·stride + window inputs); with `divisor_tiles` every tile count divides the
    one above."""
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
        tiles: dict[str, int] = {}
        for v in tiled:
            q = draw(st.sampled_from(_divisors(units[v]))) if divisor_tiles else draw(st.integers(1, units[v]))
            tiles[v] = q
        if len({-(-units[v] // tiles[v]) for v in spatial}) > 1:
            # SpatialMaps whose tile counts differ have no common fold: MAESTRO walks them together anyway,
            # and its runtime can fall below the PEs' compute floor (docs/mapper-bounds.md): keep one
            spatial = {min(spatial, key=tiled.index)}
        for v in order:
            if sliding and v in ("R", "S"):  # windows whole (MAESTRO rejects other TemporalMaps on them)
                directives.append(TemporalMap(dims[v], dims[v], v))
                continue
            kind = SpatialMap if v in spatial else TemporalMap
            q = units[v] = tiles[v]
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
        dram = stats.column("dram_read_elems") + stats.column("dram_write_elems")
        for row, position in enumerate(positions.tolist()):
            if not stats.valid[row] or reported_macs[row] < macs:
                continue
            checked += 1
            dataflow = dataflows[position]
            subspace = spatial_subspace_of(dataflow, divisor_tiles)
            bound = subspace_lower_bound(layer, accelerator, subspace, compat=compat)
            value = LowerBound(int(runtime[row]), float(energy[row]))
            where = f"{compat} {layer} {accelerator} {' '.join(map(str, dataflow))}: value {value}, bound {bound}, whole {whole}"
            if compat is None:  # the DRAM term of the energy bound is exact: fills and drain do not depend on the mapping
                work = layer_work(layer, compat)
                assert dram[row] == work.input_elems + work.filter_elems + work.output_elems, f"DRAM accesses: {where}"
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


def test_layer_work_of_a_strided_convolution() -> None:
    """X' = (9 - 3) // 2 + 1 = 4 outputs per axis; their windows touch all 9 inputs; compat ignores the stride."""
    layer = Layer("L", LayerType.CONV, (("K", 4), ("C", 3), ("R", 3), ("S", 3), ("Y", 9), ("X", 9)), (("X", 2), ("Y", 2)))
    work = layer_work(layer, None)
    assert (work.macs, work.input_elems, work.filter_elems, work.output_elems) == (4 * 3 * 9 * 16, 243, 108, 64)
    assert (work.input_touched_elems, work.computed_output_elems) == (243, 64)
    assert (work.spatial_extent("X"), work.spatial_extent("X'"), work.spatial_extent("K")) == (4, 4, 4)
    compat = layer_work(layer, "maestro")
    assert (compat.output_elems, compat.computed_output_elems, compat.spatial_extent("Y")) == (4 * 7 * 7, 64, 7)


def test_layer_work_counts_only_the_inputs_a_window_touches() -> None:
    """A 1x1 window at stride 3 over 7 columns uses columns 0, 3 and 6."""
    layer = Layer("L", LayerType.CONV, (("K", 2), ("C", 1), ("R", 1), ("S", 1), ("Y", 1), ("X", 7)), (("X", 3),))
    work = layer_work(layer, None)
    assert (work.input_elems, work.input_touched_elems, work.computed_output_elems) == (7, 3, 6)


def test_usable_pes_follow_the_spatial_dimensions_and_cluster_sizes() -> None:
    layer = Layer("L", LayerType.CONV, (("K", 128), ("C", 3), ("R", 3), ("S", 3), ("Y", 7), ("X", 7)))
    work = layer_work(layer, None)
    assert max_usable_pes(work, 256) == 256
    assert max_usable_pes(work, 256, SpatialSubspace((("K",), ("C",)), (64,))) == 4 * 3  # 4 clusters, 3 channels each
    assert max_usable_pes(work, 256, SpatialSubspace((("K",), ("K",)), (16,))) == 128  # one range of 128 split twice
    assert max_usable_pes(work, 256, SpatialSubspace((("Y'",), ("Y", "R")), (3,))) == 5 * 3  # rs: Y' = 5 rows over clusters of R PEs
    assert max_usable_pes(work, 100, SpatialSubspace((("X",),))) == 5


def test_one_pe_holds_the_ceiling_of_an_uneven_split() -> None:
    """M = 7 rows over 3 PEs: PE 0 takes rows 0, 3 and 6, 3 · 2 · 3 = 18 MACs, one per cycle with free
    transfers; the granularity bound is exactly that, where MACs over min(3, 7) PEs gives 14."""
    layer = Layer("L", LayerType.GEMM, (("M", 7), ("N", 2), ("K", 3)))
    accelerator = Accelerator(num_pes=3, noc_bandwidth_elems_per_cycle=UNLIMITED, noc_latency_cycles=0, offchip_bandwidth_elems_per_cycle=1000)
    subspace = SpatialSubspace((("M",),))
    work = layer_work(layer, None)
    assert work.even_axes == ("K", "M", "N")
    assert max_usable_pes(work, 3, subspace) == 3 and effective_parallelism(work, 3, subspace) == Fraction(7, 3)
    [(batch, _)] = mapping_batches(layer, [(SpatialMap(1, 1, "M"), TemporalMap(2, 2, "N"), TemporalMap(3, 3, "K"))])
    runtime = int(evaluate_mappings(batch, accelerator).stats_at(0).runtime_cycles)
    assert subspace_lower_bound(layer, accelerator, subspace, compat=None).runtime_cycles == runtime == 18
    assert layer_lower_bound(layer, accelerator, compat=None).runtime_cycles == 14


def test_even_axes_leave_out_what_the_macs_do_not_multiply() -> None:
    """A depthwise layer's declared K is not a factor of its MACs; compatibility mode uses no even axis."""
    depthwise = Layer("L", LayerType.DSCONV, (("K", 4), ("C", 3), ("R", 3), ("S", 3), ("Y", 9), ("X", 9)), (("X", 2), ("Y", 2)))
    assert layer_work(depthwise, None).even_axes == ("C", "R", "S", "X", "Y")
    assert layer_work(depthwise, "maestro").even_axes == ()


@property_settings(60)
@given(layer=layers(), num_pes=st.sampled_from([1, 3, 8, 16, 64, 256]), data=st.data())
def test_effective_parallelism_never_exceeds_the_usable_pes(layer: Layer, num_pes: int, data: st.DataObject) -> None:
    """The granularity bound is never below the busy-PE bound: E / ⌈E / N⌉ <= min(N, E), and at least 1."""
    work = layer_work(layer, None)
    names = [name for name, _ in work.spatial_extents]
    levels = data.draw(st.integers(1, 3))
    spatial = tuple(tuple(data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))) for _ in range(levels))
    clusters = tuple(data.draw(st.integers(1, 8)) for _ in range(levels - 1))
    subspace = SpatialSubspace(spatial, clusters)
    parallelism = effective_parallelism(work, num_pes, subspace)
    assert 1 <= parallelism <= max_usable_pes(work, num_pes, subspace) <= num_pes


@property_settings(40)
@given(layer=layers(), counts=st.lists(st.integers(1, 300), min_size=1, max_size=4), data=st.data())
def test_axis_parallelism_agrees_in_int64_and_python_integers(layer: Layer, counts: list[int], data: st.DataObject) -> None:
    """The listing's int64 arithmetic and the Python integers it falls back to (huge extents) give the same
    busy / held, and one row is what effective_parallelism gives a subspace of one level per dimension."""
    work = layer_work(layer, None)
    axes = data.draw(st.permutations([name for name, _ in work.spatial_extents if not name.endswith("'")]))[: len(counts)]
    counts = counts[: len(axes)]
    small = axis_parallelism(work, axes, np.array([counts], dtype=np.int64))
    large = axis_parallelism(work, axes, np.array([counts], dtype=object))
    assert [int(small[0][0]), int(small[1][0])] == [int(large[0][0]), int(large[1][0])]
    subspace = SpatialSubspace(tuple((axis,) for axis in axes), tuple(counts[1:]))
    top = max(1, 10**6 // math.prod(counts[1:]))
    num_pes = top * math.prod(counts[1:])
    busy, held = axis_parallelism(work, axes, np.array([[top, *counts[1:]]], dtype=object))
    assert effective_parallelism(work, num_pes, subspace) == max(Fraction(1), min(Fraction(int(busy[0]), int(held[0])), Fraction(num_pes)))


def test_spatial_subspace_of_a_template_mapping() -> None:
    layer = Layer("L", LayerType.CONV, (("K", 16), ("C", 8), ("R", 3), ("S", 3), ("Y", 9), ("X", 9)))
    assert spatial_subspace_of(template("kcp_ws").dataflow(layer, 256)) == SpatialSubspace((("K",), ("C",)), (64,))
    assert spatial_subspace_of(template("rs").dataflow(layer, 256)) == SpatialSubspace((("Y'",), ("Y", "R")), (3,))


@pytest.mark.parametrize(
    ("levels", "clusters", "message"),
    [((("K",), ("C",)), (), "need 1 cluster size"), ((("K",), ()), (4,), "at least one spatial dimension"), ((("K",), ("C",)), (0,), "positive")],
)
def test_bad_subspaces_are_input_errors(levels: tuple[tuple[str, ...], ...], clusters: tuple[int, ...], message: str) -> None:
    with pytest.raises(InputError, match=message):
        SpatialSubspace(levels, clusters)


def test_a_spatial_dimension_the_layer_lacks_is_an_input_error() -> None:
    layer = Layer("L", LayerType.GEMM, (("M", 4), ("N", 4), ("K", 4)))
    with pytest.raises(InputError, match="spatial dimension X is not a dimension of the layer"):
        subspace_lower_bound(layer, Accelerator(num_pes=8), SpatialSubspace((("X",),)), compat=None)


def _stats(layer: Layer, dataflow: tuple[Directive, ...], num_pes: int, compat: str | None):
    [(batch, _)] = mapping_batches(layer, [dataflow])
    return evaluate_mappings(batch, Accelerator(num_pes=num_pes), compat=compat).stats_at(0)


def test_compat_runtime_can_fall_below_macs_per_pe_with_edge_tiles() -> None:
    """Why compat mode has no runtime bound without equal tiles: level 0 hands level 1 an edge tile of 4 rows,
    which MAESTRO's static tables cost as 3 (one output row instead of two), so 1 PE computes 144 MACs in 126
    cycles; the default mode sizes the sub-level from the tile it receives."""
    layer = Layer("L", LayerType.DSCONV, (("C", 1), ("R", 3), ("S", 1), ("Y", 10), ("X", 6)))
    T, S = TemporalMap, SpatialMap
    dataflow = (T(1, 1, "S"), S(1, 1, "C"), T(5, 5, "X"), T(8, 6, "Y"), T(3, 3, "R"), Cluster(1), T(7, 5, "Y"), S(1, 1, "C"), T(3, 3, "R"), T(2, 2, "X"), T(1, 1, "S"))
    compat, corrected = _stats(layer, dataflow, 1, "maestro"), _stats(layer, dataflow, 1, None)
    assert compat.macs == corrected.macs == layer_macs(layer) == 144
    assert compat.runtime_cycles == 126 < 144 <= corrected.runtime_cycles
    assert layer_lower_bound(layer, Accelerator(num_pes=1), compat="maestro").runtime_cycles == 0


def test_compat_filter_reads_can_fall_below_the_filter() -> None:
    """Why compat energy counts no L2 reads: with an overlapping X tile MAESTRO loads 18 of the 20 weights."""
    layer = Layer("L", LayerType.CONV, (("K", 2), ("C", 5), ("R", 1), ("S", 2), ("Y", 8), ("X", 8)))
    T, S = TemporalMap, SpatialMap
    dataflow = (T(8, 7, "X"), T(1, 1, "K"), T(2, 2, "Y"), T(2, 2, "S"), S(1, 1, "C"), T(1, 1, "R"), Cluster(2), T(2, 2, "S"), T(1, 1, "R"), T(2, 2, "Y"), T(6, 5, "X"), S(1, 1, "K"), T(1, 1, "C"))
    compat, corrected = _stats(layer, dataflow, 16, "maestro"), _stats(layer, dataflow, 16, None)
    assert compat.macs == layer_macs(layer)
    assert compat.filter_l2_read_elems == 18 < 20 == corrected.filter_l2_read_elems


def test_energy_bound_prices_the_given_energy_table() -> None:
    layer = Layer("L", LayerType.CONV, (("K", 2), ("C", 2), ("R", 1), ("S", 1), ("Y", 2), ("X", 2)))
    only_macs = layer_lower_bound(layer, Accelerator(), compat=None, energy_table=EnergyTable(mac_pj=1000.0, l1_access_pj=0.0, l2_access_pj=0.0, noc_transfer_pj=0.0, dram_access_pj=0.0))
    assert only_macs.energy_nj == layer_macs(layer)


#: The bundled 256-PE accelerator (examples/accelerator_256pe.yaml): NoC 64 elements/cycle, latency 1, off-chip 16.
ACCELERATOR_256PE = Accelerator(num_pes=256, noc_bandwidth_elems_per_cycle=64, noc_latency_cycles=1, offchip_bandwidth_elems_per_cycle=16, l1_size_elems=512, l2_size_elems=524288)
#: A `tiled` grid: every spatial dimension, four loop orders, tiles from 1 to 64 channels and 14 columns, 1 or 2 levels.
TILED_GRID = list(
    itertools.product(["K", "C", "Y", "X"], ["KCYX", "CKYX", "YXKC", "YXCK"], [1, 4, 16, 64], [1, 8, 64], [1, 7], [1, 7, 14], [1, 16, 64])
)
TILED_PARAMETERS = ("spatial_dimension", "loop_order", "k_tile", "c_tile", "y_tile", "x_tile", "cluster_size")


@pytest.fixture(scope="module")
def resnet50_layers() -> dict[str, Layer]:
    from mapscope.api import load_network  # tests may use the API; the bounds module does not

    return {mapped.layer.name: mapped.layer for mapped in load_network("resnet50_kcp_ws").layers}


def _best_of_grid(layer: Layer, compat: str | None) -> tuple[dict[str, float], tuple[Directive, ...]]:
    """The least runtime, energy and EDP over TILED_GRID's covering mappings, and the fastest mapping."""
    columns = {parameter: [point[i] for point in TILED_GRID] for i, parameter in enumerate(TILED_PARAMETERS)}
    best = {"runtime_cycles": math.inf, "energy_nj": math.inf, "edp_nj_cycles": math.inf}
    fastest: tuple[Directive, ...] = ()
    for batch, _ in template_batches(template("tiled"), layer, 256, columns):
        stats = evaluate_mappings(batch, ACCELERATOR_256PE, compat=compat)
        covering = stats.valid & (stats.column("macs") >= layer_macs(layer))
        runtime, energy = stats.column("runtime_cycles").astype(np.float64), stats.column("energy_nj")
        for row in np.flatnonzero(covering).tolist():
            if runtime[row] < best["runtime_cycles"]:
                fastest = batch.dataflow_at(row)
            best["runtime_cycles"] = min(best["runtime_cycles"], runtime[row])
            best["energy_nj"] = min(best["energy_nj"], energy[row])
            best["edp_nj_cycles"] = min(best["edp_nj_cycles"], runtime[row] * energy[row])
    return best, fastest


@pytest.mark.parametrize("name", ["conv1", "res2a_branch2a", "res2a_branch2b", "res3a_branch2b", "res4b_branch2c"])
def test_bounds_are_tight_on_resnet50_layers(resnet50_layers: dict[str, Layer], name: str) -> None:
    """Bound / best mapping of the grid (default mode, 256 PEs): the energy and EDP bounds come within a few
    percent; the whole-layer runtime bound assumes all 256 PEs busy, which conv1's 64 channels and 112
    columns do not allow in one spatial dimension, while the bound of the best mapping's subspace is close."""
    layer = resnet50_layers[name]
    best, fastest = _best_of_grid(layer, None)
    whole = layer_lower_bound(layer, ACCELERATOR_256PE, compat=None)
    ratios = {objective: getattr(whole, objective) / value for objective, value in best.items()}
    subspace = subspace_lower_bound(layer, ACCELERATOR_256PE, spatial_subspace_of(fastest), compat=None)
    ratios["subspace_runtime_cycles"] = subspace.runtime_cycles / best["runtime_cycles"]
    compat_best, _ = _best_of_grid(layer, "maestro")
    ratios["compat_energy_nj"] = layer_lower_bound(layer, ACCELERATOR_256PE, compat="maestro").energy_nj / compat_best["energy_nj"]
    report = ", ".join(f"{objective} {ratio:.3f}" for objective, ratio in ratios.items())
    print(f"{name}: bound / best of {len(TILED_GRID)} tiled mappings: {report}")
    assert all(ratio <= 1 + 1e-9 for ratio in ratios.values()), report
    assert ratios["energy_nj"] >= 0.95 and ratios["subspace_runtime_cycles"] >= 0.9, report
    assert ratios["runtime_cycles"] >= 0.4 and ratios["edp_nj_cycles"] >= 0.4 and ratios["compat_energy_nj"] >= 0.1, report


def test_tiles_with_gaps_are_outside_what_the_bounds_cover() -> None:
    """K tiles of 4 every 5 skip K = 4; N tiles of 1 every 10 end with an edge tile of all 6 columns, so
    N = 0 is computed twice: 280 MACs for the layer's 270, yet 16 filter reads for 54 weights, and the
    energy falls below the bound. The mapper's space partitions every dimension: it holds no such mapping."""
    layer = Layer("L", LayerType.GEMM, (("M", 5), ("N", 6), ("K", 9)))
    accelerator = Accelerator(num_pes=3, noc_bandwidth_elems_per_cycle=3, noc_latency_cycles=1, offchip_bandwidth_elems_per_cycle=8)
    [(batch, _)] = mapping_batches(layer, [(SpatialMap(4, 5, "K"), TemporalMap(1, 10, "N"))])
    stats = evaluate_mappings(batch, accelerator).stats_at(0)
    assert stats.macs == 280 >= layer_macs(layer) == 270
    assert stats.filter_l2_read_elems == 16 < layer_work(layer, None).filter_elems == 54
    assert stats.energy_nj < layer_lower_bound(layer, accelerator, compat=None).energy_nj


@property_settings(40)
@given(layer=layers(), accelerator=accelerators(), l2_size=st.integers(1, 64), data=st.data())
def test_the_spill_aware_energy_bound_holds_when_l2_overflows(layer: Layer, accelerator: Accelerator, l2_size: int, data: st.DataObject) -> None:
    """With L2's capacity not enforced, a tensor that does not fit bypasses L2 (docs/energy.md): the bound
    that prices each tensor at the lesser of held and bypassed stays below every mapping's energy."""
    small = Accelerator(**{**accelerator.__dict__, "l2_size_elems": l2_size})
    dataflows = [data.draw(partitioning_mappings(layer, small.num_pes, False)) for _ in range(data.draw(st.integers(1, 6)))]
    bound = layer_lower_bound(layer, small, compat=None, spill=True).energy_nj
    macs = layer_macs(layer)
    for batch, _ in mapping_batches(layer, dataflows):
        stats = evaluate_mappings(batch, small, compat=None)
        for row in range(len(stats.valid)):
            if stats.valid[row] and stats.column("macs")[row] >= macs:
                assert _close_below(bound, float(stats.column("energy_nj")[row])), f"{layer} L2 {l2_size}: {dataflows}"
