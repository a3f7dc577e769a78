"""ONNX files that are wrong in every way the reader was seen to crash on (issue 11): attributes of the wrong
type, length or range, initialisers whose data disagree with their dims, broken graphs, odd versions, sizes
over the limits, external data, folding that would allocate without bound. Each is one InputError line
naming the file and, where there is one, the node; none reads a file the model names or hangs."""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mapscope.errors import InputError
from mapscope.formats.importers import onnx_checks
from mapscope.formats.importers.onnx_model import onnx_model_from_proto, read_onnx_model
from mapscope.limits import MAX_SIZE
from mapscope.workload.operators import Conv, MatMul

onnx = pytest.importorskip("onnx")
helper, TensorProto, numpy_helper = onnx.helper, onnx.TensorProto, onnx.numpy_helper

SOURCE = "bad.onnx"


def _model(nodes: list[Any], inputs: Mapping[str, Sequence[int | str]], weights: Mapping[str, np.ndarray] | None = None, **options: Any) -> Any:
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in inputs.items()],
        [helper.make_tensor_value_info(nodes[-1].output[0] if nodes[-1].output else "y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(array, name) for name, array in (weights or {}).items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", options.get("opset", 18))])


def _conv(**attributes: Any) -> Any:
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c1", **attributes)
    return _model([node], {"x": [1, 2, 8, 8]}, {"w": np.ones((4, 2, 3, 3), np.float32)})


def _error(proto: Any, **options: Any) -> str:
    with pytest.raises(InputError) as caught:
        onnx_model_from_proto(proto, SOURCE, **options)
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{SOURCE}: ") and len(text) < 600, text
    return text


def _with_attribute(proto: Any, attribute: Any) -> Any:
    node = proto.graph.node[0]
    kept = [a for a in node.attribute if a.name != attribute.name]
    del node.attribute[:]
    node.attribute.extend([*kept, attribute])
    return proto


# --- attributes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        (helper.make_attribute("group", b"VALID"), "attribute group must be an integer, got a string"),  # was ValueError
        (onnx.AttributeProto(name="group"), "attribute group must be an integer, got no type"),  # was TypeError
        (helper.make_attribute("group", 0), "attribute group must be positive, got 0"),
        (helper.make_attribute("group", 1.5), "attribute group must be an integer, got a float"),
        (helper.make_attribute("strides", 2), "attribute strides must be a list of integers, got an integer"),
        (helper.make_attribute("strides", [1, 1, 1]), "attribute strides [1, 1, 1] must have 2 entries, got 3"),
        (helper.make_attribute("strides", [0, 1]), "attribute strides must be positive, got [0, 1]"),
        (helper.make_attribute("dilations", [1, 2**40]), f"above the largest size supported ({MAX_SIZE})"),
        (helper.make_attribute("pads", [1, -1, 0, 0]), "attribute pads must be non-negative"),
        (helper.make_attribute("pads", [1, 1]), "attribute pads [1, 1] must have 4 entries, got 2"),
        (helper.make_attribute("kernel_shape", [3, 2]), "kernel_shape [3, 2] differs from the weights' [3, 3]"),
        (helper.make_attribute("auto_pad", "SAME"), "attribute auto_pad must be one of NOTSET, SAME_UPPER, SAME_LOWER, VALID, got 'SAME'"),
        (helper.make_attribute("auto_pad", [1]), "attribute auto_pad must be a string, got a list of integers"),
    ],
    ids=lambda value: value.name if hasattr(value, "name") else None,
)
def test_conv_attributes_of_the_wrong_type_or_range(attribute: Any, expected: str) -> None:
    message = _error(_with_attribute(_conv(), attribute))
    assert message.startswith(f"{SOURCE}: node 'c1' (Conv): ") and expected in message, message


def test_duplicate_attribute() -> None:
    proto = _conv(group=1)
    proto.graph.node[0].attribute.append(helper.make_attribute("group", 1))
    assert "attribute 'group' is given twice" in _error(proto)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (helper.make_node("MaxPool", ["x"], ["y"], name="p"), "attribute kernel_shape is required"),
        (helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2], ceil_mode=2), "attribute ceil_mode must be at most"),
        (helper.make_node("AveragePool", ["x"], ["y"], name="p", kernel_shape=[2], pads=[0, 0, 0, 0]), "attribute pads [0, 0, 0, 0] must have 2 entries"),
        (helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2], strides=[1.0, 1.0]), "strides must be a list of integers"),
        (helper.make_node("ConvTranspose", ["x", "wt"], ["y"], name="p", output_padding=["a", "b"]), "output_padding must be a list of integers"),
        (helper.make_node("ConvTranspose", ["x", "wt"], ["y"], name="p", output_shape=[9]), "output_shape [9] must have 2 or 4 entries"),
        (helper.make_node("ConvTranspose", ["x", "wt"], ["y"], name="p", group=-3), "attribute group must be positive"),
        (helper.make_node("Gemm", ["m", "wm"], ["y"], name="p", transB=0.5), "attribute transB must be an integer, got a float"),
    ],
    ids=lambda value: getattr(value, "op_type", None),
)
def test_pooling_transposed_and_gemm_attributes(node: Any, expected: str) -> None:
    weights = {"wt": np.ones((2, 3, 3, 3), np.float32), "wm": np.ones((4, 5), np.float32)}
    proto = _model([node], {"x": [1, 2, 8, 8], "m": [3, 4]}, weights)
    message = _error(proto)
    assert f"node 'p' ({node.op_type}): " in message and expected in message, message


def test_shape_start_of_the_wrong_type_while_folding() -> None:
    # Folding evaluated Shape with start = b"x" as a slice bound: TypeError.
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape", start=b"x"),
        helper.make_node("Div", ["s", "two"], ["half"], name="half"),
        helper.make_node("Reshape", ["x", "half"], ["r"], name="reshape"),
        helper.make_node("Relu", ["r"], ["y"], name="relu"),
    ]
    proto = _model(nodes, {"x": [4, 6]}, {"two": np.array([2, 1], np.int64)})
    assert "node 'shape' (Shape): attribute start must be an integer, got a string" in _error(proto)


# --- initialisers ---------------------------------------------------------------------------------------------


def _conv_with_weight(tensor: Any) -> Any:
    proto = _conv()
    proto.graph.initializer[0].CopyFrom(tensor)
    return proto


def test_initialiser_data_that_disagree_with_its_dims() -> None:
    short = numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w")
    short.raw_data = short.raw_data[:-4]
    assert "initialiser 'w' has dims [4, 2, 3, 3] (72 elements, 288 bytes) but holds 284 bytes" in _error(_conv_with_weight(short))
    typed = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 2, 3, 3], float_data=[1.0] * 71)
    assert "holds 71 values in float_data" in _error(_conv_with_weight(typed))
    # A small constant whose data disagree (numpy_helper.to_array's ValueError when folding).
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Div", ["s", "two"], ["half"], name="half"),
        helper.make_node("Reshape", ["x", "half"], ["y"], name="reshape"),
    ]
    proto = _model(nodes, {"x": [4, 6]}, {"two": np.array([2, 1], np.int64)})
    proto.graph.initializer[0].dims[:] = [3]
    assert "initialiser 'two' has dims [3] (3 elements, 24 bytes) but holds 16 bytes" in _error(proto)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: setattr(t, "data_type", 99), "initialiser 'w' has unknown data type 99"),
        (lambda t: setattr(t, "data_type", 0), "initialiser 'w' has unknown data type 0"),
        (lambda t: t.dims.__setitem__(0, -4), "initialiser 'w' has dims [-4, 2, 3, 3]: each must be 0 to"),
        (lambda t: t.dims.__setitem__(0, 2**40), "each must be 0 to 2147483647"),
        (lambda t: setattr(t, "name", ""), "an initialiser has no name"),
    ],
)
def test_initialiser_types_and_dims(change: Any, expected: str) -> None:
    tensor = numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w")
    change(tensor)
    assert expected in _error(_conv_with_weight(tensor))


def test_external_data_is_never_opened(tmp_path: Path) -> None:
    """mapscope needs shapes: weights stored outside the file are never read, wherever they point."""
    proto = _conv()
    inline, _ = onnx_model_from_proto(proto, SOURCE)
    for location in ("weights.bin", "../../../../etc/passwd", "/dev/zero", "/proc/self/mem", ""):
        tensor = proto.graph.initializer[0]
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        del tensor.external_data[:]
        tensor.external_data.add(key="location", value=location)
        tensor.external_data.add(key="length", value=str(2**40))
        path = tmp_path / "external.onnx"
        path.write_bytes(proto.SerializeToString())
        model, _ = read_onnx_model(path)
        assert model.operators == inline.operators
    saved = tmp_path / "saved.onnx"
    onnx.save_model(_conv(), saved, save_as_external_data=True, all_tensors_to_one_file=True, location="w.data", size_threshold=0)
    os.remove(tmp_path / "w.data")  # not needed: never opened
    assert read_onnx_model(saved)[0].operators == inline.operators


def test_large_weights_become_inputs_of_their_shape() -> None:
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")
    proto = _model([node], {"x": [2, 300]}, {"w": np.ones((300, 400), np.float32)})
    assert onnx_model_from_proto(proto, SOURCE)[0].operators == (MatMul("fc", 2, 300, 400),)
    assert len(proto.graph.initializer) == 1  # the caller's model is untouched


# --- graph structure, versions, sizes -------------------------------------------------------------------------


def _relu_chain(*edges: tuple[str, str, str]) -> Any:
    nodes = [helper.make_node("Relu", [source], [target], name=name) for name, source, target in edges]
    return _model(nodes, {"x": [2, 3]})


@pytest.mark.parametrize(
    ("proto", "expected"),
    [
        (_relu_chain(("a", "b", "c"), ("b", "x", "b")), "node 'a' (Relu) reads tensor 'b' before node 'b' computes it: the graph has a cycle"),
        (_relu_chain(("a", "d", "b"), ("b", "b", "c"), ("c", "c", "d")), "node 'a' (Relu) reads tensor 'd' before node 'c' computes it"),
        (_relu_chain(("a", "nowhere", "y")), "node 'a' (Relu) reads tensor 'nowhere', which no input, initialiser or node defines"),
        (_relu_chain(("a", "x", "y"), ("b", "x", "y")), "tensor 'y' is defined twice: by node 'a' (Relu) and by node 'b' (Relu)"),
        (_relu_chain(("a", "x", "x")), "tensor 'x' is defined twice: by a graph input and by node 'a' (Relu)"),
    ],
)
def test_graph_structure(proto: Any, expected: str) -> None:
    assert expected in _error(proto)


def test_graph_output_not_computed_and_node_without_output() -> None:
    proto = _relu_chain(("a", "x", "y"))
    proto.graph.output[0].name = "z"
    assert "graph output 'z' is not computed by any node" in _error(proto)
    proto = _model([helper.make_node("Relu", ["x"], ["y"], name="a"), helper.make_node("Relu", ["y"], [""], name="b")], {"x": [2]})
    del proto.graph.output[:]
    message = _error(proto)
    assert "node 'b' (Relu) has no output" in message or "ONNX shape inference failed" in message


def test_node_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_checks, "MAX_LAYERS", 3)
    proto = _relu_chain(("a", "x", "b"), ("b", "b", "c"), ("c", "c", "d"), ("d", "d", "e"))
    assert "the graph has 4 nodes; at most 3 are read (MAX_LAYERS)" in _error(proto)


def test_versions() -> None:
    proto = _conv()
    proto.ir_version = onnx.IR_VERSION + 1
    assert f"IR version {onnx.IR_VERSION + 1} is newer than the installed onnx package reads" in _error(proto)
    for version, expected in ((0, "opset version 0 is not a valid ONNX opset"), (10_000, "opset 10000 is newer than")):
        proto = _conv()
        proto.opset_import[0].version = version
        assert expected in _error(proto)
    proto = _conv()
    proto.opset_import.append(helper.make_opsetid("ai.onnx", 17))
    assert "opset domain 'ai.onnx' is imported twice" in _error(proto)


@pytest.mark.parametrize(
    ("dims", "expected"),
    [
        ([1, 2, 0, 8], "dimension 2 of input 'x' is 0, not positive"),
        ([1, 2, -8, 8], "dimension 2 of input 'x' is -8, not positive"),
        ([1, 2, 2**31, 8], f"dimension 2 of input 'x' is {2**31}, above the largest size supported"),
        ([1, 2, 2**62, 8], "above the largest size supported"),
    ],
)
def test_input_sizes(dims: list[int], expected: str) -> None:
    proto = _conv()
    for dim, value in zip(proto.graph.input[0].type.tensor_type.shape.dim, dims, strict=True):
        dim.dim_value = value
    assert expected in _error(proto)


def test_dynamic_dimension_over_the_limit() -> None:
    proto = _model([helper.make_node("Relu", ["x"], ["y"], name="r")], {"x": ["n", 3]})
    assert f"dimension 'n' = {2**40} is above the largest size supported" in _error(proto, dimensions={"n": 2**40})


def test_huge_sizes_from_attributes_are_errors_not_allocations() -> None:
    up = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[MAX_SIZE, MAX_SIZE])
    proto = _model([up], {"x": [1, 2, 4, 4]}, {"w": np.ones((2, 3, 3, 3), np.float32)})
    message = _error(proto)
    assert "ONNX shape inference failed" in message or "above the largest size supported" in message
    conv = _conv(pads=[MAX_SIZE, 0, 0, 0])
    assert "above the largest size supported" in _error(conv)


def test_control_flow_is_unsupported() -> None:
    branch = helper.make_graph([helper.make_node("Relu", ["x"], ["t"])], "branch", [], [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
    node = helper.make_node("If", ["flag"], ["y"], name="branchy", then_branch=branch, else_branch=branch)
    proto = _model([helper.make_node("Relu", ["x"], ["r"], name="r"), node], {"x": [2, 3]}, {"flag": np.array(True)})
    assert "unsupported ONNX operator If (a node with subgraphs) at node 'branchy'" in _error(proto)


def test_long_names_are_shortened() -> None:
    proto = _relu_chain(("n" * 5000, "x" * 3000, "y"))
    message = _error(proto)
    assert "reads tensor 'xxxx" in message and len(message) < 400


def test_long_shape_inference_messages_are_shortened() -> None:
    nodes = [helper.make_node("Add", ["x", "z"], [f"y{index}"], name=f"add{index}") for index in range(200)]
    proto = _model(nodes, {"x": [2, 3], "z": [2, 4]})
    message = _error(proto)
    assert "ONNX shape inference failed" in message and message.endswith(" ...")


def test_folding_never_evaluates_a_huge_constant() -> None:
    """A ConstantOfShape of 2**27 floats (512 MB) in a graph that needs folding is not evaluated."""
    nodes = [
        helper.make_node("ConstantOfShape", ["huge_shape"], ["huge"], name="huge"),
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Div", ["s", "two"], ["half"], name="half"),
        helper.make_node("Reshape", ["x", "half"], ["r"], name="reshape"),
        helper.make_node("MatMul", ["r", "w"], ["y"], name="fc"),
    ]
    weights = {"huge_shape": np.array([2**27], np.int64), "two": np.array([1, 2], np.int64), "w": np.ones((3, 5), np.float32)}
    proto = _model(nodes, {"x": [4, 6]}, weights)
    tracemalloc.start()
    try:
        model, _ = onnx_model_from_proto(proto, SOURCE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.operators == (MatMul("fc", 4, 3, 5),)
    assert peak < 64 * 2**20


# --- files ---------------------------------------------------------------------------------------------------


def test_files_that_are_not_regular_or_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "pipe.onnx"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    for path in (fifo, tmp_path):
        with pytest.raises(InputError, match="cannot read the file: not a regular file"):
            read_onnx_model(path)
    path = tmp_path / "net.onnx"
    path.write_bytes(_conv().SerializeToString())
    assert isinstance(read_onnx_model(path)[0].operators[0], Conv)
    monkeypatch.setattr(onnx_checks, "MAX_ONNX_FILE_BYTES", 100)
    with pytest.raises(InputError, match=r"bytes; at most 100 are read \(MAX_ONNX_FILE_BYTES\): save the weights as external data"):
        read_onnx_model(path)


def test_a_long_integer_vector_never_becomes_a_rank() -> None:
    """ONNX's data propagation made Concat(leading[n], ...) a shape of n + 1 axes for the Reshape after it:
    with n = 2**31 - 1 (one dimension in the file), minutes and gigabytes. Shapes are folded by mapscope instead."""
    nodes = [
        helper.make_node("Concat", ["leading", "one"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
        helper.make_node("Relu", ["r"], ["y"], name="relu"),
    ]
    for length in (2**20, MAX_SIZE):
        proto = _model(nodes, {"x": [2, 3]}, {"one": np.array([1], np.int64)})
        proto.graph.input.append(helper.make_tensor_value_info("leading", TensorProto.INT64, [length]))
        start = time.perf_counter()
        message = _error(proto)
        assert "the shape of tensor 'r' of node 'relu' (Relu) is unknown" in message or "above the largest size" in message
        assert time.perf_counter() - start < 2.0


def test_a_layer_too_large_once_lowered_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Dilation 2**20 lowers into 2**40 phase convolutions: a batch over MAX_SIZE, found by the lowering, not the reader."""
    from cli_helpers import assert_one_line_error, run

    path = tmp_path / "dilated.onnx"
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c1", dilations=[2**20, 2**20], pads=[2**21] * 4)
    onnx.save(_model([node], {"x": [64, 2, 8, 8]}, {"w": np.ones((4, 2, 3, 3), np.float32)}), str(path))
    status, _, err = run(["analyze", str(path), "--dataflow", "kcp_ws", "--num-pes", "64", "-q"], capsys)
    assert_one_line_error(status, err)
    assert err.startswith(f"error: {path}: layer c1.phase0: dimension N = ")
