"""Small torch models imported twice: by the PyTorch importer directly, and by the ONNX importer from the
module's `torch.onnx.export`. Both must give the same operators (names aside) and MACs.

The exporter decomposes some operations into several ONNX nodes (attention's scaling, GELU at old opsets),
so element-wise operators are compared only where an operation exports as one node of its own.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from torch import Tensor, nn
from torch.nn import functional as F
from torch_networks import one_thread  # noqa: F401  (the fixture, used by pytestmark)

from mapscope.formats.importers.onnx_model import read_onnx_model
from mapscope.formats.importers.torch_model import model_from_torch
from mapscope.workload.operators import Elementwise, Model

pytestmark = [
    pytest.mark.usefixtures("one_thread"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # torch's legacy exporter warns it is legacy
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


class Convolutions(nn.Module):
    """Padding, stride, dilation, groups, a 1-D convolution."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.grouped = nn.Conv2d(8, 16, 3, padding=2, dilation=2, groups=4)
        self.line = nn.Conv1d(16, 4, 5, padding=2)

    def forward(self, x: Tensor) -> Tensor:
        y = self.grouped(self.conv(x))
        return self.line(y.flatten(2))


class Depthwise(nn.Module):
    """MobileNet's depthwise-separable block."""

    def __init__(self) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pointwise = nn.Conv2d(8, 16, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.pointwise(F.relu6(self.depthwise(x)))


class Linear(nn.Module):
    """Fully connected layers on tokens (leading dimensions folded) and on a matrix (Gemm)."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = nn.Linear(12, 20, bias=False)  # exported on 3-D input as MatMul and a separate bias Add
        self.head = nn.Linear(20, 3)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(torch.tanh(self.tokens(x)).mean(dim=1))


class Attention(nn.Module):
    """Scaled dot-product attention with its projections, and torch.nn's multi-head attention."""

    def __init__(self) -> None:
        super().__init__()
        self.q, self.k, self.v = nn.Linear(16, 16), nn.Linear(16, 16), nn.Linear(16, 8)
        self.mha = nn.MultiheadAttention(16, 4)  # batch_first=True takes a fast path that does not export

    def forward(self, x: Tensor) -> Tensor:
        q, k = self.q(x).reshape(2, 6, 4, 4).transpose(1, 2), self.k(x).reshape(2, 6, 4, 4).transpose(1, 2)
        v = self.v(x).reshape(2, 6, 4, 2).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(2, 6, 8).repeat(1, 1, 2)
        y, x = y.transpose(0, 1), x.transpose(0, 1)
        return self.mha(y, x, torch.tanh(x), need_weights=False)[0]  # self-attention exports one packed projection


class Reductions(nn.Module):
    """Tensor.mean (refused by the PyTorch importer before the shared table), sum, amax."""

    def forward(self, x: Tensor) -> Tensor:
        return x.mean(dim=(2, 3), keepdim=True) + x.sum(dim=1, keepdim=True) - torch.amax(x, dim=-1, keepdim=True)


class Pooling(nn.Module):
    """Max pooling with ceil mode, average pooling, adaptive pooling to a divisor and to 1x1, 1-D pooling."""

    def __init__(self) -> None:
        super().__init__()
        self.max = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.average = nn.AvgPool2d(2)
        self.adaptive = nn.AdaptiveAvgPool2d(2)
        self.max_line = nn.MaxPool1d(2)

    def forward(self, x: Tensor) -> Tensor:
        y = self.adaptive(self.average(self.max(x)))
        return self.max_line(F.adaptive_max_pool2d(y, 1).flatten(2).transpose(1, 2))


class Elementwise_(nn.Module):
    """Activations, arithmetic, comparisons and a concatenation, each one ONNX node."""

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        a = torch.relu(x) * y + torch.sigmoid(y)
        b = torch.where(x > y, torch.exp(a), torch.abs(a) / 2)
        return torch.cat([F.softmax(b, dim=-1), torch.tanh(b)], dim=1)


class Transposed(nn.Module):
    """Transposed convolutions (U-Net's 2x2/2, DCGAN's 4x4/2 with padding 1, a 1-D one)."""

    def __init__(self) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.dcgan = nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1)
        self.line = nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x: Tensor) -> Tensor:
        y = self.dcgan(self.up(x))
        return self.line(y.flatten(2))


#: name -> (module, example inputs, whether the element-wise operators export one to one)
MODELS: dict[str, tuple[nn.Module, tuple[Tensor, ...], bool]] = {
    "convolutions": (Convolutions(), (torch.randn(2, 3, 16, 16),), True),
    "depthwise": (Depthwise(), (torch.randn(1, 8, 10, 10),), True),
    "linear": (Linear(), (torch.randn(2, 5, 12),), True),
    "attention": (Attention(), (torch.randn(2, 6, 16),), False),
    "reductions": (Reductions(), (torch.randn(2, 4, 6, 6),), True),
    "pooling": (Pooling(), (torch.randn(2, 4, 17, 17),), True),
    "elementwise": (Elementwise_(), (torch.randn(2, 3, 4), torch.randn(2, 3, 4)), True),
    "transposed": (Transposed(), (torch.randn(1, 8, 5, 5),), True),
}


def without_names(model: Model, *, elementwise: bool) -> list[tuple[Any, ...]]:
    """Every operator's kind and sizes in execution order, names left out (the importers name nodes differently)."""
    return [
        (type(op).__name__, *dataclasses.astuple(dataclasses.replace(op, name=""))[1:])
        for op in model.operators
        if elementwise or not isinstance(op, Elementwise)
    ]


def exported(module: nn.Module, inputs: tuple[Tensor, ...], folder: Path) -> Model:
    """The ONNX importer's model of the module's ONNX export (the TorchScript exporter: it needs no onnxscript)."""
    path = folder / "model.onnx"
    with torch.no_grad():
        torch.onnx.export(module.eval(), inputs, str(path), dynamo=False, opset_version=18)
    model, _ = read_onnx_model(path)
    return model


@pytest.mark.parametrize("name", sorted(MODELS))
def test_both_importers_give_the_same_operators(name: str, tmp_path: Path) -> None:
    module, inputs, one_to_one = MODELS[name]
    direct, _ = model_from_torch(module, inputs)
    via_onnx = exported(module, inputs, tmp_path)
    assert without_names(via_onnx, elementwise=False) == without_names(direct, elementwise=False)
    assert via_onnx.macs == direct.macs
    if one_to_one:
        assert without_names(via_onnx, elementwise=True) == without_names(direct, elementwise=True)
    else:  # the same kinds of element-wise operation, the exporter's extra scaling and reshaping aside
        kinds = Counter(op.kind for op in direct.operators if isinstance(op, Elementwise))
        exported_kinds = Counter(op.kind for op in via_onnx.operators if isinstance(op, Elementwise))
        assert kinds - exported_kinds == Counter()


def test_mean_is_imported_by_both() -> None:
    """The case that started the shared table: Tensor.mean was refused by the PyTorch importer."""
    model, notes = model_from_torch(Reductions(), torch.randn(2, 4, 6, 6))
    assert [op.kind for op in model.operators] == ["reduce_mean", "reduce_sum", "add", "reduce_max", "sub"]
    assert notes == ()
