"""Operators -> MAESTRO layers: every lowering keeps the operator's MACs, output sizes agree with PyTorch's
own shape rules, and MAESTRO layers read back as operators lower to the same layers."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.errors import InputError
from mapscope.workload.layer import Layer, LayerType, layer_macs
from mapscope.workload.lowering import lower_model, lower_operator
from mapscope.workload.maestro_layers import model_from_network, operator_from_layer
from mapscope.workload.network import Network
from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    Elementwise,
    MatMul,
    Model,
    Pool,
)

small = st.integers(1, 4)


@st.composite
def convolutions(draw: st.DrawFn) -> Conv:
    groups = draw(st.sampled_from([1, 2, 4]))
    kernel = (draw(small), draw(small))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, 3)) for _ in range(4))
    height = draw(st.integers(1, 24))
    width = draw(st.integers(1, 24))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    span_h = dilation[0] * (kernel[0] - 1) + 1
    span_w = dilation[1] * (kernel[1] - 1) + 1
    assume(height + padding[0] + padding[1] >= span_h and width + padding[2] + padding[3] >= span_w)
    return Conv(
        "conv",
        groups * draw(small),
        groups * draw(small),
        (height, width),
        kernel,
        stride,
        padding,  # type: ignore[arg-type]
        dilation,
        groups,
        draw(st.integers(1, 3)),
    )


@st.composite
def transposed(draw: st.DrawFn) -> ConvTranspose:
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    padding = (draw(st.integers(0, 2)),) * 2 + (draw(st.integers(0, 2)),) * 2
    output_padding = (draw(st.integers(0, stride[0] - 1)), draw(st.integers(0, stride[1] - 1)))
    height, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    assume((height - 1) * stride[0] - 2 * padding[0] + kernel[0] + output_padding[0] > 0)
    assume((width - 1) * stride[1] - 2 * padding[2] + kernel[1] + output_padding[1] > 0)
    return ConvTranspose("up", draw(small), draw(small), (height, width), kernel, stride, padding, output_padding, draw(small))


def lowered_macs(operator: Conv | ConvTranspose | MatMul) -> int:
    return sum(layer_macs(layer) for layer in lower_operator(operator).layers)


@settings(max_examples=examples(150), deadline=None)
@given(convolutions())
def test_a_convolution_keeps_its_macs_and_torch_output_size(conv: Conv) -> None:
    top, bottom, left, right = conv.padding
    image = F.pad(torch.zeros(1, conv.in_channels, *conv.input_hw), (left, right, top, bottom))
    weight = torch.zeros(conv.out_channels, conv.in_channels // conv.groups, *conv.kernel)
    result = F.conv2d(image, weight, stride=conv.stride, dilation=conv.dilation, groups=conv.groups)
    assert tuple(result.shape[2:]) == conv.output_hw
    expected = conv.batch * result.numel() * (conv.in_channels // conv.groups) * conv.kernel[0] * conv.kernel[1]
    assert conv.macs == expected
    assert lowered_macs(conv) == expected


@settings(max_examples=examples(150), deadline=None)
@given(transposed())
def test_a_transposed_convolution_keeps_its_macs_and_torch_output_size(up: ConvTranspose) -> None:
    weight = torch.zeros(up.in_channels, up.out_channels, *up.kernel)
    result = F.conv_transpose2d(
        torch.zeros(1, up.in_channels, *up.input_hw),
        weight,
        stride=up.stride,
        padding=(up.padding[0], up.padding[2]),
        output_padding=up.output_padding,
    )
    assert tuple(result.shape[2:]) == up.output_hw
    assert lowered_macs(up) == up.macs
    for layer in lower_operator(up).layers:
        assert layer.type is LayerType.CONV and layer.stride("Y") == layer.stride("X") == 1


@pytest.mark.parametrize(("kernel", "stride", "padding"), [(2, 2, 0), (4, 2, 1), (3, 3, 0), (6, 2, 2), (8, 4, 2)])
def test_clean_transposed_convolutions_count_the_framework_macs(kernel: int, stride: int, padding: int) -> None:
    """With kernel - stride = 2 * padding every input scatters its whole kernel onto the output: C_in C_out k^2 H W."""
    up = ConvTranspose("up", 16, 8, (7, 9), (kernel, kernel), (stride, stride), (padding,) * 4)
    assert up.macs == lowered_macs(up) == 16 * 8 * kernel * kernel * 7 * 9


def test_unet_up_convolution_is_one_dense_layer_without_inserted_zeros() -> None:
    up = ConvTranspose("up1", 1024, 512, (28, 28), (2, 2), (2, 2))
    (layer,) = lower_operator(up).layers
    assert dict(layer.dimensions) == {"K": 2048, "C": 1024, "R": 1, "S": 1, "Y": 28, "X": 28}
    assert up.output_hw == (56, 56)


def test_dilated_convolution_becomes_phase_convolutions_in_the_batch() -> None:
    conv = Conv("aspp", 32, 32, (28, 28), (3, 3), (1, 1), (2, 2, 2, 2), (2, 2))
    (layer,) = lower_operator(conv).layers
    assert dict(layer.dimensions) == {"N": 4, "K": 32, "C": 32, "R": 3, "S": 3, "Y": 16, "X": 16}
    odd = Conv("odd", 8, 8, (9, 9), (3, 3), (1, 1), (0, 0, 0, 0), (2, 2))  # 5 outputs: phases of 3 and 2
    assert {dict(layer.dimensions)["Y"] for layer in lower_operator(odd).layers} == {5, 4}
    assert lowered_macs(odd) == odd.macs


def test_layer_types_of_grouped_depthwise_and_batched_products() -> None:
    depthwise = lower_operator(Conv("dw", 32, 32, (14, 14), (3, 3), groups=32)).layers[0]
    assert depthwise.type is LayerType.DSCONV and depthwise.size("C") == 32
    grouped = lower_operator(Conv("g", 128, 256, (14, 14), (3, 3), groups=32)).layers[0]
    assert grouped.type is LayerType.NGCONV and (grouped.size("G"), grouped.size("K"), grouped.size("C")) == (32, 8, 4)
    scores = lower_operator(MatMul("qk", 128, 64, 128, batch=12, weight_operand=False)).layers[0]
    assert scores.type is LayerType.NGCONV and layer_macs(scores) == 12 * 128 * 64 * 128
    fc = lower_operator(MatMul("fc", 4, 2048, 1000)).layers[0]
    assert fc.type is LayerType.CONV and layer_macs(fc) == 4 * 2048 * 1000


def test_pooling_and_elementwise_are_reported_not_analysed() -> None:
    model = Model(
        "m",
        (
            Conv("conv", 3, 8, (8, 8), (3, 3), padding=(1, 1, 1, 1)),
            Pool("pool", "max", 8, (8, 8), (2, 2), (2, 2)),
            Elementwise("add", "add", (1, 8, 4, 4), inputs=2),
        ),
    )
    lowered = lower_model(model)
    assert [part.operator.name for part in lowered.skipped] == ["pool", "add"]
    assert lowered.skipped_elements_moved == (512 + 128) + (256 + 128)
    assert "not analysed" in (lowered.parts[1].note or "")
    summary = "\n".join(lowered.summary())
    assert "2 operators without MACs" in summary and "1 operator(s) padding" in summary
    assert sum(layer_macs(layer) for layer in lowered.network.layers) == model.macs


@pytest.mark.parametrize(
    "layer",
    [
        Layer("c", LayerType.CONV, (("K", 64), ("C", 3), ("R", 7), ("S", 7), ("Y", 230), ("X", 230)), (("Y", 2), ("X", 2))),
        Layer("d", LayerType.DSCONV, (("K", 1), ("C", 32), ("R", 3), ("S", 3), ("Y", 30), ("X", 30)), (("Y", 2), ("X", 2))),
        Layer("g", LayerType.NGCONV, (("G", 32), ("K", 4), ("C", 4), ("R", 3), ("S", 3), ("Y", 58), ("X", 58)), (("Y", 1), ("X", 1))),
        Layer("n", LayerType.CONV, (("N", 8), ("K", 16), ("C", 16), ("R", 1), ("S", 1), ("Y", 7), ("X", 7)), (("Y", 1), ("X", 1))),
    ],
)
def test_maestro_layers_round_trip_through_operators(layer: Layer) -> None:
    operator, note = operator_from_layer(layer)
    assert note is None
    assert lower_operator(operator).layers == (layer,)


def test_trconv_reads_as_a_real_transposed_convolution() -> None:
    layer = Layer("TRCONV1", LayerType.TRCONV, (("K", 512), ("C", 1024), ("R", 2), ("S", 2), ("Y", 28), ("X", 28)))
    operator, note = operator_from_layer(layer)
    assert isinstance(operator, ConvTranspose) and operator.stride == (2, 2) and operator.output_hw == (56, 56)
    assert note is not None and "no stride" in note


def test_repeated_maestro_layer_names_are_renamed_with_a_note() -> None:
    layer = Layer("same", LayerType.CONV, (("K", 4), ("C", 4), ("R", 1), ("S", 1), ("Y", 4), ("X", 4)))
    model, notes = model_from_network(Network("n", (layer, layer)))
    assert [op.name for op in model.operators] == ["same", "same#2"]
    assert notes == ("same#2: a second layer named same, renamed",)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Conv("c", 3, 8, (0, 8), (3, 3)), "input_hw must be positive"),
        (lambda: Conv("c", 3, 8, (2, 2), (3, 3)), "does not fit"),
        (lambda: Conv("c", 3, 8, (8, 8), (3, 3), groups=2), "2 groups do not divide 3 input"),
        (lambda: Conv("c", 3, 8, (8, 8), (3, 3), padding=(1, 1, -1, 0)), "padding must be four non-negative"),
        (lambda: ConvTranspose("t", 3, 8, (8, 8), (2, 2), (2, 2), output_padding=(2, 0)), "output_padding"),
        (lambda: MatMul("m", 4, 2**40, 4), "above the largest size"),
        (lambda: Elementwise("e", "add", ()), "needs a shape"),
        (lambda: Model("m", ()), "no operators"),
        (lambda: Model("m", (MatMul("x", 1, 1, 1), MatMul("x", 2, 2, 2))), "two operators are named 'x'"),
    ],
)
def test_impossible_operators_are_input_errors(build: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        build()  # type: ignore[operator]
