"""ONNX nodes as mapscope operators: Conv, ConvTranspose, Gemm, MatMul, Attention, pooling and element-wise ones.

`GraphReader` holds the shapes of a shape-inferred graph (`onnx_shapes`) and which tensors are constants;
`GraphReader.operators` turns one node into its operators (one, or three for Attention), reading its
attributes through `onnx_attributes` and checking its output size against ONNX shape inference. Which op
types are read, and what each becomes, is the operator table both importers share (`operator_table`):
`CONVERTERS` has one entry per compute or pooling op type of the table, every other op type of the table
becomes an `Elementwise` named after its operation. A node it cannot describe raises `Unsupported`; every
other problem is an InputError naming the file and the node.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.importers.onnx_attributes import NodeAttributes, auto_pad, explicit_pads, kernel_shape, per_axis, window_pads
from mapscope.formats.importers.onnx_checks import GraphNode
from mapscope.formats.importers.onnx_shapes import Shapes
from mapscope.formats.importers.operator_table import ONNX_OPERATIONS, attention_operators
from mapscope.limits import quoted
from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    Elementwise,
    MatMul,
    Operator,
    Pool,
)


class Unsupported(Exception):
    """A node mapscope cannot describe; `what` names the operator, e.g. ``Conv with 3 spatial dimensions``."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class GraphReader:
    """Shapes and constness of the tensors of a shape-inferred graph, and the operator of each node."""

    def __init__(self, graph: Any, shapes: Shapes, constants: frozenset[str], source: str) -> None:
        self.source = source
        self.shapes = shapes
        self.constants = set(constants)
        self.producers = {str(output): node_index for node_index, node in enumerate(graph.node) for output in node.output}
        self.skipped: dict[int, GraphNode] = {}

    def all_inputs_constant(self, node: GraphNode) -> bool:
        """True when the node's result is known before any input arrives (so it costs nothing at run time)."""
        if node.op_type in ("Shape", "Size"):
            return True  # every shape is fixed once the dynamic dimensions have values
        return all(name in self.constants for name in node.proto.input if name)

    def mark_constant(self, node: GraphNode) -> None:
        """Record the node's outputs as constants, so the nodes reading only them are folded too."""
        self.constants.update(str(output) for output in node.proto.output if output)

    def operators(self, node: GraphNode) -> list[Operator]:
        """The operators the node computes; InputErrors (attributes, shapes, sizes) are located at the file and
        name the node."""
        try:
            converted = CONVERTERS.get(node.op_type, GraphReader._elementwise)(self, node)
            return converted if isinstance(converted, list) else [converted]
        except InputError as error:
            if error.where == self.source:
                raise
            raise InputError(f"{node.described}: {error.message}", self.source) from None

    def _shape(self, node: GraphNode, tensor: str) -> tuple[int, ...]:
        """The concrete shape of `tensor`, read by `node`; unknown is an error naming both."""
        shape = self.shapes.get(tensor)
        if shape is not None:
            return shape
        producer = self.skipped.get(self.producers.get(tensor, -1))
        cause = f" (it comes from skipped node {producer.label})" if producer else ""
        raise InputError(
            f"the shape of tensor {quoted(tensor)} of {node.described} is unknown after shape inference{cause}", self.source
        )

    def _input_shape(self, node: GraphNode, position: int, rank: int | None = None) -> tuple[int, ...]:
        """The shape of the node's input at `position`, which must be present (and have `rank` axes when given)."""
        inputs = node.proto.input
        if position >= len(inputs) or not inputs[position]:
            raise InputError(f"{node.described} lacks input {position + 1}", self.source)
        shape = self._shape(node, str(inputs[position]))
        if rank is not None and len(shape) != rank:
            raise InputError(f"input {position + 1} has shape {_shown(shape)}, not {rank} axes like the input")
        return shape

    def _output_shape(self, node: GraphNode) -> tuple[int, ...]:
        """The shape of the node's first output, which must be named."""
        if not node.proto.output or not node.proto.output[0]:
            raise InputError(f"{node.described} has no output", self.source)
        return self._shape(node, str(node.proto.output[0]))

    def _check_output(self, node: GraphNode, computed: tuple[int, ...]) -> None:
        """Fail when our output size differs from ONNX shape inference's (the later shapes would be wrong)."""
        inferred = self._output_shape(node)[2:]
        if len(inferred) == 1:
            inferred = (1, *inferred)
        if inferred != computed:
            raise InputError(
                f"{node.described}: its output is {_size(computed)} by the ONNX operator definition "
                f"but ONNX shape inference says {_size(inferred)}, so the later shapes cannot be trusted",
                self.source,
            )

    def _feature_map(self, node: GraphNode) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The N x C x ... shape of the node's first input and its spatial sizes; three or more spatial axes
        are unsupported."""
        shape = self._input_shape(node, 0)
        if len(shape) < 3:
            raise InputError(f"the input has shape {_shown(shape)}; {node.op_type} needs batch, channels and spatial axes")
        spatial = shape[2:]
        if len(spatial) > 2:
            raise Unsupported(f"{node.op_type} with {len(spatial)} spatial dimensions")
        return shape, spatial

    def _conv(self, node: GraphNode) -> Conv:
        """Conv: channels from the input and weights, padding from pads or auto_pad."""
        x_shape, spatial = self._feature_map(node)
        w_shape = self._input_shape(node, 1, rank=len(x_shape))
        attributes = NodeAttributes(node.proto)
        kernel = kernel_shape(attributes, len(spatial), w_shape[2:])
        groups = attributes.integer("group", 1, minimum=1)
        if w_shape[1] * groups != x_shape[1]:
            raise InputError(f"the weights take {w_shape[1]} x {groups} groups input channels but the input has {x_shape[1]}")
        strides, dilations = per_axis(attributes, "strides", len(spatial)), per_axis(attributes, "dilations", len(spatial))
        pads = window_pads(attributes, spatial, kernel, strides, dilations)
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

    def _conv_transpose(self, node: GraphNode) -> ConvTranspose:
        """ConvTranspose without groups or dilation; output_shape and auto_pad become padding."""
        x_shape, spatial = self._feature_map(node)
        w_shape = self._input_shape(node, 1, rank=len(x_shape))
        rank = len(spatial)
        attributes = NodeAttributes(node.proto)
        groups = attributes.integer("group", 1, minimum=1)
        if groups != 1:
            raise Unsupported(f"ConvTranspose with {groups} groups")
        dilations = per_axis(attributes, "dilations", rank)
        if any(d != 1 for d in dilations):
            raise Unsupported(f"ConvTranspose with dilations {list(dilations)}")
        kernel = kernel_shape(attributes, rank, w_shape[2:])
        if w_shape[0] != x_shape[1]:
            raise InputError(f"the weights {_shown(w_shape)} do not fit the input {_shown(x_shape)}")
        strides = per_axis(attributes, "strides", rank)
        output_padding = list(per_axis(attributes, "output_padding", rank, default=0, minimum=0))
        mode = auto_pad(attributes)
        targets = attributes.integers("output_shape", lengths=(rank, rank + 2), minimum=1)
        if targets is not None or mode in ("SAME_UPPER", "SAME_LOWER"):
            if targets is None:
                targets = tuple(size * stride for size, stride in zip(spatial, strides, strict=True))
            pads: list[tuple[int, int]] = []
            for axis, target in enumerate(targets[-rank:]):
                full = strides[axis] * (spatial[axis] - 1) + output_padding[axis] + kernel[axis]
                total = full - target
                if total < 0:  # a larger output than the full one: extra rows at the end, as output_padding
                    output_padding[axis] -= total
                    total = 0
                small, large = total // 2, total - total // 2
                pads.append((small, large) if mode == "SAME_UPPER" else (large, small))
        elif mode == "VALID":
            pads = [(0, 0)] * rank
        else:
            pads = explicit_pads(attributes, rank)
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

    def _gemm(self, node: GraphNode) -> MatMul:
        """Gemm: one product of two matrices, transA/transB undone (its bias C adds no MACs)."""
        a_shape, b_shape = self._input_shape(node, 0), self._input_shape(node, 1)
        if len(a_shape) != 2 or len(b_shape) != 2:
            raise InputError(f"Gemm needs two matrices, got shapes {_shown(a_shape)} and {_shown(b_shape)}")
        attributes = NodeAttributes(node.proto)
        m, k = reversed(a_shape) if attributes.flag("transA") else a_shape
        k_b, n = reversed(b_shape) if attributes.flag("transB") else b_shape
        if k != k_b:
            raise InputError(f"the inner sizes differ ({k} and {k_b})")
        return self._product(node, m, k, n, (), ())

    def _matmul(self, node: GraphNode) -> MatMul:
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

    def _product(self, node: GraphNode, m: int, k: int, n: int, a_batch: tuple[int, ...], b_batch: tuple[int, ...]) -> MatMul:
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
            raise InputError(f"the batch sizes {_shown(a_batch)} and {_shown(b_batch)} do not broadcast") from None
        return MatMul(node.name, m, k, n, batch=batch, weight_operand=weight)

    def _pool(self, node: GraphNode) -> Pool:
        """MaxPool or AveragePool; ceil_mode becomes extra end padding that gives its output count."""
        x_shape, spatial = self._feature_map(node)
        rank = len(spatial)
        attributes = NodeAttributes(node.proto)
        kernel = kernel_shape(attributes, rank)
        dilations = per_axis(attributes, "dilations", rank)
        if any(d != 1 for d in dilations):
            raise Unsupported(f"{node.op_type} with dilations {list(dilations)}")
        strides = per_axis(attributes, "strides", rank)
        pads = window_pads(attributes, spatial, kernel, strides, dilations)
        if attributes.flag("ceil_mode") and auto_pad(attributes) == "NOTSET":
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

    def _global_pool(self, node: GraphNode) -> Pool:
        """Global pooling: one window the size of the input."""
        x_shape, spatial = self._feature_map(node)
        window = _pair(spatial, 1)
        kind = "max" if node.op_type == "GlobalMaxPool" else "average"
        return Pool(node.name, kind=kind, channels=x_shape[1], input_hw=window, kernel=window, batch=x_shape[0])

    def _attention(self, node: GraphNode) -> list[Operator]:
        """Attention (opset 23): Q, K, V of 4 axes (batch, heads, length, size), or of 3 with q_num_heads and
        kv_num_heads; a past key adds its length to the keys."""
        q_shape, k_shape, v_shape = (self._input_shape(node, position) for position in (0, 1, 2))
        if not len(q_shape) == len(k_shape) == len(v_shape) or len(q_shape) not in (3, 4):
            raise InputError(f"Q, K and V must all have 3 or all 4 axes, got {_shown(q_shape)}, {_shown(k_shape)}, {_shown(v_shape)}")
        if len(q_shape) == 4:
            (samples, heads, queries, key_size), keys, value_size = q_shape, k_shape[2], v_shape[3]
        else:
            attributes = NodeAttributes(node.proto)
            if "q_num_heads" not in attributes or "kv_num_heads" not in attributes:
                raise InputError("Attention with 3-axis inputs needs attributes q_num_heads and kv_num_heads")
            heads, kv_heads = (attributes.integer(name, 1, minimum=1) for name in ("q_num_heads", "kv_num_heads"))
            if q_shape[2] % heads or v_shape[2] % kv_heads:
                raise InputError(f"{heads} and {kv_heads} heads do not divide the sizes of Q {_shown(q_shape)} and V {_shown(v_shape)}")
            (samples, queries), keys = q_shape[:2], k_shape[1]
            key_size, value_size = q_shape[2] // heads, v_shape[2] // kv_heads
        if len(node.proto.input) > 4 and node.proto.input[4]:  # past_key: (batch, kv heads, past length, size)
            keys += self._input_shape(node, 4, rank=4)[2]
        return attention_operators(node.name, (samples, heads), queries, keys, key_size, value_size, "_")

    def _elementwise(self, node: GraphNode) -> Elementwise:
        """An element-wise operator of the output shape, named after its operation, reading its non-constant inputs."""
        variables = [str(name) for name in node.proto.input if name and name not in self.constants]
        for name in variables:  # an unknown input explains an unknown output best
            self._shape(node, name)
        shape = self._output_shape(node) or (1,)
        operation = ONNX_OPERATIONS[node.op_type].name
        inputs = 1 if operation == "concat" else len(variables)  # Concat's inputs make one output-sized tensor
        return Elementwise(node.name, kind=operation, shape=shape, inputs=max(inputs, 1))


#: ONNX op type -> its converter, for every op type of the operator table that computes or pools.
CONVERTERS: dict[str, Callable[[GraphReader, GraphNode], Operator | list[Operator]]] = {
    "Conv": GraphReader._conv,
    "ConvTranspose": GraphReader._conv_transpose,
    "Gemm": GraphReader._gemm,
    "MatMul": GraphReader._matmul,
    "Attention": GraphReader._attention,
    "MaxPool": GraphReader._pool,
    "AveragePool": GraphReader._pool,
    "GlobalAveragePool": GraphReader._global_pool,
    "GlobalMaxPool": GraphReader._global_pool,
}


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


def _shown(shape: tuple[int, ...]) -> str:
    """A shape as a list in messages, shortened when it has many axes."""
    return quoted(list(shape))


def _size(sizes: tuple[int, ...]) -> str:
    """Sizes written as in messages: ``4x4``."""
    return "x".join(str(size) for size in sizes)
