"""The operators of the torch calls that compute or pool: convolutions, products, pooling, attention.

One converter per operation of the operator table that becomes a Conv, ConvTranspose, MatMul or Pool:
`MODULE_CONVERTERS` for torch.nn layers (settings read from the layer), `FUNCTION_CONVERTERS` for torch
functions and Tensor methods (settings read from the call's arguments). Sizes come from ShapeProp; each
convolution and pooling is checked against the output size PyTorch computed.
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod
from typing import TYPE_CHECKING, Any

from mapscope.formats.importers.operator_table import attention_operators
from mapscope.formats.importers.torch_nodes import NodeReader, Shape, axes, bind, first, is_constant, pair, sides
from mapscope.workload.operators import Conv, ConvTranspose, MatMul, Operator, Pool, transposed_output_size

if TYPE_CHECKING:
    from torch.fx import Node

_CONV_ARGUMENTS = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
_CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1}
_CONV_TRANSPOSE_ARGUMENTS = ("input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation")
_MAX_POOL_ARGUMENTS = ("input", "kernel_size", "stride", "padding", "dilation")
_AVERAGE_POOL_ARGUMENTS = ("input", "kernel_size", "stride", "padding")  # avg_pool's 5th is ceil_mode
_POOL_DEFAULTS = {"stride": None, "padding": 0, "dilation": 1}
_ATTENTION_ARGUMENTS = ("query", "key", "value")


def conv(reader: NodeReader, node: Node, name: str, source: Shape, weight: Shape, stride: Any, padding: Any, dilation: Any, groups: Any) -> Conv:
    """A 1-D or 2-D convolution (1-D ones are 2-D with height 1); padding may be 'same' or 'valid'."""
    count = len(weight) - 2
    kernels, dilations = weight[2:], axes(dilation, count)
    if padding == "valid":
        pads = [(0, 0)] * count
    elif padding == "same":  # as PyTorch: the odd one of an uneven total goes after
        pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernels, dilations)]
    else:
        pads = [(p, p) for p in axes(padding, count)]
    operator_ = Conv(
        name,
        in_channels=source[-count - 1],
        out_channels=weight[0],
        input_hw=pair(source[-count:], 1),
        kernel=pair(kernels, 1),
        stride=pair(axes(stride, count), 1),
        padding=sides(pads),
        dilation=pair(dilations, 1),
        groups=int(groups),
        batch=source[0] if len(source) == count + 2 else 1,
    )
    output = reader.output(node, name)
    reader.check(name, (operator_.out_channels, *operator_.output_hw), (output[-count - 1], *pair(output[-count:], 1)))
    return operator_


def conv_transpose(reader: NodeReader, node: Node, name: str, source: Shape, weight: Shape, stride: Any, padding: Any, dilation: Any, groups: Any) -> ConvTranspose:
    """A 1-D or 2-D transposed convolution; output_padding (or forward's output_size) is read off the output."""
    count = len(weight) - 2
    if int(groups) != 1 or set(axes(dilation, count)) != {1}:
        raise reader.fail(f"transposed convolution at node '{name}' has groups={groups}, dilation={dilation}; only 1 and 1 are supported")
    input_hw, kernel = pair(source[-count:], 1), pair(weight[2:], 1)
    strides, pads = pair(axes(stride, count), 1), pair(axes(padding, count), 0)
    output = reader.output(node, name)
    output_hw = pair(output[-count:], 1)
    output_padding = tuple(
        output_hw[axis] - transposed_output_size(input_hw[axis], kernel[axis], strides[axis], pads[axis], pads[axis], 0)
        for axis in (0, 1)
    )
    operator_ = ConvTranspose(
        name,
        in_channels=source[-count - 1],
        out_channels=weight[1],
        input_hw=input_hw,
        kernel=kernel,
        stride=strides,
        padding=(pads[0], pads[0], pads[1], pads[1]),
        output_padding=(output_padding[0], output_padding[1]),
        batch=source[0] if len(source) == count + 2 else 1,
    )
    reader.check(name, (operator_.out_channels, *operator_.output_hw), (output[-count - 1], *output_hw))
    return operator_


def pool(reader: NodeReader, node: Node, name: str, kind: str, count: int, source: Shape, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> Pool:
    """Max or average pooling over `count` (1 or 2) axes; ceil_mode's extra last window is extra padding after
    (read off the output)."""
    if set(axes(dilation, count)) != {1}:
        raise reader.fail(f"{kind} pooling at node '{name}' is dilated ({dilation}); only dilation 1 is supported")
    input_hw, output = pair(source[-count:], 1), reader.output(node, name)
    output_hw = pair(output[-count:], 1)
    kernel, strides = pair(axes(kernel_size, count), 1), pair(axes(stride or kernel_size, count), 1)
    pads = pair(axes(padding, count), 0)
    extra = [max(0, (output_hw[axis] - 1) * strides[axis] + kernel[axis] - input_hw[axis] - 2 * pads[axis]) for axis in (0, 1)]
    operator_ = Pool(
        name,
        kind,
        channels=source[-count - 1],
        input_hw=input_hw,
        kernel=kernel,
        stride=strides,
        padding=(pads[0], pads[0] + extra[0], pads[1], pads[1] + extra[1]),
        batch=source[0] if len(source) == count + 2 else 1,
    )
    reader.check(name, operator_.output_hw, output_hw)
    return operator_


def adaptive_pool(reader: NodeReader, node: Node, name: str, kind: str, source: Shape) -> Pool:
    """Adaptive pooling as a fixed window: kernel = stride = input / output (the whole input for 1x1)."""
    output = reader.output(node, name)
    if any(size % out for size, out in zip(source[-2:], output[-2:])):
        raise reader.fail(
            f"adaptive pooling at node '{name}' from {source[-2]}x{source[-1]} to {output[-2]}x{output[-1]} has "
            "windows of unequal sizes; only output sizes that divide the input are supported"
        )
    window = (source[-2] // output[-2], source[-1] // output[-1])
    batch = source[0] if len(source) == 4 else 1
    return Pool(name, kind, channels=source[-3], input_hw=(source[-2], source[-1]), kernel=window, stride=window, batch=batch)


def matmul(reader: NodeReader, node: Node, name: str, left: Any, right: Any) -> MatMul:
    """A matrix product: with a parameter operand a weight product (leading dims folded into m), else batched."""
    a, b, output = reader.tensor(left, name), reader.tensor(right, name), reader.output(node, name)
    if is_constant(right) and len(b) <= 2:  # x @ W
        n = b[-1] if len(b) == 2 else 1
        return MatMul(name, m=prod(output) // n, k=b[0], n=n)
    if is_constant(left) and len(a) == 2:  # W @ x = (x^T @ W^T)^T: the same MACs
        return MatMul(name, m=prod(output) // a[0], k=a[1], n=a[0])
    m, n = (a[-2] if len(a) >= 2 else 1), (b[-1] if len(b) >= 2 else 1)
    return MatMul(name, m=m, k=a[-1], n=n, batch=prod(output) // (m * n), weight_operand=is_constant(right))


def fully_connected(name: str, source: Shape, in_features: int, out_features: int, weight_operand: bool) -> MatMul:
    """A linear layer: every leading dimension (samples, tokens) folded into m."""
    return MatMul(name, m=prod(source[:-1]), k=in_features, n=out_features, weight_operand=weight_operand)


def multihead_attention(reader: NodeReader, node: Node, name: str, module: Any) -> list[Operator]:
    """nn.MultiheadAttention expanded: q/k/v projections, scores, softmax, context, output projection."""
    bound = bind(node, _ATTENTION_ARGUMENTS)
    query, key = reader.tensor(bound["query"], name), reader.tensor(bound["key"], name)

    def samples_and_length(shape: Shape) -> tuple[int, int]:
        if len(shape) == 2:  # unbatched (length, features)
            return 1, shape[0]
        return (shape[0], shape[1]) if module.batch_first else (shape[1], shape[0])

    samples, target_length = samples_and_length(query)
    source_length = samples_and_length(key)[1]
    embed, heads = module.embed_dim, module.num_heads
    keys = source_length + (module.bias_k is not None) + bool(module.add_zero_attn)
    projections = [
        MatMul(f"{name}.q_proj", m=samples * target_length, k=embed, n=embed),
        MatMul(f"{name}.k_proj", m=samples * source_length, k=module.kdim, n=embed),
        MatMul(f"{name}.v_proj", m=samples * source_length, k=module.vdim, n=embed),
    ]
    scores = attention_operators(name, (samples, heads), target_length, keys, embed // heads, embed // heads, ".")
    return [*projections, *scores, MatMul(f"{name}.out_proj", m=samples * target_length, k=embed, n=embed)]


def _module_conv(reader: NodeReader, node: Node, name: str, module: Any) -> list[Operator]:
    source, weight = reader.tensor(first(node), name), tuple(module.weight.shape)
    return [conv(reader, node, name, source, weight, module.stride, module.padding, module.dilation, module.groups)]


def _module_conv_transpose(reader: NodeReader, node: Node, name: str, module: Any) -> list[Operator]:
    source, weight = reader.tensor(first(node), name), tuple(module.weight.shape)
    return [conv_transpose(reader, node, name, source, weight, module.stride, module.padding, module.dilation, module.groups)]


def _module_pool(kind: str) -> Callable[[NodeReader, Node, str, Any], list[Operator]]:
    def convert(reader: NodeReader, node: Node, name: str, module: Any) -> list[Operator]:
        from torch import nn

        count = 1 if isinstance(module, (nn.MaxPool1d, nn.AvgPool1d)) else 2
        source, dilation = reader.tensor(first(node), name), getattr(module, "dilation", 1)
        stride = module.stride or module.kernel_size
        return [pool(reader, node, name, kind, count, source, module.kernel_size, stride, module.padding, dilation)]

    return convert


def _adaptive(kind: str) -> Callable[..., list[Operator]]:
    return lambda reader, node, name, *_: [adaptive_pool(reader, node, name, kind, reader.tensor(first(node), name))]


#: Operation name -> the operators of a torch.nn layer of that operation.
MODULE_CONVERTERS: dict[str, Callable[[NodeReader, Node, str, Any], list[Operator]]] = {
    "conv": _module_conv,
    "conv_transpose": _module_conv_transpose,
    "linear": lambda reader, node, name, module: [
        fully_connected(name, reader.tensor(first(node), name), module.in_features, module.out_features, True)
    ],
    "attention": multihead_attention,
    "max_pool": _module_pool("max"),
    "average_pool": _module_pool("average"),
    "adaptive_max_pool": _adaptive("max"),
    "adaptive_average_pool": _adaptive("average"),
}


def _function_conv(reader: NodeReader, node: Node, name: str) -> list[Operator]:
    bound = bind(node, _CONV_ARGUMENTS, _CONV_DEFAULTS)
    source, weight = reader.tensor(bound["input"], name), reader.tensor(bound["weight"], name)
    return [conv(reader, node, name, source, weight, bound["stride"], bound["padding"], bound["dilation"], bound["groups"])]


def _function_conv_transpose(reader: NodeReader, node: Node, name: str) -> list[Operator]:
    bound = bind(node, _CONV_TRANSPOSE_ARGUMENTS, _CONV_DEFAULTS)
    source, weight = reader.tensor(bound["input"], name), reader.tensor(bound["weight"], name)
    return [conv_transpose(reader, node, name, source, weight, bound["stride"], bound["padding"], bound["dilation"], bound["groups"])]


def _function_linear(reader: NodeReader, node: Node, name: str) -> list[Operator]:
    if node.target.__name__ == "addmm":  # torch.addmm(bias, mat1, mat2)
        bound = bind(node, ("input", "mat1", "mat2"))
        return [matmul(reader, node, name, bound["mat1"], bound["mat2"])]
    bound = bind(node, ("input", "weight"))
    out_features, in_features = reader.tensor(bound["weight"], name)
    source = reader.tensor(bound["input"], name)
    return [fully_connected(name, source, in_features, out_features, is_constant(bound["weight"]))]


def _function_matmul(reader: NodeReader, node: Node, name: str) -> list[Operator]:
    left, right = [*node.args, *node.kwargs.values()][:2]  # (input, other) or (input, mat2)
    return [matmul(reader, node, name, left, right)]


def _function_attention(reader: NodeReader, node: Node, name: str) -> list[Operator]:
    bound = bind(node, _ATTENTION_ARGUMENTS)
    query, key, value = (reader.tensor(bound[part], name) for part in _ATTENTION_ARGUMENTS)
    return attention_operators(name, query[:-2], query[-2], key[-2], query[-1], value[-1], "_")


def _function_pool(kind: str) -> Callable[[NodeReader, Node, str], list[Operator]]:
    def convert(reader: NodeReader, node: Node, name: str) -> list[Operator]:
        bound = bind(node, _MAX_POOL_ARGUMENTS if kind == "max" else _AVERAGE_POOL_ARGUMENTS, _POOL_DEFAULTS)
        stride = bound["stride"] or bound["kernel_size"]  # None or [] means the kernel size
        source, count = reader.tensor(bound["input"], name), 1 if node.target.__name__.endswith("1d") else 2
        return [pool(reader, node, name, kind, count, source, bound["kernel_size"], stride, bound["padding"], bound["dilation"])]

    return convert


#: Operation name -> the operators of a torch function or Tensor method call of that operation.
FUNCTION_CONVERTERS: dict[str, Callable[[NodeReader, Node, str], list[Operator]]] = {
    "conv": _function_conv,
    "conv_transpose": _function_conv_transpose,
    "linear": _function_linear,
    "matmul": _function_matmul,
    "attention": _function_attention,
    "max_pool": _function_pool("max"),
    "average_pool": _function_pool("average"),
    "adaptive_max_pool": _adaptive("max"),
    "adaptive_average_pool": _adaptive("average"),
}
