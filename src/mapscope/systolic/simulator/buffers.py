"""What the simulated hardware is made of in both dataflows: tokens on wires, event tallies, buffers, and
the counts they add up to for one GEMM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mapscope.errors import InputError


@dataclass(frozen=True)
class SimulationCounts:
    """What the simulated hardware did for one GEMM instance: clock ticks, MACs, buffer accesses, moves."""

    cycles: int
    macs: int  # real multiply-accumulates performed on valid data
    input_buffer_reads: int  # streamed-operand words read (broadcast = 1 read)
    weight_buffer_reads: int  # stationary-operand words read
    output_buffer_reads: int  # read-modify-write reads of partial sums
    output_buffer_writes: int
    streamed_forwards: int  # PE-to-PE moves of valid streamed values
    psum_forwards: int  # PE-to-PE moves of valid partial sums
    weight_forwards: int  # PE-to-PE moves of valid weights during preload


@dataclass(frozen=True, slots=True)
class Token:
    """A word in a register or on a wire; invalid tokens hold the sequencer's skew slots but carry no data."""

    value: int
    valid: bool


BUBBLE = Token(0, False)


@dataclass
class Tally:
    """Mutable event counters shared by all PEs of one simulation (MACs and PE-to-PE moves)."""

    macs: int = 0
    streamed_forwards: int = 0
    psum_forwards: int = 0
    weight_forwards: int = 0


class OperandBuffer:
    """An operand's on-chip buffer: serves one word per read and counts the reads."""

    def __init__(self, words: list[list[int]]) -> None:
        self._words = words
        self.reads = 0

    def read(self, row: int, col: int) -> int:
        self.reads += 1
        return self._words[row][col]


class OutputBuffer:
    """Holds the partial sums leaving the array; a contribution to an output it already holds is a read-modify-write."""

    def __init__(self) -> None:
        self.held: dict[tuple[int, int], int] = {}
        self.reads = 0
        self.writes = 0

    def accumulate(self, row: int, col: int, value: int) -> None:
        key = (row, col)
        if key in self.held:
            self.reads += 1
            value += self.held[key]
        self.held[key] = value
        self.writes += 1


@dataclass(frozen=True)
class BufferSet:
    """One buffer instance: the streamed operand (input), the stationary operand (weight) and the outputs."""

    input: OperandBuffer
    weight: OperandBuffer
    output: OutputBuffer


def integer_matrix(x: np.ndarray, shape: tuple[int, int], name: str) -> list[list[int]]:
    """Operand `name` as the buffer's words (Python ints); an InputError unless an integer array of `shape`."""
    if not isinstance(x, np.ndarray) or x.shape != shape or not np.issubdtype(x.dtype, np.integer):
        got = f"{x.dtype} array of shape {x.shape}" if isinstance(x, np.ndarray) else type(x).__name__
        raise InputError(f"{name} must be an integer array of shape {shape}, got {got}", "simulator")
    return [[int(v) for v in row] for row in x.tolist()]


def simulation_counts(cycles: int, tally: Tally, buffer_sets: Sequence[BufferSet]) -> SimulationCounts:
    """The run's counts: its ticks, the tally's MACs and moves, and the accesses of every buffer instance."""
    return SimulationCounts(
        cycles=cycles,
        macs=tally.macs,
        input_buffer_reads=sum(s.input.reads for s in buffer_sets),
        weight_buffer_reads=sum(s.weight.reads for s in buffer_sets),
        output_buffer_reads=sum(s.output.reads for s in buffer_sets),
        output_buffer_writes=sum(s.output.writes for s in buffer_sets),
        streamed_forwards=tally.streamed_forwards,
        psum_forwards=tally.psum_forwards,
        weight_forwards=tally.weight_forwards,
    )


def combined_outputs(buffer_sets: Sequence[BufferSet], rows: int, cols: int) -> np.ndarray:
    """The level above the buffers: partial sums of the same output held by several instances are added."""
    out = np.zeros((rows, cols), dtype=np.int64)
    for buffers in buffer_sets:
        for (r, c), value in buffers.output.held.items():
            out[r, c] += value
    return out

