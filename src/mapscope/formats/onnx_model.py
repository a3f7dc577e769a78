"""Read ONNX models into mapscope's network description (`workload.operators.Model`).

Dynamic dimensions (``dim_param``) get their values from `dimensions`, then ONNX shape inference (strict,
with data propagation) gives every tensor a concrete shape; where a shape hangs on values computed from
``Shape`` at run time (exports with dynamic axes), those small constants are evaluated and the shapes
inferred node by node. Each node then becomes at most one operator:

- compute: Conv and ConvTranspose (1-D as a height-1 2-D one; ConvTranspose without groups or
  dilation), Gemm, MatMul, MaxPool and AveragePool (no dilation), GlobalAveragePool, GlobalMaxPool;
- element-wise (`ELEMENTWISE_OPERATORS`): arithmetic, comparisons, activations, normalisations,
  softmax, reductions, (de)quantisation and Concat, as `Elementwise` of the output shape (so a
  reduction's reads are undercounted) reading its non-constant inputs (Concat: one output's worth);
- ignored (`IGNORED_OPERATORS`): nodes that only move, reshape or describe data, and every node whose
  inputs are all constants (shape arithmetic, weight transposes): no runtime work, counted in one note;
- anything else (recurrent cells, Resize, control flow, custom domains, 3-D convolutions...) is an
  InputError, or with `skip_unsupported` a note per skipped node.

Every problem is an InputError located at the file and naming the node, in one line.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    Elementwise,
    MatMul,
    Model,
    Operator,
    Pool,
)

ONNX_MISSING = "reading ONNX files needs the onnx package: pip install 'mapscope[onnx]'"

#: Operators applied element by element (or row by row): `Elementwise` of their output shape, no MACs.
ELEMENTWISE_OPERATORS = frozenset(
    # arithmetic
    "Add Sub Mul Div Pow Mod Neg Abs Reciprocal Sqrt Exp Log Floor Ceil Round Sign Min Max Sum Mean Sin Cos Erf "
    # comparisons and logic
    "Equal Less LessOrEqual Greater GreaterOrEqual Not And Or Xor Where IsNaN IsInf "
    # activations
    "Relu LeakyRelu PRelu Elu Selu Celu Gelu Sigmoid HardSigmoid HardSwish Swish Tanh Softplus Softsign Mish Clip "
    "ThresholdedRelu "
    # normalisations and softmax
    "Softmax LogSoftmax Hardmax LayerNormalization BatchNormalization InstanceNormalization GroupNormalization "
    "RMSNormalization LpNormalization MeanVarianceNormalization LRN "
    # reductions (counted at their output shape)
    "ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceSumSquare ReduceLogSum "
    "ReduceLogSumExp ArgMax ArgMin "
    # quantisation, joining
    "QuantizeLinear DequantizeLinear Concat".split()
)

#: Operators that only move, reshape, select or describe data: no operator, listed in one note.
IGNORED_OPERATORS = frozenset(
    "Reshape Flatten Transpose Squeeze Unsqueeze Identity Dropout Constant Shape Size Gather GatherElements "
    "GatherND Slice Split Cast CastLike ConstantOfShape Expand Range Pad Tile DepthToSpace SpaceToDepth Trilu "
    "EyeLike ScatterND ScatterElements".split()
)

COMPUTE_OPERATORS = frozenset(
    "Conv ConvTranspose Gemm MatMul MaxPool AveragePool GlobalAveragePool GlobalMaxPool".split()
)

#: Graph names exporters use by default; the file stem names the model better.
_DEFAULT_GRAPH_NAMES = frozenset({"", "main_graph", "torch_jit", "torch-jit-export", "graph"})
_STANDARD_DOMAINS = frozenset({"", "ai.onnx"})
_SKIP_HINT = "(pass --skip-unsupported to leave it out)"
#: Largest constant (in elements) evaluated to complete shape inference: shape arithmetic is far smaller.
_FOLD_LIMIT_ELEMENTS = 1 << 16


class _Unsupported(Exception):
    """A node mapscope cannot describe; `what` names the operator, e.g. ``Conv with 3 spatial dimensions``."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class _Node:
    """One graph node with its unique operator name and its label for messages."""

    proto: Any
    index: int
    name: str
    label: str

    @property
    def op_type(self) -> str:
        """The ONNX operator type, e.g. ``Conv``."""
        return str(self.proto.op_type)


def read_onnx_model(
    path: str | PathLike[str], *, dimensions: Mapping[str, int] | None = None, skip_unsupported: bool = False
) -> tuple[Model, tuple[str, ...]]:
    """Read an ONNX file as a Model plus notes (ignored and skipped nodes); external weight files are not read."""
    onnx = _import_onnx()
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or type(error).__name__}", source) from None
    try:
        proto = onnx.load_model_from_string(data)
    except Exception as error:  # protobuf's DecodeError and friends: the file is not a ModelProto
        raise InputError(f"not a valid ONNX model: {_one_line(str(error)) or type(error).__name__}", source) from None
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
    """The Model and notes of `proto`, which this changes: dynamic dimensions set, large weights dropped."""
    if not proto.ir_version or not proto.HasField("graph") or not proto.opset_import:
        raise InputError("not a valid ONNX model: no IR version, graph or opset", source)
    nodes = _named_nodes(proto.graph)
    unsupported = {node.index: _unsupported_reason(node) for node in nodes}
    unsupported = {index: what for index, what in unsupported.items() if what}
    if unsupported and not skip_unsupported:
        index, what = next(iter(unsupported.items()))
        raise InputError(f"unsupported ONNX operator {what} at node {nodes[index].label} {_SKIP_HINT}", source)
    notes = _set_dimensions(proto.graph, dimensions, source)
    for tensor in proto.graph.initializer:  # shapes need the sizes of weights, not their values
        if math.prod(tensor.dims) > _FOLD_LIMIT_ELEMENTS:
            tensor.CopyFrom(onnx.TensorProto(name=tensor.name, data_type=tensor.data_type, dims=tensor.dims))
    try:
        inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True, data_prop=True)
    except Exception as error:  # InferenceError, ValidationError, RuntimeError: all say the model is inconsistent
        raise InputError(f"ONNX shape inference failed: {_one_line(str(error))}", source) from None
    shapes = _tensor_shapes(onnx, inferred, nodes, set(unsupported), source)
    reader = _GraphReader(inferred.graph, shapes, source)
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
                operators.append(reader.operator(node))
                continue
            except _Unsupported as error:
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
    name = graph_name if graph_name not in _DEFAULT_GRAPH_NAMES else Path(source).stem or "onnx_model"
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


def _one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines too) as one space: errors print on one line."""
    return re.sub(r"\s+", " ", text).strip()


def _named_nodes(graph: Any) -> list[_Node]:
    """The graph's nodes with unique names: empty or repeated ones become ``Conv_3`` (op type, index)."""
    taken = {str(node.name) for node in graph.node if node.name}
    used: set[str] = set()
    nodes = []
    for index, proto in enumerate(graph.node):
        name = str(proto.name)
        label = repr(name) if name else f"{proto.op_type} #{index}"
        if not name or name in used:
            base, suffix = name or str(proto.op_type), index
            while f"{base}_{suffix}" in taken or f"{base}_{suffix}" in used:
                suffix += 1
            name = f"{base}_{suffix}"
        used.add(name)
        nodes.append(_Node(proto, index, name, label))
    return nodes


def _unsupported_reason(node: _Node) -> str | None:
    """The operator as an unsupported-operator message names it, or None when its type is handled."""
    domain = str(node.proto.domain)
    if domain not in _STANDARD_DOMAINS:
        return f"{domain}.{node.op_type}"
    if node.op_type in COMPUTE_OPERATORS or node.op_type in ELEMENTWISE_OPERATORS or node.op_type in IGNORED_OPERATORS:
        return None
    return node.op_type


def _set_dimensions(graph: Any, dimensions: dict[str, int], source: str) -> list[str]:
    """Give every dynamic dimension of the graph inputs its value; notes name the values nobody used."""
    for parameter, value in dimensions.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InputError(f"dimension {parameter!r} must be a positive integer, got {value!r}", source)
    initializers = {str(tensor.name) for tensor in graph.initializer}
    used: set[str] = set()
    for value_info in graph.input:
        if value_info.name in initializers:
            continue
        if not value_info.type.HasField("tensor_type"):
            raise InputError(f"input {value_info.name!r} is not a tensor", source)
        if not value_info.type.tensor_type.HasField("shape"):
            raise InputError(f"input {value_info.name!r} has no shape", source)
        for axis, dim in enumerate(value_info.type.tensor_type.shape.dim):
            kind = dim.WhichOneof("value")
            if kind == "dim_value" and dim.dim_value > 0:
                continue
            parameter = str(dim.dim_param) if kind == "dim_param" else ""
            if parameter not in dimensions:
                what = f"dynamic dimension {parameter!r}" if parameter else f"dimension {axis}"
                hint = f"give one with --dim {parameter}=N" if parameter else "the model must give it a size"
                raise InputError(f"{what} of input {value_info.name!r} has no value; {hint}", source)
            used.add(parameter)
    for value_info in (*graph.input, *graph.value_info, *graph.output):
        if value_info.type.HasField("tensor_type") and value_info.type.tensor_type.HasField("shape"):
            for dim in value_info.type.tensor_type.shape.dim:
                if dim.WhichOneof("value") == "dim_param" and dim.dim_param in dimensions:
                    dim.dim_value = dimensions[dim.dim_param]
    unused = sorted(set(dimensions) - used)
    return [f"dimension {parameter!r} was given but no input of the model has it" for parameter in unused]


class _GraphReader:
    """Shapes and constness of the tensors of a shape-inferred graph, and the operator of each node."""

    def __init__(self, graph: Any, shapes: dict[str, tuple[int, ...] | None], source: str) -> None:
        self.source = source
        self.shapes = shapes
        self.constants = {str(tensor.name) for tensor in graph.initializer}
        self.producers = {str(output): node_index for node_index, node in enumerate(graph.node) for output in node.output}
        self.skipped: dict[int, _Node] = {}
        self._converters: dict[str, Callable[[_Node], Operator]] = {
            "Conv": self._conv,
            "ConvTranspose": self._conv_transpose,
            "Gemm": self._gemm,
            "MatMul": self._matmul,
            "MaxPool": self._pool,
            "AveragePool": self._pool,
            "GlobalAveragePool": self._global_pool,
            "GlobalMaxPool": self._global_pool,
        }

    def all_inputs_constant(self, node: _Node) -> bool:
        """True when the node's result is known before any input arrives (so it costs nothing at run time)."""
        if node.op_type in ("Shape", "Size"):
            return True  # every shape is fixed once the dynamic dimensions have values
        return all(name in self.constants for name in node.proto.input if name)

    def mark_constant(self, node: _Node) -> None:
        """Record the node's outputs as constants, so the nodes reading only them are folded too."""
        self.constants.update(str(output) for output in node.proto.output if output)

    def operator(self, node: _Node) -> Operator:
        """The operator the node computes; InputErrors are located at the file and name the node."""
        try:
            convert = self._converters.get(node.op_type, self._elementwise)
            return convert(node)
        except InputError as error:
            if error.where == self.source:
                raise
            raise InputError(f"node {node.label} ({node.op_type}): {error.message}", self.source) from None

    def _shape(self, node: _Node, tensor: str) -> tuple[int, ...]:
        """The concrete shape of `tensor`, read by `node`; unknown is an error naming both."""
        shape = self.shapes.get(tensor)
        if shape is not None:
            return shape
        producer = self.skipped.get(self.producers.get(tensor, -1))
        cause = f" (it comes from skipped node {producer.label})" if producer else ""
        raise InputError(
            f"the shape of tensor {tensor!r} of node {node.label} ({node.op_type}) is unknown after shape inference{cause}",
            self.source,
        )

    def _input_shape(self, node: _Node, position: int) -> tuple[int, ...]:
        """The shape of the node's input at `position`, which must be present."""
        inputs = node.proto.input
        if position >= len(inputs) or not inputs[position]:
            raise InputError(f"node {node.label} ({node.op_type}) lacks input {position + 1}", self.source)
        return self._shape(node, str(inputs[position]))

    def _check_output(self, node: _Node, computed: tuple[int, ...]) -> None:
        """Fail when our output size differs from ONNX shape inference's (the later shapes would be wrong)."""
        inferred = self._shape(node, str(node.proto.output[0]))[2:]
        if len(inferred) == 1:
            inferred = (1, *inferred)
        if inferred != computed:
            raise InputError(
                f"node {node.label} ({node.op_type}): its output is {_size(computed)} by the ONNX operator definition "
                f"but ONNX shape inference says {_size(inferred)}, so the later shapes cannot be trusted",
                self.source,
            )

    def _spatial(self, node: _Node, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Spatial sizes of an N x C x ... tensor; one axis becomes height 1, three are unsupported."""
        spatial = shape[2:]
        if len(spatial) not in (1, 2):
            raise _Unsupported(f"{node.op_type} with {len(spatial)} spatial dimensions")
        return spatial

    def _conv(self, node: _Node) -> Conv:
        """Conv: channels from the input and weights, padding from pads or auto_pad."""
        x_shape, w_shape = self._input_shape(node, 0), self._input_shape(node, 1)
        spatial = self._spatial(node, x_shape)
        attributes = _attributes(node)
        kernel = tuple(attributes.get("kernel_shape", w_shape[2:]))
        if kernel != w_shape[2:]:
            raise InputError(f"kernel_shape {list(kernel)} differs from the weights' {list(w_shape[2:])}")
        groups = int(attributes.get("group", 1))
        if w_shape[1] * groups != x_shape[1]:
            raise InputError(
                f"the weights take {w_shape[1]} x {groups} groups input channels but the input has {x_shape[1]}", node.label
            )
        strides, dilations = _per_axis(attributes, "strides", spatial), _per_axis(attributes, "dilations", spatial)
        pads = _pads(attributes, spatial, kernel, strides, dilations)
        operator = Conv(
            node.name,
            in_channels=x_shape[1],
            out_channels=w_shape[0],
            input_hw=_pair(spatial, 1),
            kernel=_pair(kernel, 1),
            stride=_pair(strides, 1),
            padding=_padding(pads),
            dilation=_pair(dilations, 1),
            groups=groups,
            batch=x_shape[0],
        )
        self._check_output(node, operator.output_hw)
        return operator

    def _conv_transpose(self, node: _Node) -> ConvTranspose:
        """ConvTranspose without groups or dilation; output_shape and auto_pad become padding."""
        x_shape, w_shape = self._input_shape(node, 0), self._input_shape(node, 1)
        spatial = self._spatial(node, x_shape)
        attributes = _attributes(node)
        groups = int(attributes.get("group", 1))
        if groups != 1:
            raise _Unsupported(f"ConvTranspose with {groups} groups")
        dilations = _per_axis(attributes, "dilations", spatial)
        if any(d != 1 for d in dilations):
            raise _Unsupported(f"ConvTranspose with dilations {list(dilations)}")
        kernel = tuple(attributes.get("kernel_shape", w_shape[2:]))
        if kernel != w_shape[2:] or w_shape[0] != x_shape[1]:
            raise InputError(f"the weights {list(w_shape)} do not fit the input {list(x_shape)}")
        strides = _per_axis(attributes, "strides", spatial)
        output_padding = list(_per_axis(attributes, "output_padding", spatial, default=0))
        auto_pad = _auto_pad(attributes)
        if "output_shape" in attributes or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            targets = (
                list(attributes["output_shape"])[-len(spatial) :]
                if "output_shape" in attributes
                else [size * stride for size, stride in zip(spatial, strides, strict=True)]
            )
            if len(targets) != len(spatial):
                raise InputError(f"output_shape {targets} has not one entry per spatial axis ({len(spatial)})")
            pads: list[tuple[int, int]] = []
            for axis, target in enumerate(targets):
                full = strides[axis] * (spatial[axis] - 1) + output_padding[axis] + kernel[axis]
                total = full - target
                if total < 0:  # a larger output than the full one: extra rows at the end, as output_padding
                    output_padding[axis] -= total
                    total = 0
                small, large = total // 2, total - total // 2
                pads.append((small, large) if auto_pad == "SAME_UPPER" else (large, small))
        elif auto_pad == "VALID":
            pads = [(0, 0)] * len(spatial)
        else:
            pads = _explicit_pads(attributes, spatial)
        operator = ConvTranspose(
            node.name,
            in_channels=x_shape[1],
            out_channels=w_shape[1],
            input_hw=_pair(spatial, 1),
            kernel=_pair(kernel, 1),
            stride=_pair(strides, 1),
            padding=_padding(pads),
            output_padding=_pair(tuple(output_padding), 0),
            batch=x_shape[0],
        )
        self._check_output(node, operator.output_hw)
        return operator

    def _gemm(self, node: _Node) -> MatMul:
        """Gemm: one product of two matrices, transA/transB undone (its bias C adds no MACs)."""
        a_shape, b_shape = self._input_shape(node, 0), self._input_shape(node, 1)
        if len(a_shape) != 2 or len(b_shape) != 2:
            raise InputError(f"Gemm needs two matrices, got shapes {list(a_shape)} and {list(b_shape)}")
        attributes = _attributes(node)
        m, k = reversed(a_shape) if attributes.get("transA", 0) else a_shape
        k_b, n = reversed(b_shape) if attributes.get("transB", 0) else b_shape
        if k != k_b:
            raise InputError(f"the inner sizes differ ({k} and {k_b})")
        return self._product(node, m, k, n, (), ())

    def _matmul(self, node: _Node) -> MatMul:
        """MatMul with NumPy semantics: vectors become one-row or one-column matrices."""
        a_shape, b_shape = self._input_shape(node, 0), self._input_shape(node, 1)
        if not a_shape or not b_shape:
            raise InputError("MatMul of a scalar")
        a_matrix = (1, *a_shape) if len(a_shape) == 1 else a_shape
        b_matrix = (*b_shape, 1) if len(b_shape) == 1 else b_shape
        (m, k), (k_b, n) = a_matrix[-2:], b_matrix[-2:]
        if k != k_b:
            raise InputError(f"the inner sizes differ ({k} and {k_b})")
        return self._product(node, m, k, n, a_matrix[:-2], b_matrix[:-2])

    def _product(self, node: _Node, m: int, k: int, n: int, a_batch: tuple[int, ...], b_batch: tuple[int, ...]) -> MatMul:
        """(batch x) m x k @ k x n; a constant operand is the weight (a left one by transposing the product)."""
        a_constant, b_constant = (node.proto.input[i] in self.constants for i in (0, 1))
        if a_constant and not b_constant:  # C = A B  <=>  C^T = B^T A^T: the weight on the right
            m, n, a_batch, b_batch = n, m, b_batch, a_batch
        weight = a_constant or b_constant
        if weight and math.prod(b_batch) == 1:  # one weight matrix shared by every row: fold rows into m
            return MatMul(node.name, m * math.prod(a_batch), k, n, batch=1, weight_operand=True)
        try:
            batch = math.prod(_broadcast(a_batch, b_batch))
        except ValueError:
            raise InputError(f"the batch sizes {list(a_batch)} and {list(b_batch)} do not broadcast") from None
        return MatMul(node.name, m, k, n, batch=batch, weight_operand=weight)

    def _pool(self, node: _Node) -> Pool:
        """MaxPool or AveragePool; ceil_mode becomes extra end padding that gives its output count."""
        x_shape = self._input_shape(node, 0)
        spatial = self._spatial(node, x_shape)
        attributes = _attributes(node)
        if "kernel_shape" not in attributes:
            raise InputError("no kernel_shape")
        kernel = tuple(int(size) for size in attributes["kernel_shape"])
        dilations = _per_axis(attributes, "dilations", spatial)
        if any(d != 1 for d in dilations):
            raise _Unsupported(f"{node.op_type} with dilations {list(dilations)}")
        strides = _per_axis(attributes, "strides", spatial)
        pads = _pads(attributes, spatial, kernel, strides, dilations)
        if attributes.get("ceil_mode", 0) and _auto_pad(attributes) == "NOTSET":
            pads = [
                (before, after + _ceil_extra(size, k, s, before, after))
                for size, k, s, (before, after) in zip(spatial, kernel, strides, pads, strict=True)
            ]
        operator = Pool(
            node.name,
            kind="max" if node.op_type == "MaxPool" else "average",
            channels=x_shape[1],
            input_hw=_pair(spatial, 1),
            kernel=_pair(kernel, 1),
            stride=_pair(strides, 1),
            padding=_padding(pads),
            batch=x_shape[0],
        )
        self._check_output(node, operator.output_hw)
        return operator

    def _global_pool(self, node: _Node) -> Pool:
        """Global pooling: one window the size of the input."""
        x_shape = self._input_shape(node, 0)
        spatial = _pair(self._spatial(node, x_shape), 1)
        kind = "max" if node.op_type == "GlobalMaxPool" else "average"
        return Pool(node.name, kind=kind, channels=x_shape[1], input_hw=spatial, kernel=spatial, batch=x_shape[0])

    def _elementwise(self, node: _Node) -> Elementwise:
        """An element-wise operator of the output shape reading its non-constant inputs."""
        variables = [str(name) for name in node.proto.input if name and name not in self.constants]
        for name in variables:  # an unknown input explains an unknown output best
            self._shape(node, name)
        shape = self._shape(node, str(node.proto.output[0])) or (1,)
        inputs = 1 if node.op_type == "Concat" else len(variables)  # Concat's inputs make one output-sized tensor
        return Elementwise(node.name, kind=node.op_type.lower(), shape=shape, inputs=max(inputs, 1))


def _tensor_shapes(onnx: Any, model: Any, nodes: list[_Node], unsupported: set[int], source: str) -> dict[str, tuple[int, ...] | None]:
    """Concrete shapes of the tensors of a shape-inferred model, completed node by node where ONNX stops.

    Exporters compute reshape targets from ``Shape`` at run time, and ONNX's data propagation gives up at
    ``Div`` or a computed ``Slice`` end; with every input size fixed those values are constants, so they
    are evaluated (small tensors only, with the ONNX reference runtime) and each node's shapes inferred anew.
    """
    graph = model.graph
    types: dict[str, Any] = {str(info.name): info.type for info in (*graph.input, *graph.value_info, *graph.output)}
    initializers = {str(tensor.name): tensor for tensor in graph.initializer}
    for tensor in graph.initializer:
        types[str(tensor.name)] = onnx.helper.make_tensor_type_proto(tensor.data_type, list(tensor.dims))
    supported = [node for node in nodes if node.index not in unsupported]
    if all(_concrete_shape(types.get(str(name))) is not None for node in supported for name in node.proto.output if name):
        return {name: _concrete_shape(type_proto) for name, type_proto in types.items()}
    opsets = {("" if entry.domain == "ai.onnx" else str(entry.domain)): int(entry.version) for entry in model.opset_import}
    values: dict[str, Any] = {}

    def value(name: str) -> Any:
        if name not in values and name in initializers and math.prod(initializers[name].dims) <= _FOLD_LIMIT_ELEMENTS:
            values[name] = onnx.numpy_helper.to_array(initializers[name])
        return values.get(name)

    for node in supported:
        inputs = [str(name) for name in node.proto.input if name]
        outputs = [str(name) for name in node.proto.output if name]
        results = _folded(onnx, node, [_concrete_shape(types.get(name)) for name in inputs], [value(name) for name in inputs], opsets)
        if results is not None:
            for name, array in zip(outputs, results, strict=False):
                types[name] = onnx.helper.make_tensor_type_proto(onnx.helper.np_dtype_to_tensor_dtype(array.dtype), array.shape)
                if array.size <= _FOLD_LIMIT_ELEMENTS:
                    values[name] = array
            continue
        if all(_concrete_shape(types.get(name)) is not None for name in outputs) or any(name not in types for name in inputs):
            continue
        data = {name: onnx.numpy_helper.from_array(value(name), name) for name in inputs if value(name) is not None}
        try:
            schema = onnx.defs.get_schema(node.op_type, opsets.get("", 1), "")
            inferred = onnx.shape_inference.infer_node_outputs(schema, node.proto, {name: types[name] for name in inputs}, data)
        except Exception as error:  # ValidationError, InferenceError, SchemaError: the node does not fit its inputs
            raise InputError(f"node {node.label} ({node.op_type}): ONNX shape inference failed: {_one_line(str(error))}", source) from None
        for name, type_proto in inferred.items():
            if _concrete_shape(type_proto) is not None or name not in types:
                types[name] = type_proto
    return {name: _concrete_shape(type_proto) for name, type_proto in types.items()}


def _folded(onnx: Any, node: _Node, shapes: list[tuple[int, ...] | None], values: list[Any], opsets: dict[str, int]) -> list[Any] | None:
    """The outputs of a node whose inputs are all known small constants (or Shape/Size of a known shape), else None."""
    if node.op_type in ("Shape", "Size"):
        if not shapes or shapes[0] is None:
            return None
        import numpy

        if node.op_type == "Size":
            return [numpy.array(math.prod(shapes[0]), dtype=numpy.int64)]
        attributes = _attributes(node)
        return [numpy.array(shapes[0], dtype=numpy.int64)[attributes.get("start", 0) : attributes.get("end")]]
    if any(value is None for value in values):
        return None
    from onnx.reference import ReferenceEvaluator

    names = [str(name) for name in node.proto.input if name]
    try:
        results = ReferenceEvaluator(node.proto, opsets=opsets).run(None, dict(zip(names, values, strict=True)))
    except Exception:  # an operator the reference runtime cannot fold: its shapes come from inference instead
        return None
    return list(results)


def _concrete_shape(type_proto: Any) -> tuple[int, ...] | None:
    """The concrete shape of a tensor type, None when it or any dimension is unknown."""
    if type_proto is None or not type_proto.HasField("tensor_type") or not type_proto.tensor_type.HasField("shape"):
        return None
    dims = type_proto.tensor_type.shape.dim
    if any(dim.WhichOneof("value") != "dim_value" for dim in dims):
        return None
    return tuple(int(dim.dim_value) for dim in dims)


def _attributes(node: _Node) -> dict[str, Any]:
    """The node's attributes as Python values, by name."""
    import onnx.helper

    return {str(attribute.name): onnx.helper.get_attribute_value(attribute) for attribute in node.proto.attribute}


def _auto_pad(attributes: dict[str, Any]) -> str:
    """The auto_pad attribute as text (NOTSET when absent)."""
    value = attributes.get("auto_pad", "NOTSET")
    return value.decode() if isinstance(value, bytes) else str(value)


def _per_axis(attributes: dict[str, Any], name: str, spatial: tuple[int, ...], default: int = 1) -> tuple[int, ...]:
    """A per-spatial-axis attribute such as strides or dilations, `default` on every axis when absent."""
    values = tuple(int(value) for value in attributes.get(name, [default] * len(spatial)))
    if len(values) != len(spatial):
        raise InputError(f"{name} {list(values)} has not one entry per spatial axis ({len(spatial)})")
    return values


def _explicit_pads(attributes: dict[str, Any], spatial: tuple[int, ...]) -> list[tuple[int, int]]:
    """ONNX pads [x1_begin, x2_begin, ..., x1_end, x2_end] as (begin, end) per axis."""
    pads = [int(pad) for pad in attributes.get("pads", [0] * 2 * len(spatial))]
    if len(pads) != 2 * len(spatial) or min(pads) < 0:
        raise InputError(f"pads {pads} are not two non-negative entries per spatial axis")
    return list(zip(pads[: len(spatial)], pads[len(spatial) :], strict=True))


def _pads(
    attributes: dict[str, Any],
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    dilations: tuple[int, ...],
) -> list[tuple[int, int]]:
    """Padding (begin, end) per axis of a convolution or pooling, auto_pad resolved as ONNX defines it."""
    auto_pad = _auto_pad(attributes)
    if auto_pad == "VALID":
        return [(0, 0)] * len(spatial)
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        return _explicit_pads(attributes, spatial)
    pads = []
    for size, k, stride, dilation in zip(spatial, kernel, strides, dilations, strict=True):
        outputs = -(-size // stride)
        total = max(0, (outputs - 1) * stride + dilation * (k - 1) + 1 - size)
        small, large = total // 2, total - total // 2
        pads.append((small, large) if auto_pad == "SAME_UPPER" else (large, small))
    return pads


def _ceil_extra(size: int, kernel: int, stride: int, before: int, after: int) -> int:
    """End padding that makes floor division give ceil_mode's output count (no window starts in the end padding)."""
    outputs = -(-(size + before + after - kernel) // stride) + 1
    if (outputs - 1) * stride >= size + before:
        outputs -= 1
    return max(0, (outputs - 1) * stride + kernel - (size + before + after))


def _pair(values: tuple[int, ...], fill: int) -> tuple[int, int]:
    """(height, width) of one or two spatial values; a single axis is the width, with height `fill`."""
    return (fill, values[0]) if len(values) == 1 else (values[0], values[1])


def _padding(pads: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of per-axis (begin, end) pads."""
    (top, bottom), (left, right) = pads if len(pads) == 2 else [(0, 0), pads[0]]
    return top, bottom, left, right


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy broadcasting of two shapes; ValueError when they do not broadcast."""
    width = max(len(a), len(b))
    result = []
    for x, y in zip((1,) * (width - len(a)) + a, (1,) * (width - len(b)) + b, strict=True):
        if x != y and 1 not in (x, y):
            raise ValueError(f"{a} and {b}")
        result.append(max(x, y))
    return tuple(result)


def _size(sizes: tuple[int, ...]) -> str:
    """Sizes written as in messages: ``4x4``."""
    return "x".join(str(size) for size in sizes)
