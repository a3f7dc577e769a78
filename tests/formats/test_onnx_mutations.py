"""Mutated ONNX models (attributes, dims, initialisers, graph wiring, bytes): reading and lowering each one
either succeeds or raises one InputError line naming the file, never another exception."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.errors import InputError
from mapscope.formats.importers.onnx_model import onnx_model_from_proto, read_onnx_model
from mapscope.workload.lowering import lower_model

onnx = pytest.importorskip("onnx")
helper, TensorProto, numpy_helper = onnx.helper, onnx.TensorProto, onnx.numpy_helper

SOURCE = "mutant.onnx"
ATTRIBUTE_NAMES = (
    "kernel_shape strides pads dilations group auto_pad ceil_mode output_padding output_shape transA transB axis start end"
).split()
EXTREMES = [0, 1, 2, 3, -1, 7, 2**31 - 1, 2**31, 2**40, 2**63 - 1, -(2**63)]


def _weight(*shape: int) -> np.ndarray:
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


def _seed_models() -> list[Any]:
    def model(nodes: list[Any], inputs: dict[str, list[int]], weights: dict[str, np.ndarray]) -> Any:
        graph = helper.make_graph(
            nodes,
            "seed",
            [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in inputs.items()],
            [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, None)],
            [numpy_helper.from_array(array, name) for name, array in weights.items()],
        )
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])

    convolutions = model(
        [
            helper.make_node("Conv", ["x", "w1"], ["c1"], name="c1", pads=[1, 1, 1, 1], strides=[1, 1], kernel_shape=[3, 3]),
            helper.make_node("Relu", ["c1"], ["r1"], name="relu"),
            helper.make_node("MaxPool", ["r1"], ["p1"], name="pool", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
            helper.make_node("Conv", ["p1", "w2"], ["c2"], name="dw", group=4, auto_pad="SAME_UPPER", dilations=[2, 2]),
            helper.make_node("ConvTranspose", ["c2", "wt"], ["t1"], name="up", strides=[2, 2], output_padding=[1, 1]),
            helper.make_node("AveragePool", ["t1"], ["p2"], name="avg", kernel_shape=[2, 2], pads=[0, 0, 1, 1]),
            helper.make_node("GlobalAveragePool", ["p2"], ["g"], name="gap"),
            helper.make_node("Flatten", ["g"], ["f"], name="flat"),
            helper.make_node("Gemm", ["f", "wf"], ["y"], name="fc", transB=1),
        ],
        {"x": [2, 4, 12, 12]},
        {"w1": _weight(4, 4, 3, 3), "w2": _weight(4, 1, 3, 3), "wt": _weight(4, 3, 3, 3), "wf": _weight(5, 3)},
    )
    folding = model(
        [
            helper.make_node("Shape", ["x"], ["shape"], name="shape", start=0),
            helper.make_node("Gather", ["shape", "two"], ["last"], name="last", axis=0),
            helper.make_node("Div", ["last", "two"], ["half"], name="half"),
            helper.make_node("Unsqueeze", ["half", "zero"], ["half1"], name="half1"),
            helper.make_node("Concat", ["leading", "half1"], ["target"], name="target", axis=0),
            helper.make_node("Reshape", ["x", "target"], ["split"], name="split"),
            helper.make_node("MatMul", ["split", "w"], ["y"], name="fc"),
        ],
        {"x": [2, 6, 8]},
        {"two": np.int64(2), "zero": np.array([0], np.int64), "leading": np.array([2, 6, 2], np.int64), "w": _weight(4, 3)},
    )
    return [convolutions, folding]


SEEDS = _seed_models()


def _copy(index: int) -> Any:
    proto = onnx.ModelProto()
    proto.CopyFrom(SEEDS[index])
    return proto


def _succeeds_or_one_line_error(read: Callable[[], Any], source: str) -> None:
    try:
        model, _ = read()
        lower_model(model)
    except InputError as error:
        text = str(error)
        assert "\n" not in text and text.startswith(f"{source}: ") and len(text) < 1000, text


def test_seeds_read() -> None:
    for proto in SEEDS:
        model, _ = onnx_model_from_proto(proto, SOURCE)
        assert model.macs > 0


numbers = st.one_of(st.sampled_from(EXTREMES), st.integers(-3, 40))
attribute_values = st.one_of(
    numbers.map(lambda value: ("int", value)),
    st.lists(numbers, max_size=6).map(lambda values: ("ints", values)),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda value: ("float", value)),
    st.lists(st.floats(-4, 4), min_size=1, max_size=4).map(lambda values: ("floats", values)),
    st.sampled_from(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "", "same", "\xff" * 3]).map(lambda value: ("string", value)),
    st.just(("untyped", None)),
    st.just(("delete", None)),
)


def _attribute(name: str, kind: str, value: Any) -> Any:
    if kind == "untyped":
        return onnx.AttributeProto(name=name)
    types = {"int": onnx.AttributeProto.INT, "ints": onnx.AttributeProto.INTS, "float": onnx.AttributeProto.FLOAT}
    types |= {"floats": onnx.AttributeProto.FLOATS, "string": onnx.AttributeProto.STRING}
    if kind == "int":
        value = max(-(2**63), min(2**63 - 1, value))
    if kind == "ints":
        value = [max(-(2**63), min(2**63 - 1, v)) for v in value]
    return helper.make_attribute(name, value, attr_type=types[kind])


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SEEDS) - 1), st.data(), st.lists(st.tuples(st.sampled_from(ATTRIBUTE_NAMES), attribute_values), min_size=1, max_size=3))
def test_attribute_mutations(seed: int, data: st.DataObject, edits: list[tuple[str, tuple[str, Any]]]) -> None:
    proto = _copy(seed)
    for name, (kind, value) in edits:
        node = proto.graph.node[data.draw(st.integers(0, len(proto.graph.node) - 1))]
        kept = [attribute for attribute in node.attribute if attribute.name != name]
        del node.attribute[:]
        node.attribute.extend(kept if kind == "delete" else [*kept, _attribute(name, kind, value)])
    _succeeds_or_one_line_error(lambda: onnx_model_from_proto(proto, SOURCE), SOURCE)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SEEDS) - 1), st.data())
def test_dims_and_initialiser_mutations(seed: int, data: st.DataObject) -> None:
    proto = _copy(seed)
    graph = proto.graph
    kind = data.draw(st.sampled_from(["input dims", "weight dims", "raw data", "data type", "typed data", "external"]))
    tensor = graph.initializer[data.draw(st.integers(0, len(graph.initializer) - 1))]
    if kind == "input dims":
        dims = graph.input[0].type.tensor_type.shape.dim
        del dims[:]
        for value in data.draw(st.lists(numbers, max_size=5)):
            dims.add().dim_value = max(-(2**63), min(2**63 - 1, value))
    elif kind == "weight dims":
        tensor.dims[:] = [max(-(2**63), min(2**63 - 1, v)) for v in data.draw(st.lists(numbers, max_size=5))]
    elif kind == "raw data":
        tensor.raw_data = tensor.raw_data[: data.draw(st.integers(0, len(tensor.raw_data)))]
    elif kind == "data type":
        tensor.data_type = data.draw(st.sampled_from([0, 2, 3, 8, 10, 11, 14, 16, 21, 22, 99, 2**31 - 1]))
    elif kind == "typed data":
        tensor.ClearField("raw_data")
        tensor.int64_data.extend(data.draw(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=5)))
    else:
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        tensor.external_data.add(key="location", value=data.draw(st.sampled_from(["w.bin", "../../etc/passwd", "/dev/zero", ""])))
    _succeeds_or_one_line_error(lambda: onnx_model_from_proto(proto, SOURCE), SOURCE)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SEEDS) - 1), st.data())
def test_graph_wiring_mutations(seed: int, data: st.DataObject) -> None:
    proto = _copy(seed)
    graph = proto.graph
    names = [str(output) for node in graph.node for output in node.output] + ["x", "", "nowhere"]
    for _ in range(data.draw(st.integers(1, 3))):
        node = graph.node[data.draw(st.integers(0, len(graph.node) - 1))]
        edit = data.draw(st.sampled_from(["input", "output", "swap", "drop", "op type", "opset", "ir"]))
        if edit == "input" and node.input:
            node.input[data.draw(st.integers(0, len(node.input) - 1))] = data.draw(st.sampled_from(names))
        elif edit == "output":
            node.output[0] = data.draw(st.sampled_from(names))
        elif edit in ("swap", "drop") and len(graph.node) > 1:
            nodes = list(graph.node)
            i, j = data.draw(st.integers(0, len(nodes) - 1)), data.draw(st.integers(0, len(nodes) - 1))
            if edit == "swap":
                nodes[i], nodes[j] = nodes[j], nodes[i]
            else:
                del nodes[i]
            del graph.node[:]
            graph.node.extend(nodes)
        elif edit == "op type":
            node.op_type = data.draw(st.sampled_from(["Conv", "ConvTranspose", "MaxPool", "Gemm", "MatMul", "Relu", "Shape", "If", "Concat"]))
        elif edit == "opset":
            proto.opset_import[0].version = data.draw(st.sampled_from([-1, 0, 1, 7, 11, 13, 10_000]))
        elif edit == "ir":
            proto.ir_version = data.draw(st.sampled_from([0, 1, 3, 4, 7, 100]))
    _succeeds_or_one_line_error(lambda: onnx_model_from_proto(proto, SOURCE), SOURCE)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SEEDS) - 1), st.data())
def test_byte_mutations(seed: int, data: st.DataObject) -> None:
    serialized = bytearray(SEEDS[seed].SerializeToString())
    for _ in range(data.draw(st.integers(1, 6))):
        serialized[data.draw(st.integers(0, len(serialized) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        serialized = serialized[: data.draw(st.integers(0, len(serialized)))]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mutant.onnx")
        with open(path, "wb") as handle:
            handle.write(serialized)
        _succeeds_or_one_line_error(lambda: read_onnx_model(path), path)
