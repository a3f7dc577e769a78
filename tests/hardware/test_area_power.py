"""One design's area and power (plain Python, no numpy) equals the array version's element, bit for bit:
both run the same formula (`_costs`), so the network analysis and the design-space batches agree."""

from __future__ import annotations

from dataclasses import astuple, fields

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mapscope.hardware.accelerator import UNLIMITED
from mapscope.hardware.area_power import AreaPower, area_power, area_power_arrays, sized_for_area
from property_settings import examples

sizes = st.integers(min_value=0, max_value=2**40)
bandwidths = st.one_of(st.integers(min_value=0, max_value=UNLIMITED), st.floats(min_value=0, max_value=1e6))


@given(
    pes=st.integers(min_value=1, max_value=2**20),
    simd=st.integers(min_value=1, max_value=64),
    bandwidth=bandwidths,
    l1=sizes,
    l2=sizes,
)
@settings(max_examples=examples(200))
def test_one_design_equals_its_element_of_the_arrays(pes: int, simd: int, bandwidth: float, l1: int, l2: int) -> None:
    scalar = area_power(pes, simd, bandwidth, l1, l2)
    arrays = area_power_arrays([pes, 1], [simd, 1], [bandwidth, 1], [l1, 1], [l2, 1])
    assert all(isinstance(value, float) for value in astuple(scalar))
    assert astuple(scalar) == tuple(float(getattr(arrays, field.name)[0]) for field in fields(AreaPower))


@given(given_size=st.one_of(st.just(UNLIMITED), st.integers(min_value=0, max_value=UNLIMITED)), required=st.integers(0, 2**40))
@settings(max_examples=examples(100))
def test_sized_for_area_on_ints_equals_the_array_rule(given_size: int, required: int) -> None:
    scalar = sized_for_area(given_size, required)
    assert type(scalar) is int
    assert scalar == (max(required, 1) if given_size == UNLIMITED else given_size)
    array = sized_for_area(np.array([given_size]), np.array([required]))
    assert array.dtype == np.int64 and int(array[0]) == scalar
