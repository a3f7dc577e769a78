"""Every operation the model importers support, named once: what it becomes and how ONNX and PyTorch spell it.

Both importers dispatch through this table, so an operation is supported by both or by neither: the ONNX
importer maps op types onto entries (`ONNX_OPERATIONS`), the PyTorch importer maps torch.nn modules,
torch functions and Tensor methods onto them (`torch_operations` resolves the spellings once torch is
imported). An entry becomes one of the operators of `mapscope.workload.operators` (Conv, ConvTranspose,
MatMul, Pool, Elementwise) or nothing (`SHAPE_ONLY`: data movement or a re-view, no work counted);
an `Elementwise` is named after its entry (``reduce_mean``, ``batch_norm``), whichever importer made it.

Torch spellings: ``nn.X`` a torch.nn module class (its subclasses too), ``F.x`` a function of
torch.nn.functional, ``torch.x`` a function of torch, ``operator.x`` or ``builtins.x`` a Python operator
as torch.fx records it, ``Tensor.x`` a method (its in-place ``x_`` too). The table imports neither torch
nor onnx; docs/networks.md lists it (`operation_rows` writes the list, and a test checks the page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from math import prod

from mapscope.workload.operators import Elementwise, MatMul, Operator


class Becomes(Enum):
    """What an operation turns into in a `Model`."""

    CONV = "Conv"
    CONV_TRANSPOSE = "ConvTranspose"
    MATMUL = "MatMul"
    POOL = "Pool"
    ELEMENTWISE = "Elementwise"
    SHAPE_ONLY = "shape-only"


@dataclass(frozen=True)
class Operation:
    """One supported operation: its name, what it becomes, one line on it, and its spellings in both frameworks."""

    name: str
    becomes: Becomes
    summary: str
    onnx: tuple[str, ...] = field(default=())
    torch: tuple[str, ...] = field(default=())


def _entry(name: str, becomes: Becomes, summary: str, onnx: str, torch: str) -> Operation:
    """An Operation with its spellings written as space-separated words."""
    return Operation(name, becomes, summary, tuple(onnx.split()), tuple(torch.split()))


_C, _T, _M, _P, _E, _S = (
    Becomes.CONV, Becomes.CONV_TRANSPOSE, Becomes.MATMUL, Becomes.POOL, Becomes.ELEMENTWISE, Becomes.SHAPE_ONLY
)  # fmt: skip

#: The supported operations, compute ones first; the order is the order of docs/networks.md.
OPERATIONS: tuple[Operation, ...] = (
    # compute and pooling
    _entry("conv", _C, "1-D or 2-D convolution: padding, stride, dilation, groups (depthwise, grouped)",
           "Conv", "nn.Conv1d nn.Conv2d F.conv1d F.conv2d"),
    _entry("conv_transpose", _T, "1-D or 2-D transposed convolution, without groups or dilation",
           "ConvTranspose", "nn.ConvTranspose1d nn.ConvTranspose2d F.conv_transpose1d F.conv_transpose2d"),
    _entry("linear", _M, "fully connected layer: a product with a weight matrix, leading dimensions folded into m",
           "Gemm", "nn.Linear F.linear torch.addmm"),
    _entry("matmul", _M, "matrix product, batched when both operands are activations",
           "MatMul", "torch.matmul torch.bmm torch.mm operator.matmul Tensor.matmul Tensor.bmm Tensor.mm"),
    _entry("attention", _M, "scaled dot-product attention: Q Kᵀ, softmax, scores V (multi-head: with its projections)",
           "Attention", "F.scaled_dot_product_attention nn.MultiheadAttention"),
    _entry("max_pool", _P, "1-D or 2-D max pooling, ceil mode included, no dilation",
           "MaxPool", "nn.MaxPool1d nn.MaxPool2d F.max_pool1d F.max_pool2d"),
    _entry("average_pool", _P, "1-D or 2-D average pooling, ceil mode included",
           "AveragePool", "nn.AvgPool1d nn.AvgPool2d F.avg_pool1d F.avg_pool2d"),
    _entry("adaptive_max_pool", _P, "global max pooling, or adaptive pooling whose output size divides the input",
           "GlobalMaxPool", "nn.AdaptiveMaxPool2d F.adaptive_max_pool2d"),
    _entry("adaptive_average_pool", _P, "global average pooling, or adaptive pooling whose output size divides the input",
           "GlobalAveragePool", "nn.AdaptiveAvgPool2d F.adaptive_avg_pool2d"),
    # element-wise arithmetic
    _entry("add", _E, "addition (ONNX Sum and Mean of several tensors too)",
           "Add Sum Mean", "torch.add operator.add operator.iadd Tensor.add"),
    _entry("sub", _E, "subtraction", "Sub", "torch.sub torch.subtract operator.sub operator.isub Tensor.sub Tensor.subtract"),
    _entry("mul", _E, "multiplication", "Mul", "torch.mul torch.multiply operator.mul operator.imul Tensor.mul Tensor.multiply"),
    _entry("div", _E, "division", "Div",
           "torch.div torch.divide torch.true_divide operator.truediv operator.itruediv operator.floordiv Tensor.div Tensor.divide"),
    _entry("pow", _E, "power", "Pow", "torch.pow operator.pow Tensor.pow"),
    _entry("mod", _E, "remainder", "Mod", "torch.remainder torch.fmod operator.mod Tensor.remainder Tensor.fmod"),
    _entry("neg", _E, "negation", "Neg", "torch.neg operator.neg Tensor.neg"),
    _entry("abs", _E, "absolute value", "Abs", "torch.abs operator.abs Tensor.abs"),
    _entry("reciprocal", _E, "reciprocal", "Reciprocal", "torch.reciprocal Tensor.reciprocal"),
    _entry("sqrt", _E, "square root and its reciprocal", "Sqrt", "torch.sqrt torch.rsqrt Tensor.sqrt Tensor.rsqrt"),
    _entry("exp", _E, "exponential", "Exp", "torch.exp Tensor.exp"),
    _entry("log", _E, "natural logarithm", "Log", "torch.log Tensor.log"),
    _entry("round", _E, "floor, ceiling, rounding", "Floor Ceil Round",
           "torch.floor torch.ceil torch.round Tensor.floor Tensor.ceil Tensor.round"),
    _entry("sign", _E, "sign", "Sign", "torch.sign Tensor.sign"),
    _entry("minimum", _E, "element-wise minimum", "Min", "torch.minimum Tensor.minimum"),
    _entry("maximum", _E, "element-wise maximum", "Max", "torch.maximum Tensor.maximum"),
    _entry("trigonometric", _E, "sine, cosine", "Sin Cos", "torch.sin torch.cos Tensor.sin Tensor.cos"),
    _entry("erf", _E, "error function", "Erf", "torch.erf torch.special.erf Tensor.erf"),
    # comparisons and logic
    _entry("compare", _E, "comparisons", "Equal Less LessOrEqual Greater GreaterOrEqual",
           "torch.eq torch.ne torch.lt torch.le torch.gt torch.ge operator.eq operator.ne operator.lt operator.le "
           "operator.gt operator.ge Tensor.eq Tensor.ne Tensor.lt Tensor.le Tensor.gt Tensor.ge"),
    _entry("logic", _E, "logical not, and, or, xor", "Not And Or Xor",
           "torch.logical_not torch.logical_and torch.logical_or torch.logical_xor operator.invert operator.and_ "
           "operator.or_ operator.xor Tensor.logical_not Tensor.logical_and Tensor.logical_or Tensor.logical_xor"),
    _entry("where", _E, "selection by a condition (masked_fill)", "Where",
           "torch.where torch.masked_fill Tensor.where Tensor.masked_fill"),
    _entry("is_special", _E, "tests for NaN and infinity", "IsNaN IsInf", "torch.isnan torch.isinf Tensor.isnan Tensor.isinf"),
    # activations
    _entry("relu", _E, "ReLU", "Relu", "nn.ReLU F.relu torch.relu Tensor.relu"),
    _entry("leaky_relu", _E, "leaky ReLU", "LeakyRelu", "nn.LeakyReLU F.leaky_relu"),
    _entry("prelu", _E, "parametric ReLU", "PRelu", "nn.PReLU F.prelu"),
    _entry("elu", _E, "ELU, SELU, CELU", "Elu Selu Celu", "nn.ELU nn.SELU nn.CELU F.elu F.selu F.celu"),
    _entry("gelu", _E, "GELU", "Gelu", "nn.GELU F.gelu"),
    _entry("sigmoid", _E, "sigmoid", "Sigmoid", "nn.Sigmoid F.sigmoid torch.sigmoid Tensor.sigmoid"),
    _entry("hardsigmoid", _E, "hard sigmoid", "HardSigmoid", "nn.Hardsigmoid F.hardsigmoid"),
    _entry("hardswish", _E, "hard swish", "HardSwish", "nn.Hardswish F.hardswish"),
    _entry("silu", _E, "SiLU (swish)", "Swish", "nn.SiLU F.silu"),
    _entry("tanh", _E, "tanh", "Tanh", "nn.Tanh F.tanh torch.tanh Tensor.tanh"),
    _entry("softplus", _E, "softplus, softsign, mish", "Softplus Softsign Mish",
           "nn.Softplus nn.Softsign nn.Mish F.softplus F.softsign F.mish"),
    _entry("clip", _E, "clamping (ReLU6, hardtanh)", "Clip",
           "torch.clamp torch.clip Tensor.clamp Tensor.clip nn.ReLU6 nn.Hardtanh F.relu6 F.hardtanh"),
    _entry("threshold", _E, "thresholded ReLU", "ThresholdedRelu", "nn.Threshold F.threshold"),
    # normalisations and softmax
    _entry("softmax", _E, "softmax", "Softmax", "nn.Softmax F.softmax torch.softmax Tensor.softmax"),
    _entry("log_softmax", _E, "log-softmax", "LogSoftmax", "nn.LogSoftmax F.log_softmax torch.log_softmax Tensor.log_softmax"),
    _entry("layer_norm", _E, "layer normalisation", "LayerNormalization", "nn.LayerNorm F.layer_norm"),
    _entry("rms_norm", _E, "RMS normalisation", "RMSNormalization", "nn.RMSNorm F.rms_norm"),
    _entry("batch_norm", _E, "batch normalisation (and mean-variance normalisation)",
           "BatchNormalization MeanVarianceNormalization", "nn.BatchNorm1d nn.BatchNorm2d F.batch_norm"),
    _entry("instance_norm", _E, "instance normalisation", "InstanceNormalization",
           "nn.InstanceNorm1d nn.InstanceNorm2d F.instance_norm"),
    _entry("group_norm", _E, "group normalisation", "GroupNormalization", "nn.GroupNorm F.group_norm"),
    _entry("lp_norm", _E, "Lp normalisation", "LpNormalization", "F.normalize"),
    _entry("local_response_norm", _E, "local response normalisation", "LRN", "nn.LocalResponseNorm F.local_response_norm"),
    # reductions: counted at their output shape, so their reads are undercounted
    _entry("reduce_mean", _E, "mean over axes", "ReduceMean", "torch.mean Tensor.mean"),
    _entry("reduce_sum", _E, "sum over axes", "ReduceSum", "torch.sum Tensor.sum"),
    _entry("reduce_max", _E, "maximum over axes", "ReduceMax", "torch.amax Tensor.amax"),
    _entry("reduce_min", _E, "minimum over axes", "ReduceMin", "torch.amin Tensor.amin"),
    _entry("reduce_prod", _E, "product over axes", "ReduceProd", "torch.prod Tensor.prod"),
    _entry("reduce_norm", _E, "L1 and L2 norms, sum of squares over axes", "ReduceL1 ReduceL2 ReduceSumSquare",
           "torch.norm torch.linalg.vector_norm Tensor.norm"),
    _entry("reduce_log_sum", _E, "log of the sum (of exponentials) over axes", "ReduceLogSum ReduceLogSumExp",
           "torch.logsumexp Tensor.logsumexp"),
    _entry("arg_max", _E, "index (or one-hot) of the largest or smallest value", "ArgMax ArgMin Hardmax",
           "torch.argmax torch.argmin Tensor.argmax Tensor.argmin"),
    # quantisation, joining
    _entry("quantize", _E, "quantisation and dequantisation", "QuantizeLinear DequantizeLinear",
           "torch.quantize_per_tensor torch.quantize_per_channel torch.dequantize Tensor.dequantize"),
    _entry("concat", _E, "concatenation (reads one output's worth)", "Concat", "torch.cat torch.concat torch.stack"),
    # shape-only: no work counted, listed in one note
    _entry("reshape", _S, "reshape, flatten, squeeze, unsqueeze", "Reshape Flatten Squeeze Unsqueeze",
           "nn.Flatten nn.Unflatten torch.flatten torch.reshape torch.squeeze torch.unsqueeze Tensor.view "
           "Tensor.view_as Tensor.reshape Tensor.reshape_as Tensor.flatten Tensor.unflatten Tensor.squeeze "
           "Tensor.unsqueeze"),
    _entry("transpose", _S, "transposition and permutation of axes", "Transpose",
           "torch.permute torch.transpose torch.t Tensor.permute Tensor.transpose Tensor.t"),
    _entry("identity", _S, "identity, dropout, copies", "Identity Dropout",
           "nn.Identity nn.Dropout nn.Dropout1d nn.Dropout2d nn.Dropout3d nn.AlphaDropout F.dropout F.dropout2d "
           "Tensor.contiguous Tensor.detach Tensor.clone"),
    _entry("cast", _S, "type conversion", "Cast CastLike",
           "Tensor.to Tensor.type Tensor.type_as Tensor.float Tensor.half Tensor.double Tensor.int Tensor.long "
           "Tensor.bool"),
    _entry("shape", _S, "sizes of a tensor", "Shape Size", "builtins.getattr Tensor.size Tensor.dim"),
    _entry("constant", _S, "constants and ranges", "Constant ConstantOfShape Range EyeLike",
           "torch.arange torch.zeros torch.ones torch.full torch.eye torch.zeros_like torch.ones_like "
           "torch.full_like Tensor.new_zeros Tensor.new_ones Tensor.new_full"),
    _entry("gather", _S, "indexing, slicing, gathering", "Gather GatherElements GatherND Slice",
           "operator.getitem torch.gather torch.index_select torch.narrow Tensor.gather Tensor.index_select "
           "Tensor.narrow"),
    _entry("split", _S, "splitting into pieces", "Split",
           "torch.chunk torch.split torch.unbind Tensor.chunk Tensor.split Tensor.unbind"),
    _entry("expand", _S, "broadcasting and tiling", "Expand Tile",
           "torch.tile Tensor.expand Tensor.expand_as Tensor.repeat Tensor.tile"),
    _entry("pad", _S, "constant padding", "Pad", "F.pad"),
    _entry("pixel_shuffle", _S, "depth to space and back", "DepthToSpace SpaceToDepth",
           "nn.PixelShuffle nn.PixelUnshuffle F.pixel_shuffle F.pixel_unshuffle"),
    _entry("triangle", _S, "lower or upper triangle", "Trilu", "torch.tril torch.triu Tensor.tril Tensor.triu"),
    _entry("scatter", _S, "scattering values into a tensor", "ScatterND ScatterElements",
           "torch.scatter Tensor.scatter operator.setitem"),
)  # fmt: skip

OPERATIONS_BY_NAME: dict[str, Operation] = {operation.name: operation for operation in OPERATIONS}
#: ONNX op type -> the operation it spells.
ONNX_OPERATIONS: dict[str, Operation] = {op_type: operation for operation in OPERATIONS for op_type in operation.onnx}
#: Operations that become an operator with multiply-accumulates or a pooling window: each importer has a
#: converter for each of these, and only these.
SHAPED_OPERATIONS = frozenset(operation.name for operation in OPERATIONS if operation.becomes not in (_E, _S))


def onnx_op_types(*becomes: Becomes) -> frozenset[str]:
    """The ONNX op types of the operations that become one of `becomes`."""
    return frozenset(op_type for op_type, operation in ONNX_OPERATIONS.items() if operation.becomes in becomes)


def attention_operators(name: str, batch: tuple[int, ...], queries: int, keys: int, key_size: int, value_size: int, joint: str) -> list[Operator]:
    """What attention becomes in both importers: scores = Q @ Kᵀ, softmax over keys, context = scores @ V.

    `batch` holds the samples and heads; the operators are named `name` + `joint` + scores, softmax, context.
    """
    return [
        MatMul(f"{name}{joint}scores", m=queries, k=key_size, n=keys, batch=prod(batch), weight_operand=False),
        Elementwise(f"{name}{joint}softmax", "softmax", (*batch, queries, keys)),
        MatMul(f"{name}{joint}context", m=queries, k=keys, n=value_size, batch=prod(batch), weight_operand=False),
    ]


def operation_rows() -> list[str]:
    """The table as Markdown rows (operation, becomes, ONNX, PyTorch, summary), as docs/networks.md lists it."""
    rows = ["| operation | becomes | ONNX | PyTorch | what |", "|---|---|---|---|---|"]
    for operation in OPERATIONS:
        onnx, torch = ", ".join(operation.onnx), ", ".join(f"`{spelling}`" for spelling in operation.torch)
        rows.append(f"| `{operation.name}` | {operation.becomes.value} | {onnx} | {torch} | {operation.summary} |")
    return rows
