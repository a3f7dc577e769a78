"""One GEMM on its own: on a single array in a SCALE-Sim dataflow, or compiled for one of the three machines.

This is what `mapscope gemm` runs; on a machine it shows the compile heuristic's choice for that GEMM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.limits import MAX_SIZE, integer_from_digits, quoted
from mapscope.stats import SystolicGemmStats
from mapscope.systolic.compiler import CompiledGemm, compile_gemm
from mapscope.systolic.energy import SystolicEnergyTable
from mapscope.systolic.machine import Machine, MachineKind
from mapscope.systolic.results import gemm_stats
from mapscope.workload.gemm import Gemm

_ARRAY_SHAPE = re.compile(r"\s*([0-9]+)\s*[xX]\s*([0-9]+)\s*")


def parse_array_shape(text: str) -> tuple[int, int]:
    """(rows, columns) of an array written ROWSxCOLS, e.g. ``128x128``, each 1..MAX_SIZE; an InputError otherwise."""
    match = _ARRAY_SHAPE.fullmatch(text)
    if match is None:
        raise InputError(f"expected ROWSxCOLS such as 128x128, got {quoted(text)}", "--array")
    rows, cols = (integer_from_digits(match.group(i), "the array size", "--array") for i in (1, 2))
    if not (0 < rows <= MAX_SIZE and 0 < cols <= MAX_SIZE):
        raise InputError(f"rows and columns must be between 1 and {MAX_SIZE}, got {quoted(text)}", "--array")
    return rows, cols


def command_line_gemm(m: int, n: int, k: int) -> Gemm:
    """The GEMM Out[M x N] = A[M x K] . B[K x N] given on the command line (checked by `Gemm`)."""
    return Gemm(m, n, k, name=f"{m}x{n}x{k}")


@dataclass(frozen=True)
class MachineGemm:
    """One GEMM compiled for one machine: the plan, its counts, and its statistics row."""

    machine: Machine
    compiled: CompiledGemm
    stats: SystolicGemmStats


def command_line_machine(kind: MachineKind, rows: int, cols: int, double_buffered: bool = False) -> Machine:
    """A `kind` machine of rows x cols PEs with the default buffers (split and flexsa need even sizes)."""
    return Machine(kind, rows, cols, double_buffered=double_buffered)


def gemm_on_machine(gemm: Gemm, machine: Machine) -> MachineGemm:
    """Compile `gemm` with the heuristic for `machine` and count it (default energies)."""
    compiled = compile_gemm(gemm, machine)
    return MachineGemm(machine, compiled, gemm_stats(compiled, machine, SystolicEnergyTable()))
