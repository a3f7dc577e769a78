"""The output-stationary (os) dataflow on one array, tick by tick: A rows stream right, B columns stream
down, and each PE accumulates its output in place; the GEMM runs as folds of M-block x N-block.
"""

from __future__ import annotations

import numpy as np

from mapscope.errors import InputError
from mapscope.systolic.simulator.buffers import (
    BUBBLE,
    BufferSet,
    OperandBuffer,
    OutputBuffer,
    SimulationCounts,
    Tally,
    Token,
    combined_outputs,
    integer_matrix,
    simulation_counts,
)


class OsPE:
    """One output-stationary PE: its accumulator (valid when an output is assigned) and east (A) / south (B) latches."""

    __slots__ = ("assigned", "acc", "east", "south")

    def __init__(self) -> None:
        self.assigned = False
        self.acc = 0
        self.east: Token | None = None
        self.south: Token | None = None


class OsArray:
    """An R x C output-stationary array: A rows stream right, B columns stream down, outputs accumulate in place."""

    def __init__(self, rows: int, cols: int, buffers: BufferSet, tally: Tally) -> None:
        self.rows, self.cols = rows, cols
        self.pes = [[OsPE() for _ in range(cols)] for _ in range(rows)]
        self.buffers, self.tally = buffers, tally

    def fold(self, m0: int, m1: int, n0: int, n1: int, k: int) -> int:
        """Compute Out[m0:m1, n0:n1] over the full reduction k; returns the fold's ticks (outputs then written once)."""
        for i, row in enumerate(self.pes):
            for j, pe in enumerate(row):
                pe.assigned, pe.acc = i < m1 - m0 and j < n1 - n0, 0
        cycle = 0
        while self._busy(cycle, k):
            self._tick(cycle, m0, m1, n0, n1, k)
            cycle += 1
        for i, row in enumerate(self.pes):
            for j, pe in enumerate(row):
                if pe.assigned:
                    self.buffers.output.accumulate(m0 + i, n0 + j, pe.acc)
        return cycle

    def _busy(self, cycle: int, k: int) -> bool:
        pending = cycle - (self.rows - 1) < k or cycle - (self.cols - 1) < k
        return pending or any(pe.east is not None or pe.south is not None for row in self.pes for pe in row)

    @staticmethod
    def _arrive(token: Token | None, pe: OsPE) -> Token | None:
        """An operand entering `pe`: valid only where an output is assigned (values stop at the last used row/column)."""
        if token is None:
            return None
        return token if token.valid and pe.assigned else BUBBLE

    def _tick(self, cycle: int, m0: int, m1: int, n0: int, n1: int, k: int) -> None:
        """One clock tick: A[m0 + i, s] enters row i and B[s, n0 + j] column j at tick s + i and s + j (skew)."""
        west: list[Token | None] = []
        for i in range(self.rows):
            step = cycle - i
            used = i < m1 - m0
            west.append(None if not 0 <= step < k else Token(self.buffers.input.read(m0 + i, step), True) if used else BUBBLE)
        north: list[Token | None] = []
        for j in range(self.cols):
            step = cycle - j
            used = j < n1 - n0
            north.append(None if not 0 <= step < k else Token(self.buffers.weight.read(step, n0 + j), True) if used else BUBBLE)
        east: list[list[Token | None]] = [[None] * self.cols for _ in range(self.rows)]
        south: list[list[Token | None]] = [[None] * self.cols for _ in range(self.rows)]
        for i in range(self.rows):
            for j in range(self.cols):
                pe = self.pes[i][j]
                left = west[i] if j == 0 else self.pes[i][j - 1].east
                up = north[j] if i == 0 else self.pes[i - 1][j].south
                a_tok, b_tok = self._arrive(left, pe), self._arrive(up, pe)
                if j > 0 and a_tok is not None and a_tok.valid:
                    self.tally.streamed_forwards += 1
                if i > 0 and b_tok is not None and b_tok.valid:
                    self.tally.weight_forwards += 1
                if a_tok is not None and a_tok.valid and b_tok is not None and b_tok.valid:
                    pe.acc += a_tok.value * b_tok.value
                    self.tally.macs += 1
                east[i][j], south[i][j] = a_tok, b_tok
        for i in range(self.rows):
            for j in range(self.cols):
                pe = self.pes[i][j]
                pe.east = None if j == self.cols - 1 else east[i][j]  # the last column's tokens leave the array
                pe.south = None if i == self.rows - 1 else south[i][j]


def simulate_output_stationary(a: np.ndarray, b: np.ndarray, rows: int, cols: int) -> tuple[np.ndarray, SimulationCounts]:
    """Run Out = a @ b on one rows x cols array in the os dataflow, folds (M-block x N-block) back to back.

    Counts: input reads = words of A, weight reads = words of B, each output written once; A moves right
    are streamed_forwards and B moves down are weight_forwards (both operands stream in os).
    """
    if rows <= 0 or cols <= 0:
        raise InputError(f"the array must have positive rows and columns, got {rows}x{cols}", "simulator")
    if not isinstance(a, np.ndarray) or a.ndim != 2 or not isinstance(b, np.ndarray) or b.ndim != 2:
        raise InputError("A and B must be 2-D integer arrays", "simulator")
    m, k = a.shape
    n = b.shape[1]
    if min(m, n, k) <= 0:
        raise InputError(f"A and B must be non-empty, got {a.shape} and {b.shape}", "simulator")
    buffers = BufferSet(
        OperandBuffer(integer_matrix(a, (m, k), "A")), OperandBuffer(integer_matrix(b, (k, n), "B")), OutputBuffer()
    )
    tally = Tally()
    array = OsArray(rows, cols, buffers, tally)
    cycles = 0
    for m0 in range(0, m, rows):
        for n0 in range(0, n, cols):
            cycles += array.fold(m0, min(m, m0 + rows), n0, min(n, n0 + cols), k)
    return combined_outputs([buffers], m, n), simulation_counts(cycles, tally, [buffers])
