"""Which dimensions each tensor of a layer is coupled to, and which dimension pairs slide (docs/model.md, Tensors and dimensions)."""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.workload.layer import Layer, LayerType


@dataclass(frozen=True)
class Tensor:
    """A tensor of the layer: `input`, `filter` or `output`, and the dimensions that index it."""

    name: str
    coupled: tuple[str, ...]


#: Reference dimension -> sliding dimension (input width X slides over filter width S, Y over R).
SLIDING_PAIRS: dict[str, str] = {"X": "S", "Y": "R"}
#: Reference dimension -> the output dimension it produces.
OUTPUT_OF: dict[str, str] = {"X": "X'", "Y": "Y'"}


@dataclass(frozen=True)
class LayerTensors:
    """The three tensors of a layer plus the facts the cost model derives from them."""

    input: Tensor
    filter: Tensor
    output: Tensor
    has_sliding_windows: bool  # CONV-like layers; GEMM has none

    @property
    def operands(self) -> tuple[Tensor, Tensor]:
        return (self.input, self.filter)

    @property
    def input_variables(self) -> tuple[str, ...]:
        """Sorted union of input and filter dimensions: the variables every cluster level must map."""
        return tuple(sorted(set(self.input.coupled) | set(self.filter.coupled)))


def layer_tensors(layer: Layer, grouped_output_without_input_channels: bool = False) -> LayerTensors:
    """The tensors MAESTRO builds for `layer`'s type (batch N prepended to input and output).

    MAESTRO couples a grouped (NGCONV) output to C too; the correction of that name leaves C out.
    """
    batch: tuple[str, ...] = ("N",) if layer.has("N") and layer.type is not LayerType.GEMM else ()
    if layer.type is LayerType.GEMM:
        result = LayerTensors(Tensor("input", ("M", "K")), Tensor("filter", ("K", "N")), Tensor("output", ("M", "N")), False)
    elif layer.type is LayerType.DSCONV:
        result = LayerTensors(
            Tensor("input", batch + ("C", "Y", "X")),
            Tensor("filter", ("C", "R", "S")),
            Tensor("output", batch + ("C", "Y", "X")),
            True,
        )
    elif layer.type is LayerType.NGCONV:
        result = LayerTensors(
            Tensor("input", batch + ("G", "C", "Y", "X")),
            Tensor("filter", ("G", "K", "C", "R", "S")),
            Tensor("output", batch + (("G", "K", "Y", "X") if grouped_output_without_input_channels else ("G", "K", "C", "Y", "X"))),
            True,
        )
    else:  # CONV, and TRCONV which MAESTRO analyses as a plain CONV
        result = LayerTensors(
            Tensor("input", batch + ("C", "Y", "X")),
            Tensor("filter", ("K", "C", "R", "S")),
            Tensor("output", batch + ("K", "Y", "X")),
            True,
        )
    return result


def window_outputs(input_size: int, window: int, stride: int) -> int:
    """Complete windows of `window` elements at `stride` in `input_size` elements (<= 0 if none fit)."""
    if input_size < window:
        return input_size - window + 1
    return (input_size - window) // stride + 1


def used_extent(dims: dict[str, int], strides: dict[str, int]) -> dict[str, int]:
    """`dims` with X/Y cut to the inputs some window uses: (outputs - 1) * stride + window."""
    trimmed = dict(dims)
    for reference, sliding in SLIDING_PAIRS.items():
        if reference in dims and sliding in dims and dims[reference] >= dims[sliding]:
            stride = strides.get(reference, 1)
            outputs = (dims[reference] - dims[sliding]) // stride + 1
            trimmed[reference] = (outputs - 1) * stride + dims[sliding]
    return trimmed


def layer_dimensions(layer: Layer, tensors: LayerTensors, stride_aware: bool = False) -> dict[str, int]:
    """The top-level dimension table: declared sizes, completed with X'/Y' (or X/Y from X'/Y').

    MAESTRO has no padding and ignores the stride here: X' = X - S + 1. With `stride_aware`,
    X' = (X - S) // stride + 1, and a declared X' means X = (X' - 1) * stride + S.
    """
    dims = dict(layer.dimensions)
    needed = set(tensors.input.coupled) | set(tensors.filter.coupled) | set(tensors.output.coupled)
    if tensors.has_sliding_windows:
        for reference, sliding in SLIDING_PAIRS.items():
            output = OUTPUT_OF[reference]
            if sliding not in dims:
                continue
            stride = layer.stride(reference) if stride_aware else 1
            if reference in dims:
                dims[output] = window_outputs(dims[reference], dims[sliding], stride)
            elif output in dims:
                dims[reference] = (dims[output] - 1) * stride + dims[sliding]
    missing = sorted(v for v in needed if v not in dims)
    if missing:
        raise InputError(
            f"a {layer.type} layer needs dimension(s) {', '.join(missing)}, which are not declared",
            f"layer {layer.name}",
        )
    return dims
