"""The PyTorch importer: each mapping against MACs counted from PyTorch's own shapes, whole networks, bad input."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from math import prod
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import torch_networks as networks
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.overrides import TorchFunctionMode
from torch.utils.flop_counter import FlopCounterMode
from torch_networks import one_thread  # noqa: F401  (the fixture, used by pytestmark)

from mapscope.errors import InputError
from mapscope.formats.importers.torch_model import model_from_torch
from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    Elementwise,
    MatMul,
    Model,
    Pool,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def transposed_gather_macs(layer: nn.ConvTranspose2d, source: Tensor, output: Tensor) -> int:
    """MACs of a transposed convolution computed output by output, as its sub-pixel convolutions do.

    Output o of an axis gathers the taps r with o + padding - r a multiple of the stride, the ones that
    fall off the input's border included (they multiply zero padding, as a convolution's border taps
    do). Where the kernel is a multiple of the stride this equals the scatter count PyTorch's
    FlopCounterMode gives (every input times every tap).
    """
    taps = 1
    for axis in (0, 1):
        stride, padding, kernel = layer.stride[axis], layer.padding[axis], layer.kernel_size[axis]
        taps *= sum(1 for o in range(output.shape[axis - 2]) for r in range(kernel) if (o + padding - r) % stride == 0)
    return source.shape[0] * layer.in_channels * layer.out_channels * taps


def hooked_macs(module: nn.Module, inputs: tuple[Any, ...]) -> tuple[Counter[str], list[tuple[int, ...]]]:
    """MACs per layer from PyTorch's real shapes (forward hooks), plus one entry per matrix product called.

    Returns MACs by qualified module name (matrix products under "products") and the output shapes of
    each product, read while the module runs once in eval mode.
    """
    macs: Counter[str] = Counter()
    product_shapes: list[tuple[int, ...]] = []

    def hook(name: str) -> Callable[..., None]:
        def count(layer: nn.Module, args: tuple[Tensor, ...], output: Tensor) -> None:
            if isinstance(layer, nn.ConvTranspose2d):
                macs[name] += transposed_gather_macs(layer, args[0], output)
            elif isinstance(layer, (nn.Conv1d, nn.Conv2d)):
                macs[name] += output.numel() * layer.in_channels // layer.groups * prod(layer.kernel_size)
            elif isinstance(layer, nn.Linear):
                macs[name] += output.numel() * layer.in_features

        return count

    class Products(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            result = func(*args, **(kwargs or {}))
            if getattr(func, "__name__", "") in ("matmul", "__matmul__", "bmm", "mm"):
                macs["products"] += result.numel() * args[0].shape[-1]
                product_shapes.append(tuple(result.shape))
            return result

    handles = [layer.register_forward_hook(hook(name)) for name, layer in module.named_modules()]
    try:
        with torch.no_grad(), Products():
            module.eval()(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return macs, product_shapes


def imported(module: nn.Module, *inputs: Any, **options: Any) -> tuple[Model, dict[str, Any], tuple[str, ...]]:
    """The imported model, its operators by name and its notes."""
    model, notes = model_from_torch(module, inputs, **options)
    return model, {op.name: op for op in model.operators}, notes


def operator_macs_match_hooks(module: nn.Module, *inputs: Any) -> dict[str, Any]:
    """Import and check every hooked layer's MACs equal the operator of the same name; return the operators."""
    model, operators, _ = imported(module, *inputs)
    expected, _ = hooked_macs(module, inputs)
    for name, macs in expected.items():
        if name != "products":
            assert operators[name].macs == macs, name
    assert model.macs == sum(expected.values())
    return operators


# --------------------------------------------------------------------------------------- convolutions


class Convolutions(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.plain = nn.Conv2d(3, 8, 3, padding=1)
        self.asymmetric = nn.Conv2d(8, 8, (3, 5), stride=(2, 1), padding=(0, 2))
        self.dilated = nn.Conv2d(8, 16, 3, dilation=2, padding=2)
        self.same_even = nn.Conv2d(16, 16, 4, padding="same")
        self.same_dilated = nn.Conv2d(16, 16, 4, dilation=2, padding="same", padding_mode="reflect")
        self.valid = nn.Conv2d(16, 8, 3, padding="valid", stride=3)
        self.grouped = nn.Conv2d(8, 12, 3, groups=4, padding=1, padding_mode="circular")
        self.depthwise = nn.Conv2d(12, 12, 3, stride=2, groups=12, padding=1)
        self.pointwise = nn.Conv2d(12, 24, 1)

    def forward(self, x: Tensor) -> Tensor:
        x = self.dilated(self.asymmetric(self.plain(x)))
        x = self.valid(self.same_dilated(self.same_even(x)))
        return self.pointwise(self.depthwise(self.grouped(x)))


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
def test_convolutions_keep_padding_stride_dilation_and_groups() -> None:
    operators = operator_macs_match_hooks(Convolutions(), torch.randn(2, 3, 33, 31))
    assert all(isinstance(op, Conv) for op in operators.values())
    assert operators["plain"].batch == 2 and operators["plain"].padding == (1, 1, 1, 1)
    assert operators["asymmetric"].kernel == (3, 5) and operators["asymmetric"].stride == (2, 1)
    assert operators["asymmetric"].padding == (0, 0, 2, 2)
    assert operators["dilated"].dilation == (2, 2)
    assert operators["same_even"].padding == (1, 2, 1, 2)  # PyTorch puts the odd one after
    assert operators["same_dilated"].padding == (3, 3, 3, 3)
    assert operators["valid"].padding == (0, 0, 0, 0) and operators["valid"].stride == (3, 3)
    assert operators["grouped"].groups == 4 and operators["depthwise"].groups == 12
    assert operators["pointwise"].kernel == (1, 1)


def test_conv1d_and_functional_conv2d_with_parameter_weights() -> None:
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.randn(6, 2, 3, 3))
            self.sequence = nn.Conv1d(4, 5, 3, stride=2, padding=1)

        def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
            y = F.conv2d(x, self.weight, None, 2, 1, 1, 2)
            return y, self.sequence(y.flatten(2)[:, :4])

    model, operators, _ = imported(Functional(), torch.randn(1, 4, 10, 10))
    conv = operators["conv2d"]
    assert (conv.groups, conv.stride, conv.padding, conv.output_hw) == (2, (2, 2), (1, 1, 1, 1), (5, 5))
    assert conv.macs == 6 * 25 * 2 * 9
    sequence = operators["sequence"]
    assert (sequence.input_hw, sequence.kernel, sequence.padding) == ((1, 25), (1, 3), (0, 0, 1, 1))
    assert sequence.macs == 5 * 13 * 4 * 3


def test_transposed_convolution_counts_the_taps_each_output_gathers() -> None:
    class Up(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
            self.exact = nn.ConvTranspose2d(4, 2, (2, 3), stride=(2, 3))
            self.sized = nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1)

        def forward(self, x: Tensor) -> Tensor:
            y = self.exact(self.up(x))
            return self.sized(y, output_size=[2 * y.shape[2], 2 * y.shape[3]])

    operators = operator_macs_match_hooks(Up(), torch.randn(1, 8, 5, 7))
    assert isinstance(operators["up"], ConvTranspose) and operators["up"].output_hw == (10, 14)
    assert operators["up"].output_padding == (1, 1)
    assert operators["exact"].output_hw == (20, 42)
    assert operators["sized"].output_padding == (1, 1)  # read off forward's output_size


@pytest.mark.parametrize(
    ("layer", "message"),
    [(nn.ConvTranspose2d(4, 4, 2, stride=2, groups=2), "groups=2"), (nn.ConvTranspose2d(4, 4, 2, dilation=2), "dilation")],
)
def test_grouped_or_dilated_transposed_convolution_is_refused(layer: nn.Module, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        model_from_torch(nn.Sequential(layer), torch.randn(1, 4, 6, 6))
    assert "node '0'" in str(caught.value) and "\n" not in str(caught.value)


# --------------------------------------------------------------------------------------------- products


def test_linear_folds_leading_dimensions_into_m() -> None:
    operators = operator_macs_match_hooks(nn.Sequential(nn.Linear(16, 32)), torch.randn(2, 7, 16))
    assert operators["0"] == MatMul("0", m=14, k=16, n=32)


def test_products_of_activations_are_batched_and_weight_products_fold() -> None:
    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.randn(8, 24))
            self.left = nn.Parameter(torch.randn(10, 5))
            self.linear_weight = nn.Parameter(torch.randn(20, 8))

        def forward(self, q: Tensor, k: Tensor) -> tuple[Tensor, ...]:
            scores = torch.matmul(q, k.transpose(-1, -2))  # (2, 3, 5, 8) @ (2, 3, 8, 6)
            context = scores @ k  # (2, 3, 5, 6) @ (2, 3, 6, 8)
            flat = q.reshape(6, 5, 8)
            batched = torch.bmm(flat, flat.transpose(1, 2))
            method = flat.matmul(flat.transpose(1, 2))
            broadcast = torch.matmul(q, k[0, 0].transpose(0, 1))  # weights broadcast over (2, 3)
            weighted = q @ self.weight  # a parameter: tokens folded into m
            transposed = torch.matmul(q, self.weight.t().t())  # through views, still a parameter
            left = self.left @ q  # (10, 5) @ (2, 3, 5, 8)
            linear = F.linear(q, self.linear_weight)
            return scores, context, batched, method, broadcast, weighted, transposed, left, linear

    q, k = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 6, 8)
    model, operators, _ = imported(Attention(), q, k)
    assert operators["matmul"] == MatMul("matmul", m=5, k=8, n=6, batch=6, weight_operand=False)
    assert operators["matmul_1"] == MatMul("matmul_1", m=5, k=6, n=8, batch=6, weight_operand=False)
    assert operators["bmm"] == MatMul("bmm", m=5, k=8, n=5, batch=6, weight_operand=False)
    assert operators["matmul_2"] == MatMul("matmul_2", m=5, k=8, n=5, batch=6, weight_operand=False)
    assert operators["matmul_3"] == MatMul("matmul_3", m=5, k=8, n=6, batch=6, weight_operand=False)
    assert operators["matmul_4"] == MatMul("matmul_4", m=30, k=8, n=24)
    assert operators["matmul_5"] == MatMul("matmul_5", m=30, k=8, n=24)
    assert operators["matmul_6"].macs == 10 * 5 * 8 * 6 and operators["matmul_6"].weight_operand
    assert operators["linear"] == MatMul("linear", m=30, k=8, n=20)
    expected, product_shapes = hooked_macs(Attention(), (q, k))
    assert model.macs == expected["products"] + 30 * 8 * 20  # F.linear is not a matmul call


def test_attention_is_expanded_as_framework_counts_it() -> None:
    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn = nn.MultiheadAttention(32, 4)
            self.cross = nn.MultiheadAttention(32, 2, kdim=12, vdim=20, batch_first=True)

        def forward(self, x: Tensor, memory: Tensor, keys: Tensor, values: Tensor) -> tuple[Tensor, Tensor]:
            y, _ = self.attn(x, x, x, need_weights=False)
            z = F.scaled_dot_product_attention(memory, memory, memory, is_causal=True)
            w, _ = self.cross(y.transpose(0, 1), keys, values)
            return z, w

    inputs = (torch.randn(7, 2, 32), torch.randn(2, 4, 9, 16), torch.randn(2, 5, 12), torch.randn(2, 5, 20))
    model, operators, _ = imported(Attention(), *inputs)
    assert [name for name in operators if name.startswith("attn")] == [
        "attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.scores", "attn.softmax", "attn.context", "attn.out_proj",
    ]  # fmt: skip
    assert operators["attn.scores"] == MatMul("attn.scores", m=7, k=8, n=7, batch=8, weight_operand=False)
    assert operators["attn.softmax"] == Elementwise("attn.softmax", "softmax", (2, 4, 7, 7))
    assert operators["cross.k_proj"] == MatMul("cross.k_proj", m=10, k=12, n=32)
    assert operators["cross.context"] == MatMul("cross.context", m=7, k=5, n=16, batch=4, weight_operand=False)
    sdpa = "scaled_dot_product_attention"
    assert operators[f"{sdpa}_scores"] == MatMul(f"{sdpa}_scores", m=9, k=16, n=9, batch=8, weight_operand=False)
    assert operators[f"{sdpa}_context"] == MatMul(f"{sdpa}_context", m=9, k=9, n=16, batch=8, weight_operand=False)
    # The math backend runs attention as ATen matrix products, which FlopCounterMode counts (the fused
    # CPU kernel it would pick otherwise is not counted at all).
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        Attention().eval()(*inputs)
    assert model.macs == counter.get_total_flops() // 2


# ---------------------------------------------------------------------------------------------- pooling


def test_pooling_including_ceil_mode_and_adaptive() -> None:
    class Pools(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ceil = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.padded = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)
            self.adaptive = nn.AdaptiveAvgPool2d((2, 1))
            self.global_max = nn.AdaptiveMaxPool2d(1)

        def forward(self, x: Tensor) -> tuple[Tensor, ...]:
            y = self.padded(self.ceil(x))  # 14x12 -> 7x6 (6.5x5.5 rounded up) -> 4x4 (3.5x3 rounded up)
            return self.adaptive(y), self.global_max(y), F.max_pool2d(x, 2), F.adaptive_avg_pool2d(x, (7, 4))

    model, operators, _ = imported(Pools(), torch.randn(2, 3, 14, 12))
    assert all(isinstance(op, Pool) and op.macs == 0 for op in model.operators)
    assert operators["ceil"].output_hw == (7, 6) and operators["ceil"].padding == (0, 1, 0, 1)
    assert operators["padded"].output_hw == (4, 4) and operators["padded"].padding == (1, 1, 1, 2)
    assert operators["padded"].kind == "average"
    assert operators["adaptive"].kernel == (2, 4) and operators["adaptive"].stride == (2, 4)
    assert operators["global_max"].kernel == (4, 4) and operators["global_max"].kind == "max"
    assert operators["max_pool2d"].output_hw == (7, 6) and operators["max_pool2d"].batch == 2
    assert operators["adaptive_avg_pool2d"].kernel == (2, 3)


def test_adaptive_pooling_with_unequal_windows_is_refused() -> None:
    with pytest.raises(InputError, match=r"node 'pool'.*7x7 to 3x3.*unequal"):
        model_from_torch(_named("pool", nn.AdaptiveAvgPool2d(3)), torch.randn(1, 2, 7, 7))


def _named(name: str, layer: nn.Module) -> nn.Module:
    container = nn.Sequential()
    container.add_module(name, layer)
    return container


# ----------------------------------------------------------------------------------------- element-wise


def test_elementwise_operators_and_no_op_layers() -> None:
    class Mixed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bn = nn.BatchNorm2d(4)
            self.act = nn.Hardswish()
            self.norm = nn.LayerNorm(6)
            self.drop = nn.Dropout(0.5)
            self.skip = nn.Identity()
            self.flat = nn.Flatten()

        def forward(self, x: Tensor, y: Tensor) -> tuple[Tensor, ...]:
            a = self.act(self.bn(x)) + y
            b = torch.mul(a, 2.0) - x
            b += a  # traced as b = b + a
            c = F.gelu(self.norm(b / 3)).relu()
            d = torch.cat([c, c, x], dim=1)
            return self.flat(self.skip(self.drop(d))), torch.softmax(d, dim=-1)

    x, y = torch.randn(2, 4, 5, 6), torch.randn(2, 4, 5, 6)
    model, operators, notes = imported(Mixed(), x, y)
    kinds = [(op.name, op.kind, op.inputs) for op in model.operators if isinstance(op, Elementwise)]
    assert kinds == [
        ("bn", "batch_norm", 1), ("act", "hardswish", 1), ("add", "add", 2), ("mul", "mul", 1), ("sub", "sub", 2),
        ("add_1", "add", 2), ("truediv", "div", 1), ("norm", "layer_norm", 1), ("gelu", "gelu", 1),
        ("relu", "relu", 1), ("cat", "concat", 1), ("softmax", "softmax", 1),
    ]  # fmt: skip
    assert operators["cat"].shape == (2, 12, 5, 6) and operators["add"].shape == (2, 4, 5, 6)
    assert model.macs == 0
    assert notes == ("ignored (data movement, shapes or no-ops only; no work counted): Dropout x1, Flatten x1, Identity x1",)


def test_shape_operations_are_listed_in_one_note_with_counts() -> None:
    class Shapes(nn.Module):
        def forward(self, x: Tensor) -> Tensor:
            a, b = x.view(2, 3, 4).permute(0, 2, 1).contiguous().chunk(2, dim=1)
            c = torch.flatten(a.unsqueeze(0).squeeze(0), 1).reshape(2, 2, 3).transpose(1, 2)
            return c.expand(2, 3, 2).size(0) * torch.matmul(c, b)

    model, _, notes = imported(Shapes(), torch.randn(2, 12))
    assert [op.name for op in model.operators] == ["matmul", "mul"]
    assert notes == (
        "ignored (data movement, shapes or no-ops only; no work counted): chunk x1, contiguous x1, expand x1, flatten x1, "
        "getitem x2, permute x1, reshape x1, size x1, squeeze x1, transpose x1, unsqueeze x1, view x1",
    )


# -------------------------------------------------------------------------------------- names and batch


def test_names_are_module_paths_and_unique_when_a_module_runs_twice() -> None:
    model, _, _ = imported(networks.resnet18(), networks.imagenet_input())
    names = [op.name for op in model.operators]
    assert names[:4] == ["conv1", "bn1", "relu", "maxpool"]
    assert names[4:10] == ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu", "layer1.0.conv2", "layer1.0.bn2", "add"]
    assert "layer1.0.relu_1" in names and "layer2.0.downsample.0" in names and names[-1] == "fc"
    assert len(set(names)) == len(names)


def test_a_torch_layer_on_its_own_is_one_named_node() -> None:
    attention = nn.MultiheadAttention(8, 2)
    sequence = torch.randn(3, 8)  # unbatched: (length, features)
    model, _ = model_from_torch(attention, (sequence, sequence, sequence))
    assert model.operators[0] == MatMul("MultiheadAttention.q_proj", m=3, k=8, n=8)
    assert model.operators[3] == MatMul("MultiheadAttention.scores", m=3, k=4, n=3, batch=2, weight_operand=False)
    conv, _ = model_from_torch(nn.Conv2d(3, 4, 3, padding="same", padding_mode="reflect"), torch.randn(2, 3, 8, 8))
    assert conv.operators == (Conv("Conv2d", 3, 4, (8, 8), (3, 3), padding=(1, 1, 1, 1), batch=2),)


def test_pooling_that_returns_indices_pools() -> None:
    class Indexed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pool = nn.MaxPool2d(2, return_indices=True)

        def forward(self, x: Tensor) -> Tensor:
            return self.pool(x)[0]

    model, _ = model_from_torch(Indexed(), torch.randn(1, 2, 4, 4))
    assert model.operators == (Pool("pool", "max", 2, (4, 4), (2, 2), stride=(2, 2)),)


def test_batch_is_the_example_inputs_first_dimension() -> None:
    network = nn.Sequential(nn.Conv2d(3, 8, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 7 * 7, 10))
    single, _ = model_from_torch(network, torch.randn(1, 3, 16, 16))
    double, _ = model_from_torch(network, torch.randn(2, 3, 16, 16))
    assert double.macs == 2 * single.macs
    assert [getattr(op, "batch", None) for op in double.operators] == [2, 2, 1]
    assert double.operators[-1] == MatMul("3", m=2, k=392, n=10)


def test_training_flags_are_restored() -> None:
    network = nn.Sequential(nn.Sequential(nn.Linear(4, 4), nn.Dropout()), nn.Sequential(nn.Dropout(), nn.Linear(4, 2)))
    network.train()[0].eval()
    model_from_torch(network, torch.randn(1, 4))
    assert [layer.training for layer in network.modules()] == [True, False, False, False, True, True, True]


# --------------------------------------------------------------------------------------- whole networks

NETWORKS: dict[str, tuple[Callable[[], nn.Module], Callable[[], Tensor], int]] = {
    "resnet18": (networks.resnet18, networks.imagenet_input, 1_814_073_344),
    "resnet50": (networks.resnet50, networks.imagenet_input, 4_089_184_256),
    "vgg16": (networks.vgg16, networks.imagenet_input, 15_470_264_320),
    "alexnet": (networks.AlexNet, networks.imagenet_input, 714_188_480),
    "mobilenet_v2": (networks.MobileNetV2, networks.imagenet_input, 300_774_272),
    "unet_188": (networks.UNet, lambda: networks.unet_input(188), 6_098_393_344),
    "bert_base_layer": (networks.BertLayer, networks.bert_input, 931_135_488),
    "gpt2_small_block": (networks.GPT2Block, networks.gpt2_input, 8_858_370_048),
}
SLOW_NETWORKS = {"unet_572": (networks.UNet, networks.unet_input, 150_428_424_448)}


def check_network(make: Callable[[], nn.Module], example: Callable[[], Tensor], published_macs: int) -> Model:
    torch.manual_seed(0)
    network, inputs = make(), example()
    model, notes = model_from_torch(network, inputs)
    expected, _ = hooked_macs(network, (inputs,))
    assert model.macs == sum(expected.values()) == published_macs
    assert not any(note.startswith("skipped") for note in notes)
    return model


@pytest.mark.parametrize("network", NETWORKS)
def test_network_macs_match_the_hooked_count(network: str) -> None:
    check_network(*NETWORKS[network])


@pytest.mark.slow
@pytest.mark.parametrize("network", SLOW_NETWORKS)
def test_large_network_macs_match_the_hooked_count(network: str) -> None:
    model = check_network(*SLOW_NETWORKS[network])
    assert [op.output_hw for op in model.operators if isinstance(op, ConvTranspose)] == [(56, 56), (104, 104), (200, 200), (392, 392)]
    assert model.operators[-1].output_hw == (388, 388)


def test_transformer_operators_have_published_shapes() -> None:
    _, gpt2, _ = imported(networks.GPT2Block(), networks.gpt2_input(1024))
    assert gpt2["attn.c_attn"] == MatMul("attn.c_attn", m=1024, k=768, n=2304)
    assert gpt2["matmul"] == MatMul("matmul", m=1024, k=64, n=1024, batch=12, weight_operand=False)
    assert gpt2["masked_fill"].inputs == 2 and gpt2["softmax"].shape == (1, 12, 1024, 1024)
    assert gpt2["mlp.c_fc"] == MatMul("mlp.c_fc", m=1024, k=768, n=3072)
    _, bert, _ = imported(networks.BertLayer(), networks.bert_input(128))
    assert bert["attention.self.query"] == MatMul("attention.self.query", m=128, k=768, n=768)
    assert bert["matmul_1"] == MatMul("matmul_1", m=128, k=128, n=64, batch=12, weight_operand=False)
    assert bert["intermediate.intermediate_act_fn"].kind == "gelu"


# ------------------------------------------------------------------------------------------- bad input


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(8, 16, batch_first=True)
        self.up = nn.Upsample(scale_factor=2)
        self.head = nn.Linear(16, 4)

    def forward(self, x: Tensor) -> Tensor:
        y, _ = self.rnn(x)
        return self.head(y) + self.up(y.unsqueeze(1)).cumsum(0).mean()  # no table entry for cumsum


def test_unsupported_layer_is_named_and_skipped_only_on_request() -> None:
    inputs = torch.randn(2, 5, 8)
    with pytest.raises(InputError) as caught:
        model_from_torch(Recurrent(), inputs)
    assert str(caught.value) == (
        "PyTorch model Recurrent: unsupported PyTorch operation LSTM at node 'rnn' "
        "(pass skip_unsupported=True to leave it out)"
    )
    model, notes = model_from_torch(Recurrent(), inputs, skip_unsupported=True, name="rnn-model")
    assert model.name == "rnn-model" and [op.name for op in model.operators] == ["head", "mean", "add"]
    assert notes[1:] == (
        "skipped node 'rnn' (LSTM): unsupported, its work is not counted",
        "skipped node 'up' (Upsample): unsupported, its work is not counted",
        "skipped node 'cumsum' (Tensor.cumsum): unsupported, its work is not counted",
    )


class Gate(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x) if x.sum() > 0 else x


class Rows(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        for row in x:
            x = x + row
        return x


def test_data_dependent_control_flow_is_a_clear_error() -> None:
    with pytest.raises(InputError) as caught:
        model_from_torch(Gate(), torch.randn(1, 4))
    assert str(caught.value) == (
        "PyTorch model Gate: torch.fx cannot trace Gate: symbolically traced variables cannot be used as inputs "
        "to control flow (data-dependent control flow cannot be traced)"
    )
    with pytest.raises(InputError, match=r"^PyTorch model Rows: torch.fx cannot trace Rows: Proxy object cannot be iterated \("):
        model_from_torch(Rows(), torch.randn(2, 4))


@pytest.mark.parametrize(
    ("module", "inputs", "message"),
    [
        ("not a module", torch.randn(1), "expected a torch.nn.Module to import, got str"),
        (nn.Linear(4, 2), {"x": torch.randn(1, 4)}, "example inputs must be a tensor or a tuple of tensors"),
        (nn.Linear(4, 2), (3,), "example inputs must be a tensor or a tuple of tensors"),
        (nn.Sequential(nn.Conv2d(3, 8, 3)), torch.randn(1, 1, 8, 8), "failed at node '0': Given groups=1"),
        (nn.Sequential(nn.Linear(4, 2)), torch.randn(1, 5), "failed at node '0': mat1 and mat2 shapes"),
        (nn.Sequential(nn.Dropout()), torch.randn(1, 5), "no supported operation"),
    ],
)
def test_bad_modules_and_inputs_are_one_line_errors(module: Any, inputs: Any, message: str, capfd: Any) -> None:
    with pytest.raises(InputError) as caught:
        model_from_torch(module, inputs)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "Traceback" not in capfd.readouterr().err


def test_missing_torch_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(InputError, match=r"needs torch: pip install 'mapscope\[torch\]'"):
        model_from_torch(object(), ())  # type: ignore[arg-type]
