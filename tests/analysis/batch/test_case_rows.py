"""first_true_row / last_true_row: per mapping, the first or last case row a (case, mapping) mask marks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from property_settings import examples

from mapscope.analysis.batch.array_math import first_true_row, last_true_row

NONE_FIRST, NONE_LAST = np.iinfo(np.int64).max, -1


def test_no_row_every_row_and_one_row() -> None:
    mask = np.array(
        [
            [False, True, False, True],
            [False, True, True, False],
            [False, True, False, False],
        ]
    )  # columns: no row, every row, only the middle row, only the first row
    assert first_true_row(mask, NONE_FIRST).tolist() == [NONE_FIRST, 0, 1, 0]
    assert last_true_row(mask, NONE_LAST).tolist() == [NONE_LAST, 2, 1, 0]


def test_a_single_case_and_no_mapping() -> None:
    assert first_true_row(np.array([[True, False]]), NONE_FIRST).tolist() == [0, NONE_FIRST]
    assert last_true_row(np.array([[True, False]]), NONE_LAST).tolist() == [0, NONE_LAST]
    assert first_true_row(np.zeros((3, 0), dtype=bool), NONE_FIRST).shape == (0,)


@settings(max_examples=examples(100), deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 8), st.integers(0, 8))))
def test_equal_to_a_masked_min_and_max_of_row_numbers(mask: np.ndarray) -> None:
    rows = np.arange(mask.shape[0])[:, None]
    assert np.array_equal(first_true_row(mask, NONE_FIRST), np.where(mask, rows, NONE_FIRST).min(axis=0))
    assert np.array_equal(last_true_row(mask, NONE_LAST), np.where(mask, rows, NONE_LAST).max(axis=0))
