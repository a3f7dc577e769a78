"""Lowering training steps to GEMMs, with (M, N, K) checked by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mapscope.errors import InputError
from mapscope.workload.cnn import ConvLayer
from mapscope.workload.cnn_models import resnet50_imagenet, resnet56_cifar
from mapscope.workload.gemm import Gemm, TrainingPass
from mapscope.workload.training import lower_layer, lower_network, training_macs

RESNET50 = resnet50_imagenet()


def _by_pass(gemms: tuple[Gemm, ...], training_pass: TrainingPass) -> list[tuple[int, int, int, int]]:
    return [(g.m, g.n, g.k, g.count) for g in gemms if g.training_pass is training_pass]


def _macs(gemms: tuple[Gemm, ...], training_pass: TrainingPass) -> int:
    return sum(g.macs for g in gemms if g.training_pass is training_pass)


def test_stride_one_layer_by_hand() -> None:
    # layer1.0.conv2: 64 -> 64, 3x3, pad 1, 56x56 -> 56x56; batch 4
    gemms = lower_layer(RESNET50.layer("layer1.0.conv2"), 4)
    assert [g.name for g in gemms] == ["layer1.0.conv2/forward", "layer1.0.conv2/weight_gradient", "layer1.0.conv2/data_gradient"]
    assert _by_pass(gemms, TrainingPass.FORWARD) == [(4 * 56 * 56, 64, 64 * 9, 1)]
    assert _by_pass(gemms, TrainingPass.WEIGHT_GRADIENT) == [(64 * 9, 64, 4 * 56 * 56, 1)]
    assert _by_pass(gemms, TrainingPass.DATA_GRADIENT) == [(4 * 56 * 56, 64, 64 * 9, 1)]
    macs = {_macs(gemms, p) for p in TrainingPass}
    assert macs == {4 * 56 * 56 * 64 * 64 * 9}


def test_first_layer_has_no_data_gradient() -> None:
    gemms = lower_layer(RESNET50.layer("conv1"), 2)
    assert [g.training_pass for g in gemms] == [TrainingPass.FORWARD, TrainingPass.WEIGHT_GRADIENT]
    assert _by_pass(gemms, TrainingPass.FORWARD) == [(2 * 112 * 112, 64, 3 * 49, 1)]


def test_strided_conv1_phases() -> None:
    # conv1 7x7/2 pad 3 on 224 (pretend it is not first). Rows h = 2i + a: 112 per phase. Taps r with
    # (a + 3 - r) even: a = 0 -> r in {1, 3, 5} (3 taps), a = 1 -> r in {0, 2, 4, 6} (4 taps).
    layer = replace(RESNET50.layer("conv1"), is_first=False)
    gemms = lower_layer(layer, 1)
    m = 112 * 112
    assert sorted(_by_pass(gemms, TrainingPass.DATA_GRADIENT)) == sorted(
        [(m, 3, 64 * 3 * 3, 1), (m, 3, 64 * 3 * 4, 2), (m, 3, 64 * 4 * 4, 1)]  # (0,0); (0,1)+(1,0); (1,1)
    )
    assert [g.name for g in gemms if g.training_pass is TrainingPass.DATA_GRADIENT] == [
        "conv1/data_gradient/0", "conv1/data_gradient/1", "conv1/data_gradient/2",
    ]
    assert _macs(gemms, TrainingPass.DATA_GRADIENT) == _macs(gemms, TrainingPass.FORWARD) == 112 * 112 * 64 * 3 * 49


def test_strided_3x3_phases() -> None:
    # layer2.0.conv2: 128 -> 128, 3x3/2 pad 1 on 56 -> 28. Taps with (a + 1 - r) even: a = 0 -> {1}, a = 1 -> {0, 2}
    gemms = lower_layer(RESNET50.layer("layer2.0.conv2"), 2)
    m = 2 * 28 * 28
    assert sorted(_by_pass(gemms, TrainingPass.DATA_GRADIENT)) == [(m, 128, 128 * 1, 1), (m, 128, 128 * 2, 2), (m, 128, 128 * 4, 1)]
    assert _by_pass(gemms, TrainingPass.FORWARD) == [(m, 128, 128 * 9, 1)]
    assert _macs(gemms, TrainingPass.DATA_GRADIENT) == _macs(gemms, TrainingPass.FORWARD) == _macs(gemms, TrainingPass.WEIGHT_GRADIENT)


def test_strided_downsample_single_phase() -> None:
    # layer2.0.downsample.0: 256 -> 512, 1x1/2 on 56 -> 28: only even rows and columns get a gradient
    gemms = lower_layer(RESNET50.layer("layer2.0.downsample.0"), 3)
    assert _by_pass(gemms, TrainingPass.DATA_GRADIENT) == [(3 * 28 * 28, 256, 512, 1)]
    assert [g.name for g in gemms][-1] == "layer2.0.downsample.0/data_gradient"
    assert _by_pass(gemms, TrainingPass.FORWARD) == [(3 * 28 * 28, 512, 256, 1)]


@pytest.mark.parametrize("network", [RESNET50, resnet56_cifar()], ids=["resnet50", "resnet56"])
def test_every_non_first_layer_has_equal_pass_macs(network) -> None:  # type: ignore[no-untyped-def]
    for layer in network.layers:
        gemms = lower_layer(layer, 2)
        forward = _macs(gemms, TrainingPass.FORWARD)
        assert forward == layer.forward_macs(2) == _macs(gemms, TrainingPass.WEIGHT_GRADIENT)
        assert _macs(gemms, TrainingPass.DATA_GRADIENT) == (0 if layer.is_first else forward), layer.name


def test_grouped_and_depthwise_counts() -> None:
    grouped = ConvLayer(
        name="g", in_channels=16, out_channels=32, kernel_h=3, kernel_w=3, input_h=8, input_w=8,
        stride=1, padding=1, in_group="a", out_group="b", groups=4,
    )
    gemms = lower_layer(grouped, 1)
    assert _by_pass(gemms, TrainingPass.FORWARD) == [(64, 8, 4 * 9, 4)]
    assert _by_pass(gemms, TrainingPass.WEIGHT_GRADIENT) == [(4 * 9, 8, 64, 4)]
    assert _by_pass(gemms, TrainingPass.DATA_GRADIENT) == [(64, 4, 8 * 9, 4)]
    depthwise = replace(grouped, out_channels=16, groups=16, stride=2)
    gemms = lower_layer(depthwise, 1)
    # 8x8 input, stride 2, pad 1: 4 rows per phase; taps a = 0 -> {1}, a = 1 -> {0, 2}; count x16 groups
    assert sorted(_by_pass(gemms, TrainingPass.DATA_GRADIENT)) == [(16, 1, 1, 16), (16, 1, 2, 32), (16, 1, 4, 16)]
    assert _by_pass(gemms, TrainingPass.FORWARD) == [(16, 1, 9, 16)]
    assert _macs(gemms, TrainingPass.DATA_GRADIENT) == _macs(gemms, TrainingPass.FORWARD) == 16 * 16 * 9


def test_network_totals_and_bad_batch() -> None:
    gemms = lower_network(RESNET50, 1)
    assert len({g.name for g in gemms}) == len(gemms)
    assert all(g.training_pass is not None for g in gemms)
    # every pass equals the forward MACs, except conv1's missing data gradient
    conv1 = RESNET50.layer("conv1").forward_macs()
    assert training_macs(RESNET50, 1) == 3 * RESNET50.forward_macs() - conv1
    assert training_macs(RESNET50) == 32 * training_macs(RESNET50, 1)  # default batch 32
    with pytest.raises(InputError, match="batch: the batch must be a positive integer, got 0"):
        lower_network(RESNET50, 0)
