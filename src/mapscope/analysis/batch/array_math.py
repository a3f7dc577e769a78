"""C++ integer arithmetic and the window formulas of the scalar engine, on int64 arrays.

Each function equals its scalar namesake (analysis.integer_math, analysis.tensors) element by element;
the batched engine calls them on arrays with one element per mapping.
"""

from __future__ import annotations

import numpy as np

IntArray = np.ndarray  # int64, one element per mapping
BoolArray = np.ndarray


def cdiv(numerator: IntArray, denominator: IntArray) -> IntArray:
    """C++ `a / b`: the quotient truncated toward zero (a zero denominator gives garbage; callers mask it)."""
    if np.size(numerator) and np.size(denominator) and np.min(numerator) >= 0 and np.min(denominator) > 0:
        return numerator // denominator  # the common case: floor and truncation agree
    safe = np.where(denominator == 0, 1, denominator)
    quotient = np.abs(numerator) // np.abs(safe)
    return np.where((numerator >= 0) == (safe > 0), quotient, -quotient)


def ceil_div(numerator: IntArray, denominator: IntArray) -> IntArray:
    """Ceiling of a / b for a positive denominator."""
    return -(-numerator // denominator)


def window_outputs(input_size: IntArray, window: IntArray, stride: int) -> IntArray:
    """Complete windows of `window` elements at `stride` in `input_size` elements (<= 0 if none fit)."""
    return np.where(input_size < window, input_size - window + 1, (input_size - window) // stride + 1)


def used_extent(dims: dict[str, IntArray], strides: dict[str, int]) -> dict[str, IntArray]:
    """`dims` with X/Y cut to the inputs some window uses (analysis.tensors.used_extent)."""
    trimmed = dict(dims)
    for reference, sliding in (("X", "S"), ("Y", "R")):
        if reference in dims and sliding in dims:
            size, window = dims[reference], dims[sliding]
            stride = strides.get(reference, 1)
            outputs = (size - window) // stride + 1
            trimmed[reference] = np.where(size >= window, (outputs - 1) * stride + window, size)
    return trimmed


def first_true_row(mask: BoolArray, none: int) -> IntArray:
    """Per column of a (row, mapping) mask, the first row where it holds (`none` where no row does)."""
    return np.where(mask.any(axis=0), mask.argmax(axis=0), none)  # argmax stops early; a masked min reads every entry


def last_true_row(mask: BoolArray, none: int) -> IntArray:
    """Per column of a (row, mapping) mask, the last row where it holds (`none` where no row does)."""
    return np.where(mask.any(axis=0), mask.shape[0] - 1 - mask[::-1].argmax(axis=0), none)


def per_mapping(values: np.ndarray | int | bool, count: int) -> np.ndarray:
    """`values` as one element per mapping: an array of `count` elements as it is, else broadcast (read-only)."""
    if isinstance(values, np.ndarray) and values.shape == (count,):
        return values  # np.broadcast_to costs more than the arithmetic on a few thousand elements
    return np.broadcast_to(values, (count,))


def uniform(flags: BoolArray) -> BoolArray | bool:
    """`flags` as a Python bool when every mapping agrees, so a selection on it is decided once."""
    if flags.all():
        return True
    if not flags.any():
        return False
    return flags
