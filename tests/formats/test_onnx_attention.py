"""ONNX Attention (opset 23): the same three operators as PyTorch's scaled_dot_product_attention, in the
4-axis and 3-axis (q_num_heads, kv_num_heads) forms, with a past key, and clear errors otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from mapscope.errors import InputError
from mapscope.formats.importers.operator_table import attention_operators
from mapscope.workload.operators import Elementwise, MatMul

onnx = pytest.importorskip("onnx")
helper, TensorProto = onnx.helper, onnx.TensorProto
from mapscope.formats.importers.onnx_model import onnx_model_from_proto  # noqa: E402

SOURCE = "attention.onnx"


def _attention_model(shapes: dict[str, list[int]], **attributes: Any) -> Any:
    """One Attention node reading the inputs `shapes` names, in order (Q, K, V, then optional ones)."""
    names = list(shapes)
    inputs = [*names[:3], "", *names[3:]] if len(names) > 3 else names  # no attn_mask: past_key is the 5th
    node = helper.make_node("Attention", inputs, ["y"], name="attn", **attributes)
    graph = helper.make_graph(
        [node],
        "attention",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in shapes.items()],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])


def test_four_axis_attention_is_scores_softmax_context() -> None:
    proto = _attention_model({"q": [2, 4, 6, 8], "k": [2, 4, 10, 8], "v": [2, 4, 10, 5]})
    model, _ = onnx_model_from_proto(proto, SOURCE)
    assert model.operators == (
        MatMul("attn_scores", m=6, k=8, n=10, batch=8, weight_operand=False),
        Elementwise("attn_softmax", "softmax", (2, 4, 6, 10)),
        MatMul("attn_context", m=6, k=10, n=5, batch=8, weight_operand=False),
    )
    assert model.operators == tuple(attention_operators("attn", (2, 4), 6, 10, 8, 5, "_"))


def test_three_axis_attention_splits_heads_and_a_past_key_adds_keys() -> None:
    shapes = {"q": [2, 6, 32], "k": [2, 10, 16], "v": [2, 10, 16], "past_key": [2, 2, 3, 8], "past_value": [2, 2, 3, 8]}
    model, _ = onnx_model_from_proto(_attention_model(shapes, q_num_heads=4, kv_num_heads=2), SOURCE)
    scores, softmax, context = model.operators
    assert scores == MatMul("attn_scores", m=6, k=8, n=13, batch=8, weight_operand=False)
    assert softmax.shape == (2, 4, 6, 13)
    assert context == MatMul("attn_context", m=6, k=13, n=8, batch=8, weight_operand=False)


def test_attention_matches_pytorchs_scaled_dot_product_attention() -> None:
    torch = pytest.importorskip("torch")
    from mapscope.formats.importers.torch_model import model_from_torch

    class Sdpa(torch.nn.Module):
        def forward(self, q: Any, k: Any, v: Any) -> Any:
            return torch.nn.functional.scaled_dot_product_attention(q, k, v)

    shapes = {"q": [1, 2, 5, 4], "k": [1, 2, 7, 4], "v": [1, 2, 7, 3]}
    direct, _ = model_from_torch(Sdpa(), tuple(torch.randn(*shape) for shape in shapes.values()))
    via_onnx, _ = onnx_model_from_proto(_attention_model(shapes), SOURCE)
    assert [(type(op), op.macs) for op in direct.operators] == [(type(op), op.macs) for op in via_onnx.operators]
    assert direct.macs == via_onnx.macs == 1 * 2 * 5 * 7 * (4 + 3)  # samples x heads x queries x keys x (key + value size)


@pytest.mark.parametrize(
    ("shapes", "attributes", "message"),
    [
        ({"q": [2, 6, 32], "k": [2, 10, 32], "v": [2, 10, 32]}, {}, "q_num_heads"),  # said by shape inference
        ({"q": [2, 6, 30], "k": [2, 10, 28], "v": [2, 10, 28]}, {"q_num_heads": 4, "kv_num_heads": 4}, "do not divide"),
        ({"q": [2, 6, 32], "k": [2, 10, 32], "v": [2, 10, 32]}, {"q_num_heads": 0, "kv_num_heads": 4}, "q_num_heads must be positive"),
    ],
)
def test_bad_attention_is_a_one_line_error(shapes: dict[str, list[int]], attributes: dict[str, int], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        onnx_model_from_proto(_attention_model(shapes, **attributes), SOURCE)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(SOURCE)
