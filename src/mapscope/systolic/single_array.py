"""One R x C systolic array running one GEMM in SCALE-Sim's three dataflows, in either convention.

ws and is are the one-region weight-stationary plan on a `large` machine (is = the transposed
product); os keeps outputs in the PEs. All three are closed forms in the GEMM and array sizes
(`array_counts`), shared by the scalar `run_single_array` and the batched `systolic.batched`, so time
and memory do not grow with the GEMM or the array. With Convention.SCALESIM the figures are SCALE-Sim
3.0's own (checked against its reports in tests); Convention.MAPSCOPE counts cycles as a count and
partial-sum reads as accesses.

Utilisation is MACs / (cycles x R x C). In the mapscope convention a non-empty GEMM takes at least
one cycle per fold and a fold of T cycles does at most T x R x C MACs, so it is defined and at most
1. SCALE-Sim's cycle figure is the index of the last cycle (one less than the count), so its
utilisation is undefined for a one-cycle run (0 cycles: one MAC on a 1x1 array) and above 100% for
os on a 1x1 array; the result then carries `utilization_note` saying so, and `utilization` is None
where it is undefined.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mapscope.systolic.machine import Machine, MachineKind
from mapscope.systolic.scalesim_dram import DEFAULT_SRAMS, ScaleSimSrams, ofmap_dram_writes
from mapscope.workload.gemm import Gemm


class Dataflow(StrEnum):
    OS = "os"  # output stationary: rows = M, columns = N, streamed = K
    WS = "ws"  # weight (B) stationary: rows = K, columns = N, streamed = M
    IS = "is"  # input (A) stationary: rows = K, columns = M, streamed = N


class Convention(StrEnum):
    MAPSCOPE = "mapscope"
    SCALESIM = "scalesim"


#: `utilization_note` when SCALE-Sim's cycle figure is 0, so MACs / (cycles x R x C) has no value.
UNDEFINED_UTILIZATION = "undefined: SCALE-Sim counts the index of the last cycle, 0 for a one-cycle run"
#: `utilization_note` when SCALE-Sim's figures give more than one MAC per PE and cycle.
UTILIZATION_ABOVE_ONE = "above 100%: SCALE-Sim counts the index of the last cycle, one less than the cycles"


@dataclass(frozen=True)
class SingleArrayResult:
    """One GEMM on one array. ifmap = A (M x K), filter = B (K x N), ofmap = Out (M x N), as SCALE-Sim names them.

    `utilization` is None where it is undefined (SCALE-Sim convention, 0 cycles); `utilization_note`
    explains a missing or above-100% utilisation and is None otherwise (see the module docstring).
    """

    rows: int
    cols: int
    dataflow: str
    convention: str
    double_buffered: bool
    m: int
    n: int
    k: int
    cycles: int
    macs: int
    utilization: float | None
    row_folds: int
    col_folds: int
    ifmap_sram_reads: int
    filter_sram_reads: int
    ofmap_sram_writes: int
    ofmap_sram_reads: int
    dram_ifmap_reads: int
    dram_filter_reads: int
    dram_ofmap_writes: int
    utilization_note: str | None = None


def stationary_dram_words(m: int, n: int, k: int) -> tuple[int, int]:
    """DRAM words of the streamed and the stationary operand of the effective product (M, N, K).

    The default `large` machine's single output buffer (capacities do not depend on the array
    shape); equal to what `count_plan` counts for the one-region plan.
    """
    from mapscope.systolic.evaluate import dram_operand_reads  # numpy's module: imported when counting

    machine = Machine(MachineKind.LARGE, 1, 1)
    capacity_words = machine.buffers.output_bytes // machine.buffer_instances // machine.accumulator_bytes
    return dram_operand_reads(m * k, k * n, m, n, capacity_words)


def array_counts(
    gemm: Gemm,
    rows: Any,
    cols: Any,
    dataflow: Dataflow,
    scalesim: bool,
    double_buffered: bool,
    srams: ScaleSimSrams = DEFAULT_SRAMS,
    ifmap_words: int | None = None,
) -> dict[str, Any]:
    """Every integer field of SingleArrayResult but `macs`, in closed form, on an R x C array.

    `rows` and `cols` are Python ints (exact at any size) or numpy int64 arrays (one value per array
    shape); the same arithmetic serves both, so the scalar and batched models cannot drift apart.
    ws/is, for the effective product (M, N, K) = (m, n, k) for ws and (n, m, k) for is, on the
    one-region plan Region(FW, 0, K, 0, N, min(R, K), min(C, N)) of a `large` machine (one M-block):
    kf = ceil(K / R) K-chunks and nf = ceil(N / C) N-chunks, every tile a pass of the full R x C
    geometry streaming all M rows, so P = kf * nf passes of 2R + C + M - 2 cycles (double-buffered:
    R + P * (M + R + C - 2), the waits max(R - (M + R + C - 2), 0) being 0); streamed reads M * K * nf,
    stationary reads K * N, output writes M * N * kf, of which all but the first per output are read.
    DRAM: in the scalesim convention SCALE-Sim's (`scalesim_dram`): the distinct ifmap words
    (`ifmap_words`, M * K for a GEMM row) and filter words K * N, and the ofmap words written (M * N for
    os, every fold's partial sums for ws/is) as its write buffer of `srams.ofmap_kb` drains them; in the
    mapscope convention the `large` machine's (`stationary_dram_words`) and M * N writes.
    """
    m, n, k = gemm.m, gemm.n, gemm.k
    if dataflow is Dataflow.OS:
        row_folds, col_folds = -(-m // rows), -(-n // cols)
        folds = row_folds * col_folds
        cycles = folds * (k + rows + cols - 2)
        ifmap, filt = col_folds * (m * k), row_folds * (k * n)
        ofmap_writes = m * n + folds * (rows + cols) if scalesim else m * n + 0 * folds
        ofmap_reads = 0 * folds
        ofmap_stream = m * n  # one write per output: SCALE-Sim's extra SRAM term sends no word to DRAM
        dram = (m * k, k * n, m * n)
    else:
        transposed = dataflow is Dataflow.IS
        effective_m, effective_n = (n, m) if transposed else (m, n)  # K is k either way
        row_folds, col_folds = -(-k // rows), -(-effective_n // cols)
        passes = row_folds * col_folds
        if double_buffered:
            cycles = rows + passes * (effective_m + rows + cols - 2)
        else:
            cycles = passes * (2 * rows + cols + effective_m - 2)
        streamed, stationary = effective_m * k * col_folds, k * effective_n + 0 * passes
        ifmap, filt = (stationary, streamed) if transposed else (streamed, stationary)
        ofmap_writes = effective_m * effective_n * row_folds
        ofmap_reads = 0 * passes if scalesim else effective_m * effective_n * (row_folds - 1)
        ofmap_stream = ofmap_writes
        dram_streamed, dram_stationary = stationary_dram_words(effective_m, effective_n, k)
        dram = (dram_stationary, dram_streamed, m * n) if transposed else (dram_streamed, dram_stationary, m * n)
    if scalesim:
        cycles = cycles - 1  # SCALE-Sim reports the index of the last cycle
        distinct_ifmap = m * k if ifmap_words is None else ifmap_words
        dram = (distinct_ifmap, k * n, ofmap_dram_writes(ofmap_stream, srams.ofmap_drain_words, cols))
    return {
        "cycles": cycles, "row_folds": row_folds, "col_folds": col_folds,
        "ifmap_sram_reads": ifmap, "filter_sram_reads": filt,
        "ofmap_sram_writes": ofmap_writes, "ofmap_sram_reads": ofmap_reads,
        "dram_ifmap_reads": dram[0], "dram_filter_reads": dram[1], "dram_ofmap_writes": dram[2],
    }


def utilization_note(utilization: float | None) -> str | None:
    """Why `utilization` (None: undefined) is missing or above 100%, or None when it is neither."""
    if utilization is None or utilization != utilization:  # None, or NaN from the batched model
        return UNDEFINED_UTILIZATION
    return UTILIZATION_ABOVE_ONE if utilization > 1 else None


def run_single_array(
    gemm: Gemm,
    rows: int,
    cols: int,
    dataflow: Dataflow,
    convention: Convention = Convention.MAPSCOPE,
    double_buffered: bool = False,
    *,
    srams: ScaleSimSrams = DEFAULT_SRAMS,
    ifmap_words: int | None = None,
) -> SingleArrayResult:
    """Cycles and SRAM/DRAM words of `gemm` on a `rows` x `cols` array (one repetition: `count` ignored).

    `srams` and `ifmap_words` (the distinct ifmap words of a conv row; M * K when None) set the DRAM
    counts of the scalesim convention only (see `array_counts`).
    """
    Machine(MachineKind.LARGE, rows, cols, double_buffered=double_buffered)  # rows and cols checked as a machine's
    counts = array_counts(gemm, rows, cols, dataflow, convention is Convention.SCALESIM, double_buffered, srams, ifmap_words)
    macs = gemm.m * gemm.n * gemm.k
    pe_cycles = counts["cycles"] * rows * cols
    utilization = macs / pe_cycles if pe_cycles else None  # 0 only in SCALE-Sim's convention
    return SingleArrayResult(
        rows=rows, cols=cols, dataflow=str(dataflow), convention=str(convention), double_buffered=double_buffered,
        m=gemm.m, n=gemm.n, k=gemm.k, macs=macs, utilization=utilization, utilization_note=utilization_note(utilization),
        **counts,
    )
