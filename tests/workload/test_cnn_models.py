"""The training networks against published MAC counts, and the CNN description's rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from mapscope.errors import InputError
from mapscope.workload.cnn import CNN, ConvLayer
from mapscope.workload.cnn_models import (
    TRAINING_MODELS,
    resnet50_imagenet,
    resnet56_cifar,
    training_model,
)


def _layer(**changes: Any) -> ConvLayer:
    fields: dict[str, Any] = dict(
        name="l", in_channels=8, out_channels=16, kernel_h=3, kernel_w=3, input_h=10, input_w=10,
        stride=1, padding=1, in_group="a", out_group="b",
    )
    fields.update(changes)
    return ConvLayer(**fields)


def test_resnet50_matches_torchvision_macs() -> None:
    # conv + fc multiply-accumulates of torchvision's ResNet-50 (v1.5) at 224x224: the published ~4.09 GMACs
    assert resnet50_imagenet().forward_macs() == 4_089_184_256
    assert resnet50_imagenet().forward_macs(batch=2) == 2 * 4_089_184_256


def test_resnet50_structure() -> None:
    cnn = resnet50_imagenet()
    assert len(cnn.layers) == 1 + 3 * 16 + 4 + 1  # conv1, 16 bottlenecks, 4 downsample convs, fc
    assert cnn.default_batch == 32 and cnn.name == "resnet50"
    conv1 = cnn.layer("conv1")
    assert conv1.is_first and (conv1.output_h, conv1.output_w) == (112, 112)
    strided = cnn.layer("layer2.0.conv2")
    assert (strided.input_h, strided.stride, strided.output_h) == (56, 2, 28)
    assert cnn.layer("layer2.0.conv1").stride == 1  # v1.5: the stride is on the 3x3 conv
    assert cnn.layer("fc").kind == "fc" and cnn.layer("fc").input_h == 1
    sizes = cnn.group_sizes()
    assert sizes["image"] == 3 and sizes["classes"] == 1000
    assert sizes["layer1.residual"] == 256 and sizes["layer4.residual"] == 2048
    # one residual node per stage: conv3 outputs, the downsample output, the next blocks' and stage's inputs
    residual = {layer.name for layer in cnn.layers if "layer2.residual" in (layer.in_group, layer.out_group)}
    assert {"layer2.0.downsample.0", "layer2.3.conv3", "layer2.1.conv1", "layer3.0.conv1", "layer3.0.downsample.0"} <= residual


def test_resnet56_macs_by_hand() -> None:
    # conv1: 32*32 outputs * 16 * 3 * 9                                   =     442,368
    # stage 1: 18 convs 16->16 on 32x32: 18 * 32*32*16*16*9                =  42,467,328
    # stage 2: 16->32 stride 2 (16x16 out) 16*16*32*16*9 = 1,179,648, then 17 * 16*16*32*32*9 = 40,108,032
    # stage 3: 32->64 stride 2 (8x8 out)   8*8*64*32*9   = 1,179,648, then 17 * 8*8*64*64*9   = 40,108,032
    # fc: 64 * 10                                                          =         640
    expected = 442_368 + 42_467_328 + 1_179_648 + 40_108_032 + 1_179_648 + 40_108_032 + 640
    assert expected == 125_485_696
    cnn = resnet56_cifar()
    assert cnn.forward_macs() == expected
    assert len(cnn.layers) == 1 + 2 * 27 + 1 and cnn.default_batch == 128
    sizes = cnn.group_sizes()
    assert (sizes["layer1.residual"], sizes["layer2.residual"], sizes["layer3.residual"]) == (16, 32, 64)
    # option A: stage 2's first block reads stage 1's residual node and writes stage 2's
    first = cnn.layer("layer2.0.conv1")
    assert (first.in_group, first.stride, first.output_h) == ("layer1.residual", 2, 16)
    assert cnn.layer("layer2.0.conv2").out_group == "layer2.residual"


def test_training_model_lookup() -> None:
    assert set(TRAINING_MODELS) == {"resnet50", "resnet56"}
    assert training_model("resnet56").name == "resnet56"
    with pytest.raises(InputError, match="unknown network 'vgg'; known networks: resnet50, resnet56"):
        training_model("vgg")


def test_layer_validation() -> None:
    assert _layer().output_h == 10
    assert _layer(stride=2, input_h=9).output_h == 5  # (9 + 2 - 3) // 2 + 1
    cases: list[tuple[dict[str, Any], str]] = [
        ({"in_channels": 0}, "in_channels must be positive"),
        ({"kernel_w": -1}, "kernel_w must be positive"),
        ({"padding": -1}, "padding must not be negative"),
        ({"groups": 3}, "in_channels = 8 is not divisible by groups = 3"),
        ({"kernel_h": 13, "padding": 0}, "leaves no output"),
        ({"kind": "pool"}, "kind must be one of"),
        ({"stride": 1.5}, "stride must be an integer"),
    ]
    for changes, message in cases:
        with pytest.raises(InputError, match=message) as caught:
            _layer(**changes)
        assert str(caught.value).startswith("layer l: ")


def test_cnn_groups_and_pruning() -> None:
    cnn = resnet50_imagenet()
    pruned = cnn.with_group_sizes({"layer1.residual": 200, "conv1.out": 50})
    assert pruned.layer("layer1.2.conv3").out_channels == 200
    assert pruned.layer("layer2.0.downsample.0").in_channels == 200
    assert pruned.layer("layer1.0.conv1").in_channels == 50 and pruned.layer("conv1").out_channels == 50
    assert pruned.group_sizes()["layer1.residual"] == 200
    assert pruned.forward_macs() < cnn.forward_macs()
    with pytest.raises(InputError, match="channel group 'classes' is fixed at 1000"):
        cnn.with_group_sizes({"classes": 900})
    with pytest.raises(InputError, match="unknown channel group 'nope'"):
        cnn.with_group_sizes({"nope": 3})
    with pytest.raises(InputError, match="positive integer"):
        cnn.with_group_sizes({"conv1.out": 0})
    # per-layer counts need not respect groups; group_sizes then reports the inconsistency
    loose = cnn.with_layer_channels({"layer1.0.conv3": (64, 250)})
    with pytest.raises(InputError, match="channel group 'layer1.residual' has 250 channels at layer layer1.0.conv3 but 256"):
        loose.group_sizes()
    with pytest.raises(InputError, match="network resnet50: unknown layer 'conv9'"):
        cnn.layer("conv9")
    with pytest.raises(InputError, match="unknown layer 'conv9'"):
        cnn.with_layer_channels({"conv9": (1, 1)})


def test_grouped_and_depthwise_pruning() -> None:
    depthwise = _layer(name="dw", in_channels=16, out_channels=16, groups=16, in_group="x", out_group="x")
    grouped = _layer(name="g", in_channels=16, out_channels=32, groups=4, in_group="x", out_group="y")
    cnn = CNN("toy", "none", (depthwise, grouped), frozenset(), default_batch=1)
    pruned = cnn.with_group_sizes({"x": 12})
    assert pruned.layer("dw").groups == 12 and pruned.layer("dw").in_channels == 12
    assert pruned.layer("g").groups == 4
    with pytest.raises(InputError, match="layer g: in_channels = 10 does not divide into the groups of this conv with 4 groups"):
        cnn.with_group_sizes({"x": 10})
    with pytest.raises(InputError, match="layer name 'dw' is used twice"):
        CNN("toy", "none", (depthwise, depthwise), frozenset(), default_batch=1)
    with pytest.raises(InputError, match="at least one layer"):
        CNN("toy", "none", (), frozenset(), default_batch=1)
    with pytest.raises(InputError, match="default_batch must be a positive integer"):
        replace(cnn, default_batch=0)
