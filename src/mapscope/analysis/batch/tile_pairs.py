"""The (mapping, sub-cluster tile) pairs a cluster level hands down, so a sub-level runs once over all of them.

A case hands each sub-cluster a tile that is, along each directive's dimension, the full or the edge
size: a bit per directive, the tile's code. A mapping uses a few codes of the many the batch's union of
cases could make, so the sub-level is evaluated once over the used (mapping, code) pairs as one longer
array, and each case finds its sub-run results by looking its pairs up (unused pairs read as zero).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from mapscope.analysis.batch.array_math import BoolArray, IntArray, per_mapping
from mapscope.analysis.batch.case_arrays import LevelForm
from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS


class TilePairs:
    """The used (mapping, code) pairs of a level, sorted by code then mapping; `rows` and `codes` per pair."""

    def __init__(self, used: Iterable[tuple[IntArray, BoolArray]], count: int) -> None:
        self.count = count
        parts = [codes[use] * count + np.flatnonzero(use) for codes, use in used]
        self.keys = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        self.rows = self.keys % count if count else self.keys
        self.codes = self.keys // count if count else self.keys
        self.code_values = np.unique(self.codes)
        # table[rank of a code, mapping]: the pair's position, `size` where unused (the last row: unknown codes)
        self.table = np.full((self.code_values.shape[0] + 1, count), self.size, dtype=np.intp)
        self.table[np.searchsorted(self.code_values, self.codes), self.rows] = np.arange(self.size)

    @property
    def size(self) -> int:
        return int(self.keys.shape[0])

    def locate(self, codes: IntArray) -> IntArray:
        """Per mapping, the position of its pair with `codes` among the used pairs (`size` where unused)."""
        known = self.code_values.shape[0]
        if not known:
            return np.zeros(codes.shape, dtype=np.intp)
        # a code is a bit per directive of one level, so a table over every code up to the largest is small
        rank_of = np.full(max(int(codes.max()), int(self.code_values[-1])) + 1, known, dtype=np.intp)
        rank_of[self.code_values] = np.arange(known)
        return self.table[rank_of[codes], np.arange(self.count)]  # codes may be (cases, mappings): the mapping is the last axis

    def columns(self, values: list[np.ndarray], dtype: type) -> np.ndarray:
        """`values` (one entry per pair each) as rows of one matrix with a zero column at `size` (unused pairs)."""
        matrix = np.zeros((len(values), self.size + 1), dtype=dtype)
        for row, value in enumerate(values):
            matrix[row, : self.size] = value
        return matrix

    def dimensions(self, form: LevelForm) -> dict[str, IntArray]:
        """The dimension sizes each pair's sub-cluster works on: edge or full size per directive bit."""
        tables, rows = form.tables, self.rows
        sizes: dict[str, IntArray] = {}
        for bit, variable in enumerate(form.variables):
            edge = per_mapping(tables.mapped_edge[variable], self.count)[rows]
            full = per_mapping(tables.mapped[variable], self.count)[rows]
            sizes[variable] = np.where(self.codes >> bit & 1 == 1, edge, full)
        if form.has_sliding_windows:
            for variable in form.variables:
                if variable in SLIDING_PAIRS:
                    sizes[OUTPUT_OF[variable]] = form.output_extent(variable, sizes[variable], sizes[SLIDING_PAIRS[variable]])
        return sizes
