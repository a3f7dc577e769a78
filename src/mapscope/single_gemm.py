"""One GEMM on its own: on a single array in a SCALE-Sim dataflow, or compiled for one of the three machines.

This is what `mapscope gemm` runs; on a machine it shows the compile heuristic's choice for that GEMM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.stats import SystolicGemmStats
from mapscope.systolic.compiler import CompiledGemm, compile_gemm
from mapscope.systolic.energy import SystolicEnergyTable
from mapscope.systolic.machine import Machine, MachineKind
from mapscope.systolic.results import gemm_stats
from mapscope.workload.gemm import Gemm

_ARRAY_SHAPE = re.compile(r"\s*(\d+)\s*[xX]\s*(\d+)\s*")


def parse_array_shape(text: str) -> tuple[int, int]:
    """(rows, columns) of an array written ROWSxCOLS, e.g. ``128x128``; an InputError otherwise."""
    match = _ARRAY_SHAPE.fullmatch(text)
    if match is None:
        raise InputError(f"expected ROWSxCOLS such as 128x128, got {text!r}", "--array")
    rows, cols = int(match.group(1)), int(match.group(2))
    if rows <= 0 or cols <= 0:
        raise InputError(f"rows and columns must be positive, got {text!r}", "--array")
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
