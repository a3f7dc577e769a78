"""Concrete shapes of every tensor of an ONNX graph: ONNX shape inference, completed node by node.

Exporters compute reshape targets from ``Shape`` at run time; with every input size fixed those values are
constants, so they are evaluated (small tensors only, with the ONNX reference runtime) and each node's
shapes inferred anew with them. ONNX's own data propagation (``infer_shapes(data_prop=True)``) is not
used: it stops at ``Div`` or a computed ``Slice`` end, and it turns the declared length of a 1-D integer
tensor into the rank of a shape, so one dimension of 2**31 in a file made it allocate without bound.

Folding is bounded so that no model can make it allocate or loop without end: a node is evaluated only
when ONNX infers concrete output shapes of at most `FOLD_LIMIT_ELEMENTS` elements from its inputs'
values (a ``ConstantOfShape`` of [2**40] or the product of two long vectors is never evaluated), and at
most `FOLD_LIMIT_NODES` nodes are; beyond that their shapes are whatever inference gives.
"""

from __future__ import annotations

import math
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.importers.onnx_attributes import NodeAttributes
from mapscope.formats.importers.onnx_checks import GraphNode, library_message

#: Largest constant (in elements) kept inline or evaluated: shape arithmetic is far smaller.
FOLD_LIMIT_ELEMENTS = 1 << 16
#: Most nodes evaluated to complete shape inference (each takes about a millisecond).
FOLD_LIMIT_NODES = 10_000
_INT64_MAX = 2**63 - 1

Shapes = dict[str, tuple[int, ...] | None]


def tensor_shapes(onnx: Any, model: Any, nodes: list[GraphNode], unsupported: set[int], source: str) -> Shapes:
    """Concrete shapes of the tensors of a shape-inferred model (None where unknown), completed node by node."""
    graph = model.graph
    types: dict[str, Any] = {str(info.name): info.type for info in (*graph.input, *graph.value_info, *graph.output)}
    initializers = {str(tensor.name): tensor for tensor in graph.initializer}
    for tensor in graph.initializer:
        types[str(tensor.name)] = onnx.helper.make_tensor_type_proto(tensor.data_type, list(tensor.dims))
    supported = [node for node in nodes if node.index not in unsupported]
    if all(concrete_shape(types.get(str(name))) is not None for node in supported for name in node.proto.output if name):
        return {name: concrete_shape(type_proto) for name, type_proto in types.items()}
    opsets = {("" if entry.domain == "ai.onnx" else str(entry.domain)): int(entry.version) for entry in model.opset_import}
    values: dict[str, Any] = {}
    folds = 0

    def value(name: str) -> Any:
        if name not in values and name in initializers:  # inline, small and of a NumPy type (onnx_checks)
            values[name] = onnx.numpy_helper.to_array(initializers[name])
        return values.get(name)

    for node in supported:
        inputs = [str(name) for name in node.proto.input if name]
        outputs = [str(name) for name in node.proto.output if name]
        known = {name: value(name) for name in inputs if value(name) is not None}
        data = {name: onnx.numpy_helper.from_array(array, name) for name, array in known.items()}
        results = None
        if folds < FOLD_LIMIT_NODES:
            try:
                results = _folded(onnx, node, inputs, types, known, data, opsets)
            except InputError as error:
                raise InputError(f"{node.described}: {error.message}", source) from None
        if results is not None:
            folds += 1
            for name, array in zip(outputs, results, strict=False):
                types[name] = onnx.helper.make_tensor_type_proto(onnx.helper.np_dtype_to_tensor_dtype(array.dtype), array.shape)
                if array.size <= FOLD_LIMIT_ELEMENTS:
                    values[name] = array
            continue
        if all(concrete_shape(types.get(name)) is not None for name in outputs) or any(name not in types for name in inputs):
            continue
        try:
            inferred = _infer_node(onnx, node, inputs, types, data, opsets)
        except Exception as error:  # ValidationError, InferenceError, SchemaError: the node does not fit its inputs
            raise InputError(f"{node.described}: ONNX shape inference failed: {library_message(error)}", source) from None
        for name, type_proto in inferred.items():
            if concrete_shape(type_proto) is not None or name not in types:
                types[name] = type_proto
    return {name: concrete_shape(type_proto) for name, type_proto in types.items()}


def _infer_node(onnx: Any, node: GraphNode, inputs: list[str], types: dict[str, Any], data: dict[str, Any], opsets: dict[str, int]) -> dict[str, Any]:
    """ONNX shape inference of one node from its inputs' types and known values."""
    schema = onnx.defs.get_schema(str(node.proto.op_type), opsets.get("", 1), "")
    return dict(onnx.shape_inference.infer_node_outputs(schema, node.proto, {name: types[name] for name in inputs}, data))


def _folded(
    onnx: Any,
    node: GraphNode,
    inputs: list[str],
    types: dict[str, Any],
    known: dict[str, Any],
    data: dict[str, Any],
    opsets: dict[str, int],
) -> list[Any] | None:
    """The outputs of a node whose inputs are all known small constants (or Shape/Size of a known shape), else None."""
    import numpy

    if node.op_type in ("Shape", "Size"):
        shape = concrete_shape(types.get(inputs[0])) if inputs else None
        if shape is None:
            return None
        if node.op_type == "Size":
            size = math.prod(shape)
            return [numpy.array(size, dtype=numpy.int64)] if size <= _INT64_MAX else None
        attributes = NodeAttributes(node.proto)
        start = attributes.integer("start", 0, minimum=None, maximum=None)
        end = attributes.integer("end", len(shape), minimum=None, maximum=None)
        return [numpy.array(shape, dtype=numpy.int64)[start:end]]
    if len(known) < len(inputs):
        return None
    try:  # the output sizes, from ONNX inference with the input values, before anything is evaluated
        predicted = _infer_node(onnx, node, inputs, types, data, opsets)
    except Exception:  # inference cannot tell: not folded; the caller's own inference reports the problem
        return None
    sizes = [concrete_shape(predicted.get(str(name))) for name in node.proto.output if name]
    if any(size is None or math.prod(size) > FOLD_LIMIT_ELEMENTS for size in sizes):
        return None
    from onnx.reference import ReferenceEvaluator

    try:
        results = ReferenceEvaluator(node.proto, opsets=opsets).run(None, dict(zip(inputs, (known[name] for name in inputs), strict=True)))
    except Exception:  # an operator the reference runtime cannot fold: its shapes come from inference instead
        return None
    arrays = [numpy.asarray(result) for result in results]
    if any(array.size > FOLD_LIMIT_ELEMENTS or array.dtype.kind not in "biuf" for array in arrays):
        return None
    return arrays


def concrete_shape(type_proto: Any) -> tuple[int, ...] | None:
    """The concrete shape of a tensor type, None when it or any dimension is unknown."""
    if type_proto is None or not type_proto.HasField("tensor_type") or not type_proto.tensor_type.HasField("shape"):
        return None
    dims = type_proto.tensor_type.shape.dim
    if any(dim.WhichOneof("value") != "dim_value" for dim in dims):
        return None
    return tuple(int(dim.dim_value) for dim in dims)
