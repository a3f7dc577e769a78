"""Checks on an ONNX file and its ModelProto before the onnx package's own machinery reads them.

ONNX's shape inference and `numpy_helper` trust the file: a tensor read before it is written, a name
defined twice, an initialiser whose dims disagree with its data or a version the package does not know
make them fail with messages that name neither file nor node, or raise exceptions the readers do not
expect. So the reader checks here, in one pass each, what those libraries assume, and sizes against
`mapscope.limits` before anything is allocated:

- the file: a regular file (a FIFO or device would block or never end) of at most MAX_ONNX_FILE_BYTES;
- the versions: an IR version and standard opset the installed onnx package knows;
- the graph: at most MAX_LAYERS nodes, each tensor defined once, every node input defined by an earlier
  node, a graph input or an initialiser (so no cycles), every graph output computed;
- the graph inputs: every size positive and at most MAX_SIZE once dynamic dimensions have values;
- the initialisers: a known data type, dims within MAX_SIZE, stored data as long as the dims say.

Weights are never read: mapscope needs shapes. Initialisers stored outside the file (external data) are
never opened — following their paths would let a model read any file the user can, or /dev/zero — and,
with the large ones and those whose values cannot become NumPy arrays, they become graph inputs of the
same type and shape: shape inference sees their shapes, nothing reads their values.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.bounded_read import read_at_most
from mapscope.limits import MAX_LAYERS, MAX_ONNX_FILE_BYTES, MAX_SIZE, quoted

#: Longest message of the onnx package quoted in an error (its inference errors can list every node).
_LIBRARY_MESSAGE_CHARS = 300
#: TensorProto.DataLocation.EXTERNAL.
_EXTERNAL = 1
#: Bits per element of the packed types (raw_data holds ceil(elements * bits / 8) bytes); by name,
#: since older onnx packages lack some of them.
_PACKED_BITS = {"INT4": 4, "UINT4": 4, "FLOAT4E2M1": 4, "INT2": 2, "UINT2": 2, "FLOAT6E2M3": 6, "FLOAT6E3M2": 6}


@dataclass(frozen=True)
class GraphNode:
    """One graph node with its unique operator name and its label for messages."""

    proto: Any
    index: int
    name: str
    label: str

    @property
    def op_type(self) -> str:
        """The ONNX operator type, e.g. ``Conv`` (shortened when it is not a plain identifier)."""
        return _op_type(self.proto)

    @property
    def described(self) -> str:
        """``node 'c1' (Conv)``: how messages name the node."""
        return f"node {self.label} ({self.op_type})"


def named_nodes(graph: Any) -> list[GraphNode]:
    """The graph's nodes with unique names: empty or repeated ones become ``Conv_3`` (op type, index)."""
    taken = {str(node.name) for node in graph.node if node.name}
    used: set[str] = set()
    nodes = []
    for index, proto in enumerate(graph.node):
        name = str(proto.name)
        label = quoted(name) if name else f"{_op_type(proto)} #{index}"
        if not name or name in used:
            base, suffix = name or str(proto.op_type), index
            while f"{base}_{suffix}" in taken or f"{base}_{suffix}" in used:
                suffix += 1
            name = f"{base}_{suffix}"
        used.add(name)
        nodes.append(GraphNode(proto, index, name, label))
    return nodes


def library_message(error: BaseException) -> str:
    """An exception of the onnx or protobuf package as one line of bounded length (its type when empty)."""
    text = " ".join(str(error).split()) or type(error).__name__
    if len(text) > _LIBRARY_MESSAGE_CHARS:
        text = text[: _LIBRARY_MESSAGE_CHARS - 4].rstrip() + " ..."
    return text


def read_model_bytes(path: str | os.PathLike[str], source: str) -> bytes:
    """The bytes of an ONNX file: a regular file of at most MAX_ONNX_FILE_BYTES, checked before reading."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block the open
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or type(error).__name__}", source) from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise InputError("cannot read the file: not a regular file", source)
        if status.st_size > MAX_ONNX_FILE_BYTES:
            raise InputError(
                f"the file has {status.st_size:,} bytes; at most {MAX_ONNX_FILE_BYTES:,} are read (MAX_ONNX_FILE_BYTES): "
                "save the weights as external data, mapscope reads shapes only",
                source,
            )
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = read_at_most(handle, MAX_ONNX_FILE_BYTES)
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or type(error).__name__}", source) from None
    finally:
        os.close(descriptor)
    if len(data) > MAX_ONNX_FILE_BYTES:  # it grew while being read
        raise InputError(f"the file has more than {MAX_ONNX_FILE_BYTES:,} bytes (MAX_ONNX_FILE_BYTES)", source)
    return data


def check_versions(onnx: Any, proto: Any, source: str) -> None:
    """An IR version and opsets the installed onnx package knows, each domain imported once."""
    if not proto.HasField("graph") or not proto.opset_import or proto.ir_version <= 0:
        raise InputError("not a valid ONNX model: no IR version, graph or opset", source)
    hint = "upgrade the onnx package (pip install -U onnx) or export with an older opset"
    if proto.ir_version > onnx.IR_VERSION:
        raise InputError(f"IR version {proto.ir_version} is newer than the installed onnx package reads ({onnx.IR_VERSION}): {hint}", source)
    newest = onnx.defs.onnx_opset_version()
    seen: set[str] = set()
    for entry in proto.opset_import:
        domain = "" if entry.domain == "ai.onnx" else str(entry.domain)
        if domain in seen:
            raise InputError(f"opset domain {quoted(domain or 'ai.onnx')} is imported twice", source)
        seen.add(domain)
        if domain == "" and not 1 <= entry.version <= newest:
            if entry.version > newest:
                raise InputError(f"opset {entry.version} is newer than the installed onnx package knows ({newest}): {hint}", source)
            raise InputError(f"opset version {entry.version} is not a valid ONNX opset (1 to {newest})", source)


def check_node_count(graph: Any, source: str) -> None:
    """At most MAX_LAYERS nodes, checked before anything walks them."""
    if len(graph.node) > MAX_LAYERS:
        raise InputError(f"the graph has {len(graph.node):,} nodes; at most {MAX_LAYERS:,} are read (MAX_LAYERS)", source)


def check_graph(graph: Any, nodes: list[GraphNode], source: str) -> None:
    """Every tensor defined once and before it is read (so no cycles); `nodes` are the graph's, named."""
    if graph.sparse_initializer:
        raise InputError(f"sparse initialiser {quoted(str(graph.sparse_initializer[0].values.name))} is not supported", source)
    defined: dict[str, str] = {}

    def define(name: str, by: str) -> None:
        if name in defined:
            raise InputError(f"tensor {quoted(name)} is defined twice: by {defined[name]} and by {by}", source)
        defined[name] = by

    for info in graph.input:
        define(str(info.name), "a graph input")
    for tensor in graph.initializer:
        name = str(tensor.name)
        if not name:
            raise InputError("an initialiser has no name", source)
        if defined.get(name) != "a graph input":  # an initialiser may also be listed as an input (IR version 3)
            define(name, "an initialiser")
        defined[name] = "an initialiser"
    later = {str(output): index for index, node in enumerate(graph.node) for output in node.output if output}
    for index, node in enumerate(graph.node):
        label = nodes[index].described
        for name in node.input:
            if name and name not in defined:
                if name in later:
                    raise InputError(
                        f"{label} reads tensor {quoted(str(name))} before node {nodes[later[name]].label} computes it: "
                        "the graph has a cycle or its nodes are not in execution order",
                        source,
                    )
                raise InputError(f"{label} reads tensor {quoted(str(name))}, which no input, initialiser or node defines", source)
        for name in node.output:
            if name:
                define(str(name), label)
    for info in graph.output:
        if info.name not in defined:
            raise InputError(f"graph output {quoted(str(info.name))} is not computed by any node", source)


def check_input_sizes(graph: Any, constants: frozenset[str], source: str) -> None:
    """Every size of every graph input (dynamic dimensions already given) positive and at most MAX_SIZE."""
    for info in graph.input:
        if info.name in constants or not info.type.HasField("tensor_type"):
            continue
        for axis, dim in enumerate(info.type.tensor_type.shape.dim):
            if dim.WhichOneof("value") == "dim_value" and not 0 < dim.dim_value <= MAX_SIZE:
                problem = "not positive" if dim.dim_value <= 0 else f"above the largest size supported ({MAX_SIZE})"
                raise InputError(f"dimension {axis} of input {quoted(str(info.name))} is {dim.dim_value}, {problem}", source)


def prepare_initializers(onnx: Any, graph: Any, fold_limit_elements: int, source: str) -> frozenset[str]:
    """Check every initialiser and keep inline only the small ones NumPy can read; the others become
    graph inputs of the same type and shape (their values are never read). Returns every initialiser's name."""
    constants = frozenset(str(tensor.name) for tensor in graph.initializer)
    inputs = {str(info.name): info for info in graph.input}
    kept = []
    for tensor in graph.initializer:
        readable = _check_initializer(onnx, tensor, source)
        if readable and math.prod(tensor.dims) <= fold_limit_elements:
            kept.append(tensor)
            continue
        value_info = onnx.helper.make_tensor_value_info(tensor.name, tensor.data_type, list(tensor.dims))
        if tensor.name in inputs:
            inputs[tensor.name].CopyFrom(value_info)
        else:
            graph.input.append(value_info)
    if len(kept) < len(graph.initializer):
        copies = []
        for tensor in kept:
            copy = onnx.TensorProto()
            copy.CopyFrom(tensor)
            copies.append(copy)
        del graph.initializer[:]
        graph.initializer.extend(copies)
    return constants


def _check_initializer(onnx: Any, tensor: Any, source: str) -> bool:
    """Check one initialiser's type, dims and stored length; True when numpy_helper may read its values."""
    name = quoted(str(tensor.name))
    try:
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type)
        type_name = onnx.helper.tensor_dtype_to_string(tensor.data_type)
    except (KeyError, ValueError):
        raise InputError(f"initialiser {name} has unknown data type {tensor.data_type}", source) from None
    if tensor.data_type == onnx.TensorProto.UNDEFINED:
        raise InputError(f"initialiser {name} has no data type", source)
    for dim in tensor.dims:
        if not 0 <= dim <= MAX_SIZE:
            raise InputError(f"initialiser {name} has dims {quoted(list(tensor.dims))}: each must be 0 to {MAX_SIZE}", source)
    if tensor.data_location == _EXTERNAL or tensor.HasField("segment"):
        return False  # stored elsewhere: never opened, only its shape is used
    elements = math.prod(tensor.dims)
    bits = _PACKED_BITS.get(type_name.removeprefix("TensorProto."))
    if tensor.HasField("raw_data"):
        if tensor.data_type == onnx.TensorProto.STRING:
            raise InputError(f"initialiser {name} stores strings as raw data", source)
        expected = -(-elements * bits // 8) if bits else elements * dtype.itemsize
        stored, unit = len(tensor.raw_data), "bytes"
    elif bits:
        return False  # packed values in a typed field: never read, so their layout is not checked
    else:
        field = onnx.helper.tensor_dtype_to_field(tensor.data_type)
        expected = elements * (2 if dtype.kind == "c" else 1)
        stored, unit = len(getattr(tensor, field)), f"values in {field}"
    if stored != expected:
        raise InputError(
            f"initialiser {name} has dims {quoted(list(tensor.dims))} ({elements:,} elements, {expected:,} {unit}) "
            f"but holds {stored:,} {unit}",
            source,
        )
    return dtype.kind in "biuf" and not bits


def _op_type(node: Any) -> str:
    """A node's operator type for messages, shortened when it is not a plain identifier."""
    op_type = str(node.op_type)
    return op_type if op_type.isidentifier() and len(op_type) <= 80 else quoted(op_type)
