"""One GEMM on its own: on a single array in a SCALE-Sim dataflow, or compiled for one of the three machines.

This is what `mapscope gemm` runs; on a machine it shows the compile heuristic's choice for that GEMM.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from mapscope.errors import InputError
from mapscope.limits import MAX_SIZE, integer_from_digits, quoted
from mapscope.stats import SystolicGemmStats
from mapscope.systolic.compiler import CompiledGemm, compile_gemm
from mapscope.systolic.energy import SystolicEnergyTable
from mapscope.systolic.flexsa_study import DEFAULT_ARRAY
from mapscope.systolic.machine import Machine, MachineKind
from mapscope.systolic.single_array import Convention, Dataflow, SingleArrayResult, run_single_array
from mapscope.systolic.topology_run import TopologyLayer, single_array_record
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


def run_gemm(
    m: int,
    n: int,
    k: int,
    *,
    array: str | int | tuple[int, int] | None = None,
    dataflow: str | None = None,
    convention: str | None = None,
    machine: str | None = None,
    double_buffered: bool = False,
) -> SingleArrayResult | MachineGemm:
    """`mapscope gemm`: the GEMM on a single array in a SCALE-Sim dataflow, or compiled for `machine`."""
    the_gemm = command_line_gemm(m, n, k)
    rows, cols = array_shape(array)
    if machine is not None and dataflow is not None:
        raise InputError("--machine and --dataflow cannot be combined (a machine's plan picks its own)", "options")
    if machine is not None and convention is not None:
        raise InputError("--convention applies to a single array (--dataflow), not to --machine", "options")
    if machine is not None:
        target = command_line_machine(enum_choice(MachineKind, machine, "--machine"), rows, cols, double_buffered)
        return gemm_on_machine(the_gemm, target)
    return run_single_array(
        the_gemm,
        rows,
        cols,
        Dataflow.WS if dataflow is None else enum_choice(Dataflow, dataflow, "--dataflow"),
        Convention.MAPSCOPE if convention is None else enum_choice(Convention, convention, "--convention"),
        double_buffered,
    )


def gemm_document(result: SingleArrayResult | MachineGemm) -> dict[str, Any]:
    """The JSON document `mapscope gemm --json` writes for a `run_gemm` result: on a single array the record
    `mapscope systolic` writes per layer, on a machine its `SystolicGemmStats` row."""
    if isinstance(result, MachineGemm):
        return result.stats.as_dict()
    layer = TopologyLayer(command_line_gemm(result.m, result.n, result.k))
    return dataclasses.asdict(single_array_record(result, layer, network="gemm"))


def array_shape(array: str | int | tuple[int, int] | None) -> tuple[int, int]:
    """(rows, columns) of ROWSxCOLS text, a (rows, cols) pair or one size; the study's 128x128 when None."""
    return parse_array_shape(array_text(DEFAULT_ARRAY if array is None else array))


def array_text(array: str | int | tuple[int, int]) -> str:
    """An array shape as the command line writes it (ROWSxCOLS)."""
    if isinstance(array, str):
        return array
    if isinstance(array, int) and not isinstance(array, bool):
        return f"{array}x{array}"
    if isinstance(array, tuple) and len(array) == 2:
        return f"{array[0]}x{array[1]}"
    raise InputError(f"expected ROWSxCOLS, a (rows, cols) pair or one size, got {quoted(array)}", "--array")


def enum_choice(kind: Any, value: str, option: str) -> Any:
    """`value` as a member of the string enum `kind`; an InputError naming the choices otherwise."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InputError(f"unknown {option.lstrip('-')} {quoted(value)}; expected one of {choices}", option) from None
