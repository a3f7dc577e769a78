"""Lowering at extreme sizes: phases and taps are counted in closed form, so a stride or dilation of a
million lowers as fast as one of two, to the same layers a phase-by-phase count gives on small cases."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.errors import InputError
from mapscope.limits import MAX_LAYERS, MAX_SIZE
from mapscope.workload.layer import layer_macs
from mapscope.workload.lowering import _dilated_axis, _transposed_axis, lower_operator
from mapscope.workload.operators import Conv, ConvTranspose, Elementwise, Model, Pool, transposed_taps


def _taps_one_by_one(outputs: int, kernel: int, stride: int, pad_before: int) -> int:
    return sum(1 for o in range(outputs) for r in range(kernel) if (o + pad_before - r) % stride == 0)


def _distinct_in_order(parts: list[tuple[int, int, int, int]]) -> list[tuple[tuple[int, int, int, int], int]]:
    counts = Counter(parts)
    return [(part, counts[part]) for part in dict.fromkeys(parts)]


def _transposed_phases_one_by_one(outputs: int, kernel: int, stride: int, pad_before: int) -> tuple[list, int]:
    parts, empty = [], 0
    for phase in range(min(stride, outputs)):
        count = -(-(outputs - phase) // stride)
        taps = len(range((phase + pad_before) % stride, kernel, stride))
        if taps:
            parts.append((taps, count, count + taps - 1, 1))
        else:
            empty += 1
    return _distinct_in_order(parts), empty


def _dilated_phases_one_by_one(outputs: int, kernel: int, stride: int, dilation: int) -> list:
    from math import gcd

    phases, phase_stride = dilation // gcd(stride, dilation), stride // gcd(stride, dilation)
    counts = sorted(-(-(outputs - phase) // phases) for phase in range(min(phases, outputs)))
    return _distinct_in_order([(kernel, count, (count - 1) * phase_stride + kernel, phase_stride) for count in counts])


@settings(max_examples=examples(200))
@given(st.integers(1, 40), st.integers(1, 12), st.integers(1, 9), st.integers(0, 12))
def test_transposed_taps_and_phases_in_closed_form(outputs: int, kernel: int, stride: int, pad_before: int) -> None:
    assert transposed_taps(outputs, kernel, stride, pad_before) == _taps_one_by_one(outputs, kernel, stride, pad_before)
    assert _transposed_axis(outputs, kernel, stride, pad_before) == _transposed_phases_one_by_one(outputs, kernel, stride, pad_before)


@settings(max_examples=examples(200))
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 6), st.integers(2, 9))
def test_dilated_phases_in_closed_form(outputs: int, kernel: int, stride: int, dilation: int) -> None:
    parts, _ = _dilated_axis(outputs, kernel, stride, dilation, 0)
    assert parts == _dilated_phases_one_by_one(outputs, kernel, stride, dilation)


@pytest.mark.parametrize(
    "operator",
    [
        Conv("dilated", 2, 2, (2**16, 2**16), (2, 2), dilation=(2**15, 2**15 - 1)),
        Conv("dilated_strided", 2, 2, (2**24, 2**24), (3, 3), stride=(3, 5), dilation=(2**15, 2**14 + 1)),
        ConvTranspose("strided", 2, 3, (2, 3), (5, 2**20 + 7), stride=(2**29, 2**20), padding=(1, 2, 3, 4)),
        ConvTranspose("big_kernel", 2, 3, (2**10, 2**10), (2**20 + 3, 2**20 + 5), stride=(2**9 + 1, 2**11)),
    ],
    ids=lambda operator: operator.name,
)
def test_huge_strides_and_dilations_lower_at_once(operator: Conv | ConvTranspose) -> None:
    start = time.perf_counter()
    lowered = lower_operator(operator)
    assert 1 <= len(lowered.layers) <= 4
    assert sum(layer_macs(layer) for layer in lowered.layers) == operator.macs
    assert time.perf_counter() - start < 1.0


def test_padded_input_and_transposed_output_stay_within_max_size() -> None:
    with pytest.raises(InputError, match="padded input .* above the largest size"):
        Conv("c", 1, 1, (MAX_SIZE, 4), (1, 1), padding=(1, 0, 0, 0))
    with pytest.raises(InputError, match="padded input .* above the largest size"):
        Pool("p", "max", 1, (4, 4), (1, 1), padding=(0, 0, MAX_SIZE, 0))
    with pytest.raises(InputError, match="output .* above the largest size"):
        ConvTranspose("t", 1, 1, (3, 3), (1, 1), stride=(MAX_SIZE, 1))


def test_model_operator_count_is_bounded() -> None:
    relu = Elementwise("r", "relu", (1,))
    operators = tuple(Elementwise(f"r{index}", "relu", (1,)) for index in range(MAX_LAYERS + 1))
    with pytest.raises(InputError, match="at most 100,000"):
        Model("big", operators)
    assert Model("one", (relu,)).operators == (relu,)
