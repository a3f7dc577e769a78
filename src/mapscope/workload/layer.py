"""A DNN layer as MAESTRO describes it: a type, named dimension sizes and X/Y strides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mapscope.errors import InputError
from mapscope.limits import MAX_NAME_CHARS, MAX_SIZE


class LayerType(StrEnum):
    """The layer types MAESTRO's parser builds a layer object for."""

    CONV = "CONV"
    DSCONV = "DSCONV"  # depthwise: filter {C,R,S}, output {C,Y,X}; K is ignored
    NGCONV = "NGCONV"  # grouped (ResNeXt); adds the group dimension G
    GEMM = "GEMM"  # output M x N = input M x K times weight K x N
    TRCONV = "TRCONV"  # transposed conv; MAESTRO analyses it as a plain CONV


#: Dimension names a layer may declare. Y'/X' are output-centric (Y' = Y - R + 1).
DIMENSION_NAMES = ("N", "G", "K", "C", "R", "S", "Y", "X", "Y'", "X'", "M")
#: Input dimension -> the filter dimension whose window slides over it.
WINDOWS = (("Y", "R"), ("X", "S"))
_NAMES = frozenset(DIMENSION_NAMES)


@dataclass(frozen=True)
class Layer:
    """One layer: its type, its dimension sizes as declared, and its strides (X and Y only matter).

    `dimensions` keeps declaration order; a CONV layer may declare Y'/X' (output size) instead of Y/X.
    """

    name: str
    type: LayerType
    dimensions: tuple[tuple[str, int], ...]
    strides: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        # A quick pass clears the usual layer; anything it does not clear gets the check that words the error.
        try:
            sizes = dict(self.dimensions)
            plain = len(self.name) <= MAX_NAME_CHARS and len(sizes) == len(self.dimensions) and _NAMES.issuperset(sizes)
            for size in sizes.values():
                plain = plain and 0 < size <= MAX_SIZE
            for _, stride in self.strides:
                plain = plain and 0 < stride <= MAX_SIZE
        except (TypeError, ValueError):
            plain = False
        if not plain:
            self._check_declarations()
            sizes = dict(self.dimensions)
        if ("Y" in sizes and "Y'" in sizes) or ("X" in sizes and "X'" in sizes):
            raise InputError(
                "both input- and output-centric definitions of the same axis (Y and Y', or X and X')",
                f"layer {self.name}",
            )
        if self.type is LayerType.GEMM:
            return
        for reference, window in WINDOWS:  # a window larger than its input: no output position, no MAC
            if reference in sizes and window in sizes and sizes[window] > sizes[reference]:
                raise InputError(
                    f"the filter window {window} = {sizes[window]} is larger than the input {reference} = "
                    f"{sizes[reference]}, so the layer has no output position (a padded input is at least as large "
                    "as the window)",
                    f"layer {self.name}",
                )

    def _check_declarations(self) -> None:
        """The name's length, each dimension (known, declared once, in range) and each stride, in that order."""
        if len(self.name) > MAX_NAME_CHARS:
            raise InputError(f"a layer name is longer than {MAX_NAME_CHARS:,} characters", f"layer {self.name[:40]}...")
        seen: set[str] = set()
        for dim, size in self.dimensions:
            if dim not in DIMENSION_NAMES:
                raise InputError(f"unknown dimension {dim!r}", f"layer {self.name}")
            if dim in seen:
                raise InputError(f"dimension {dim} declared twice", f"layer {self.name}")
            seen.add(dim)
            if size <= 0:
                raise InputError(f"dimension {dim} must be positive, got {size}", f"layer {self.name}")
            if size > MAX_SIZE:
                raise InputError(f"dimension {dim} = {size} is above the largest size supported ({MAX_SIZE})", f"layer {self.name}")
        for dim, stride in self.strides:
            if stride <= 0:
                raise InputError(f"stride of {dim} must be positive, got {stride}", f"layer {self.name}")
            if stride > MAX_SIZE:
                raise InputError(f"stride of {dim} = {stride} is above the largest size supported ({MAX_SIZE})", f"layer {self.name}")

    def size(self, dim: str) -> int:
        """The declared size of `dim`; raises KeyError when the layer does not declare it."""
        for name, value in self.dimensions:
            if name == dim:
                return value
        raise KeyError(dim)

    def has(self, dim: str) -> bool:
        for name, _ in self.dimensions:  # a loop, not any() over a generator: called per directive by the engines
            if name == dim:
                return True
        return False

    def stride(self, dim: str) -> int:
        """Stride along `dim` (1 when not given)."""
        for name, value in self.strides:
            if name == dim:
                return value
        return 1


def layer_macs(layer: Layer) -> int:
    """The multiply-accumulates the layer needs, from its shape alone (no padding, strides applied).

    Batch N multiplies CONV-like layers; a layer declaring Y'/X' uses them as its output sizes.
    """
    dims = dict(layer.dimensions)
    if layer.type is LayerType.GEMM:
        return dims["M"] * dims["N"] * dims["K"]
    outputs = 1
    for reference, window in (("Y", "R"), ("X", "S")):
        declared_output = dims.get(reference + "'")
        outputs *= declared_output if declared_output is not None else (dims[reference] - dims[window]) // layer.stride(reference) + 1
    if layer.type is LayerType.DSCONV:
        channels = dims["C"]  # depthwise: K, if declared, is ignored
    elif layer.type is LayerType.NGCONV:
        channels = dims.get("G", 1) * dims["K"] * dims["C"]
    else:
        channels = dims.get("K", 1) * dims["C"]
    return dims.get("N", 1) * channels * dims["R"] * dims["S"] * outputs
