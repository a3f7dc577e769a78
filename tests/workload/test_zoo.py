"""The zoo against published figures: MACs from independent closed forms, parameter counts, key shapes."""

from __future__ import annotations

import inspect
from typing import TypeVar

import pytest

from mapscope.errors import InputError
from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    Elementwise,
    MatMul,
    Model,
    Pool,
)
from mapscope.workload.zoo import ZOO, zoo_model
from mapscope.workload.zoo.resnet import resnet50

OperatorT = TypeVar("OperatorT", Conv, ConvTranspose, MatMul, Pool, Elementwise)

# ---------------------------------------------------------------- MACs, derived by hand per network


def _alexnet_macs() -> int:
    # torchvision AlexNet at 224: conv outputs 55, 27, 13, 13, 13 (pools 55->27->13->6)
    convs = (
        64 * 3 * 11 * 11 * 55 * 55  # features.0     70,276,800
        + 192 * 64 * 5 * 5 * 27 * 27  # features.3  223,948,800
        + 384 * 192 * 3 * 3 * 13 * 13  # features.6 112,140,288
        + 256 * 384 * 3 * 3 * 13 * 13  # features.8 149,520,384
        + 256 * 256 * 3 * 3 * 13 * 13  # features.10 99,680,256
    )
    return convs + 9216 * 4096 + 4096 * 4096 + 4096 * 1000


def _vgg16_macs() -> int:
    # five blocks of 3x3 same convolutions at 224, 112, 56, 28, 14 pixels: (side, [(in, out), ...])
    blocks = (
        (224, [(3, 64), (64, 64)]),
        (112, [(64, 128), (128, 128)]),
        (56, [(128, 256), (256, 256), (256, 256)]),
        (28, [(256, 512), (512, 512), (512, 512)]),
        (14, [(512, 512), (512, 512), (512, 512)]),
    )
    convs = sum(9 * cin * cout * side * side for side, convs in blocks for cin, cout in convs)
    return convs + 512 * 7 * 7 * 4096 + 4096 * 4096 + 4096 * 1000


def _resnet18_macs() -> int:
    macs = 64 * 3 * 7 * 7 * 112 * 112  # conv1
    in_channels, side = 64, 56
    for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        out_side = side // stride
        macs += 9 * in_channels * width * out_side**2 + 9 * width * width * out_side**2  # block 0
        if stride != 1:
            macs += in_channels * width * out_side**2  # 1x1 projection
        macs += 2 * 9 * width * width * out_side**2  # block 1
        in_channels, side = width, out_side
    return macs + 512 * 1000


def _resnet50_macs() -> int:
    macs = 64 * 3 * 7 * 7 * 112 * 112  # conv1
    in_channels, side = 64, 56
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        out_side, out_channels = side // stride, 4 * width
        # block 0 (v1.5): 1x1 reduce at the input size, strided 3x3, 1x1 expand, 1x1 strided projection
        macs += in_channels * width * side**2 + 9 * width * width * out_side**2
        macs += width * out_channels * out_side**2 + in_channels * out_channels * out_side**2
        # other blocks: 4w->w (4w^2) + 3x3 w->w (9w^2) + w->4w (4w^2) per output pixel
        macs += (blocks - 1) * 17 * width**2 * out_side**2
        in_channels, side = out_channels, out_side
    return macs + 2048 * 1000


def _mobilenet_v2_macs() -> int:
    macs = 32 * 3 * 3 * 3 * 112 * 112  # stem
    in_channels, side = 32, 112
    for expansion, out_channels, blocks, first_stride in (
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)
    ):
        for block in range(blocks):
            out_side = side // (first_stride if block == 0 else 1)
            hidden = in_channels * expansion
            expand = in_channels * hidden * side**2 if expansion != 1 else 0
            macs += expand + 9 * hidden * out_side**2 + hidden * out_channels * out_side**2
            in_channels, side = out_channels, out_side
    return macs + 320 * 1280 * 7 * 7 + 1280 * 1000


def _unet_macs() -> int:
    # Figure 1 of Ronneberger et al.: (in, out, output side) of each valid 3x3 conv, then the up-convs
    convs = (
        (1, 64, 570), (64, 64, 568), (64, 128, 282), (128, 128, 280), (128, 256, 138), (256, 256, 136),
        (256, 512, 66), (512, 512, 64), (512, 1024, 30), (1024, 1024, 28),
        (1024, 512, 54), (512, 512, 52), (512, 256, 102), (256, 256, 100),
        (256, 128, 198), (128, 128, 196), (128, 64, 390), (64, 64, 388),
    )
    # a 2x2 stride-2 up-conv: every output takes exactly one tap, so in * out * output pixels
    upconvs = ((1024, 512, 56), (512, 256, 104), (256, 128, 200), (128, 64, 392))
    return (
        sum(9 * cin * cout * side**2 for cin, cout, side in convs)
        + sum(cin * cout * side**2 for cin, cout, side in upconvs)
        + 64 * 2 * 388 * 388
    )


def _transformer_macs(seq_len: int, hidden: int = 768) -> int:
    # QKV + output projections 4sd^2, QK^T and AV 2s^2d, FFN 2 * s * d * 4d
    return 4 * seq_len * hidden**2 + 2 * seq_len**2 * hidden + 2 * seq_len * hidden * 4 * hidden


# (name, MACs derived above, exact value, published rounded GMACs with its source)
PUBLISHED = [
    # torchvision model table "GFLOPS" (which counts multiply-accumulates): 0.71
    ("alexnet", _alexnet_macs(), 714_188_480, 0.71),
    # torchvision: 15.47
    ("vgg16", _vgg16_macs(), 15_470_264_320, 15.47),
    # torchvision: 1.81
    ("resnet18", _resnet18_macs(), 1_814_073_344, 1.81),
    # torchvision: 4.09 (the 4,089,184,256 that fvcore reports)
    ("resnet50", _resnet50_macs(), 4_089_184_256, 4.09),
    # torchvision: 0.30; Sandler et al. 2018, Table 4: 300M multiply-adds
    ("mobilenet_v2", _mobilenet_v2_macs(), 300_774_272, 0.30),
    # the paper gives no MAC count; 150.43 G follows from its Figure 1 (parameters are checked below)
    ("unet", _unet_macs(), 150_428_424_448, 150.43),
    # 12 s d^2 + 2 s^2 d at s = 128, d = 768
    ("bert_base_layer", _transformer_macs(128), 931_135_488, 0.93),
    # at s = 1024: the 2 s^2 d attention products are 1.61 of the 8.86 G
    ("gpt2_block", _transformer_macs(1024), 8_858_370_048, 8.86),
]


def test_every_zoo_model_has_a_published_figure() -> None:
    assert [name for name, *_ in PUBLISHED] == list(ZOO)


@pytest.mark.parametrize(("name", "derived", "exact", "published_gmacs"), PUBLISHED, ids=[row[0] for row in PUBLISHED])
def test_macs_match_the_published_figures(name: str, derived: int, exact: int, published_gmacs: float) -> None:
    assert derived == exact
    assert round(exact / 1e9, 2) == published_gmacs
    assert zoo_model(name).macs == exact


@pytest.mark.parametrize("name", list(ZOO))
def test_batch_two_doubles_the_macs(name: str) -> None:
    assert zoo_model(name, batch=2).macs == 2 * zoo_model(name).macs


def test_attention_grows_with_the_square_of_the_sequence() -> None:
    assert zoo_model("bert_base_layer", seq_len=512).macs == _transformer_macs(512)
    assert zoo_model("gpt2_block", batch=3, seq_len=64).macs == 3 * _transformer_macs(64)


# ---------------------------------------------------------------- parameter counts (channel counts)


def _parameters(model: Model, per_conv_channel: int) -> int:
    """Weights, plus a bias per FC output, plus per conv output channel a bias (1) or BatchNorm (2)."""
    extra = sum(op.n if isinstance(op, MatMul) else per_conv_channel * op.out_channels for op in model.compute_operators)
    return sum(op.weight_elements for op in model.compute_operators) + extra


@pytest.mark.parametrize(
    ("name", "per_conv_channel", "published"),
    [
        # torchvision's num_params for each model
        ("alexnet", 1, 61_100_840),
        ("vgg16", 1, 138_357_544),
        ("resnet18", 2, 11_689_512),
        ("resnet50", 2, 25_557_032),
        ("mobilenet_v2", 2, 3_504_872),
        # the original U-Net (1 input channel, 2 classes): 31,030,658 trainable parameters
        ("unet", 1, 31_030_658),
    ],
)
def test_parameter_counts_match_the_published_ones(name: str, per_conv_channel: int, published: int) -> None:
    assert _parameters(zoo_model(name), per_conv_channel) == published


def test_transformer_layers_hold_twelve_d_squared_weights() -> None:
    for name in ("bert_base_layer", "gpt2_block"):
        assert sum(op.weight_elements for op in zoo_model(name).compute_operators) == 12 * 768**2


# ---------------------------------------------------------------- shapes and names


def _operator(model: Model, name: str, kind: type[OperatorT]) -> OperatorT:
    """The operator `name` of `model`, checked to be a `kind`."""
    operator = next(op for op in model.operators if op.name == name)
    assert isinstance(operator, kind), f"{name} is a {type(operator).__name__}"
    return operator


def test_resnet_feature_maps() -> None:
    model = zoo_model("resnet50")
    last = _operator(model, "layer4.2.conv3", Conv)
    assert (last.out_channels, last.output_hw) == (2048, (7, 7))
    strided = _operator(model, "layer2.0.conv2", Conv)
    assert strided.stride == (2, 2) and strided.input_hw == (56, 56)
    assert _operator(model, "layer2.0.conv1", Conv).stride == (1, 1)  # v1.5
    avgpool = _operator(model, "avgpool", Pool)
    assert avgpool.kernel == (7, 7) and avgpool.output_hw == (1, 1)
    assert _operator(model, "fc", MatMul) == MatMul("fc", m=1, k=2048, n=1000)
    assert _operator(model, "layer4.2.add", Elementwise).shape == (1, 2048, 7, 7)
    names = {op.name for op in model.operators}
    assert {f"layer{stage}.0.downsample" for stage in (1, 2, 3, 4)} <= names
    assert len(model.compute_operators) == 1 + 16 * 3 + 4 + 1
    resnet18 = zoo_model("resnet18")
    assert "layer1.0.downsample" not in {op.name for op in resnet18.operators}
    assert _operator(resnet18, "layer4.1.conv2", Conv).output_hw == (7, 7)


def test_classifier_feature_maps() -> None:
    vgg = zoo_model("vgg16")
    assert [op.name for op in vgg.compute_operators][-4:] == ["features.28", "classifier.0", "classifier.3", "classifier.6"]
    assert _operator(vgg, "features.30", Pool).output_hw == (7, 7)
    alexnet = zoo_model("alexnet")
    assert _operator(alexnet, "features.0", Conv).output_hw == (55, 55)
    assert _operator(alexnet, "features.12", Pool).output_hw == (6, 6)
    mobilenet = zoo_model("mobilenet_v2")
    last = _operator(mobilenet, "features.18.0", Conv)
    assert (last.out_channels, last.output_hw) == (1280, (7, 7))
    depthwise = _operator(mobilenet, "features.2.conv.1.0", Conv)
    assert depthwise.groups == depthwise.in_channels == 96
    assert sum(op.name.endswith(".add") for op in mobilenet.operators) == 10  # stride-1 blocks with equal channels


def test_unet_shapes() -> None:
    model = zoo_model("unet")
    out = model.operators[-1]
    assert isinstance(out, Conv) and (out.out_channels, out.output_hw) == (2, (388, 388))
    assert len(model.compute_operators) == 23  # "In total the network has 23 convolutional layers."
    assert _operator(model, "bottom.conv2", Conv).out_channels == 1024
    upconv = _operator(model, "decoder4.upconv", ConvTranspose)
    assert upconv.output_hw == (56, 56) and upconv.out_channels == 512
    assert _operator(model, "decoder4.concat", Elementwise).shape == (1, 1024, 56, 56)
    assert _operator(model, "decoder1.concat", Elementwise).shape == (1, 128, 392, 392)


def test_transformer_operator_order() -> None:
    bert = zoo_model("bert_base_layer")
    assert [op.name for op in bert.operators] == [
        "attn.q", "attn.k", "attn.v", "attn.scores", "attn.softmax", "attn.context", "attn.out",
        "add1", "ln1", "ffn.up", "ffn.gelu", "ffn.down", "add2", "ln2",
    ]
    assert _operator(bert, "attn.scores", MatMul) == MatMul("attn.scores", m=128, k=64, n=128, batch=12, weight_operand=False)
    gpt2 = zoo_model("gpt2_block", batch=2)
    assert [op.name for op in gpt2.operators] == [
        "ln1", "attn.qkv", "attn.scores", "attn.softmax", "attn.context", "attn.out",
        "add1", "ln2", "ffn.up", "ffn.gelu", "ffn.down", "add2",
    ]
    assert _operator(gpt2, "attn.qkv", MatMul) == MatMul("attn.qkv", m=2048, k=768, n=2304)
    assert _operator(gpt2, "attn.softmax", Elementwise).shape == (2, 12, 1024, 1024)


def test_conv_and_pool_shapes_agree_with_torch() -> None:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional

    def meta(*shape: int) -> object:
        return torch.empty(*shape, device="meta")

    for name in ("alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2", "unet"):
        for op in zoo_model(name).operators:
            if isinstance(op, Conv):
                top, bottom, left, right = op.padding
                assert (top, left) == (bottom, right)
                x = meta(op.batch, op.in_channels, *op.input_hw)
                w = meta(op.out_channels, op.in_channels // op.groups, *op.kernel)
                y = functional.conv2d(x, w, stride=op.stride, padding=(top, left), dilation=op.dilation, groups=op.groups)
            elif isinstance(op, ConvTranspose):
                x = meta(op.batch, op.in_channels, *op.input_hw)
                w = meta(op.in_channels, op.out_channels, *op.kernel)
                y = functional.conv_transpose2d(x, w, stride=op.stride, padding=op.padding[::2])
            elif isinstance(op, Pool):
                pool = functional.max_pool2d if op.kind == "max" else functional.avg_pool2d
                y = pool(meta(op.batch, op.channels, *op.input_hw), op.kernel, op.stride, op.padding[::2])
            else:
                continue
            assert tuple(y.shape[-2:]) == op.output_hw, f"{name} {op.name}"


# ---------------------------------------------------------------- registry and errors


def test_registry_entries_describe_their_builders() -> None:
    assert list(ZOO) == ["alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2", "unet", "bert_base_layer", "gpt2_block"]
    for name, entry in ZOO.items():
        assert entry.name == name and "\n" not in entry.description
        signature = inspect.signature(entry.build)
        assert dict(entry.parameters) == {p: signature.parameters[p].default for p in signature.parameters}
        assert entry.build().name == name
    assert dict(ZOO["bert_base_layer"].parameters) == {"batch": 1, "seq_len": 128}
    assert dict(ZOO["gpt2_block"].parameters) == {"batch": 1, "seq_len": 1024}
    assert dict(ZOO["resnet50"].parameters) == {"batch": 1}


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown zoo model 'resnet101'; known models: alexnet, vgg16, resnet18"):
        zoo_model("resnet101")


def test_unknown_parameter_lists_the_accepted_ones() -> None:
    with pytest.raises(InputError, match=r"zoo model resnet50: unknown parameter 'seq_len'; resnet50 accepts: batch \(default 1\)"):
        zoo_model("resnet50", seq_len=128)
    with pytest.raises(InputError, match=r"accepts: batch \(default 1\), seq_len \(default 128\)"):
        zoo_model("bert_base_layer", heads=16)


@pytest.mark.parametrize(("name", "parameter", "value"), [("resnet50", "batch", 0), ("gpt2_block", "seq_len", -1), ("unet", "batch", True)])
def test_non_positive_sizes_name_the_parameter(name: str, parameter: str, value: int) -> None:
    with pytest.raises(InputError, match=f"zoo model {name}: {parameter} must be a positive integer, got {value}"):
        zoo_model(name, **{parameter: value})


def test_builders_called_directly_reject_a_zero_batch_in_the_first_operator() -> None:
    with pytest.raises(InputError, match="operator conv1: batch must be positive, got 0"):
        resnet50(batch=0)


def test_sizes_above_the_supported_range_name_the_model() -> None:
    with pytest.raises(InputError, match="zoo model bert_base_layer: operator attn.q: m = .* is above the largest size"):
        zoo_model("bert_base_layer", batch=2**24, seq_len=1024)
