"""Operators -> MAESTRO layers that compute exactly the same multiply-accumulates.

MAESTRO's layers have no padding, no dilation, no real transposed convolution and no pooling, so:

* padding is folded into the input size (the zeros are moved and multiplied like data, as on hardware
  without zero skipping, and as every framework MAC count assumes);
* a dilated convolution becomes its dense phase convolutions: outputs o = q*m + phase (m = dilation /
  gcd(stride, dilation)) read the input subsampled by the dilation with a dense window, so each phase
  is an ordinary convolution; phases of one shape share the weights and become one layer's batch N;
* a transposed convolution becomes its sub-pixel convolutions: outputs of one phase (o mod stride)
  gather only the kernel taps that land on them, with no inserted zeros; phases of one shape read the
  same input with different weights and become one layer's output channels K;
* grouped convolutions are NGCONV (depthwise: DSCONV), matrix products are 1x1 convolutions
  (K = n, C = k, Y = m) and batched products of two activations are NGCONV with G = batch;
* pooling and element-wise operators have no MACs: they get no layer, and their data movement is
  reported in the note instead.

Every lowered operator keeps its MACs: the layers' `layer_macs` sum to the operator's `macs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

from mapscope.workload.layer import Layer, LayerType
from mapscope.workload.network import Network
from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    MatMul,
    Model,
    Operator,
    Pool,
    residues_below,
)

#: One axis of a lowered layer: (window, outputs, input span, stride).
AxisPart = tuple[int, int, int, int]
#: A distinct part of an axis and how many phases have it.
AxisParts = tuple[AxisPart, int]


@dataclass(frozen=True)
class LoweredOperator:
    """An operator and the MAESTRO layers that compute it (none for pooling and element-wise ones).

    `note` says, in one line, what the lowering changed or left out (None when the layer is the
    operator itself).
    """

    operator: Operator
    layers: tuple[Layer, ...]
    note: str | None = None

    @property
    def skipped(self) -> bool:
        return not self.layers


@dataclass(frozen=True)
class LoweredModel:
    """A model lowered operator by operator; `network` is what the MAESTRO engine analyses."""

    model: Model
    parts: tuple[LoweredOperator, ...]

    @property
    def network(self) -> Network:
        return Network(self.model.name, tuple(layer for part in self.parts for layer in part.layers))

    @property
    def skipped(self) -> tuple[LoweredOperator, ...]:
        return tuple(part for part in self.parts if part.skipped)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(f"{part.operator.name}: {part.note}" for part in self.parts if part.note)

    def summary(self) -> tuple[str, ...]:
        """A few lines saying what the lowering did to the whole model (for a console note)."""
        parts = self.parts
        analysed = [part for part in parts if part.layers]
        layers = sum(len(part.layers) for part in analysed)
        lines = [
            f"{self.model.name}: {len(analysed)} of {len(parts)} operators analysed as {layers} MAESTRO layers "
            f"({self.model.macs:,} MACs)"
        ]
        if self.skipped:
            kinds = sorted({_skipped_kind(part.operator) for part in self.skipped})
            lines.append(
                f"{len(self.skipped)} operators without MACs not analysed ({', '.join(kinds)}; "
                f"{self.skipped_elements_moved:,} elements read and written)"
            )
        counts = (
            ("padding folded into the input size", lambda op: isinstance(op, Conv) and any(op.padding)),
            ("dilated, as dense phase convolutions", lambda op: isinstance(op, Conv) and op.dilation != (1, 1)),
            ("transposed, as sub-pixel convolutions", lambda op: isinstance(op, ConvTranspose)),
            ("batched products of two activations, as grouped 1x1 convolutions", lambda op: isinstance(op, MatMul) and op.batch > 1),
        )
        for what, applies in counts:
            count = sum(1 for part in parts if applies(part.operator))
            if count:
                lines.append(f"{count} operator(s) {what}")
        return tuple(lines)

    def document(self) -> dict[str, object]:
        """Per operator: kind, MACs, the layers it became and the note (for the JSON output)."""
        return {
            "model": self.model.name,
            "model_macs": self.model.macs,
            "operators": [
                {
                    "name": part.operator.name,
                    "operator": type(part.operator).__name__,
                    "macs": part.operator.macs,
                    "layers": [layer.name for layer in part.layers],
                    "note": part.note,
                }
                for part in self.parts
            ],
        }

    @property
    def skipped_elements_moved(self) -> int:
        """Elements read and written by the operators that were not analysed (pooling, element-wise)."""
        return sum(part.operator.input_elements + part.operator.output_elements for part in self.skipped)


def _skipped_kind(operator: Operator) -> str:
    """'max pooling' or 'add': what a skipped operator is, in a word or two."""
    return f"{operator.kind} pooling" if isinstance(operator, Pool) else getattr(operator, "kind", type(operator).__name__)


def lower_model(model: Model) -> LoweredModel:
    """Every operator of `model` lowered, in order."""
    return LoweredModel(model, tuple(lower_operator(operator) for operator in model.operators))


def lower_operator(operator: Operator) -> LoweredOperator:
    """The MAESTRO layers of one operator (see the module docstring for how each kind is lowered)."""
    if isinstance(operator, Conv):
        return _lower_conv(operator)
    if isinstance(operator, ConvTranspose):
        return _lower_transposed(operator)
    if isinstance(operator, MatMul):
        return _lower_matmul(operator)
    what = _skipped_kind(operator) if isinstance(operator, Pool) else f"element-wise {operator.kind}"
    return LoweredOperator(
        operator,
        (),
        f"{what}, no MACs: not analysed (reads {operator.input_elements:,} and writes {operator.output_elements:,} elements)",
    )


def _dilated_axis(outputs: int, kernel: int, stride: int, dilation: int, padded_input: int) -> tuple[list[AxisParts], int]:
    """The dense phases of one axis as distinct (window, outputs, input span, stride) parts, each with how
    many phases have it (fewest outputs first), and the number of phases.

    Output o belongs to phase o mod m (m = dilation / gcd(stride, dilation)); with outputs = q * m + r, the
    first r phases have q + 1 outputs and the others q, so there are at most two distinct parts and no
    loop over the phases, however large the dilation. Without dilation the axis is one part over the
    whole padded input (trailing inputs no window uses stay, as in the framework's tensor).
    """
    if dilation == 1:
        return [((kernel, outputs, padded_input, stride), 1)], 1
    phases = dilation // gcd(stride, dilation)
    phase_stride = stride // gcd(stride, dilation)
    used = min(phases, outputs)  # phases that hold at least one output
    fewer, longer = divmod(outputs, phases)
    counts = [(fewer, used - longer), (fewer + 1, longer)]
    parts = [((kernel, count, (count - 1) * phase_stride + kernel, phase_stride), same) for count, same in counts if count and same]
    return parts, phases


def _conv_kind(conv: Conv) -> tuple[LayerType, tuple[tuple[str, int], ...]]:
    """The MAESTRO layer type of a convolution and its channel dimensions."""
    if conv.groups == 1:
        return LayerType.CONV, (("K", conv.out_channels), ("C", conv.in_channels))
    if conv.groups == conv.in_channels == conv.out_channels:
        return LayerType.DSCONV, (("K", 1), ("C", conv.in_channels))  # bundled MAESTRO files declare K: 1
    return LayerType.NGCONV, (
        ("G", conv.groups),
        ("K", conv.out_channels // conv.groups),
        ("C", conv.in_channels // conv.groups),
    )


def _layer(name: str, kind: LayerType, batch: int, channels: tuple[tuple[str, int], ...], rows: AxisPart, columns: AxisPart) -> Layer:
    batch_dimension = (("N", batch),) if batch > 1 else ()
    return Layer(
        name,
        kind,
        (*batch_dimension, *channels, ("R", rows[0]), ("S", columns[0]), ("Y", rows[2]), ("X", columns[2])),
        (("Y", rows[3]), ("X", columns[3])),
    )


def _grouped_parts(rows: list[AxisParts], columns: list[AxisParts]) -> list[tuple[AxisPart, AxisPart, int]]:
    """Every (row part, column part) pair with how many phases have that shape, rows first, in the given order."""
    return [(row, column, row_count * column_count) for row, row_count in rows for column, column_count in columns]


def _phase_names(name: str, count: int) -> list[str]:
    return [name] if count == 1 else [f"{name}.phase{index}" for index in range(count)]


def _lower_conv(conv: Conv) -> LoweredOperator:
    top, bottom, left, right = conv.padding
    out_h, out_w = conv.output_hw
    rows, row_phases = _dilated_axis(out_h, conv.kernel[0], conv.stride[0], conv.dilation[0], conv.input_hw[0] + top + bottom)
    columns, column_phases = _dilated_axis(out_w, conv.kernel[1], conv.stride[1], conv.dilation[1], conv.input_hw[1] + left + right)
    kind, channels = _conv_kind(conv)
    parts = _grouped_parts(rows, columns)
    names = _phase_names(conv.name, len(parts))
    layers = tuple(
        _layer(name, kind, conv.batch * count, channels, row, column)
        for name, (row, column, count) in zip(names, parts, strict=True)
    )
    notes = []
    if any(conv.padding):
        notes.append(f"padding {conv.padding} folded into the input size (MAESTRO has no padding)")
    if conv.dilation != (1, 1):
        notes.append(
            f"dilation {conv.dilation}: computed as its {row_phases * column_phases} dense phase convolutions "
            f"({len(layers)} layer(s); MAESTRO has no dilation)"
        )
    return LoweredOperator(conv, layers, "; ".join(notes) or None)


def _transposed_axis(outputs: int, kernel: int, stride: int, pad_before: int) -> tuple[list[AxisParts], int]:
    """The sub-pixel phases of one axis as distinct (taps, outputs, input span, 1) parts, each with how many
    phases have it, in the order of their first phase; and the number of phases that no tap reaches.

    Phase p (0 <= p < min(stride, outputs)) holds q + 1 outputs when p < r (outputs = q * stride + r), else
    q; it gathers a + 1 taps when (p + pad_before) mod stride < b (kernel = a * stride + b), else a. So
    there are at most four distinct parts, counted in closed form: no loop over the phases, however
    large the stride.
    """
    fewer, longer = divmod(outputs, stride)
    taps_whole, taps_extra = divmod(kernel, stride)
    used = min(stride, outputs)
    found: list[tuple[int, AxisPart, int]] = []  # (first phase, part, phases)
    empty = 0
    for low, high, count in ((0, longer, fewer + 1), (longer, used, fewer)):
        if low >= high:
            continue
        with_extra = residues_below(pad_before + high, stride, taps_extra) - residues_below(pad_before + low, stride, taps_extra)
        first_remainder = (pad_before + low) % stride
        if first_remainder < taps_extra:
            first_with, first_without = low, low + taps_extra - first_remainder
        else:
            first_with, first_without = low + stride - first_remainder, low
        for taps, phases, first in ((taps_whole + 1, with_extra, first_with), (taps_whole, high - low - with_extra, first_without)):
            if not phases:
                continue
            if taps == 0:
                empty += phases
            else:
                found.append((first, (taps, count, count + taps - 1, 1), phases))
    return [(part, phases) for _, part, phases in sorted(found)], empty


def _phase_count(parts: list[AxisParts]) -> int:
    return sum(phases for _, phases in parts)


def _lower_transposed(conv: ConvTranspose) -> LoweredOperator:
    out_h, out_w = conv.output_hw
    rows, empty_rows = _transposed_axis(out_h, conv.kernel[0], conv.stride[0], conv.padding[0])
    columns, empty_columns = _transposed_axis(out_w, conv.kernel[1], conv.stride[1], conv.padding[2])
    parts = _grouped_parts(rows, columns)
    names = _phase_names(conv.name, len(parts))
    layers = tuple(
        _layer(name, LayerType.CONV, conv.batch, (("K", conv.out_channels * count), ("C", conv.in_channels)), row, column)
        for name, (row, column, count) in zip(names, parts, strict=True)
    )
    note = (
        f"transposed convolution computed as its {_phase_count(rows) * _phase_count(columns)} sub-pixel convolutions without inserted "
        f"zeros ({len(layers)} layer(s); MAESTRO's TRCONV would analyse a plain convolution)"
    )
    if empty_rows or empty_columns:
        note += "; output phases that no kernel tap reaches hold only the bias and cost no MACs"
    return LoweredOperator(conv, layers, note)


def _lower_matmul(matmul: MatMul) -> LoweredOperator:
    one = (1, 1, 1, 1)
    rows: AxisPart = (1, matmul.m, matmul.m, 1)
    if matmul.batch == 1:
        layer = _layer(matmul.name, LayerType.CONV, 1, (("K", matmul.n), ("C", matmul.k)), rows, one)
        return LoweredOperator(matmul, (layer,), None)
    channels = (("G", matmul.batch), ("K", matmul.n), ("C", matmul.k))
    layer = _layer(matmul.name, LayerType.NGCONV, 1, channels, rows, one)
    return LoweredOperator(matmul, (layer,), f"{matmul.batch} independent products as a grouped 1x1 convolution (G = batch)")
