"""What a network computes, as frameworks describe it: convolutions with padding, dilation and groups,
transposed convolutions, matrix products, pooling and element-wise operators.

These are richer than MAESTRO's layers (`workload.layer`), which have no padding, no dilation, a
transposed convolution that is a plain convolution, and no pooling. `workload.lowering` turns each
operator into the MAESTRO layers that compute exactly the same multiply-accumulates; importers
(`formats.onnx_model`, `formats.torch_model`) and the zoo (`workload.zoo`) produce these operators.

Every operator is frozen and checks its own sizes, so a `Model` that exists is a valid one. Shapes are
per sample times `batch`; heights come before widths in every pair (`(height, width)`), and padding is
``(top, bottom, left, right)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from mapscope.errors import InputError
from mapscope.limits import MAX_LAYERS, MAX_SIZE

Pair = tuple[int, int]
Padding = tuple[int, int, int, int]


#: Fields given as (height, width) pairs; they must hold exactly two values.
PAIR_FIELDS = ("input_hw", "kernel", "stride", "dilation", "output_padding")


def _check_positive(where: str, **sizes: int | tuple[int, ...]) -> None:
    for name, value in sizes.items():
        if isinstance(value, list):
            value = tuple(value)
        if name in PAIR_FIELDS and (not isinstance(value, tuple) or len(value) != 2):
            raise InputError(f"{name} must be a (height, width) pair, got {value!r}", where)
        values = value if isinstance(value, tuple) else (value,)
        for number in values:
            if isinstance(number, bool) or not isinstance(number, int):
                raise InputError(f"{name} must be an integer, got {number!r}", where)
            if number <= 0:
                raise InputError(f"{name} must be positive, got {value}", where)
            if number > MAX_SIZE:
                raise InputError(f"{name} = {number} is above the largest size supported ({MAX_SIZE})", where)


def _check_padding(where: str, padding: Padding, input_hw: Pair) -> None:
    """Four non-negative integers whose padded input stays within MAX_SIZE (MAESTRO folds padding into Y and X)."""
    if (
        not isinstance(padding, tuple | list)
        or len(padding) != 4
        or any(isinstance(p, bool) or not isinstance(p, int) or p < 0 for p in padding)
    ):
        raise InputError(f"padding must be four non-negative integers (top, bottom, left, right), got {padding!r}", where)
    top, bottom, left, right = padding
    padded = (input_hw[0] + top + bottom, input_hw[1] + left + right)
    if max(padded) > MAX_SIZE:
        raise InputError(f"the padded input {padded} is above the largest size supported ({MAX_SIZE})", where)


def conv_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int, dilation: int) -> int:
    """Outputs of a convolution along one axis (as every framework computes it; floor division)."""
    span = dilation * (kernel - 1) + 1
    return (size + pad_before + pad_after - span) // stride + 1


def window_output_hw(input_hw: Pair, kernel: Pair, stride: Pair, padding: Padding, dilation: Pair) -> Pair:
    """(height, width) of a sliding window's outputs (convolution or pooling), padding (top, bottom, left, right)."""
    top, bottom, left, right = padding
    return (
        conv_output_size(input_hw[0], kernel[0], stride[0], top, bottom, dilation[0]),
        conv_output_size(input_hw[1], kernel[1], stride[1], left, right, dilation[1]),
    )


def transposed_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int, output_padding: int) -> int:
    """Outputs of a transposed convolution along one axis: (size - 1) * stride - padding + kernel + output_padding."""
    return (size - 1) * stride - pad_before - pad_after + kernel + output_padding


def residues_below(count: int, modulus: int, bound: int) -> int:
    """How many of the integers 0 .. count - 1 leave a remainder below `bound` when divided by `modulus`."""
    whole, rest = divmod(count, modulus)
    return whole * min(bound, modulus) + min(rest, bound)


def transposed_taps(outputs: int, kernel: int, stride: int, pad_before: int) -> int:
    """Kernel taps that land on the outputs of one axis of a transposed convolution, no inserted zeros.

    Output o gathers the taps r with (o + pad_before - r) divisible by the stride; this counts them all,
    taps on the border included (as a convolution's MAC count includes its zero padding). With kernel =
    a * stride + b, an output whose phase t = (o + pad_before) mod stride is below b gathers a + 1 taps and
    any other a, so the sum is closed-form: no loop over the outputs, whatever their number.
    """
    whole, extra = divmod(kernel, stride)
    phases_with_extra = residues_below(pad_before + outputs, stride, extra) - residues_below(pad_before, stride, extra)
    return outputs * whole + phases_with_extra


@dataclass(frozen=True)
class Conv:
    """A 2-D convolution; `groups` = in_channels is depthwise, a 1x1 kernel is pointwise."""

    name: str
    in_channels: int
    out_channels: int
    input_hw: Pair
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Padding = (0, 0, 0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1
    batch: int = 1

    def __post_init__(self) -> None:
        where = f"operator {self.name}"
        _check_positive(
            where,
            in_channels=self.in_channels,
            out_channels=self.out_channels,
            input_hw=self.input_hw,
            kernel=self.kernel,
            stride=self.stride,
            dilation=self.dilation,
            groups=self.groups,
            batch=self.batch,
        )
        _check_padding(where, self.padding, self.input_hw)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise InputError(
                f"{self.groups} groups do not divide {self.in_channels} input and {self.out_channels} output channels", where
            )
        height, width = self.output_hw
        if height <= 0 or width <= 0:
            raise InputError(f"the {self.kernel[0]}x{self.kernel[1]} kernel does not fit the padded {self.input_hw} input", where)

    @property
    def output_hw(self) -> Pair:
        return window_output_hw(self.input_hw, self.kernel, self.stride, self.padding, self.dilation)

    @property
    def macs(self) -> int:
        per_output = (self.in_channels // self.groups) * self.kernel[0] * self.kernel[1]
        return self.batch * self.out_channels * prod(self.output_hw) * per_output

    @property
    def input_elements(self) -> int:
        return self.batch * self.in_channels * prod(self.input_hw)

    @property
    def output_elements(self) -> int:
        return self.batch * self.out_channels * prod(self.output_hw)

    @property
    def weight_elements(self) -> int:
        return self.out_channels * (self.in_channels // self.groups) * self.kernel[0] * self.kernel[1]


@dataclass(frozen=True)
class ConvTranspose:
    """A 2-D transposed convolution (up-convolution); `padding` crops the full output as in PyTorch/ONNX.

    Its MACs are those of a dense implementation without inserted zeros: each output gathers only the
    kernel taps of its phase (`transposed_taps`); a MAESTRO TRCONV would count the zeros too.
    """

    name: str
    in_channels: int
    out_channels: int
    input_hw: Pair
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Padding = (0, 0, 0, 0)
    output_padding: Pair = (0, 0)
    batch: int = 1

    def __post_init__(self) -> None:
        where = f"operator {self.name}"
        _check_positive(
            where,
            in_channels=self.in_channels,
            out_channels=self.out_channels,
            input_hw=self.input_hw,
            kernel=self.kernel,
            stride=self.stride,
            batch=self.batch,
        )
        _check_padding(where, self.padding, self.input_hw)
        if not isinstance(self.output_padding, tuple) or len(self.output_padding) != 2:
            raise InputError(f"output_padding must be a (height, width) pair, got {self.output_padding!r}", where)
        if any(isinstance(p, bool) or not isinstance(p, int) for p in self.output_padding):
            raise InputError(f"output_padding must be integers, got {self.output_padding!r}", where)
        if any(p < 0 or p >= s for p, s in zip(self.output_padding, self.stride, strict=True)):
            raise InputError(f"output_padding {self.output_padding} must be below the stride {self.stride}", where)
        height, width = self.output_hw
        if height <= 0 or width <= 0:
            raise InputError(f"the padding {self.padding} crops away the whole output", where)
        if max(height, width) > MAX_SIZE:
            raise InputError(f"the output {(height, width)} is above the largest size supported ({MAX_SIZE})", where)

    @property
    def output_hw(self) -> Pair:
        top, bottom, left, right = self.padding
        return (
            transposed_output_size(self.input_hw[0], self.kernel[0], self.stride[0], top, bottom, self.output_padding[0]),
            transposed_output_size(self.input_hw[1], self.kernel[1], self.stride[1], left, right, self.output_padding[1]),
        )

    @property
    def macs(self) -> int:
        height, width = self.output_hw
        taps_y = transposed_taps(height, self.kernel[0], self.stride[0], self.padding[0])
        taps_x = transposed_taps(width, self.kernel[1], self.stride[1], self.padding[2])
        return self.batch * self.out_channels * self.in_channels * taps_y * taps_x

    @property
    def input_elements(self) -> int:
        return self.batch * self.in_channels * prod(self.input_hw)

    @property
    def output_elements(self) -> int:
        return self.batch * self.out_channels * prod(self.output_hw)

    @property
    def weight_elements(self) -> int:
        return self.out_channels * self.in_channels * self.kernel[0] * self.kernel[1]


@dataclass(frozen=True)
class MatMul:
    """`batch` independent products (m x k) @ (k x n).

    A fully connected layer is one product whose right operand is a weight (`weight_operand`), with every
    token or sample folded into m; attention's Q @ K^T and scores @ V are batched products of two
    activations (batch = samples x heads).
    """

    name: str
    m: int
    k: int
    n: int
    batch: int = 1
    weight_operand: bool = True

    def __post_init__(self) -> None:
        _check_positive(f"operator {self.name}", m=self.m, k=self.k, n=self.n, batch=self.batch)

    @property
    def macs(self) -> int:
        return self.batch * self.m * self.k * self.n

    @property
    def input_elements(self) -> int:
        operands = self.m * self.k + (0 if self.weight_operand else self.k * self.n)
        return self.batch * operands

    @property
    def output_elements(self) -> int:
        return self.batch * self.m * self.n

    @property
    def weight_elements(self) -> int:
        return self.batch * self.k * self.n if self.weight_operand else 0


@dataclass(frozen=True)
class Pool:
    """Max or average pooling (global pooling is a kernel the size of the input): no MACs.

    The stride defaults to 1 as in ONNX (PyTorch's default is the kernel size: give it explicitly).
    """

    name: str
    kind: str  # "max" or "average"
    channels: int
    input_hw: Pair
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Padding = (0, 0, 0, 0)
    batch: int = 1

    def __post_init__(self) -> None:
        where = f"operator {self.name}"
        _check_positive(where, channels=self.channels, input_hw=self.input_hw, kernel=self.kernel, stride=self.stride, batch=self.batch)
        _check_padding(where, self.padding, self.input_hw)
        if min(self.output_hw) <= 0:
            raise InputError(f"the {self.kernel[0]}x{self.kernel[1]} window does not fit the {self.input_hw} input", where)

    @property
    def output_hw(self) -> Pair:
        return window_output_hw(self.input_hw, self.kernel, self.stride, self.padding, (1, 1))

    macs = 0

    @property
    def input_elements(self) -> int:
        return self.batch * self.channels * prod(self.input_hw)

    @property
    def output_elements(self) -> int:
        return self.batch * self.channels * prod(self.output_hw)

    weight_elements = 0


@dataclass(frozen=True)
class Elementwise:
    """An operator applied element by element (add, multiply, ReLU, GELU, softmax, layer norm...): no MACs.

    `shape` is the output shape, batch included, in the framework's layout (NCHW for feature maps,
    (batch, sequence, hidden) for transformers); `inputs` is how many tensors of that shape it reads.
    Normalisations and softmax read their input twice in practice; they are counted as one read here.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    inputs: int = 1

    def __post_init__(self) -> None:
        where = f"operator {self.name}"
        object.__setattr__(self, "shape", tuple(self.shape))
        if not self.shape:
            raise InputError("an element-wise operator needs a shape", where)
        _check_positive(where, shape=self.shape, inputs=self.inputs)

    macs = 0

    @property
    def input_elements(self) -> int:
        return self.inputs * prod(self.shape)

    @property
    def output_elements(self) -> int:
        return prod(self.shape)

    weight_elements = 0


Operator = Conv | ConvTranspose | MatMul | Pool | Elementwise
#: Operators that multiply-accumulate (and so become MAESTRO layers).
COMPUTE_OPERATORS = (Conv, ConvTranspose, MatMul)


@dataclass(frozen=True)
class Model:
    """A network as a sequence of operators, in execution order; `source` says where it came from."""

    name: str
    operators: tuple[Operator, ...]
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "operators", tuple(self.operators))  # a list would make the model unhashable
        if not self.operators:
            raise InputError("the model has no operators", self.source or f"model {self.name}")
        if len(self.operators) > MAX_LAYERS:
            raise InputError(
                f"the model has {len(self.operators):,} operators; at most {MAX_LAYERS:,} are supported (MAX_LAYERS)",
                self.source or f"model {self.name}",
            )
        seen: set[str] = set()
        for operator in self.operators:
            if operator.name in seen:
                raise InputError(f"two operators are named {operator.name!r}", self.source or f"model {self.name}")
            seen.add(operator.name)

    @property
    def macs(self) -> int:
        return sum(operator.macs for operator in self.operators)

    @property
    def compute_operators(self) -> tuple[Conv | ConvTranspose | MatMul, ...]:
        return tuple(op for op in self.operators if isinstance(op, COMPUTE_OPERATORS))
