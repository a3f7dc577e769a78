"""ONNX seed models (built with onnx.helper, as tests/formats/test_onnx_model.py does) and their mutations.

Seeds: a small CNN (conv, grouped conv, pooling, GEMM), 1-D convolution, transposed convolution, GEMM,
batched MatMul, pooling with padding and ceil_mode, and element-wise operators. Mutations edit the
ModelProto: attributes deleted, of the wrong type or extreme; input dimensions zero, negative, huge or
dynamic; initialiser dimensions that disagree with their data, wrong data types; inputs removed or
renamed, operator types swapped, nodes duplicated; opset and IR versions; then sometimes bytes of
the serialised model are flipped or cut off.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from fuzz_mutations import Rng, mutate_bytes, short

#: Attribute names the reader interprets, worth adding to any node.
ATTRIBUTE_NAMES = (
    "kernel_shape", "strides", "pads", "dilations", "group", "auto_pad", "output_padding", "output_shape",
    "ceil_mode", "count_include_pad", "transA", "transB", "alpha", "beta", "axis", "keepdims", "storage_order",
)
_INTEGERS = (0, 1, -1, 2, 3, 2**31 - 1, 2**31, 2**62, -(2**40))
_OPERATOR_TYPES = ("Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "Relu", "Add", "Foo", "LSTM", "Resize")


def _onnx() -> Any:
    import onnx  # optional dependency: imported only by the ONNX family

    return onnx


def _weight(*shape: int) -> np.ndarray:
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


def _model(nodes: list[Any], inputs: dict[str, list[int | str]], weights: dict[str, np.ndarray], name: str) -> bytes:
    onnx = _onnx()
    helper, tensor = onnx.helper, onnx.TensorProto
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(n, tensor.FLOAT, shape) for n, shape in inputs.items()],
        [helper.make_tensor_value_info(nodes[-1].output[0], tensor.FLOAT, None)],
        [onnx.numpy_helper.from_array(array, n) for n, array in weights.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]).SerializeToString()  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def onnx_seeds() -> tuple[bytes, ...]:
    """The serialised seed models."""
    node = _onnx().helper.make_node
    return (
        _model(
            [
                node("Conv", ["x", "w1", "b1"], ["c1"], name="conv", pads=[1, 1, 1, 1], strides=[2, 2]),
                node("Relu", ["c1"], ["r1"], name="relu"),
                node("MaxPool", ["r1"], ["p1"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
                node("Conv", ["p1", "w2"], ["c2"], name="grouped", group=2, dilations=[1, 1], auto_pad="SAME_UPPER"),
                node("GlobalAveragePool", ["c2"], ["g"], name="gap"),
                node("Flatten", ["g"], ["f"], name="flatten"),
                node("Gemm", ["f", "w3", "b3"], ["y"], name="fc", transB=1),
            ],
            {"x": [1, 3, 16, 16]},
            {"w1": _weight(8, 3, 3, 3), "b1": _weight(8), "w2": _weight(8, 4, 3, 3), "w3": _weight(10, 8), "b3": _weight(10)},
            "cnn",
        ),
        _model([node("Conv", ["x", "w"], ["y"], name="conv1d", kernel_shape=[3], pads=[1, 1])], {"x": [2, 4, 20]}, {"w": _weight(6, 4, 3)}, "conv1d"),
        _model(
            [node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])],
            {"x": [1, 4, 8, 8]},
            {"w": _weight(4, 2, 3, 3)},
            "transposed",
        ),
        _model(
            [node("Gemm", ["x", "w", "b"], ["g"], name="gemm", transB=1, alpha=0.5), node("Relu", ["g"], ["y"], name="act")],
            {"x": [2, 16]},
            {"w": _weight(8, 16), "b": _weight(8)},
            "gemm",
        ),
        _model(
            [
                node("MatMul", ["x", "w"], ["m"], name="matmul"),
                node("Add", ["m", "b"], ["a"], name="bias"),
                node("Softmax", ["a"], ["y"], name="softmax", axis=-1),
            ],
            {"x": [2, 4, 8]},
            {"w": _weight(8, 6), "b": _weight(6)},
            "matmul",
        ),
        _model(
            [
                node(
                    "AveragePool", ["x"], ["a"], name="avg", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                    count_include_pad=1, ceil_mode=1,
                ),
                node("MaxPool", ["a"], ["m"], name="max", kernel_shape=[2, 2], auto_pad="SAME_LOWER"),
                node("GlobalMaxPool", ["m"], ["y"], name="gmp"),
            ],
            {"x": [1, 2, 9, 9]},
            {},
            "pooling",
        ),
        _model(
            [
                node("Add", ["x", "z"], ["s"], name="add"),
                node("Mul", ["s", "x"], ["p"], name="mul"),
                node("Sigmoid", ["p"], ["q"], name="sigmoid"),
                node("Concat", ["q", "z"], ["c"], name="concat", axis=1),
                node("ReduceMean", ["c"], ["y"], name="mean", keepdims=1),
            ],
            {"x": [1, 8], "z": [1, 8]},
            {},
            "elementwise",
        ),
    )


# ---- mutations ------------------------------------------------------------------------------------------
def _attribute_value(rng: Rng) -> Any:
    """A value of any attribute type, often wrong for the attribute it lands on, often extreme."""
    roll = rng.random()
    if roll < 0.3:
        return [rng.choice(_INTEGERS) for _ in range(rng.choice((0, 1, 2, 3, 4, 6, 1000)))]
    if roll < 0.5:
        return rng.choice(_INTEGERS)
    if roll < 0.6:
        return rng.choice((1.5, -0.0, float("nan"), float("inf"), 1e308))
    if roll < 0.7:
        return [1.5, 2.5]
    if roll < 0.85:
        return rng.choice((b"SAME_UPPER", b"SAME_LOWER", b"VALID", b"NOTSET", b"same", b"", b"\xff\xfe", "Ä".encode() * 1000))
    if roll < 0.92:
        return [b"a", b"b"]
    return _onnx().numpy_helper.from_array(np.zeros(rng.choice((1, 2, 4)), dtype=np.float32))


def _mutate_attribute(rng: Rng, model: Any) -> str:
    helper = _onnx().helper
    graph_node = rng.choice(model.graph.node)
    attributes = graph_node.attribute
    kind = rng.choice(("delete", "retype", "retype", "add"))
    if kind == "delete" and attributes:
        removed = attributes[rng.randrange(len(attributes))]
        name = removed.name
        attributes.remove(removed)
        return f"delete attribute {name} of {graph_node.name}"
    if kind == "retype" and attributes:
        index = rng.randrange(len(attributes))
        name = attributes[index].name
    else:
        name = rng.choice(ATTRIBUTE_NAMES)
        for existing in list(attributes):
            if existing.name == name:
                attributes.remove(existing)
    value = _attribute_value(rng)
    empty = isinstance(value, list) and not value  # its type cannot be inferred: an empty INTS
    replacement = helper.make_attribute(name, value, attr_type=_onnx().AttributeProto.INTS if empty else None)
    kept = [attribute for attribute in attributes if attribute.name != name]
    del attributes[:]
    attributes.extend([*kept, replacement])
    return f"attribute {name} of {graph_node.name} = {short(value)}"


def _mutate_input_dims(rng: Rng, model: Any) -> str:
    graph_input = rng.choice(model.graph.input)
    shape = graph_input.type.tensor_type.shape
    kind = rng.choice(("value", "value", "param", "drop", "add", "clear"))
    if kind == "clear":
        graph_input.type.tensor_type.ClearField("shape")
        return f"clear the shape of {graph_input.name}"
    if kind == "add" or not shape.dim:
        shape.dim.add().dim_value = rng.choice((1, 2, 7))
        return f"add a dim to {graph_input.name}"
    index = rng.randrange(len(shape.dim))
    if kind == "drop":
        del shape.dim[index]
        return f"drop dim {index} of {graph_input.name}"
    if kind == "param":
        shape.dim[index].dim_param = rng.choice(("N", "batch", "", "x y", "Ä"))
        return f"dim {index} of {graph_input.name} dynamic"
    value = rng.choice((0, 1, 3, 2**31 - 1, 2**31, 2**40, 10**12, -1, 2**62))
    shape.dim[index].dim_value = value
    return f"dim {index} of {graph_input.name} = {value}"


def _mutate_initializer(rng: Rng, model: Any) -> str:
    onnx = _onnx()
    if not model.graph.initializer:
        return _mutate_input_dims(rng, model)
    tensor = rng.choice(model.graph.initializer)
    kind = rng.choice(("dims", "dims", "huge", "type", "no_data", "remove", "duplicate"))
    if kind == "dims":
        dims = list(tensor.dims)
        choice = rng.random()
        if choice < 0.3 and dims:
            dims[rng.randrange(len(dims))] = rng.choice((0, 1, 2, 5, 1000))
        elif choice < 0.6:
            dims.append(rng.choice((1, 2, 3)))
        elif dims:
            dims.pop()
        del tensor.dims[:]
        tensor.dims.extend(dims)
        return f"initialiser {tensor.name} dims -> {dims} (data unchanged)"
    if kind == "huge":
        del tensor.dims[:]
        tensor.dims.extend(rng.choice(([2**31, 2**31], [2**20, 2**20, 8, 8], [-1, 3], [2**62])))
        return f"initialiser {tensor.name} dims -> {list(tensor.dims)}"
    if kind == "type":
        tensor.data_type = rng.choice((0, onnx.TensorProto.INT64, onnx.TensorProto.STRING, onnx.TensorProto.BFLOAT16, onnx.TensorProto.BOOL, 999))
        return f"initialiser {tensor.name} data_type -> {tensor.data_type}"
    if kind == "no_data":
        tensor.ClearField("raw_data")
        return f"initialiser {tensor.name} without data"
    if kind == "remove":
        model.graph.initializer.remove(tensor)
        return f"remove initialiser {tensor.name}"
    model.graph.initializer.add().CopyFrom(tensor)
    return f"duplicate initialiser {tensor.name}"


def _mutate_node(rng: Rng, model: Any) -> str:
    nodes = model.graph.node
    graph_node = rng.choice(nodes)
    kind = rng.choice(("op_type", "drop_input", "extra_input", "rename_input", "duplicate", "remove", "domain"))
    if kind == "op_type":
        graph_node.op_type = rng.choice(_OPERATOR_TYPES)
        return f"node {graph_node.name} op_type -> {graph_node.op_type}"
    if kind == "drop_input" and graph_node.input:
        del graph_node.input[rng.randrange(len(graph_node.input))]
        return f"drop an input of {graph_node.name}"
    if kind == "extra_input":
        graph_node.input.append(rng.choice(("x", "", "missing", graph_node.output[0])))
        return f"extra input of {graph_node.name}"
    if kind == "rename_input" and graph_node.input:
        graph_node.input[rng.randrange(len(graph_node.input))] = rng.choice(("missing", "", graph_node.output[0]))
        return f"rename an input of {graph_node.name}"
    if kind == "duplicate":
        nodes.add().CopyFrom(graph_node)
        return f"duplicate node {graph_node.name}"
    if kind == "remove" and len(nodes) > 1:
        nodes.remove(graph_node)
        return f"remove node {graph_node.name}"
    graph_node.domain = rng.choice(("com.microsoft", "custom", "ai.onnx.ml"))
    return f"node {graph_node.name} domain -> {graph_node.domain}"


def _mutate_versions(rng: Rng, model: Any) -> str:
    if rng.random() < 0.6:
        version = rng.choice((1, 6, 7, 11, 13, 21, 99, 10**6))
        model.opset_import[0].version = version
        return f"opset version {version}"
    model.ir_version = rng.choice((0, 1, 3, 99))
    return f"ir_version {model.ir_version}"


def mutate_onnx(rng: Rng, seed: bytes) -> tuple[bytes, list[str]]:
    """A mutated copy of the serialised model `seed`, and the steps taken."""
    model = _onnx().ModelProto()
    model.ParseFromString(seed)
    steps = []
    mutators = (_mutate_attribute, _mutate_attribute, _mutate_attribute, _mutate_input_dims, _mutate_initializer, _mutate_node, _mutate_versions)
    for _ in range(rng.randint(1, 3)):
        steps.append(rng.choice(mutators)(rng, model))
    data: bytes = model.SerializeToString()
    if rng.random() < 0.15:
        data, step = mutate_bytes(rng, data)
        steps.append(step)
    return data, steps
