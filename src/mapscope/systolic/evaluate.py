"""The analytical systolic model: a plan's cycles and word counts in closed form over its tiles.

Implements docs/flexsa.md with numpy over the plan's unit table; tests check it against the
cycle-level simulator count for count. A GEMM with `count` > 1 repeats the same plan `count` times.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from mapscope.systolic.machine import ALL_MODES, Machine
from mapscope.systolic.plan import GemmPlan, UnitTable


@dataclass(frozen=True)
class PlanCounts:
    """Cycles and words moved by one plan on one machine (all `count` repetitions of the GEMM)."""

    cycles: int
    macs: int
    passes: int
    input_buffer_reads: int  # streamed operand (A, or Bᵀ when transposed)
    weight_buffer_reads: int  # stationary operand (B, or Aᵀ when transposed)
    output_buffer_reads: int
    output_buffer_writes: int
    streamed_forwards: int
    psum_forwards: int
    weight_forwards: int
    dram_input_reads: int
    dram_weight_reads: int
    dram_output_reads: int  # partial sums read back to combine split-K results of different cores
    dram_output_writes: int
    mode_macs: tuple[int, ...]  # MACs per mode, in ALL_MODES order

    @property
    def onchip_accesses(self) -> int:
        return self.input_buffer_reads + self.weight_buffer_reads + self.output_buffer_reads + self.output_buffer_writes

    @property
    def dram_words(self) -> int:
        return self.dram_input_reads + self.dram_weight_reads + self.dram_output_reads + self.dram_output_writes

    def scaled(self, factor: int) -> PlanCounts:
        scaled: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            scaled[f.name] = tuple(v * factor for v in value) if isinstance(value, tuple) else value * factor
        return PlanCounts(**scaled)


def _distinct_sum(keys: np.ndarray, weights: np.ndarray) -> int:
    """Sum of `weights` over rows of `keys` counted once per distinct row (broadcast reads)."""
    order = np.lexsort(keys.T[::-1])
    sorted_keys = keys[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.any(sorted_keys[1:] != sorted_keys[:-1], axis=1)
    return int(weights[order][first].sum())


def union_area(r0: np.ndarray, r1: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> int:
    """Area of the union of rectangles [r0, r1) x [c0, c1) (coordinate compression)."""
    if r0.size == 0:
        return 0
    rows = np.unique(np.concatenate([r0, r1]))
    cols = np.unique(np.concatenate([c0, c1]))
    grid = np.zeros((rows.size, cols.size), dtype=np.int64)
    i0, i1 = np.searchsorted(rows, r0), np.searchsorted(rows, r1)
    j0, j1 = np.searchsorted(cols, c0), np.searchsorted(cols, c1)
    np.add.at(grid, (i0, j0), 1)
    np.add.at(grid, (i1, j0), -1)
    np.add.at(grid, (i0, j1), -1)
    np.add.at(grid, (i1, j1), 1)
    covered = np.cumsum(np.cumsum(grid, axis=0), axis=1)[:-1, :-1] > 0
    return int((np.diff(rows)[:, None] * np.diff(cols)[None, :])[covered].sum())


def _tiled_area(r0: np.ndarray, r1: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> int:
    """Area of the union of rectangles that are pairwise identical or disjoint (one region's grid cells)."""
    keys = np.stack([r0, r1, c0, c1], axis=1)
    return _distinct_sum(keys, (r1 - r0) * (c1 - c0))


def _union_length(lo: np.ndarray, hi: np.ndarray) -> int:
    return union_area(lo, hi, np.zeros_like(lo), np.ones_like(lo))


def _quotients(total: int, rounding_up: bool) -> Iterator[int]:
    """A superset of {ceil(total / q)} (rounding_up) or {total // q} over q = 1..total (total >= 1).

    1..s and the quotients for q = 1..s, s = isqrt(total) + 1: a quotient for q > s is below s, so
    about 2 sqrt(total) values cover all of them (some twice).
    """
    for q in range(1, min(math.isqrt(total) + 1, total) + 1):
        yield q
        yield -(-total // q) if rounding_up else total // q


def dram_operand_reads(a_words: int, b_words: int, rows: int, cols: int, output_capacity_words: int) -> tuple[int, int]:
    """Words of A and B fetched from DRAM when outputs (rows x cols) stay on chip in blocks that fit.

    One output block: A fetched once; several: A once per column block, B once per row block,
    with the block shape that minimises the sum (docs/flexsa.md, DRAM); among equal sums, the fewest
    column blocks.

    With cb column blocks the blocks are ceil(cols / cb) wide, max(capacity // width, 1) rows high,
    and the traffic is a_words * cb + b_words * (row blocks). For a fixed width the fewest column
    blocks are best, and that is ceil(cols / width); for a fixed block height likewise the fewest
    column blocks giving at least that height, ceil(cols / (capacity // height)). So only cb = 1 and
    cb = ceil(cols / d), d a value of ceil(cols / q) or of capacity // q, can be best: O(sqrt(min(cols,
    capacity))) candidates, generated one at a time, instead of an array of one per column (gigabytes
    for a large batch).
    """
    if rows * cols <= output_capacity_words:
        return a_words, b_words
    if cols <= output_capacity_words:
        widths: Iterable[int] = _quotients(cols, rounding_up=True)  # every block width some cb gives
    elif output_capacity_words > 0:
        widths = _quotients(output_capacity_words, rounding_up=False)  # every capacity // height
    else:
        widths = ()  # blocks are one row high whatever their width: cb = 1 is best
    best = (a_words + b_words * rows, 1, rows)  # (traffic, column blocks, row blocks) of cb = 1
    for width in widths:
        col_blocks = -(-cols // width)
        row_blocks = -(-rows // max(output_capacity_words // -(-cols // col_blocks), 1))
        best = min(best, (a_words * col_blocks + b_words * row_blocks, col_blocks, row_blocks))
    return a_words * best[1], b_words * best[2]


def _sequence_cycles(rows: np.ndarray, cols: np.ndarray, t: np.ndarray, double_buffered: bool) -> int:
    """Cycles of folds run back to back (one per entry) on one sequencer."""
    if rows.size == 0:
        return 0
    if not double_buffered:
        return int((2 * rows + cols + t - 2).sum())
    body = t + rows + cols - 2
    waits = np.maximum(rows[1:] - body[:-1], 0)
    return int(rows[0] + body.sum() + waits.sum())


def count_plan(plan: GemmPlan, machine: Machine) -> PlanCounts:
    """Cycles, MACs, buffer, forward and DRAM counts of `plan` on `machine` (docs/flexsa.md)."""
    table = plan.unit_table(machine)
    counts = _count_units(table, plan, machine)
    return counts.scaled(plan.gemm.count) if plan.gemm.count != 1 else counts


def _count_units(table: UnitTable, plan: GemmPlan, machine: Machine) -> PlanCounts:
    m, n, k = plan.effective_dims
    pass_index, group = table.pass_index, table.group
    t = table.m1 - table.m0
    kr = table.k1 - table.k0
    nc = table.n1 - table.n0
    mode_rows = {mode: machine.geometry(mode).rows for mode in machine.modes}
    mode_cols = {mode: machine.geometry(mode).cols for mode in machine.modes}
    pass_rows = np.array([mode_rows[mode] for mode in table.pass_mode], dtype=np.int64)
    pass_cols = np.array([mode_cols[mode] for mode in table.pass_mode], dtype=np.int64)
    unit_rows = pass_rows[pass_index]
    macs_each = t * kr * nc
    passes = len(table.pass_mode)

    if machine.independent_groups:
        cycles = 0
        for g in range(machine.geometry(machine.modes[0]).groups):
            mine = group == g
            cycles = max(cycles, _sequence_cycles(unit_rows[mine], pass_cols[pass_index][mine], t[mine], machine.double_buffered))
    else:
        starts = np.flatnonzero(np.r_[True, pass_index[1:] != pass_index[:-1]])
        pass_t = np.maximum.reduceat(t, starts)
        cycles = _sequence_cycles(pass_rows, pass_cols, pass_t, machine.double_buffered)

    input_words = t * kr
    weight_words = kr * nc
    if machine.shares_operands:
        input_reads = _distinct_sum(np.stack([pass_index, table.m0, table.m1, table.k0, table.k1], axis=1), input_words)
        weight_reads = _distinct_sum(np.stack([pass_index, table.k0, table.k1, table.n0, table.n1], axis=1), weight_words)
    else:
        input_reads = int(input_words.sum())
        weight_reads = int(weight_words.sum())
    output_writes = int((t * nc).sum())

    capacity_words = machine.buffers.output_bytes // machine.buffer_instances // machine.accumulator_bytes
    if machine.buffer_instances == 1:
        distinct_outputs = [m * n]
        dram_a, dram_b = dram_operand_reads(m * k, k * n, m, n, capacity_words)
    else:
        distinct_outputs, dram_a, dram_b = [], 0, 0
        for g in range(machine.buffer_instances):
            mine = group == g
            if not mine.any():
                continue
            m0, m1, k0, k1, n0, n1 = (column[mine] for column in table.columns()[2:])
            area = _tiled_area if len(plan.regions) == 1 else union_area
            outputs = area(m0, m1, n0, n1)
            distinct_outputs.append(outputs)
            a_g, b_g = dram_operand_reads(
                area(m0, m1, k0, k1), area(k0, k1, n0, n1), _union_length(m0, m1), _union_length(n0, n1), capacity_words
            )
            dram_a += a_g
            dram_b += b_g
    total_outputs = sum(distinct_outputs)

    pass_mode_index = np.array([ALL_MODES.index(mode) for mode in table.pass_mode], dtype=np.int64)
    per_mode = np.zeros(len(ALL_MODES), dtype=np.int64)
    np.add.at(per_mode, pass_mode_index[pass_index], macs_each)  # integer sums: exact at any size
    mode_macs = tuple(int(v) for v in per_mode)
    return PlanCounts(
        cycles=int(cycles),
        macs=int(macs_each.sum()),
        passes=passes,
        input_buffer_reads=input_reads,
        weight_buffer_reads=weight_reads,
        output_buffer_reads=output_writes - total_outputs,
        output_buffer_writes=output_writes,
        streamed_forwards=int((t * kr * (nc - 1)).sum()),
        psum_forwards=int((t * nc * (unit_rows - 1)).sum()),
        weight_forwards=int((nc * kr * (kr - 1) // 2).sum()),
        dram_input_reads=dram_a,
        dram_weight_reads=dram_b,
        dram_output_reads=total_outputs - m * n,
        dram_output_writes=total_outputs,
        mode_macs=mode_macs,
    )
