"""ONNX import: operators and MACs checked against shapes the ONNX reference runtime (or torch) computes,
and every bad input as a one-line InputError naming the file."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mapscope.errors import InputError
from mapscope.formats.importers.onnx_model import (
    ONNX_MISSING,
    onnx_model_from_proto,
    read_onnx_model,
)
from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    Elementwise,
    MatMul,
    Model,
    Pool,
)

onnx = pytest.importorskip("onnx")
helper, TensorProto = onnx.helper, onnx.TensorProto
ReferenceEvaluator = pytest.importorskip("onnx.reference").ReferenceEvaluator

SOURCE = "net.onnx"
IGNORED = "ignored (data movement, shapes or constants only; no work counted): "
Shape = Sequence[int | str]


def _graph_model(
    nodes: list[Any],
    inputs: Mapping[str, Shape | None],
    weights: Mapping[str, np.ndarray] | None = None,
    *,
    outputs: Sequence[str] | None = None,
    name: str = "testnet",
    opset: int = 18,
    domains: Sequence[str] = (),
) -> Any:
    """A ModelProto of `nodes`; outputs (default: the last node's first) carry no declared shape."""
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n, shape in inputs.items()],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs or [nodes[-1].output[0]]],
        [onnx.numpy_helper.from_array(array, n) for n, array in (weights or {}).items()],
    )
    opsets = [helper.make_opsetid("", opset), *(helper.make_opsetid(domain, 1) for domain in domains)]
    return helper.make_model(graph, opset_imports=opsets)


def _weight(*shape: int) -> np.ndarray:
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


def _reference_shapes(proto: Any, inputs: Mapping[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """The shape of every tensor when the ONNX reference runtime runs the model on random inputs."""
    feeds = {name: np.random.default_rng(0).standard_normal(shape).astype(np.float32) for name, shape in inputs.items()}
    results = ReferenceEvaluator(proto).run(None, feeds, intermediate=True)
    assert isinstance(results, dict)
    return {name: tuple(np.shape(value)) for name, value in results.items()}


def _read(proto: Any, **options: Any) -> tuple[Model, tuple[str, ...]]:
    return onnx_model_from_proto(proto, SOURCE, **options)


def _by_name(model: Model) -> dict[str, Any]:
    return {operator.name: operator for operator in model.operators}


def _error(proto: Any, **options: Any) -> str:
    with pytest.raises(InputError) as caught:
        _read(proto, **options)
    return _one_line_naming(caught.value, SOURCE)


def _one_line_naming(error: InputError, source: str) -> str:
    text = str(error)
    assert "\n" not in text and text.startswith(f"{source}: "), text
    return text


def _transposed_macs(output_hw: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int], begin: tuple[int, int], channels: int) -> int:
    """Kernel taps of each output's phase, counted one (output, tap) pair at a time."""
    taps = 1
    for outputs, k, s, b in zip(output_hw, kernel, stride, begin, strict=True):
        taps *= sum(1 for o in range(outputs) for r in range(k) if (o + b - r) % s == 0)
    return channels * taps


# --- compute operators against the reference runtime ---------------------------------------------------------


def test_conv_net_matches_reference_shapes_and_macs() -> None:
    weights = {
        "w1": _weight(16, 8, 3, 3),
        "b1": _weight(16),
        "w2": _weight(16, 16, 3, 3),
        "w3": _weight(32, 4, 1, 1),
        "w4": _weight(32, 1, 3, 3),
        "w5": _weight(8, 32, 4, 4),
    }
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="plain", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="strided", strides=[2, 1], pads=[1, 0, 2, 3], dilations=[2, 1]),
        helper.make_node("Conv", ["c2", "w3"], ["c3"], name="grouped", group=4),
        helper.make_node("Conv", ["c3", "w4"], ["c4"], name="depthwise", group=32, strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("Conv", ["c4", "w5"], ["c5"], name="same_lower", auto_pad="SAME_LOWER"),
        helper.make_node("Conv", ["c5", "w5_valid"], ["c6"], name="valid", auto_pad="VALID", kernel_shape=[2, 2]),
    ]
    weights["w5_valid"] = _weight(4, 8, 2, 2)
    proto = _graph_model(nodes, {"x": [2, 8, 15, 15]}, weights)
    model, notes = _read(proto)
    shapes = _reference_shapes(proto, {"x": (2, 8, 15, 15)})

    operators = _by_name(model)
    assert list(operators) == ["plain", "relu", "strided", "grouped", "depthwise", "same_lower", "valid"]
    assert operators["strided"].padding == (1, 2, 0, 3)  # ONNX [top, left, bottom, right] -> (top, bottom, left, right)
    assert operators["strided"].dilation == (2, 1) and operators["strided"].stride == (2, 1)
    assert operators["grouped"].groups == 4 and operators["depthwise"].groups == 32
    assert operators["depthwise"].padding == (1, 1, 0, 1)  # SAME_UPPER on 7 x 16: the odd width pad at the end
    assert operators["same_lower"].padding == (2, 1, 2, 1)  # SAME_LOWER: the odd pad at the start
    expected_macs = 0
    for node in nodes:
        operator = operators[node.name]
        if node.op_type != "Conv":
            assert operator == Elementwise("relu", "relu", shapes["c1"], inputs=1)
            continue
        out_shape, w_shape = shapes[node.output[0]], weights[node.input[1]].shape
        assert isinstance(operator, Conv)
        assert operator.batch == 2
        assert (operator.out_channels, *operator.output_hw) == out_shape[1:]
        assert operator.input_hw == shapes.get(node.input[0], (2, 8, 15, 15))[2:]
        macs = math.prod(out_shape) * math.prod(w_shape[1:])  # every output: C/groups x kernel taps
        assert operator.macs == macs
        expected_macs += macs
    assert model.macs == expected_macs
    assert model.name == "testnet" and model.source == SOURCE
    assert notes == ()


def test_one_dimensional_conv_and_pool_are_height_one() -> None:
    proto = _graph_model(
        [
            helper.make_node("Conv", ["x", "w"], ["c"], name="conv1d", strides=[2], pads=[2, 1]),
            helper.make_node("MaxPool", ["c"], ["p"], name="pool1d", kernel_shape=[3]),
        ],
        {"x": [1, 4, 20]},
        {"w": _weight(6, 4, 5)},
    )
    conv, pool = _read(proto)[0].operators
    shapes = _reference_shapes(proto, {"x": (1, 4, 20)})
    assert conv == Conv("conv1d", 4, 6, (1, 20), (1, 5), stride=(1, 2), padding=(0, 0, 2, 1))
    assert conv.output_hw == (1, shapes["c"][2]) and conv.macs == math.prod(shapes["c"]) * 4 * 5
    assert isinstance(pool, Pool) and pool.output_hw == (1, shapes["p"][2])


@pytest.mark.parametrize(
    ("attributes", "padding", "output_padding"),
    [
        ({"strides": [2, 2]}, (0, 0, 0, 0), (0, 0)),
        ({"strides": [2, 2], "pads": [1, 0, 0, 1], "output_padding": [1, 1]}, (1, 0, 0, 1), (1, 1)),
        ({"strides": [2, 2], "auto_pad": "SAME_UPPER"}, (0, 1, 0, 1), (0, 0)),
        ({"strides": [2, 2], "auto_pad": "SAME_LOWER"}, (1, 0, 1, 0), (0, 0)),
        ({"strides": [3, 3], "auto_pad": "SAME_UPPER"}, (0, 0, 0, 0), (0, 0)),
        ({"strides": [2, 2], "output_shape": [12, 12]}, (0, 0, 0, 0), (1, 1)),  # above the full 11: one more row
    ],
)
def test_conv_transpose_matches_reference(attributes: dict[str, Any], padding: tuple[int, ...], output_padding: tuple[int, int]) -> None:
    proto = _graph_model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", **attributes)], {"x": [2, 3, 5, 5]}, {"w": _weight(3, 4, 3, 3)})
    (operator,) = _read(proto)[0].operators
    out_shape = _reference_shapes(proto, {"x": (2, 3, 5, 5)})["y"]
    assert isinstance(operator, ConvTranspose)
    assert (operator.padding, operator.output_padding) == (padding, output_padding)
    assert (operator.batch, operator.out_channels, *operator.output_hw) == out_shape
    stride = tuple(attributes["strides"])
    expected = 2 * 4 * _transposed_macs(out_shape[2:], (3, 3), stride, (padding[0], padding[2]), 3)
    assert operator.macs == expected


def test_conv_transpose_output_shape_below_the_full_output_becomes_padding() -> None:
    # The ONNX reference runtime fails on this one; the pads follow the ConvTranspose definition:
    # total = stride x (in - 1) + kernel - output_shape, the odd one at the start (auto_pad NOTSET).
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], output_shape=[9, 8])
    proto = _graph_model([node], {"x": [1, 3, 5, 5]}, {"w": _weight(3, 4, 3, 3)})
    (operator,) = _read(proto)[0].operators
    assert isinstance(operator, ConvTranspose)
    assert operator.padding == (1, 1, 2, 1) and operator.output_hw == (9, 8)
    assert operator.macs == 4 * _transposed_macs((9, 8), (3, 3), (2, 2), (1, 2), 3)


def test_conv_transpose_groups_and_dilations_are_unsupported() -> None:
    grouped = _graph_model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="g_up", group=3)], {"x": [1, 3, 5, 5]}, {"w": _weight(3, 1, 3, 3)})
    message = _error(grouped)
    assert "unsupported ONNX operator ConvTranspose with 3 groups at node 'g_up'" in message
    dilated = _graph_model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="d_up", dilations=[2, 2])], {"x": [1, 3, 5, 5]}, {"w": _weight(3, 4, 3, 3)})
    assert "ConvTranspose with dilations [2, 2] at node 'd_up'" in _error(dilated)


def test_output_size_onnx_shape_inference_gets_wrong_is_an_error() -> None:
    # A 1x1 kernel with stride 2 and SAME_UPPER: the runtime gives 10 outputs, ONNX shape inference 9.
    proto = _graph_model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], auto_pad="SAME_UPPER")], {"x": [1, 3, 5, 5]}, {"w": _weight(3, 4, 1, 1)})
    assert _reference_shapes(proto, {"x": (1, 3, 5, 5)})["y"] == (1, 4, 10, 10)
    message = _error(proto)
    assert "node 'up' (ConvTranspose): its output is 10x10" in message and "says 9x9" in message


def test_mlp_of_gemm_and_matmul() -> None:
    weights = {"w1": _weight(32, 20), "b1": _weight(32), "w2": _weight(32, 16), "w3": _weight(16, 10), "w4": _weight(10, 7)}
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], name="fc1", transB=1),  # torch Linear: W is out x in
        helper.make_node("Relu", ["h1"], ["a1"], name="act1"),
        helper.make_node("MatMul", ["a1", "w2"], ["h2"], name="fc2"),
        helper.make_node("Gemm", ["h2", "w3"], ["h3"], name="fc3"),
        helper.make_node("Transpose", ["h3"], ["h3t"], name="t"),
        helper.make_node("Gemm", ["h3t", "w4"], ["h4"], name="fc4", transA=1),
        helper.make_node("MatMul", ["h4", "h4t"], ["gram"], name="gram"),
        helper.make_node("Transpose", ["h4"], ["h4t"], name="t2"),
    ]
    nodes[-1], nodes[-2] = nodes[-2], nodes[-1]
    proto = _graph_model(nodes, {"x": [6, 20]}, weights)
    model, notes = _read(proto)
    shapes = _reference_shapes(proto, {"x": (6, 20)})
    operators = _by_name(model)
    assert operators["fc1"] == MatMul("fc1", 6, 20, 32)
    assert operators["fc2"] == MatMul("fc2", 6, 32, 16)
    assert operators["fc3"] == MatMul("fc3", 6, 16, 10)
    assert operators["fc4"] == MatMul("fc4", 6, 10, 7)
    assert operators["gram"] == MatMul("gram", 6, 7, 6, weight_operand=False)
    inner = {"fc1": 20, "fc2": 32, "fc3": 16, "fc4": 10, "gram": 7}
    assert model.macs == sum(math.prod(shapes[_output(nodes, name)]) * k for name, k in inner.items())
    assert notes == (IGNORED + "Transpose x2",)


def _output(nodes: list[Any], name: str) -> str:
    return next(node.output[0] for node in nodes if node.name == name)


def test_matmul_folds_tokens_and_batches_activation_products() -> None:
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["tokens"], name="tokens"),  # (2, 5, 8) @ (8, 4): m = 2 x 5
        helper.make_node("MatMul", ["w_left", "x"], ["left"], name="left"),  # (3, 5) @ (2, 5, 8): weight on the left
        helper.make_node("MatMul", ["a", "b"], ["batched"], name="batched"),  # (3, 1, 5, 8) @ (4, 8, 2): batch 3 x 4
        helper.make_node("MatMul", ["v", "w"], ["vector"], name="vector"),  # (8,) @ (8, 4)
    ]
    proto = _graph_model(
        nodes,
        {"x": [2, 5, 8], "a": [3, 1, 5, 8], "b": [4, 8, 2], "v": [8]},
        {"w": _weight(8, 4), "w_left": _weight(3, 5)},
        outputs=["tokens", "left", "batched", "vector"],
    )
    model, _ = _read(proto)
    feeds = {"x": (2, 5, 8), "a": (3, 1, 5, 8), "b": (4, 8, 2), "v": (8,)}
    shapes = _reference_shapes(proto, feeds)
    operators = _by_name(model)
    assert operators["tokens"] == MatMul("tokens", 10, 8, 4)
    assert operators["left"] == MatMul("left", 16, 5, 3)  # C^T = X^T W^T: 2 x 8 rows, the weight on the right
    assert operators["batched"] == MatMul("batched", 5, 8, 2, batch=12, weight_operand=False)
    assert operators["vector"] == MatMul("vector", 1, 8, 4)
    inner = {"tokens": 8, "left": 5, "batched": 8, "vector": 8}
    for name, k in inner.items():
        assert operators[name].macs == math.prod(shapes[name]) * k


def test_attention_block() -> None:
    batch, tokens, width, heads = 2, 6, 16, 4
    head = width // heads
    weights = {name: _weight(width, width) for name in ("wq", "wk", "wv", "wo")}
    split = np.array([batch, tokens, heads, head], dtype=np.int64)
    merge = np.array([batch, tokens, width], dtype=np.int64)
    nodes = [helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["n"], name="norm", axis=-1)]
    for part in "qkv":
        nodes += [
            helper.make_node("MatMul", ["n", f"w{part}"], [f"{part}0"], name=f"proj_{part}"),
            helper.make_node("Reshape", [f"{part}0", "split"], [f"{part}1"], name=f"split_{part}"),
            helper.make_node("Transpose", [f"{part}1"], [f"{part}2"], name=f"heads_{part}", perm=[0, 2, 3, 1] if part == "k" else [0, 2, 1, 3]),
        ]
    nodes += [
        helper.make_node("MatMul", ["q2", "k2"], ["scores"], name="scores"),
        helper.make_node("Div", ["scores", "scale"], ["scaled"], name="scale"),
        helper.make_node("Softmax", ["scaled"], ["probabilities"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["probabilities", "v2"], ["context"], name="context"),
        helper.make_node("Transpose", ["context"], ["c1"], name="merge_t", perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["c1", "merge"], ["c2"], name="merge_r"),
        helper.make_node("MatMul", ["c2", "wo"], ["o"], name="out_proj"),
        helper.make_node("Add", ["o", "x"], ["y"], name="residual"),
    ]
    weights |= {"gamma": _weight(width), "beta": _weight(width), "split": split, "merge": merge, "scale": np.float32([2.0])}
    proto = _graph_model(nodes, {"x": [batch, tokens, width]}, weights)
    model, notes = _read(proto)
    shapes = _reference_shapes(proto, {"x": (batch, tokens, width)})
    operators = _by_name(model)
    assert operators["scores"] == MatMul("scores", tokens, head, tokens, batch=batch * heads, weight_operand=False)
    assert operators["context"] == MatMul("context", tokens, tokens, head, batch=batch * heads, weight_operand=False)
    assert operators["proj_q"] == MatMul("proj_q", batch * tokens, width, width)
    assert operators["softmax"] == Elementwise("softmax", "softmax", shapes["probabilities"], inputs=1)
    assert operators["residual"] == Elementwise("residual", "add", shapes["y"], inputs=2)
    assert operators["scale"].inputs == 1 and operators["norm"].inputs == 1
    inner = {"proj_q": width, "proj_k": width, "proj_v": width, "scores": head, "context": tokens, "out_proj": width}
    assert model.macs == sum(math.prod(shapes[_output(nodes, name)]) * k for name, k in inner.items())
    assert notes == (IGNORED + "Reshape x4, Transpose x4",)


def test_pooling_matches_reference() -> None:
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p1"], name="max", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("AveragePool", ["p1"], ["p2"], name="ceil", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        helper.make_node("MaxPool", ["p2"], ["p3"], name="same", kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("GlobalAveragePool", ["p1"], ["g1"], name="gap"),
        helper.make_node("GlobalMaxPool", ["p3"], ["g2"], name="gmp"),
    ]
    proto = _graph_model(nodes, {"x": [2, 5, 23, 23]}, outputs=["g1", "g2"], opset=19)
    model, _ = _read(proto)
    shapes = _reference_shapes(proto, {"x": (2, 5, 23, 23)})
    operators = _by_name(model)
    assert shapes["p2"][2:] == (6, 6)  # ceil((12 - 3) / 2) + 1: ceil_mode adds a window
    for node in nodes:
        pool = operators[node.name]
        assert isinstance(pool, Pool) and pool.batch == 2 and pool.channels == 5
        assert (pool.batch, pool.channels, *pool.output_hw) == shapes[node.output[0]]
    assert operators["max"].padding == (1, 1, 1, 1) and operators["max"].kind == "max"
    assert operators["gap"] == Pool("gap", "average", 5, (12, 12), (12, 12), batch=2)
    assert model.macs == 0


def test_ceil_mode_output_onnx_shape_inference_overcounts_is_an_error() -> None:
    # The last window would start in the end padding: the runtime drops it, ONNX shape inference does not.
    proto = _graph_model([helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)], {"x": [1, 3, 7, 7]}, opset=19)
    assert _reference_shapes(proto, {"x": (1, 3, 7, 7)})["y"] == (1, 3, 4, 4)
    assert "node 'p' (MaxPool): its output is 4x4" in _error(proto)


def test_elementwise_shapes_inputs_and_constants() -> None:
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Mul", ["bias", "two"], ["bias2"], name="fold"),  # both constant: computed once, ignored
        helper.make_node("Add", ["x", "bias2"], ["a"], name="add_bias"),
        helper.make_node("Sigmoid", ["a"], ["g"], name="gate"),
        helper.make_node("Mul", ["a", "g"], ["m"], name="swish"),
        helper.make_node("Concat", ["m", "x"], ["c"], name="join", axis=1),
        helper.make_node("ReduceMean", ["c", "axes"], ["r"], name="mean", keepdims=0),
        helper.make_node("Identity", ["r"], ["out"], name="id"),
    ]
    weights = {"bias": _weight(4), "two": np.float32([2.0]), "axes": np.array([0, 1], dtype=np.int64)}
    proto = _graph_model(nodes, {"x": [3, 4]}, weights)
    model, notes = _read(proto)
    operators = _by_name(model)
    assert list(operators) == ["add_bias", "gate", "swish", "join", "mean"]
    assert operators["add_bias"] == Elementwise("add_bias", "add", (3, 4), inputs=1)
    assert operators["swish"] == Elementwise("swish", "mul", (3, 4), inputs=2)
    assert operators["join"] == Elementwise("join", "concat", (3, 8), inputs=1)
    assert operators["mean"] == Elementwise("mean", "reduce_mean", (1,), inputs=1)  # a scalar is one element
    assert notes == (IGNORED + "Identity x1, Mul on constants x1, Shape x1",)


def test_unnamed_and_duplicate_nodes_get_unique_names() -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name=""),
        helper.make_node("Relu", ["a"], ["b"], name="act"),
        helper.make_node("Relu", ["b"], ["c"], name="act"),
        helper.make_node("Relu", ["c"], ["d"], name="Relu_0"),
    ]
    model, _ = _read(_graph_model(nodes, {"x": [2, 2]}))
    assert [operator.name for operator in model.operators] == ["Relu_1", "act", "act_2", "Relu_0"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter is deprecated, still works
def test_torch_export_with_dynamic_batch() -> None:
    torch = pytest.importorskip("torch")
    import io

    class Net(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.features = torch.nn.Sequential(
                torch.nn.Conv2d(3, 8, 3, padding=1),
                torch.nn.BatchNorm2d(8),
                torch.nn.ReLU(),
                torch.nn.MaxPool2d(2, ceil_mode=True),
                torch.nn.Conv2d(8, 8, 3, stride=2, groups=8),
                torch.nn.ConvTranspose2d(8, 4, 2, stride=2),
            )
            self.classifier = torch.nn.Linear(4 * 8 * 8, 10)

        def forward(self, x: Any) -> Any:
            features = self.features(x)
            return self.classifier(features.view(features.size(0), -1))

    net = Net().eval()
    buffer = io.BytesIO()
    try:
        torch.onnx.export(net, (torch.zeros(1, 3, 19, 19),), buffer, dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    except (ImportError, ModuleNotFoundError) as error:
        pytest.skip(f"torch.onnx.export needs a package that is not installed: {error}")
    proto = onnx.load_model_from_string(buffer.getvalue())

    assert "'batch' of input 'x' has no value; give one with --dim batch=N" in _error(proto)
    model, notes = _read(proto, dimensions={"batch": 3})
    expected_macs = 0

    def count(module: Any, inputs: Any, output: Any) -> None:
        nonlocal expected_macs
        if isinstance(module, torch.nn.Conv2d):
            expected_macs += output.numel() * module.weight[0].numel()
        elif isinstance(module, torch.nn.ConvTranspose2d):
            expected_macs += output.numel() * module.in_channels  # kernel 2 = stride 2: one tap per output
        elif isinstance(module, torch.nn.Linear):
            expected_macs += output.numel() * module.in_features

    hooks = [module.register_forward_hook(count) for module in net.modules()]
    with torch.no_grad():
        net(torch.zeros(3, 3, 19, 19))
    for hook in hooks:
        hook.remove()
    kinds = [type(operator).__name__ for operator in model.operators]
    assert kinds == ["Conv", "Elementwise", "Pool", "Conv", "ConvTranspose", "MatMul"]  # batch norm folded into the conv
    assert model.macs == expected_macs
    assert all(operator.batch == 3 for operator in model.operators if not isinstance(operator, Elementwise | MatMul))
    assert model.operators[-1] == MatMul(model.operators[-1].name, 3, 256, 10)
    assert model.name == "net"  # torch calls the graph main_graph: the file stem names it better
    assert notes == (IGNORED + "Concat on constants x1, Constant x3, Gather x1, Reshape x1, Shape x1, Unsqueeze x1",)


def test_shapes_computed_at_run_time_are_folded() -> None:
    # x.reshape(2, 6, 2, last // 2): ONNX's data propagation stops at the Div, the importer folds it.
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "two"], ["last"], name="last", axis=0),
        helper.make_node("Div", ["last", "two"], ["half"], name="half"),
        helper.make_node("Unsqueeze", ["half", "zero"], ["half1"], name="half1"),
        helper.make_node("Concat", ["leading", "half1"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["split"], name="split"),
        helper.make_node("MatMul", ["split", "w"], ["y"], name="fc"),
    ]
    constants = {"two": np.int64(2), "zero": np.array([0], dtype=np.int64), "leading": np.array([2, 6, 2], dtype=np.int64)}
    proto = _graph_model(nodes, {"x": ["batch", 6, 8]}, {**constants, "w": _weight(4, 3)})
    inferred = onnx.shape_inference.infer_shapes(proto, data_prop=True)
    assert not any(info.name == "split" and info.type.tensor_type.shape.dim[3].dim_value for info in inferred.graph.value_info)
    model, notes = _read(proto, dimensions={"batch": 2})
    assert model.operators == (MatMul("fc", 24, 4, 3),)
    assert notes == (IGNORED + "Concat on constants x1, Div on constants x1, Gather x1, Reshape x1, Shape x1, Unsqueeze x1",)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_torch_export_of_attention_with_dynamic_batch_and_tokens() -> None:
    torch = pytest.importorskip("torch")
    import io

    class Attention(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self, width: int, heads: int) -> None:
            super().__init__()
            self.heads = heads
            self.qkv, self.out = torch.nn.Linear(width, 3 * width), torch.nn.Linear(width, width)
            self.norm = torch.nn.LayerNorm(width)

        def forward(self, x: Any) -> Any:
            batch, tokens, width = x.shape
            q, k, v = (
                t.reshape(batch, tokens, self.heads, width // self.heads).transpose(1, 2)
                for t in self.qkv(self.norm(x)).chunk(3, dim=-1)
            )
            scores = torch.softmax(q @ k.transpose(-1, -2) / (width // self.heads) ** 0.5, dim=-1)
            return x + self.out((scores @ v).transpose(1, 2).reshape(batch, tokens, width))

    net = Attention(32, 4).eval()
    buffer = io.BytesIO()
    try:
        axes = {"x": {0: "batch", 1: "tokens"}}
        torch.onnx.export(net, (torch.zeros(1, 3, 32),), buffer, dynamo=False, input_names=["x"], dynamic_axes=axes)
    except (ImportError, ModuleNotFoundError) as error:
        pytest.skip(f"torch.onnx.export needs a package that is not installed: {error}")
    model, _ = _read(onnx.load_model_from_string(buffer.getvalue()), dimensions={"batch": 2, "tokens": 7})
    products = [operator for operator in model.operators if isinstance(operator, MatMul)]
    assert [(p.m, p.k, p.n, p.batch, p.weight_operand) for p in products] == [
        (14, 32, 96, 1, True),
        (7, 8, 7, 8, False),
        (7, 7, 8, 8, False),
        (14, 32, 32, 1, True),
    ]
    linear_macs = 2 * 7 * 32 * (96 + 32)
    assert model.macs == linear_macs + 2 * (2 * 4 * 7 * 7 * 8)


# --- bad input -------------------------------------------------------------------------------------------------


def _lstm_model() -> Any:
    lstm = helper.make_node("LSTM", ["x", "w", "r"], ["seq", "h"], name="lstm_1", hidden_size=4)
    relu = helper.make_node("Relu", ["h"], ["y"], name="after")
    return _graph_model([lstm, relu], {"x": [5, 1, 3]}, {"w": _weight(1, 16, 3), "r": _weight(1, 16, 4)})


def test_unsupported_operator_is_named_and_skipped_only_on_request() -> None:
    message = _error(_lstm_model())
    assert message == f"{SOURCE}: unsupported ONNX operator LSTM at node 'lstm_1' (pass --skip-unsupported to leave it out)"
    model, notes = _read(_lstm_model(), skip_unsupported=True)
    assert model.operators == (Elementwise("after", "relu", (1, 1, 4)),)
    assert notes == ("skipped node 'lstm_1' (LSTM): unsupported, its work is not counted",)


@pytest.mark.parametrize(
    ("node", "inputs", "weights", "what"),
    [
        (helper.make_node("Resize", ["x", "", "scales"], ["y"], name="up"), [1, 2, 4, 4], {"scales": np.float32([1, 1, 2, 2])}, "Resize at node 'up'"),
        (helper.make_node("Conv", ["x", "w"], ["y"]), [1, 2, 4, 4, 4], {"w": _weight(2, 2, 3, 3, 3)}, "Conv with 3 spatial dimensions at node Conv #1"),
        (helper.make_node("Einsum", ["x", "x"], ["y"], name="e", equation="ij,jk->ik"), [3, 3], {}, "Einsum at node 'e'"),
    ],
)
def test_unsupported_operators(node: Any, inputs: list[int], weights: dict[str, np.ndarray], what: str) -> None:
    relu = helper.make_node("Relu", ["x"], ["r"], name="relu")
    proto = _graph_model([relu, node], {"x": inputs}, weights, outputs=["r", "y"])
    assert what in _error(proto)
    model, notes = _read(proto, skip_unsupported=True)
    assert [operator.name for operator in model.operators] == ["relu"]
    assert len(notes) == 1 and notes[0].startswith("skipped node ") and "its work is not counted" in notes[0]


def test_custom_domain_node_and_the_unknown_shapes_after_it() -> None:
    nodes = [
        helper.make_node("FusedThing", ["x"], ["t"], name="fused", domain="com.vendor"),
        helper.make_node("Relu", ["t"], ["y"], name="after"),
    ]
    proto = _graph_model(nodes, {"x": [2, 3]}, domains=["com.vendor"])
    assert "unsupported ONNX operator com.vendor.FusedThing at node 'fused'" in _error(proto)
    message = _error(proto, skip_unsupported=True)
    assert "tensor 't' of node 'after' (Relu) is unknown after shape inference (it comes from skipped node 'fused')" in message


def test_input_without_shape() -> None:
    proto = _graph_model([helper.make_node("Relu", ["x"], ["y"], name="r")], {"x": None})
    assert "input 'x' has no shape" in _error(proto)


def test_dynamic_dimensions() -> None:
    proto = _graph_model([helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")], {"x": ["batch", "seq", 8]}, {"w": _weight(8, 4)})
    message = _error(proto, dimensions={"batch": 2})
    assert message == f"{SOURCE}: dynamic dimension 'seq' of input 'x' has no value; give one with --dim seq=N"
    model, notes = _read(proto, dimensions={"batch": 2, "seq": 7, "heads": 3})
    assert model.operators == (MatMul("fc", 14, 8, 4),)
    assert notes == ("dimension 'heads' was given but no input of the model has it",)
    assert "dimension 'seq' must be a positive integer, got 0" in _error(proto, dimensions={"batch": 2, "seq": 0})
    unknown = _graph_model([helper.make_node("Relu", ["x"], ["y"], name="r")], {"x": [2, ""]})
    unknown.graph.input[0].type.tensor_type.shape.dim[1].Clear()
    assert "dimension 1 of input 'x' has no value" in _error(unknown)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"  # the caller's proto is untouched


def test_shape_inference_errors_name_the_node() -> None:
    proto = _graph_model([helper.make_node("Add", ["x", "z"], ["y"], name="bad_add")], {"x": [2, 3], "z": [2, 4]})
    message = _error(proto)
    assert "ONNX shape inference failed" in message and "bad_add" in message


def test_conv_channels_that_do_not_fit() -> None:
    proto = _graph_model([helper.make_node("Conv", ["x", "w"], ["y"], name="c")], {"x": [1, 3, 8, 8]}, {"w": _weight(4, 5, 3, 3)})
    assert "node 'c' (Conv): the weights take 5 x 1 groups input channels but the input has 3" in _error(proto)


def test_model_without_compute() -> None:
    proto = _graph_model([helper.make_node("Identity", ["x"], ["y"], name="i")], {"x": [2]})
    assert "no operators mapscope can describe: all 1 nodes were ignored" in _error(proto)


def test_files(tmp_path: Path) -> None:
    proto = _graph_model([helper.make_node("Relu", ["x"], ["y"], name="r")], {"x": [2, 3]}, name="main_graph")
    path = tmp_path / "tiny_net.onnx"
    onnx.save(proto, path)
    model, _ = read_onnx_model(path)
    assert model.name == "tiny_net" and model.source == str(path)
    bad = {
        "random.onnx": np.random.default_rng(1).bytes(300),
        "truncated.onnx": path.read_bytes()[: len(path.read_bytes()) // 2],
        "empty.onnx": b"",
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    for name in [*bad, "missing.onnx", "."]:
        target = tmp_path / name
        with pytest.raises(InputError) as caught:
            read_onnx_model(target)
        message = _one_line_naming(caught.value, str(target))
        assert "not a valid ONNX model" in message or "cannot read the file" in message


def test_onnx_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(InputError, match="pip install 'mapscope\\[onnx\\]'") as caught:
        read_onnx_model("anything.onnx")
    assert str(caught.value) == ONNX_MISSING
