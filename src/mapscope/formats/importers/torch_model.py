"""PyTorch modules as mapscope `Model`s: trace with torch.fx, run once for shapes, map each node to operators.

torch.fx's symbolic tracer is used rather than `torch.export`: it keeps every torch.nn layer as one
``call_module`` node named by its qualified name (``layer1.0.conv1``) with the layer's own settings
(padding strings, ceil_mode, MultiheadAttention's heads), where export decomposes layers into ATen ops
whose names and arguments would have to be pieced back together; both reject data-dependent control
flow, and fx needs no compiler stack. Unlike `symbolic_trace`'s default, buffers are traced as graph
values, so slicing a causal mask or position ids by the sequence length traces. `ShapeProp` then runs
the traced graph on the example inputs (eval mode, no gradients), so every size is the one PyTorch
computed; each convolution, pooling and product is checked against PyTorch's output size, so a mapping
mistake is an error, never a wrong number.

torch is an optional extra (``pip install 'mapscope[torch]'``), imported only when a module is imported.
"""

from __future__ import annotations

import contextlib
import io
import operator
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from math import prod
from typing import TYPE_CHECKING, Any

from mapscope.errors import InputError
from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    Elementwise,
    MatMul,
    Model,
    Operator,
    Pool,
    transposed_output_size,
)

if TYPE_CHECKING:
    import torch
    from torch.fx import GraphModule, Node

Shape = tuple[int, ...]

#: Tensor methods that only move or re-view data (no arithmetic): left out and counted in a note.
_SHAPE_METHODS = frozenset(
    "view view_as reshape reshape_as flatten unflatten permute transpose t contiguous size dim chunk split "
    "unbind unsqueeze squeeze expand expand_as repeat narrow to type type_as float half double detach clone".split()
)
_ELEMENTWISE_METHODS = {
    "relu": "relu", "relu_": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "exp": "exp",
    "sqrt": "sqrt", "rsqrt": "rsqrt", "pow": "pow", "neg": "neg", "add": "add", "add_": "add", "sub": "sub",
    "sub_": "sub", "mul": "mul", "mul_": "mul", "div": "div", "div_": "div", "masked_fill": "masked_fill",
    "masked_fill_": "masked_fill", "eq": "compare", "ne": "compare", "logical_not": "not",
}  # fmt: skip
_MATMUL_METHODS = frozenset({"matmul", "bmm", "mm"})
_CONV_ARGUMENTS = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
_CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1}
_CONV_TRANSPOSE_ARGUMENTS = ("input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation")
_POOL_ARGUMENTS = ("input", "kernel_size", "stride", "padding", "dilation")  # avg_pool2d's 5th is ceil_mode
_SDPA_ARGUMENTS = ("query", "key", "value")
_MHA_ARGUMENTS = ("query", "key", "value")


@dataclass(frozen=True)
class _Tables:
    """What torch.nn classes and torch functions map to; built once torch is imported."""

    noop_modules: tuple[type, ...]
    elementwise_modules: tuple[tuple[type, str], ...]
    shape_functions: frozenset[Any]
    elementwise_functions: dict[Any, str]
    concat_functions: frozenset[Any]
    matmul_functions: frozenset[Any]
    functions: dict[Any, str]  # other supported functions -> handler key


@cache
def _tables() -> _Tables:
    """The dispatch tables (cached; the torch objects exist only once torch is imported)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    return _Tables(
        noop_modules=(nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.Identity,
                      nn.Flatten, nn.Unflatten),
        elementwise_modules=(
            (nn.BatchNorm1d, "batch_norm"), (nn.BatchNorm2d, "batch_norm"), (nn.LayerNorm, "layer_norm"),
            (nn.GroupNorm, "group_norm"), (nn.ReLU, "relu"), (nn.ReLU6, "relu6"), (nn.LeakyReLU, "leaky_relu"),
            (nn.GELU, "gelu"), (nn.SiLU, "silu"), (nn.Sigmoid, "sigmoid"), (nn.Tanh, "tanh"),
            (nn.Hardswish, "hardswish"), (nn.Hardsigmoid, "hardsigmoid"), (nn.Softmax, "softmax"),
        ),
        shape_functions=frozenset({
            operator.getitem, getattr, torch.flatten, torch.reshape, torch.permute, torch.transpose, torch.t,
            torch.squeeze, torch.unsqueeze, torch.chunk, torch.split, torch.unbind, torch.narrow, F.pad,
            F.dropout, F.dropout2d,
        }),
        elementwise_functions={
            operator.add: "add", operator.iadd: "add", torch.add: "add", operator.sub: "sub", operator.isub: "sub",
            torch.sub: "sub", operator.mul: "mul", operator.imul: "mul", torch.mul: "mul",
            operator.truediv: "div", operator.itruediv: "div", torch.div: "div", operator.neg: "neg",
            torch.neg: "neg", torch.exp: "exp", torch.sqrt: "sqrt", torch.rsqrt: "rsqrt", torch.pow: "pow",
            torch.where: "where", torch.masked_fill: "masked_fill", F.relu: "relu", torch.relu: "relu",
            F.relu6: "relu6", F.gelu: "gelu", F.silu: "silu", F.sigmoid: "sigmoid", torch.sigmoid: "sigmoid",
            F.tanh: "tanh", torch.tanh: "tanh", F.hardswish: "hardswish", F.leaky_relu: "leaky_relu",
            F.softmax: "softmax", torch.softmax: "softmax", F.layer_norm: "layer_norm",
            F.batch_norm: "batch_norm", F.group_norm: "group_norm", operator.eq: "compare", operator.ne: "compare",
            operator.lt: "compare", operator.le: "compare", operator.gt: "compare", operator.ge: "compare",
            operator.invert: "not", torch.logical_not: "not",
        },
        concat_functions=frozenset({torch.cat, torch.concat, torch.stack}),
        matmul_functions=frozenset({torch.matmul, operator.matmul, torch.bmm, torch.mm}),
        functions={
            F.conv1d: "conv", F.conv2d: "conv", F.conv_transpose2d: "conv_transpose", F.linear: "linear",
            torch.addmm: "addmm", F.max_pool2d: "max_pool", F.avg_pool2d: "average_pool",
            F.adaptive_max_pool2d: "adaptive_max_pool", F.adaptive_avg_pool2d: "adaptive_average_pool",
            F.scaled_dot_product_attention: "attention",
        },
    )  # fmt: skip


def model_from_torch(
    module: torch.nn.Module,
    example_inputs: tuple[Any, ...] | torch.Tensor,
    *,
    name: str | None = None,
    skip_unsupported: bool = False,
) -> tuple[Model, tuple[str, ...]]:
    """Describe what `module` computes on `example_inputs` as a Model, with notes on what was left out.

    Every size comes from running the module once on `example_inputs` (batch = their first dimension);
    unsupported layers are errors unless `skip_unsupported`, when they are left out and noted.
    """
    try:
        import torch
    except ImportError:
        raise InputError("importing PyTorch modules needs torch: pip install 'mapscope[torch]'") from None
    if not isinstance(module, torch.nn.Module):
        raise InputError(f"expected a torch.nn.Module to import, got {type(module).__name__}")
    model_name = name or type(module).__name__
    where = f"PyTorch model {model_name}"
    if isinstance(example_inputs, torch.Tensor):
        inputs: tuple[Any, ...] = (example_inputs,)
    elif isinstance(example_inputs, (tuple, list)) and any(isinstance(x, torch.Tensor) for x in example_inputs):
        inputs = tuple(example_inputs)
    else:
        raise InputError(f"example inputs must be a tensor or a tuple of tensors, got {example_inputs!r:.60}", where)
    training_flags = [(submodule, submodule.training) for submodule in module.modules()]
    module.eval()  # before tracing too: `if self.training:` branches are resolved when traced
    try:
        with torch.no_grad():
            graph_module = _trace(module, len(inputs), where)
            _propagate_shapes(graph_module, inputs, where)
    finally:
        for submodule, flag in training_flags:
            submodule.training = flag
    builder = _Builder(where, skip_unsupported, _tables())
    for node in graph_module.graph.nodes:
        builder.translate(node, graph_module)
    if not builder.operators:
        raise InputError("nothing to import: the module computes no supported operation", where)
    return Model(model_name, tuple(builder.operators), source=where), builder.notes()


def _trace(module: torch.nn.Module, input_count: int, where: str) -> GraphModule:
    """Trace `module` with torch.fx; an untraceable forward is an InputError giving the tracer's reason.

    A torch.nn layer passed on its own (nn.MultiheadAttention, nn.Conv2d) becomes a one-node graph
    named after its class, since the tracer would otherwise trace through its forward.
    """
    from torch import nn
    from torch.fx import Graph, GraphModule, Tracer

    tracer = Tracer()
    tracer.proxy_buffer_attributes = True  # buffers as graph values: `self.mask[:, :length]` traces
    if tracer.is_leaf_module(module, ""):
        graph, root, layer = Graph(), nn.Module(), type(module).__name__
        root.add_module(layer, module)
        graph.output(graph.call_module(layer, tuple(graph.placeholder(f"input_{i}") for i in range(input_count))))
        return GraphModule(root, graph, layer)
    try:
        graph = tracer.trace(module)
    except Exception as error:  # TraceError, RuntimeError, TypeError...: the tracer's reason is the message
        raise InputError(
            f"torch.fx cannot trace {type(module).__name__}: {_first_line(error).split('. ')[0]} "
            "(data-dependent control flow cannot be traced)",
            where,
        ) from None
    return GraphModule(module, graph, type(module).__name__)


def _propagate_shapes(graph_module: GraphModule, inputs: tuple[Any, ...], where: str) -> None:
    """Run the traced graph on the inputs, recording each node's output shapes in ``node.meta``."""
    from torch.fx.passes.shape_prop import ShapeProp

    class _NamingShapeProp(ShapeProp):
        """ShapeProp that remembers the node it runs, to name it when the run fails."""

        current: Node | None = None

        def run_node(self, n: Node) -> Any:
            self.current = n
            return super().run_node(n)

    propagation = _NamingShapeProp(graph_module)
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints a traceback before re-raising
            propagation.propagate(*inputs)
    except Exception as error:
        node = propagation.current
        at = f" at node '{_label(node)}'" if node is not None else ""
        reason = _first_line(error.__cause__ or error)
        raise InputError(f"running the module on the example inputs failed{at}: {reason}", where) from None


def _first_line(error: BaseException) -> str:
    """The first non-blank line of an error's message, so that an InputError stays one line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _label(node: Node) -> str:
    """The name a node goes by: a module's qualified name, else the fx node name."""
    return str(node.target) if node.op == "call_module" else node.name


def _shape(value: Any) -> Shape | None:
    """The shape of the single tensor a node produced; None for anything else."""
    return _shape_of(value.meta.get("tensor_meta") if hasattr(value, "meta") else None)


def _shape_of(meta: Any) -> Shape | None:
    """The shape ShapeProp recorded for one tensor; None when `meta` describes no single tensor."""
    from torch.fx.passes.shape_prop import TensorMetadata

    return tuple(int(size) for size in meta.shape) if isinstance(meta, TensorMetadata) else None


def _bind(node: Node, names: tuple[str, ...], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """A call's arguments by parameter name (positional ones matched to `names`), defaults filled in."""
    bound = dict(defaults or {})
    bound.update(zip(names, node.args))
    bound.update(node.kwargs)
    return bound


def _axes(value: Any, count: int) -> tuple[int, ...]:
    """An int-or-sequence size argument as `count` ints."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    return tuple(int(v) for v in values)


def _pair(values: tuple[int, ...], fill: int) -> tuple[int, int]:
    """One or two per-axis values as (height, width); a 1-D axis is the width, with height `fill`."""
    return (fill, values[0]) if len(values) == 1 else (values[0], values[1])


def _sides(pads: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """Per-axis (before, after) paddings as (top, bottom, left, right)."""
    (top, bottom), (left, right) = [(0, 0), *pads] if len(pads) == 1 else pads
    return top, bottom, left, right


@dataclass
class _Builder:
    """Walks the traced graph, collecting operators, nodes without arithmetic and skipped nodes."""

    where: str
    skip_unsupported: bool
    tables: _Tables
    operators: list[Operator] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def notes(self) -> tuple[str, ...]:
        """One line on the nodes ignored for doing no arithmetic, then one per node skipped as unsupported."""
        notes = list(self.skipped)
        if self.ignored:
            counts = ", ".join(f"{what} x{count}" for what, count in sorted(self.ignored.items()))
            notes.insert(0, f"ignored (data movement, shapes or no-ops only; no work counted): {counts}")
        return tuple(notes)

    def fail(self, message: str) -> InputError:
        """An InputError located at the model being imported."""
        return InputError(message, self.where)

    def translate(self, node: Node, graph_module: GraphModule) -> None:
        """Add the operators one node computes (none for inputs, parameters and shape operations)."""
        label = _label(node)
        if node.op == "call_module":
            module = graph_module.get_submodule(str(node.target))
            kind = type(module).__name__
            if isinstance(module, self.tables.noop_modules):
                self.ignored[kind] += 1
                return
            operators = self.module_operators(node, module, label)
        elif node.op in ("call_function", "call_method"):
            is_method = node.op == "call_method"
            kind = str(node.target) if is_method else getattr(node.target, "__name__", str(node.target))
            if node.target in (_SHAPE_METHODS if is_method else self.tables.shape_functions):
                self.ignored[kind] += 1
                return
            if "tensor_meta" not in node.meta:  # arithmetic on sizes (x.size(0) // 2), not on tensors
                self.ignored[f"{kind} on sizes"] += 1
                return
            operators = self.function_operators(node, label, is_method)
            kind = f"Tensor.{kind}" if is_method else kind
        else:  # placeholder, get_attr, output
            return
        if operators is None:
            if not self.skip_unsupported:
                raise self.fail(f"unsupported PyTorch operation {kind} at node '{label}' (pass skip_unsupported=True to leave it out)")
            self.skipped.append(f"skipped node '{label}' ({kind}): unsupported, its work is not counted")
            return
        for operator_ in operators:
            name, count = operator_.name, 0
            while name in self.names:  # a module run twice (ResNet's relu): name_1, name_2...
                count += 1
                name = f"{operator_.name}_{count}"
            self.names.add(name)
            self.operators.append(operator_ if name == operator_.name else replace(operator_, name=name))

    def tensor(self, value: Any, label: str) -> Shape:
        """The shape of a tensor argument of node `label`."""
        shape = _shape(value)
        if shape is None:
            raise self.fail(f"node '{label}' takes {value!r:.40}, where one tensor was expected")
        return shape

    def output(self, node: Node, label: str) -> Shape:
        """The shape of the tensor node `label` produced (a scalar counts as one element)."""
        shape = _shape(node)
        meta = node.meta.get("tensor_meta")
        if shape is None and isinstance(meta, (tuple, list)) and meta and _shape_of(meta[0]) is not None:
            shape = _shape_of(meta[0])  # pooling with return_indices: the pooled values come first
        if shape is None:
            raise self.fail(f"node '{label}' produces {node.meta.get('type', 'no tensor')}, where one tensor was expected")
        return shape or (1,)

    def check(self, label: str, imported: tuple[int, ...], computed: tuple[int, ...]) -> None:
        """Stop when an operator's output size differs from the one PyTorch computed."""
        if imported != computed:
            raise self.fail(f"node '{label}' imports with output size {imported}, but PyTorch computed {computed}")

    def module_operators(self, node: Node, module: Any, label: str) -> list[Operator] | None:
        """The operators of one torch.nn layer, or None when the layer is not supported."""
        from torch import nn

        for module_type, kind in self.tables.elementwise_modules:
            if isinstance(module, module_type):
                return [Elementwise(label, kind, self.output(node, label))]
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            source = self.tensor(_first(node), label)
            weight = tuple(module.weight.shape)
            return [self.conv(node, label, source, weight, module.stride, module.padding, module.dilation, module.groups)]
        if isinstance(module, nn.ConvTranspose2d):
            source = self.tensor(_first(node), label)
            weight = tuple(module.weight.shape)
            return [self.conv_transpose(node, label, source, weight, module.stride, module.padding, module.dilation, module.groups)]
        if isinstance(module, nn.Linear):
            source = self.tensor(_first(node), label)
            return [_fully_connected(label, source, module.in_features, module.out_features, weight_operand=True)]
        if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            kind = "max" if isinstance(module, nn.MaxPool2d) else "average"
            dilation = module.dilation if isinstance(module, nn.MaxPool2d) else 1
            if _axes(dilation, 2) != (1, 1):
                raise self.fail(f"{type(module).__name__} at node '{label}' is dilated ({dilation}); only dilation 1 is supported")
            source = self.tensor(_first(node), label)
            return [self.pool(node, label, kind, source, module.kernel_size, module.stride, module.padding)]
        if isinstance(module, (nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool2d)):
            kind = "max" if isinstance(module, nn.AdaptiveMaxPool2d) else "average"
            return [self.adaptive_pool(node, label, kind, self.tensor(_first(node), label))]
        if isinstance(module, nn.MultiheadAttention):
            return self.multihead_attention(node, label, module)
        return None

    def function_operators(self, node: Node, label: str, is_method: bool) -> list[Operator] | None:
        """The operators of one torch function or Tensor method call, or None when it is not supported."""
        target, tables = node.target, self.tables
        args = [arg for arg in node.args if _shape(arg) is not None] + [v for v in node.kwargs.values() if _shape(v) is not None]
        kind = _ELEMENTWISE_METHODS.get(str(target)) if is_method else tables.elementwise_functions.get(target)
        if kind is not None:
            return [Elementwise(label, kind, self.output(node, label), inputs=max(1, len(args)))]
        if (target in _MATMUL_METHODS) if is_method else (target in tables.matmul_functions):
            left, right = [*node.args, *node.kwargs.values()][:2]  # (input, other) or (input, mat2)
            return [self.matmul(node, label, left, right)]
        if is_method:
            return None
        if target in tables.concat_functions:  # reads each element once, whatever the number of pieces
            return [Elementwise(label, "concat", self.output(node, label))]
        handler = tables.functions.get(target)
        if handler in ("conv", "conv_transpose"):
            names = _CONV_ARGUMENTS if handler == "conv" else _CONV_TRANSPOSE_ARGUMENTS
            bound = _bind(node, names, _CONV_DEFAULTS)
            source, weight = self.tensor(bound["input"], label), self.tensor(bound["weight"], label)
            build = self.conv if handler == "conv" else self.conv_transpose
            return [build(node, label, source, weight, bound["stride"], bound["padding"], bound["dilation"], bound["groups"])]
        if handler == "linear":
            bound = _bind(node, ("input", "weight"))
            out_features, in_features = self.tensor(bound["weight"], label)
            weight_operand = _is_constant(bound["weight"], tables)
            return [_fully_connected(label, self.tensor(bound["input"], label), in_features, out_features, weight_operand)]
        if handler == "addmm":
            bound = _bind(node, ("input", "mat1", "mat2"))
            return [self.matmul(node, label, bound["mat1"], bound["mat2"])]
        if handler in ("max_pool", "average_pool"):
            pool_names = _POOL_ARGUMENTS if handler == "max_pool" else _POOL_ARGUMENTS[:4]
            bound = _bind(node, pool_names, {"stride": None, "padding": 0, "dilation": 1})
            if _axes(bound["dilation"], 2) != (1, 1):
                raise self.fail(f"max pooling at node '{label}' is dilated ({bound['dilation']}); only dilation 1 is supported")
            stride = bound["stride"] or bound["kernel_size"]  # None or [] means the kernel size
            kind = "max" if handler == "max_pool" else "average"
            return [self.pool(node, label, kind, self.tensor(bound["input"], label), bound["kernel_size"], stride, bound["padding"])]
        if handler in ("adaptive_max_pool", "adaptive_average_pool"):
            kind = "max" if handler == "adaptive_max_pool" else "average"
            return [self.adaptive_pool(node, label, kind, self.tensor(_first(node), label))]
        if handler == "attention":
            bound = _bind(node, _SDPA_ARGUMENTS)
            query, key, value = (self.tensor(bound[part], label) for part in _SDPA_ARGUMENTS)
            return _attention(label, query[:-2], query[-2], key[-2], query[-1], value[-1], "_")
        return None

    def conv(self, node: Node, label: str, source: Shape, weight: Shape, stride: Any, padding: Any, dilation: Any, groups: Any) -> Conv:
        """A 1-D or 2-D convolution (1-D ones are 2-D with height 1); padding may be 'same' or 'valid'."""
        axes = len(weight) - 2
        kernels, dilations = weight[2:], _axes(dilation, axes)
        if padding == "valid":
            pads = [(0, 0)] * axes
        elif padding == "same":  # as PyTorch: the odd one of an uneven total goes after
            pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernels, dilations)]
        else:
            pads = [(p, p) for p in _axes(padding, axes)]
        operator_ = Conv(
            label,
            in_channels=source[-axes - 1],
            out_channels=weight[0],
            input_hw=_pair(source[-axes:], 1),
            kernel=_pair(kernels, 1),
            stride=_pair(_axes(stride, axes), 1),
            padding=_sides(pads),
            dilation=_pair(dilations, 1),
            groups=int(groups),
            batch=source[0] if len(source) == axes + 2 else 1,
        )
        output = self.output(node, label)
        self.check(label, (operator_.out_channels, *operator_.output_hw), (output[-axes - 1], *_pair(output[-axes:], 1)))
        return operator_

    def conv_transpose(self, node: Node, label: str, source: Shape, weight: Shape, stride: Any, padding: Any, dilation: Any, groups: Any) -> ConvTranspose:
        """A 2-D transposed convolution; output_padding (or forward's output_size) is read off the output."""
        if int(groups) != 1 or _axes(dilation, 2) != (1, 1):
            raise self.fail(f"transposed convolution at node '{label}' has groups={groups}, dilation={dilation}; only 1 and 1 are supported")
        kernel, strides, pads = (weight[2], weight[3]), _axes(stride, 2), _axes(padding, 2)
        output = self.output(node, label)
        output_padding = tuple(
            output[axis - 2] - transposed_output_size(source[axis - 2], kernel[axis], strides[axis], pads[axis], pads[axis], 0)
            for axis in (0, 1)
        )
        operator_ = ConvTranspose(
            label,
            in_channels=source[-3],
            out_channels=weight[1],
            input_hw=(source[-2], source[-1]),
            kernel=kernel,
            stride=(strides[0], strides[1]),
            padding=(pads[0], pads[0], pads[1], pads[1]),
            output_padding=(output_padding[0], output_padding[1]),
            batch=source[0] if len(source) == 4 else 1,
        )
        self.check(label, (operator_.out_channels, *operator_.output_hw), output[-3:])
        return operator_

    def pool(self, node: Node, label: str, kind: str, source: Shape, kernel_size: Any, stride: Any, padding: Any) -> Pool:
        """Max or average pooling; ceil_mode's extra last window is extra padding after (read off the output)."""
        kernel, strides, pads = _axes(kernel_size, 2), _axes(stride, 2), _axes(padding, 2)
        output = self.output(node, label)
        extra = [max(0, (output[axis - 2] - 1) * strides[axis] + kernel[axis] - source[axis - 2] - 2 * pads[axis]) for axis in (0, 1)]
        operator_ = Pool(
            label,
            kind,
            channels=source[-3],
            input_hw=(source[-2], source[-1]),
            kernel=(kernel[0], kernel[1]),
            stride=(strides[0], strides[1]),
            padding=(pads[0], pads[0] + extra[0], pads[1], pads[1] + extra[1]),
            batch=source[0] if len(source) == 4 else 1,
        )
        self.check(label, operator_.output_hw, output[-2:])
        return operator_

    def adaptive_pool(self, node: Node, label: str, kind: str, source: Shape) -> Pool:
        """Adaptive pooling as a fixed window: kernel = stride = input / output (the whole input for 1x1)."""
        output = self.output(node, label)
        if any(size % out for size, out in zip(source[-2:], output[-2:])):
            raise self.fail(
                f"adaptive pooling at node '{label}' from {source[-2]}x{source[-1]} to {output[-2]}x{output[-1]} has "
                "windows of unequal sizes; only output sizes that divide the input are supported"
            )
        window = (source[-2] // output[-2], source[-1] // output[-1])
        batch = source[0] if len(source) == 4 else 1
        return Pool(label, kind, channels=source[-3], input_hw=(source[-2], source[-1]), kernel=window, stride=window, batch=batch)

    def matmul(self, node: Node, label: str, left: Any, right: Any) -> MatMul:
        """A matrix product: with a parameter operand a weight product (leading dims folded into m), else batched."""
        a, b, output = self.tensor(left, label), self.tensor(right, label), self.output(node, label)
        if _is_constant(right, self.tables) and len(b) <= 2:  # x @ W
            n = b[-1] if len(b) == 2 else 1
            return MatMul(label, m=prod(output) // n, k=b[0], n=n)
        if _is_constant(left, self.tables) and len(a) == 2:  # W @ x = (x^T @ W^T)^T: the same MACs
            return MatMul(label, m=prod(output) // a[0], k=a[1], n=a[0])
        m, n = (a[-2] if len(a) >= 2 else 1), (b[-1] if len(b) >= 2 else 1)
        weight_operand = _is_constant(right, self.tables)  # a stack of weight matrices, one per batch
        return MatMul(label, m=m, k=a[-1], n=n, batch=prod(output) // (m * n), weight_operand=weight_operand)

    def multihead_attention(self, node: Node, label: str, module: Any) -> list[Operator]:
        """nn.MultiheadAttention expanded: q/k/v projections, scores, softmax, context, output projection."""
        bound = _bind(node, _MHA_ARGUMENTS)
        query, key = self.tensor(bound["query"], label), self.tensor(bound["key"], label)

        def samples_and_length(shape: Shape) -> tuple[int, int]:
            if len(shape) == 2:  # unbatched (length, features)
                return 1, shape[0]
            return (shape[0], shape[1]) if module.batch_first else (shape[1], shape[0])

        samples, target_length = samples_and_length(query)
        source_length = samples_and_length(key)[1]
        embed, heads = module.embed_dim, module.num_heads
        keys = source_length + (module.bias_k is not None) + bool(module.add_zero_attn)
        projections = [
            MatMul(f"{label}.q_proj", m=samples * target_length, k=embed, n=embed),
            MatMul(f"{label}.k_proj", m=samples * source_length, k=module.kdim, n=embed),
            MatMul(f"{label}.v_proj", m=samples * source_length, k=module.vdim, n=embed),
        ]
        attention = _attention(label, (samples, heads), target_length, keys, embed // heads, embed // heads, ".")
        return [*projections, *attention, MatMul(f"{label}.out_proj", m=samples * target_length, k=embed, n=embed)]


def _is_constant(node: Any, tables: _Tables) -> bool:
    """Whether a value is a parameter or buffer (get_attr), possibly re-viewed: a weight, not an activation."""
    if getattr(node, "op", None) == "get_attr":
        return True
    viewing = (getattr(node, "op", None) == "call_method" and node.target in _SHAPE_METHODS) or (
        getattr(node, "op", None) == "call_function" and node.target in tables.shape_functions
    )
    return viewing and all(_is_constant(arg, tables) for arg in node.all_input_nodes)


def _first(node: Node) -> Any:
    """A call's first argument, positional or not."""
    return node.args[0] if node.args else next(iter(node.kwargs.values()), None)


def _fully_connected(label: str, source: Shape, in_features: int, out_features: int, weight_operand: bool) -> MatMul:
    """A linear layer: every leading dimension (samples, tokens) folded into m."""
    return MatMul(label, m=prod(source[:-1]), k=in_features, n=out_features, weight_operand=weight_operand)


def _attention(label: str, batch: Shape, queries: int, keys: int, key_size: int, value_size: int, joint: str) -> list[Operator]:
    """Scaled dot-product attention: scores = Q @ K^T, softmax over keys, context = scores @ V."""
    return [
        MatMul(f"{label}{joint}scores", m=queries, k=key_size, n=keys, batch=prod(batch), weight_operand=False),
        Elementwise(f"{label}{joint}softmax", "softmax", (*batch, queries, keys)),
        MatMul(f"{label}{joint}context", m=queries, k=keys, n=value_size, batch=prod(batch), weight_operand=False),
    ]
