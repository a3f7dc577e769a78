"""dram_operand_reads: the O(sqrt) candidate search equals trying every column-block count, and its time
and memory do not grow with the output matrix (a batch of 32,000 used to allocate gigabytes)."""

from __future__ import annotations

import resource

from hypothesis import example, given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.systolic.evaluate import dram_operand_reads


def _every_block_count(a_words: int, b_words: int, rows: int, cols: int, capacity: int) -> tuple[int, int]:
    """The definition: try every number of column blocks, keep the first with the least traffic."""
    if rows * cols <= capacity:
        return a_words, b_words
    best: tuple[int, int, int] | None = None
    for col_blocks in range(1, cols + 1):
        block_rows = max(capacity // -(-cols // col_blocks), 1)
        row_blocks = -(-rows // block_rows)
        traffic = a_words * col_blocks + b_words * row_blocks
        if best is None or traffic < best[0]:
            best = (traffic, a_words * col_blocks, b_words * row_blocks)
    assert best is not None
    return best[1], best[2]


@settings(max_examples=examples(400), deadline=None)
@given(
    a_words=st.integers(0, 10**6),
    b_words=st.integers(0, 10**6),
    rows=st.integers(1, 400),
    cols=st.integers(1, 400),
    capacity=st.one_of(st.integers(0, 50), st.integers(0, 2000)),
)
@example(a_words=7, b_words=7, rows=10, cols=10, capacity=10)  # ties: the fewest column blocks
@example(a_words=0, b_words=5, rows=9, cols=9, capacity=4)
@example(a_words=5, b_words=0, rows=9, cols=9, capacity=4)
@example(a_words=3, b_words=3, rows=400, cols=400, capacity=0)
def test_candidates_give_the_exhaustive_minimum(a_words: int, b_words: int, rows: int, cols: int, capacity: int) -> None:
    expected = _every_block_count(a_words, b_words, rows, cols, capacity)
    assert dram_operand_reads(a_words, b_words, rows, cols, capacity) == expected


def test_huge_output_matrices_take_no_memory() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows, cols = 401_408_000, 2**40  # resnet50 at batch 32,000, and the largest GEMM dimension
    a_words, b_words = dram_operand_reads(rows * 147, 147 * cols, rows, cols, 2**20)
    assert a_words >= rows * 147 and b_words >= 147 * cols
    assert dram_operand_reads(1, 1, 2**40, 2**40, 2**30) == (2**25, 2**25)  # square blocks of 2**15 x 2**15
    assert dram_operand_reads(1, 1, 2**40, 2**30, 2**30) == (2**20, 2**20)  # blocks of 2**20 rows x 2**10 columns
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100_000
