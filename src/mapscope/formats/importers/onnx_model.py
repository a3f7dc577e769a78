"""Read ONNX models into mapscope's network description (`workload.operators.Model`).

Which op types are supported is the operator table the PyTorch importer shares (`operator_table`).

Dynamic dimensions (``dim_param``) get their values from `dimensions`, then ONNX shape inference (strict)
gives every tensor a concrete shape; where a shape hangs on values computed from ``Shape`` at run time
(exports with dynamic axes), those small constants are evaluated and the shapes inferred node by node
(`onnx_shapes`). Each node then becomes one operator (three for Attention) or none:

- compute: Conv and ConvTranspose (1-D as a height-1 2-D one; ConvTranspose without groups or
  dilation), Gemm, MatMul, Attention (three operators: scores, softmax, context), MaxPool and
  AveragePool (no dilation), GlobalAveragePool, GlobalMaxPool;
- element-wise (`ELEMENTWISE_OPERATORS`): arithmetic, comparisons, activations, normalisations,
  softmax, reductions, (de)quantisation and Concat, as `Elementwise` of the output shape (so a
  reduction's reads are undercounted) named after its operation in the table, reading its
  non-constant inputs (Concat: one output's worth);
- ignored (`IGNORED_OPERATORS`): nodes that only move, reshape or describe data, and every node whose
  inputs are all constants (shape arithmetic, weight transposes): no runtime work, counted in one note;
- anything else (recurrent cells, Resize, control flow, custom domains, 3-D convolutions...) is an
  InputError, or with `skip_unsupported` a note per skipped node.

Before ONNX's own machinery reads the model, `onnx_checks` checks the file, versions, graph wiring and
initialisers and `onnx_attributes` the attributes mapscope reads; weights are never read (external data
files are never opened). Every problem is an InputError located at the file and naming the node, in one
line, and every size is bounded by `mapscope.limits` before anything is allocated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.importers.onnx_attributes import check_attributes
from mapscope.formats.importers.onnx_checks import (
    GraphNode,
    check_graph,
    check_node_count,
    check_versions,
    library_message,
    named_nodes,
    prepare_initializers,
    read_model_bytes,
)
from mapscope.formats.importers.onnx_operators import GraphReader, Unsupported
from mapscope.formats.importers.onnx_shapes import FOLD_LIMIT_ELEMENTS, tensor_shapes
from mapscope.formats.importers.operator_table import Becomes, onnx_op_types
from mapscope.limits import MAX_QUOTED_CHARS, MAX_SIZE, quoted
from mapscope.workload.operators import Model, Operator

ONNX_MISSING = "reading ONNX files needs the onnx package: pip install 'mapscope[onnx]'"

#: Op types by what they become, from the operator table both importers share.
ELEMENTWISE_OPERATORS = onnx_op_types(Becomes.ELEMENTWISE)
IGNORED_OPERATORS = onnx_op_types(Becomes.SHAPE_ONLY)
COMPUTE_OPERATORS = onnx_op_types(Becomes.CONV, Becomes.CONV_TRANSPOSE, Becomes.MATMUL, Becomes.POOL)

#: Graph names exporters use by default; the file stem names the model better.
_DEFAULT_GRAPH_NAMES = frozenset({"", "main_graph", "torch_jit", "torch-jit-export", "graph"})
_STANDARD_DOMAINS = frozenset({"", "ai.onnx"})
_SKIP_HINT = "(pass --skip-unsupported to leave it out)"
#: AttributeProto types GRAPH and GRAPHS: control flow (If, Loop, Scan) that mapscope does not describe.
_GRAPH_ATTRIBUTE_TYPES = frozenset({5, 10})


def read_onnx_model(
    path: str | PathLike[str], *, dimensions: Mapping[str, int] | None = None, skip_unsupported: bool = False
) -> tuple[Model, tuple[str, ...]]:
    """Read an ONNX file as a Model plus notes (ignored and skipped nodes); external weight files are not read."""
    onnx = _import_onnx()
    source = str(path)
    data = read_model_bytes(path, source)
    try:
        proto = onnx.load_model_from_string(data)
    except MemoryError:
        raise InputError(f"not enough memory to read this {len(data):,}-byte model", source) from None
    except Exception as error:  # protobuf's DecodeError and friends: the file is not a ModelProto
        raise InputError(f"not a valid ONNX model: {library_message(error)}", source) from None
    del data  # the parsed model holds its own copy of every weight
    return _describe(onnx, proto, source, dict(dimensions or {}), skip_unsupported)


def onnx_model_from_proto(
    proto: Any, source: str, *, dimensions: Mapping[str, int] | None = None, skip_unsupported: bool = False
) -> tuple[Model, tuple[str, ...]]:
    """Describe an in-memory ModelProto (not modified) as a Model plus notes; `source` locates errors."""
    onnx = _import_onnx()
    copy = type(proto)()
    copy.CopyFrom(proto)
    return _describe(onnx, copy, source, dict(dimensions or {}), skip_unsupported)


def _describe(onnx: Any, proto: Any, source: str, dimensions: dict[str, int], skip_unsupported: bool) -> tuple[Model, tuple[str, ...]]:
    """The Model and notes of `proto`, which this changes: checked (`onnx_checks`), dynamic dimensions set,
    weights that are large or stored elsewhere replaced by inputs of their shape."""
    check_versions(onnx, proto, source)
    check_node_count(proto.graph, source)
    nodes = named_nodes(proto.graph)
    check_graph(proto.graph, nodes, source)
    unsupported = {node.index: _unsupported_reason(node) for node in nodes}
    unsupported = {index: what for index, what in unsupported.items() if what}
    if unsupported and not skip_unsupported:
        index, what = next(iter(unsupported.items()))
        raise InputError(f"unsupported ONNX operator {what} at node {nodes[index].label} {_SKIP_HINT}", source)
    weights = {str(tensor.name): tuple(tensor.dims) for tensor in proto.graph.initializer}
    for node in nodes:
        if node.index not in unsupported:
            try:
                inputs = node.proto.input
                check_attributes(node.proto, node.op_type, weights.get(str(inputs[1])) if len(inputs) > 1 else None)
            except InputError as error:
                raise InputError(f"{node.described}: {error.message}", source) from None
    constants = prepare_initializers(onnx, proto.graph, FOLD_LIMIT_ELEMENTS, source)
    notes = _set_dimensions(proto.graph, dimensions, constants, source)
    try:
        inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True, data_prop=False)
    except Exception as error:  # InferenceError, ValidationError, RuntimeError: all say the model is inconsistent
        raise InputError(f"ONNX shape inference failed: {library_message(error)}", source) from None
    shapes = tensor_shapes(onnx, inferred, nodes, set(unsupported), source)
    reader = GraphReader(inferred.graph, shapes, constants, source)
    operators: list[Operator] = []
    ignored: Counter[str] = Counter()
    skipped: list[str] = []
    for node in nodes:
        what = unsupported.get(node.index)
        if what is None:
            if reader.all_inputs_constant(node):
                reader.mark_constant(node)
                ignored[node.op_type if node.op_type in IGNORED_OPERATORS else f"{node.op_type} on constants"] += 1
                continue
            if node.op_type in IGNORED_OPERATORS:
                ignored[node.op_type] += 1
                continue
            try:
                operators.extend(reader.operators(node))
                continue
            except Unsupported as error:
                if not skip_unsupported:
                    raise InputError(f"unsupported ONNX operator {error.what} at node {node.label} {_SKIP_HINT}", source) from None
                what = error.what
        reader.skipped[node.index] = node
        skipped.append(f"skipped node {node.label} ({what}): unsupported, its work is not counted")
    if ignored:
        counts = ", ".join(f"{op} x{count}" for op, count in sorted(ignored.items()))
        notes.append(f"ignored (data movement, shapes or constants only; no work counted): {counts}")
    notes.extend(skipped)
    if not operators:
        raise InputError(f"the model has no operators mapscope can describe: all {len(nodes)} nodes were ignored or skipped", source)
    graph_name = str(proto.graph.name)
    name = graph_name if graph_name not in _DEFAULT_GRAPH_NAMES and len(graph_name) <= MAX_QUOTED_CHARS else Path(source).stem or "onnx_model"
    try:
        model = Model(name, tuple(operators), source)
    except InputError as error:
        raise InputError(error.message, source) from None
    return model, tuple(notes)


def _import_onnx() -> Any:
    """The onnx package, imported on first use because it is an optional extra."""
    try:
        import onnx
        import onnx.defs
        import onnx.helper
        import onnx.numpy_helper
        import onnx.shape_inference
    except ImportError:
        raise InputError(ONNX_MISSING) from None
    return onnx


def _unsupported_reason(node: GraphNode) -> str | None:
    """The operator as an unsupported-operator message names it, or None when its type is handled."""
    domain = str(node.proto.domain)
    if domain not in _STANDARD_DOMAINS:
        return f"{domain}.{node.op_type}" if domain.replace(".", "_").isidentifier() and len(domain) <= 80 else f"{quoted(domain)}.{node.op_type}"
    if any(attribute.type in _GRAPH_ATTRIBUTE_TYPES for attribute in node.proto.attribute):
        return f"{node.op_type} (a node with subgraphs)"
    if node.op_type in COMPUTE_OPERATORS or node.op_type in ELEMENTWISE_OPERATORS or node.op_type in IGNORED_OPERATORS:
        return None
    return node.op_type


def _set_dimensions(graph: Any, dimensions: dict[str, int], constants: frozenset[str], source: str) -> list[str]:
    """Give every dynamic dimension of the graph inputs its value and check every input size (positive, at
    most MAX_SIZE); notes name the values nobody used."""
    for parameter, value in dimensions.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InputError(f"dimension {quoted(parameter)} must be a positive integer, got {quoted(value)}", source)
        if value > MAX_SIZE:
            raise InputError(f"dimension {quoted(parameter)} = {value} is above the largest size supported ({MAX_SIZE})", source)
    used: set[str] = set()
    for value_info in graph.input:
        if value_info.name in constants:
            continue
        name = quoted(str(value_info.name))
        if not value_info.type.HasField("tensor_type"):
            raise InputError(f"input {name} is not a tensor", source)
        if not value_info.type.tensor_type.HasField("shape"):
            raise InputError(f"input {name} has no shape", source)
        for axis, dim in enumerate(value_info.type.tensor_type.shape.dim):
            kind = dim.WhichOneof("value")
            if kind == "dim_value":
                if not 0 < dim.dim_value <= MAX_SIZE:
                    problem = "not positive" if dim.dim_value <= 0 else f"above the largest size supported ({MAX_SIZE})"
                    raise InputError(f"dimension {axis} of input {name} is {dim.dim_value}, {problem}", source)
                continue
            parameter = str(dim.dim_param) if kind == "dim_param" else ""
            if parameter not in dimensions:
                what = f"dynamic dimension {quoted(parameter)}" if parameter else f"dimension {axis}"
                hint = f"give one with --dim {parameter}=N" if parameter else "the model must give it a size"
                raise InputError(f"{what} of input {name} has no value; {hint}", source)
            used.add(parameter)
    for value_info in (*graph.input, *graph.value_info, *graph.output):
        if value_info.type.HasField("tensor_type") and value_info.type.tensor_type.HasField("shape"):
            for dim in value_info.type.tensor_type.shape.dim:
                if dim.WhichOneof("value") == "dim_param" and dim.dim_param in dimensions:
                    dim.dim_value = dimensions[dim.dim_param]
    unused = sorted(set(dimensions) - used)
    return [f"dimension {quoted(parameter)} was given but no input of the model has it" for parameter in unused]
