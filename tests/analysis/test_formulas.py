"""Unit tests of the cost-model formulas (spec §6.2-§6.9) on layers small enough to check by hand."""

from __future__ import annotations

import pytest

from mapscope.analysis import analyze_network
from mapscope.analysis.cluster_levels import LevelDirective
from mapscope.analysis.integer_math import cdiv, ceil_div
from mapscope.analysis.iteration import (
    EDGE,
    INIT,
    STEADY,
    directive_states,
    enumerate_cases,
)
from mapscope.analysis.level_tables import spatial_edge_sub_clusters
from mapscope.hardware import Accelerator
from mapscope.mapping import MappedLayer, MappedNetwork, SpatialMap, TemporalMap
from mapscope.workload import Layer, LayerType


def test_integer_division_truncates_toward_zero_like_cpp() -> None:
    assert cdiv(7, 2) == 3
    assert cdiv(-7, 2) == -3  # Python's -7 // 2 is -4
    assert cdiv(-1, 64) == 0
    assert ceil_div(7, 2) == 4
    assert ceil_div(0, 5) == 0


def _temporal(size: int, offset: int) -> LevelDirective:
    return LevelDirective("T", size, offset, "X", "test")


def _spatial(size: int, offset: int) -> LevelDirective:
    return LevelDirective("S", size, offset, "X", "test")


def test_temporal_states_init_steady_and_edge() -> None:
    states = directive_states(_temporal(2, 2), 5, 1)  # tiles [0,2) [2,4) [4,5)
    assert [(s.position, s.occurrences) for s in states] == [(INIT, 1), (STEADY, 1), (EDGE, 1)]
    assert not states[0].is_edge and states[2].is_edge


def test_temporal_sliding_tile_has_no_edge_when_it_ends_on_the_boundary() -> None:
    states = directive_states(_temporal(3, 1), 5, 1)  # windows start at 0, 1, 2
    assert [(s.position, s.occurrences) for s in states] == [(INIT, 1), (STEADY, 2)]


def test_temporal_tile_larger_than_dimension_is_an_unrolled_init_edge() -> None:
    (state,) = directive_states(_temporal(64, 64), 3, 1)
    assert state.position == INIT and state.unrolled and state.init_edge and state.is_edge


def test_spatial_states_with_a_partial_last_fold() -> None:
    # 10 indices on 4 sub-clusters, tile 1: folds cover 4, 4, then 2 (an edge fold with 2 active).
    states = directive_states(_spatial(1, 1), 10, 4)
    assert [(s.position, s.occurrences) for s in states] == [(INIT, 1), (STEADY, 1), (EDGE, 1)]
    assert not states[2].spatial_edge_edge
    assert spatial_edge_sub_clusters(1, 1, 4, 10) == 2


def test_spatial_edge_edge_when_the_last_sub_cluster_gets_a_partial_tile() -> None:
    # 7 indices, tiles of 2 on 4 sub-clusters: one fold of 4 tiles covers 8 > 7, the last tile is partial.
    (state,) = directive_states(_spatial(2, 2), 7, 4)
    assert state.init_edge and state.spatial_edge_edge
    assert spatial_edge_sub_clusters(2, 2, 4, 7) == 4


def test_case_enumeration_is_the_full_product_in_maestros_rotated_order() -> None:
    a = directive_states(_temporal(1, 1), 2, 1)  # Init, Steady
    b = directive_states(_temporal(1, 1), 4, 1)  # Init, Steady(3)
    c = directive_states(_temporal(2, 2), 5, 1)  # Init, Steady, Edge
    cases = enumerate_cases([a, b, c])
    digits = [tuple(s.position for s in states) for states, _ in cases]
    assert len(set(digits)) == 2 * 2 * 3 == len(digits)
    assert digits[:4] == [(INIT, INIT, INIT), (STEADY, STEADY, STEADY), (STEADY, STEADY, EDGE), (STEADY, STEADY, INIT)]
    assert sum(occurrences for _, occurrences in cases) == 2 * 4 * 3  # every loop step counted once


def _single_layer(dimensions: dict[str, int], dataflow: tuple, **hardware: int) -> tuple:
    layer = Layer("L", LayerType.CONV, tuple(dimensions.items()), (("X", 1), ("Y", 1)))
    network = MappedNetwork("net", (MappedLayer(layer, dataflow),))
    return analyze_network(network, Accelerator(**hardware), compat="maestro").layers[0]


def test_hand_computed_weight_stationary_layer() -> None:
    # K=2 output channels on 2 PEs, 4 output columns in time. Step 0 loads 1 input + 2 weights
    # (3 elements at 1 element/cycle with head latency 1: 3 cycles) and computes 1 MAC per PE;
    # the 3 later steps load 1 new input column each (weights stay) and send 2 outputs (2 cycles).
    stats = _single_layer(
        {"K": 2, "C": 1, "R": 1, "S": 1, "Y": 1, "X": 4},
        (SpatialMap(1, 1, "K"), TemporalMap(1, 1, "X")),
        num_pes=2,
        noc_bandwidth_elems_per_cycle=1,
        noc_latency_cycles=1,
        offchip_bandwidth_elems_per_cycle=1000,
    )
    assert stats.macs == 2 * 4
    assert stats.runtime_cycles == (1 + 3) + 3 * max(2, 1, 1)
    assert stats.input_l2_read_elems == 1 + 3 * 1
    assert stats.filter_l2_read_elems == 2  # weight stationary: loaded once
    assert stats.output_l2_write_elems == 4 * 2
    assert stats.output_l2_read_elems == 2 * 1 * 4  # K * Y' * X'
    assert (stats.ingress_delay_min_cycles, stats.ingress_delay_max_cycles) == (1, 3)
    assert stats.egress_delay_max_cycles == 2
    assert stats.compute_delay_avg_cycles == 1
    assert stats.input_l2_size_req_elems == 2 * 1 and stats.filter_l2_size_req_elems == 2 * 2
    assert stats.output_l2_size_req_elems == 2 * 2
    assert stats.l1_size_req_elems == 2 * 1 + 2 * 1 + 2 * 1
    assert stats.avg_utilized_pes == 2
    assert stats.peak_noc_bw_elems_per_cycle == 3  # 3 elements in a 1-cycle compute step


def test_zero_traffic_noc_delay_is_latency_minus_one() -> None:
    # With head latency 0 a step that moves nothing has delay -1 (MAESTRO's formula L + ceil(0/B) - 1).
    stats = _single_layer(
        {"K": 1, "C": 1, "R": 1, "S": 1, "Y": 1, "X": 3},
        (SpatialMap(1, 1, "K"), TemporalMap(1, 1, "X")),
        num_pes=1,
        noc_bandwidth_elems_per_cycle=4,
        noc_latency_cycles=0,
    )
    assert stats.ingress_delay_min_cycles == 0  # one new input column per step: 0 + ceil(1/4) - 1
    assert stats.runtime_cycles == (1 + ceil_div(2, 4) - 1) + 2 * 1


def test_offchip_transfer_bounds_each_top_level_step() -> None:
    stats = _single_layer(
        {"K": 2, "C": 1, "R": 1, "S": 1, "Y": 1, "X": 4},
        (SpatialMap(1, 1, "K"), TemporalMap(1, 1, "X")),
        num_pes=2,
        noc_bandwidth_elems_per_cycle=1,
        noc_latency_cycles=1,
        offchip_bandwidth_elems_per_cycle=1,
    )
    # L2 requirements: input 2, filter 4, output 4, so each step takes at least floor(floor(6/1)/2) = 3
    # cycles: the first step (4 cycles on chip) is not off-chip bound, the three others (2 cycles) are.
    assert stats.runtime_cycles == max(3, 1 + 3) + 3 * max(3, 2)
    assert stats.offchip_bw_req_elems_per_cycle == 3  # floor(max(6/1, 4/1) / 2), halved each step


@pytest.mark.parametrize("simd", [1, 2, 4])
def test_simd_lanes_divide_the_compute_delay(simd: int) -> None:
    stats = _single_layer(
        {"K": 1, "C": 8, "R": 1, "S": 1, "Y": 1, "X": 1},
        (SpatialMap(1, 1, "K"), TemporalMap(8, 8, "C")),
        num_pes=1,
        simd_lanes=simd,
    )
    assert stats.compute_delay_max_cycles == ceil_div(8, simd)
