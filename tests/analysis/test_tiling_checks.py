"""Warnings for tilings that overlap (redundant MACs) or leave gaps (missing MACs)."""

from __future__ import annotations

from mapscope.analysis import analyze_network
from mapscope.analysis.tiling_checks import tiling_warnings
from mapscope.hardware import Accelerator
from mapscope.mapping import MappedLayer, MappedNetwork, SpatialMap, TemporalMap
from mapscope.workload import Layer, LayerType

LAYER = Layer("L", LayerType.CONV, (("K", 4), ("C", 2), ("R", 3), ("S", 3), ("Y", 8), ("X", 8)), (("X", 1), ("Y", 1)))


def _network(*dataflow) -> MappedNetwork:
    return MappedNetwork("n", (MappedLayer(LAYER, (*dataflow, TemporalMap(3, 3, "R"), TemporalMap(3, 3, "S"))),))


def test_a_partitioning_mapping_gets_no_warning() -> None:
    assert tiling_warnings(_network(SpatialMap(1, 1, "K"), TemporalMap(2, 2, "C"), TemporalMap(3, 1, "Y"), TemporalMap(4, 2, "X"))) == ()


def test_overlapping_tiles_are_reported_and_counted_in_the_macs() -> None:
    network = _network(SpatialMap(2, 1, "K"), TemporalMap(2, 2, "C"), TemporalMap(3, 1, "Y"), TemporalMap(3, 1, "X"))
    (warning,) = tiling_warnings(network)
    assert "SpatialMap(2,1) K" in warning and "overlap" in warning
    stats = analyze_network(network, Accelerator(num_pes=4))
    assert warning in stats.warnings
    assert stats.macs > 4 * 2 * 9 * 6 * 6  # some outputs are computed twice


def test_gaps_between_sliding_tiles_are_reported() -> None:
    # an X tile of 5 inputs holds 3 windows of 3, but advances by 4: output column 3 is never computed
    (warning,) = tiling_warnings(_network(SpatialMap(1, 1, "K"), TemporalMap(2, 2, "C"), TemporalMap(3, 1, "Y"), TemporalMap(5, 4, "X")))
    assert "TemporalMap(5,4) X" in warning and "1 of every 4 output positions are never computed" in warning
