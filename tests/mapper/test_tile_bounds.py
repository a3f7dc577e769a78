"""The top-level tile bounds are sound: never above the runtime `analyze_layer` reports for a member of the
subspace whose top-level tiles they were computed for (docs/mapper-bounds.md, Top-level tiles).

Random small layers (CONV, DSCONV, NGCONV, TRCONV, GEMM), random accelerators, random members of
default-mode spaces with dividing tiles at 1 to 3 cluster levels, each checked against the bound of every
branch it belongs to (its top-level tiles known, then its first two levels' tiles, ...)."""

from __future__ import annotations

import itertools
from math import prod

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layer_strategies import small_layers
from mapper_strategies import layer_stats
from property_settings import examples

from mapscope.errors import InputError
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.mapper import MappingSpace
from mapscope.mapper.counting import sample_mapping
from mapscope.mapper.space import LevelChoice, MappingChoice, dataflow
from mapscope.mapper.tile_bounds import TileBounds
from mapscope.workload.layer import Layer, LayerType


@st.composite
def accelerators(draw: st.DrawFn) -> Accelerator:
    """A small accelerator with 1 to 4 SIMD lanes, narrow to unlimited NoC and off-chip bandwidths."""
    return Accelerator(
        num_pes=draw(st.sampled_from([1, 2, 4, 6, 8, 16])),
        simd_lanes=draw(st.sampled_from([1, 2, 4])),
        noc_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 3, 64, UNLIMITED])),
        noc_latency_cycles=draw(st.integers(0, 3)),
        offchip_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 2, 8, 1000])),
    )


def member_bounds(bounds: TileBounds, accelerator: Accelerator, member: MappingChoice) -> list[int]:
    """The tile bounds of the branches `member` belongs to: its subspace with its tiles of levels 0..k-1
    known, for every k from 1 to its level count."""
    spatial = tuple(bounds.names.index(level.spatial_dimension) for level in member.levels)
    sub_clusters = (accelerator.num_pes // prod(member.cluster_sizes), *member.cluster_sizes)
    found = []
    for known in range(1, len(member.levels) + 1):
        rows = np.array([[tile for level in member.levels[:known] for tile in level.tiles]], dtype=np.int64)
        found.append(int(bounds.runtime_bounds_cycles(accelerator, spatial, sub_clusters, rows)[0]))
    return found


def relaxed_bound(bounds: TileBounds, accelerator: Accelerator, member: MappingChoice) -> int:
    """The bound over every member sharing `member`'s level count, top-level tiles, spatial loop and
    sub-cluster count, whatever its lower levels (`top_bounds_over_lower_levels`)."""
    top = member.levels[0]
    rows = np.array([top.tiles], dtype=np.int64)
    spatial = np.array([bounds.names.index(top.spatial_dimension)], dtype=np.int64)
    sub_clusters = np.array([accelerator.num_pes // prod(member.cluster_sizes)], dtype=np.int64)
    return int(bounds.top_bounds_over_lower_levels(accelerator, len(member.levels), spatial, sub_clusters, rows)[0])


def member_buffer_bounds(bounds: TileBounds, accelerator: Accelerator, member: MappingChoice) -> tuple[int, int | None]:
    """The largest L2 bound over the branches `member` belongs to, and its L1 bound (its whole prefix)."""
    spatial = tuple(bounds.names.index(level.spatial_dimension) for level in member.levels)
    sub_clusters = (accelerator.num_pes // prod(member.cluster_sizes), *member.cluster_sizes)
    l2_found, l1_found = 0, None
    for known in range(1, len(member.levels) + 1):
        rows = np.array([[tile for level in member.levels[:known] for tile in level.tiles]], dtype=np.int64)
        l2, l1 = bounds.buffer_bounds_elems(spatial, sub_clusters, rows)
        assert (l1 is None) == (known < len(member.levels))
        l2_found, l1_found = max(l2_found, int(l2[0])), l1_found if l1 is None else int(l1[0])
    return l2_found, l1_found


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    layer=small_layers((LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.NGCONV, LayerType.TRCONV, LayerType.GEMM), max_channels=8, max_gemm=12),
    accelerator=accelerators(),
    max_levels=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_tile_bounds_never_exceed_the_runtime_or_buffer_requirements_of_a_member(layer: Layer, accelerator: Accelerator, max_levels: int, seed: int) -> None:
    """At every depth of a sampled member's tile prefix: the runtime bound and the L2/L1 requirement bounds
    are at most what `analyze_layer` reports for the member, and so are the least requirements over the space."""
    space = MappingSpace(layer, accelerator.num_pes, max_levels=max_levels)
    bounds = TileBounds.of(space)
    if bounds is None:
        return
    rng = np.random.default_rng(seed)
    for _ in range(8):
        member = sample_mapping(space, rng)
        try:
            stats = layer_stats(layer, dataflow(space, member), accelerator, None)
        except InputError:
            continue
        assert max(member_bounds(bounds, accelerator, member)) <= stats.runtime_cycles, member
        assert relaxed_bound(bounds, accelerator, member) <= stats.runtime_cycles, member
        l2, l1 = member_buffer_bounds(bounds, accelerator, member)
        assert l2 <= stats.l2_size_req_elems, member
        assert l1 is not None and l1 <= stats.l1_size_req_elems, member
        least_l2, least_l1 = bounds.least_buffers_elems()
        assert least_l2 <= l2 and least_l1 <= l1, member


@settings(max_examples=examples(100), deadline=None)
@given(layer=small_layers((LayerType.CONV, LayerType.GEMM), max_channels=12, max_gemm=12), levels=st.integers(1, 3))
def test_refined_prefixes_are_every_dividing_tile_chain(layer: Layer, levels: int) -> None:
    bounds = TileBounds.of(MappingSpace(layer, 4))
    assert bounds is not None
    rows = bounds.top_tiles
    for _ in range(levels - 1):
        rows = bounds.refined(rows)
    loops = len(bounds.extents)
    chains = []
    for bit, extent in enumerate(bounds.extents):
        found = [()]
        for _ in range(levels):
            found = [chain + (d,) for chain in found for d in range(1, (chain[-1] if chain else extent) + 1) if (chain[-1] if chain else extent) % d == 0]
        chains.append(found)
    expected = sorted(tuple(c[bit][level] for level in range(levels) for bit in range(loops)) for c in itertools.product(*chains))
    assert sorted(map(tuple, rows.tolist())) == expected
    assert len(set(map(tuple, rows.tolist()))) == len(rows)


def test_the_bounds_decline_compatibility_mode_and_imperfect_tiles() -> None:
    conv = Layer("c", LayerType.CONV, (("K", 4), ("C", 4), ("R", 3), ("S", 3), ("Y", 6), ("X", 6)))
    assert TileBounds.of(MappingSpace(conv, 4, compat="maestro")) is None
    assert TileBounds.of(MappingSpace(conv, 4, imperfect=True)) is None
    assert TileBounds.of(MappingSpace(conv, 4)) is not None


def test_buffer_bounds_are_attained_by_a_one_level_member() -> None:
    """On a 1x1 CONV with one level and K spatial, both bounds are the requirements the model reports (so
    an inflated bound fails here), and the space's least L1 requirement is its all-ones member's."""
    layer = Layer("c", LayerType.CONV, (("K", 8), ("C", 4), ("R", 1), ("S", 1), ("Y", 4), ("X", 4)))
    accelerator = Accelerator(num_pes=4)
    space = MappingSpace(layer, 4, max_levels=1)
    bounds = TileBounds.of(space)
    assert bounds is not None
    rng = np.random.default_rng(0)
    attained = 0
    for _ in range(40):
        member = sample_mapping(space, rng)
        stats = layer_stats(layer, dataflow(space, member), accelerator, None)
        l2, l1 = member_buffer_bounds(bounds, accelerator, member)
        assert l2 <= stats.l2_size_req_elems and l1 is not None and l1 <= stats.l1_size_req_elems
        attained += l1 == stats.l1_size_req_elems
    assert attained == 40
    ones = MappingChoice((LevelChoice("K", ("K", "C", "Y", "X"), (1, 1, 1, 1)),), ())
    stats = layer_stats(layer, dataflow(space, ones), accelerator, None)
    least_l2, least_l1 = bounds.least_buffers_elems()  # the space's least L1 is this member's; its L2 needs the K split's tiles
    assert least_l1 == stats.l1_size_req_elems == 6 and least_l2 == 6 < stats.l2_size_req_elems


def test_the_off_chip_term_counts_the_output_requirement() -> None:
    """A 1x1 CONV spreading K over 128 clusters of 2 PEs, one output per PE step: the top level's output
    tiles (twice 128 x 2·14·56 elements of L2) over the 16-element off-chip bus set every step, and the
    bound is the runtime exactly. With the operands' requirement alone it was 4x lower, and the search
    enumerated millions of such members of ResNet-50's res2a_branch2c without certifying it."""
    layer = Layer("res2a_branch2c", LayerType.CONV, (("K", 256), ("C", 64), ("R", 1), ("S", 1), ("Y", 56), ("X", 56)))
    accelerator = Accelerator(num_pes=256, noc_bandwidth_elems_per_cycle=64, noc_latency_cycles=1, offchip_bandwidth_elems_per_cycle=16)
    space = MappingSpace(layer, 256, max_levels=2)
    bounds = TileBounds.of(space)
    assert bounds is not None
    member = MappingChoice(
        (LevelChoice("K", ("C", "Y", "X", "K"), (2, 4, 14, 56)), LevelChoice("K", ("C", "Y", "X", "K"), (1, 1, 1, 1))), (2,)
    )
    runtime = layer_stats(layer, dataflow(space, member), accelerator, None).runtime_cycles
    assert member_bounds(bounds, accelerator, member) == [runtime, runtime] == [802_816, 802_816]


def test_the_first_fold_counts_each_sub_clusters_halo() -> None:
    """MobileNet-V2's features.5.conv.1.0 (depthwise 3x3 on 30x30) spreading output rows in pairs over 14
    sub-clusters: each is sent 4 input rows, its halo included, so the operands' L2 requirement is
    2·(14·4·30 + 9) and every step lasts that over the 16-element off-chip bus. The bound and the runtime
    are equal; counting the union of the 14 tiles (30 rows) bounded the member at about half its runtime."""
    layer = Layer("features.5.conv.1.0", LayerType.DSCONV, (("K", 1), ("C", 192), ("R", 3), ("S", 3), ("Y", 30), ("X", 30)))
    accelerator = Accelerator(num_pes=256, noc_bandwidth_elems_per_cycle=64, noc_latency_cycles=1, offchip_bandwidth_elems_per_cycle=16)
    space = MappingSpace(layer, 256, max_levels=2)
    bounds = TileBounds.of(space)
    assert bounds is not None
    member = MappingChoice((LevelChoice("Y", ("X", "Y", "C"), (1, 2, 28)), LevelChoice("X", ("C", "X", "Y"), (1, 1, 2))), (18,))
    stats = layer_stats(layer, dataflow(space, member), accelerator, None)
    assert member_bounds(bounds, accelerator, member) == [stats.runtime_cycles] * 2 == [20_160] * 2
    assert member_buffer_bounds(bounds, accelerator, member)[0] == stats.l2_size_req_elems == 4_946
