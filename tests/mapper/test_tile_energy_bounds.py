"""The top-level tile energy bounds are sound and tight (docs/mapper-bounds.md, Energy and EDP).

Random small layers (CONV with windows and strides, NGCONV, TRCONV, GEMM), random accelerators and energy
tables (MAESTRO's, 45 nm-like and random prices), random members of default-mode spaces with dividing tiles
at 1 to 3 cluster levels: the operand L2 reads counted for a member's own top-level order are exactly what
`analyze_layer` reports (so a bound inflated or deflated by one element fails), the least over all orders
is at most that, the output's L2 writes are exact, and the energy bound of every prefix depth is at most the
member's `energy_nj` (with L2 capacity enforced, and, spill-aware, with a small L2 that overflows)."""

from __future__ import annotations

from collections.abc import Iterator
from math import prod

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layer_strategies import small_layers
from property_settings import examples
from test_tile_bounds import accelerators

from mapscope.analysis.layer_analysis import analyze_layer
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.mapper import MappingSpace
from mapscope.mapper.bounds import energy_lower_bound_nj
from mapscope.mapper.counting import sample_mapping
from mapscope.mapper.layer_work import layer_work
from mapscope.mapper.mapping_objectives import mapping_objective, objective_bounds
from mapscope.mapper.bounded_subspaces import BoundedSubspaces
from mapscope.mapper.search_exhaustive import spatial_subspaces
from mapscope.mapper.search_log import SearchLog
from mapscope.mapper.search_result import MappingProblem
from mapscope.mapper.space import LevelChoice, MappingChoice, dataflow
from mapscope.mapper.tile_bounds import TileBounds
from mapscope.mapper.tile_branch_bounds import SubspaceEntry, top_tile_bounds
from mapscope.mapper.tile_energy_bounds import TileEnergyBounds
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.stats import LayerStats
from mapscope.workload.layer import Layer, LayerType

#: Prices in pJ like a 45 nm table's (Horowitz, ISSCC 2014): 8-bit MAC, small register file, 1 MB SRAM, NoC, DRAM.
HOROWITZ_LIKE = EnergyTable(mac_pj=0.23, l1_access_pj=0.42, l2_access_pj=25.0, noc_transfer_pj=0.83, dram_access_pj=250.0)


def energy_tables() -> st.SearchStrategy[EnergyTable | None]:
    """MAESTRO's default prices, 45 nm-like ones, or random non-negative prices (zeros included)."""
    price = st.sampled_from([0.0, 0.1, 1.0, 2.5, 18.61, 200.0])
    randoms = st.builds(EnergyTable, mac_pj=price, l1_access_pj=price, l2_access_pj=price, noc_transfer_pj=price, dram_access_pj=price)
    return st.one_of(st.none(), st.just(HOROWITZ_LIKE), randoms)


def stats_of(layer: Layer, space: MappingSpace, member: MappingChoice, accelerator: Accelerator, table: EnergyTable | None) -> LayerStats:
    """`analyze_layer`'s statistics of one member, priced by `table`."""
    mapped = MappedLayer(layer, dataflow(space, member))
    return analyze_layer(mapped, accelerator, network_name="n", compat=None, energy_table=table, previous_l1_accesses=0).stats


def prefix_energy_bounds(energy: TileEnergyBounds, accelerator: Accelerator, member: MappingChoice, table: EnergyTable | None, spill: bool) -> list[float]:
    """The energy bounds of the branches `member` belongs to: its tiles of levels 0..k-1 known, k = 1, 2, ..."""
    spatial = tuple(energy.tiles.names.index(level.spatial_dimension) for level in member.levels)
    sub_clusters = (accelerator.num_pes // prod(member.cluster_sizes), *member.cluster_sizes)
    found = []
    for known in range(1, len(member.levels) + 1):
        rows = np.array([[tile for level in member.levels[:known] for tile in level.tiles]], dtype=np.int64)
        found.append(float(energy.energy_bounds_nj(table, spill, spatial, sub_clusters, rows)[0]))
    return found


def top_counts(energy: TileEnergyBounds, accelerator: Accelerator, member: MappingChoice) -> tuple[int, int, int]:
    """The member's operand L2 reads for its own top-level order, their least over every order, and its output L2 writes."""
    names = energy.tiles.names
    top = member.levels[0]
    spatial, sub_clusters = names.index(top.spatial_dimension), accelerator.num_pes // prod(member.cluster_sizes)
    rows = np.array([top.tiles], dtype=np.int64)
    own = int(energy.operand_reads_elems(spatial, sub_clusters, rows, tuple(names.index(name) for name in top.loop_order))[0])
    least = int(energy.operand_reads_elems(spatial, sub_clusters, rows)[0])
    return own, least, int(energy.output_writes_elems(spatial, sub_clusters, rows)[0])


def analysed_members(space: MappingSpace, accelerator: Accelerator, table: EnergyTable | None, seed: int) -> Iterator[tuple[MappingChoice, LayerStats]]:
    """Up to 8 members drawn from `space` (seeded), each with its statistics; members the model rejects are skipped."""
    rng = np.random.default_rng(seed)
    for _ in range(8):
        member = sample_mapping(space, rng)
        try:
            yield member, stats_of(space.layer, space, member, accelerator, table)
        except InputError:
            continue


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    layer=small_layers((LayerType.CONV, LayerType.CONV, LayerType.NGCONV, LayerType.TRCONV, LayerType.GEMM), max_channels=8, max_gemm=12),
    accelerator=accelerators(),
    table=energy_tables(),
    max_levels=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_tile_energy_bounds_count_exactly_and_never_exceed_a_members_energy(
    layer: Layer, accelerator: Accelerator, table: EnergyTable | None, max_levels: int, seed: int
) -> None:
    space = MappingSpace(layer, accelerator.num_pes, max_levels=max_levels)
    bounds = TileBounds.of(space)
    if bounds is None:
        return
    energy = TileEnergyBounds(bounds, layer_work(layer, None))
    for member, stats in analysed_members(space, accelerator, table, seed):
        own, least, writes = top_counts(energy, accelerator, member)
        assert own == stats.input_l2_read_elems + stats.filter_l2_read_elems, member
        assert least <= own
        assert writes == stats.output_l2_write_elems, member
        assert max(prefix_energy_bounds(energy, accelerator, member, table, False)) <= stats.energy_nj * (1 + 1e-12), member


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    layer=small_layers((LayerType.CONV, LayerType.GEMM), max_channels=8, max_gemm=12),
    accelerator=accelerators(),
    table=energy_tables(),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_spill_aware_tile_energy_bound_holds_when_l2_overflows(layer: Layer, accelerator: Accelerator, table: EnergyTable | None, seed: int) -> None:
    """With an L2 of a few elements every member spills; the `spill` bound stays below their energy."""
    small = Accelerator(
        num_pes=accelerator.num_pes,
        simd_lanes=accelerator.simd_lanes,
        noc_bandwidth_elems_per_cycle=accelerator.noc_bandwidth_elems_per_cycle,
        offchip_bandwidth_elems_per_cycle=accelerator.offchip_bandwidth_elems_per_cycle,
        l2_size_elems=int(np.random.default_rng(seed).integers(1, 40)),
    )
    space = MappingSpace(layer, small.num_pes, max_levels=2)
    bounds = TileBounds.of(space)
    if bounds is None:
        return
    energy = TileEnergyBounds(bounds, layer_work(layer, None))
    for member, stats in analysed_members(space, small, table, seed):
        assert max(prefix_energy_bounds(energy, small, member, table, True)) <= stats.energy_nj * (1 + 1e-12), member


def test_the_energy_bound_is_attained_by_the_best_order() -> None:
    """A one-level GEMM: for every top-level tile tuple and spatial loop the bound equals the least energy
    over the loop orders (so adding one element to either count, or a price, fails)."""
    layer = Layer("g", LayerType.GEMM, (("M", 4), ("N", 6), ("K", 4)))
    accelerator = Accelerator(num_pes=4)
    space = MappingSpace(layer, 4, max_levels=1)
    bounds = TileBounds.of(space)
    assert bounds is not None
    energy = TileEnergyBounds(bounds, layer_work(layer, None))
    names = bounds.names
    checked = 0
    for tiles in bounds.top_tiles.tolist():
        for spatial in names:
            members = [MappingChoice((LevelChoice(spatial, tuple(names[i] for i in order), tuple(tiles)),), ()) for order in energy.orders]
            least = min(stats_of(layer, space, member, accelerator, HOROWITZ_LIKE).energy_nj for member in members)
            found = energy.energy_bounds_nj(HOROWITZ_LIKE, False, (names.index(spatial),), (4,), np.array([tiles]))[0]
            assert found == pytest.approx(least, rel=1e-12)
            checked += 1
    assert checked == 3 * len(bounds.top_tiles)


def test_a_split_reduction_raises_the_bound_above_the_layer_floor() -> None:
    """Splitting K of a GEMM over four top-level steps writes every output four times: the tile bound sees it,
    the layer's floor (each output written once) does not."""
    layer = Layer("g", LayerType.GEMM, (("M", 8), ("N", 8), ("K", 8)))
    space = MappingSpace(layer, 4, max_levels=1)
    bounds = TileBounds.of(space)
    assert bounds is not None
    energy = TileEnergyBounds(bounds, layer_work(layer, None))
    names = bounds.names
    tiles = [8 if name != "K" else 2 for name in names]
    writes = energy.output_writes_elems(names.index("M"), 4, np.array([tiles]))
    assert int(writes[0]) == 4 * 64


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    layer=small_layers((LayerType.CONV, LayerType.GEMM), max_channels=6, max_gemm=8),
    accelerator=accelerators(),
    objective=st.sampled_from(("edp", "energy", "runtime")),
    data=st.data(),
)
def test_top_tile_bounds_use_the_tile_energy_below_the_incumbent_only(layer: Layer, accelerator: Accelerator, objective: str, data: st.DataObject) -> None:
    """`top_tile_bounds` with the tile energy: each tuple's bound is its runtime bound combined with its own
    energy bound (raised to the subspace's bound); with an incumbent, tuples below it keep exactly that bound
    and the others keep one at least the incumbent (pruned either way); a runtime objective ignores energy."""
    space = MappingSpace(layer, accelerator.num_pes, max_levels=2)
    bounds = TileBounds.of(space)
    if bounds is None:
        return
    problem = MappingProblem(space, accelerator, mapping_objective(objective))
    work = layer_work(layer, None)
    floor = energy_lower_bound_nj(work, None, None)
    tile_energy = TileEnergyBounds(bounds, work)
    entries = list(spatial_subspaces(problem))
    entries = data.draw(st.lists(st.sampled_from(entries), min_size=1, max_size=6)) if entries else []
    full = top_tile_bounds(problem, bounds, entries, floor, None, tile_energy)
    for entry, found in zip(entries, full):
        spatial = tuple(bounds.names.index(name) for name in entry.spatial_dimensions)
        sub_clusters = (accelerator.num_pes // prod(entry.cluster_sizes), *entry.cluster_sizes)
        runtime = bounds.runtime_bounds_cycles(accelerator, spatial, sub_clusters, bounds.top_tiles)
        energy = np.maximum(tile_energy.energy_bounds_nj(None, False, spatial, sub_clusters, bounds.top_tiles), floor)
        alone = objective_bounds(problem.objective, runtime, floor if objective == "runtime" else energy)
        assert alone is not None
        finite = np.isfinite(found)
        assert np.array_equal(found[finite], np.maximum(alone, entry.bound)[finite])
    if not entries:
        return
    incumbent = float(np.median(np.concatenate(full)))
    for found, cut in zip(full, top_tile_bounds(problem, bounds, entries, floor, None, tile_energy, incumbent)):
        assert np.array_equal(cut[found < incumbent], found[found < incumbent])
        assert bool((cut[found >= incumbent] >= incumbent).all())


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    layer=small_layers((LayerType.CONV, LayerType.NGCONV, LayerType.GEMM), max_channels=8, max_gemm=12),
    accelerator=accelerators(),
    table=energy_tables(),
    objective=st.sampled_from(("edp", "energy", "runtime")),
    max_levels=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    factor=st.sampled_from([0.5, 1.0, 1.01, 2.0, np.inf]),
)
def test_group_floors_never_exceed_a_members_objective(
    layer: Layer, accelerator: Accelerator, table: EnergyTable | None, objective: str, max_levels: int, seed: int, factor: float
) -> None:
    """The screening floor of a member's group (level count, top-level spatial loop, N_0), with the tile energy
    bound where the objective reads energy, is at most the member's objective value, whatever threshold the
    energy was added under (`factor` times the member's value; the first threshold asked for a group stays)."""
    space = MappingSpace(layer, accelerator.num_pes, max_levels=max_levels)
    bounds = TileBounds.of(space)
    if bounds is None:
        return
    problem = MappingProblem(space, accelerator, mapping_objective(objective), energy_table=table)
    work = layer_work(layer, None)
    floor = energy_lower_bound_nj(work, None, table)
    subspaces = BoundedSubspaces(problem, bounds, iter(()), floor, SearchLog(problem), TileEnergyBounds(bounds, work))
    for member, stats in analysed_members(space, accelerator, table, seed):
        value = {"runtime": stats.runtime_cycles, "energy": stats.energy_nj, "edp": stats.runtime_cycles * stats.energy_nj}[objective]
        entry = SubspaceEntry(0.0, len(member.levels), member.cluster_sizes, tuple(level.spatial_dimension for level in member.levels))
        assert subspaces.group_floor(entry, value * factor) <= value * (1 + 1e-12), member


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(layer=small_layers((LayerType.CONV, LayerType.NGCONV, LayerType.GEMM), max_channels=8, max_gemm=12), accelerator=accelerators(), data=st.data())
def test_top_counts_computed_a_few_tuples_at_a_time_equal_those_computed_at_once(layer: Layer, accelerator: Accelerator, data: st.DataObject) -> None:
    """`TileEnergyBounds.top_counts` computes the operand reads of the tuples asked for and keeps them: asked
    piecewise (repeats, any order), every answer and the final whole equal one computation of every tuple."""
    bounds = TileBounds.of(MappingSpace(layer, accelerator.num_pes, max_levels=1))
    if bounds is None:
        return
    work = layer_work(layer, None)
    whole, piecewise = TileEnergyBounds(bounds, work), TileEnergyBounds(bounds, work)
    tuples = len(bounds.top_tiles)
    spatial = data.draw(st.integers(0, len(bounds.names) - 1))
    sub_clusters = data.draw(st.integers(1, accelerator.num_pes))
    expected_reads, expected_writes = whole.top_counts(spatial, sub_clusters)
    for _ in range(data.draw(st.integers(1, 3))):
        wanted = np.array(data.draw(st.lists(st.integers(0, tuples - 1), max_size=2 * tuples)), dtype=np.int64)
        reads, writes = piecewise.top_counts(spatial, sub_clusters, wanted)
        assert np.array_equal(reads[wanted], expected_reads[wanted]) and np.array_equal(writes, expected_writes)
    assert np.array_equal(piecewise.top_counts(spatial, sub_clusters)[0], expected_reads)
