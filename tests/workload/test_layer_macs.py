"""A layer's MAC count from its shape, checked by hand."""

from __future__ import annotations

from mapscope.workload import Layer, LayerType, layer_macs


def test_strided_conv() -> None:
    # ResNet-50 conv1: 64 filters of 3x7x7 over a 230x230 padded input at stride 2 -> 112x112 outputs
    layer = Layer("conv1", LayerType.CONV, (("K", 64), ("C", 3), ("R", 7), ("S", 7), ("Y", 230), ("X", 230)), (("X", 2), ("Y", 2)))
    assert layer_macs(layer) == 64 * 3 * 49 * 112 * 112 == 118_013_952


def test_output_centric_declaration_and_batch() -> None:
    layer = Layer("l", LayerType.CONV, (("N", 2), ("K", 4), ("C", 3), ("R", 3), ("S", 3), ("Y'", 5), ("X'", 6)))
    assert layer_macs(layer) == 2 * 4 * 3 * 9 * 5 * 6


def test_depthwise_grouped_and_gemm() -> None:
    depthwise = Layer("d", LayerType.DSCONV, (("K", 1), ("C", 8), ("R", 3), ("S", 3), ("Y", 6), ("X", 6)))
    grouped = Layer("g", LayerType.NGCONV, (("G", 4), ("K", 2), ("C", 2), ("R", 1), ("S", 1), ("Y", 5), ("X", 5)))
    gemm = Layer("m", LayerType.GEMM, (("M", 3), ("N", 5), ("K", 7)))
    assert layer_macs(depthwise) == 8 * 9 * 4 * 4
    assert layer_macs(grouped) == 4 * 2 * 2 * 25
    assert layer_macs(gemm) == 105
