"""One R x C systolic array running one GEMM in SCALE-Sim's three dataflows, in either convention.

ws and is are weight-stationary plans on a `large` machine (is = the transposed product); os keeps
outputs in the PEs. With Convention.SCALESIM the figures are SCALE-Sim 3.0's own (checked against its
reports in tests); Convention.MAPSCOPE counts cycles as a count and partial-sum reads as accesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mapscope.systolic.evaluate import count_plan
from mapscope.systolic.machine import Machine, MachineKind, Mode
from mapscope.systolic.plan import GemmPlan, Region
from mapscope.workload.gemm import Gemm


class Dataflow(StrEnum):
    OS = "os"  # output stationary: rows = M, columns = N, streamed = K
    WS = "ws"  # weight (B) stationary: rows = K, columns = N, streamed = M
    IS = "is"  # input (A) stationary: rows = K, columns = M, streamed = N


class Convention(StrEnum):
    MAPSCOPE = "mapscope"
    SCALESIM = "scalesim"


@dataclass(frozen=True)
class SingleArrayResult:
    """One GEMM on one array. ifmap = A (M x K), filter = B (K x N), ofmap = Out (M x N), as SCALE-Sim names them."""

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
    utilization: float
    row_folds: int
    col_folds: int
    ifmap_sram_reads: int
    filter_sram_reads: int
    ofmap_sram_writes: int
    ofmap_sram_reads: int
    dram_ifmap_reads: int
    dram_filter_reads: int
    dram_ofmap_writes: int


def run_single_array(
    gemm: Gemm,
    rows: int,
    cols: int,
    dataflow: Dataflow,
    convention: Convention = Convention.MAPSCOPE,
    double_buffered: bool = False,
) -> SingleArrayResult:
    """Cycles and SRAM/DRAM words of `gemm` on a `rows` x `cols` array (one repetition: `count` ignored)."""
    machine = Machine(MachineKind.LARGE, rows, cols, double_buffered=double_buffered)
    m, n, k = gemm.m, gemm.n, gemm.k
    scalesim = convention is Convention.SCALESIM
    if dataflow is Dataflow.OS:
        row_folds, col_folds = -(-m // rows), -(-n // cols)
        folds = row_folds * col_folds
        cycles = folds * (k + rows + cols - 2)
        ifmap, filt = col_folds * m * k, row_folds * k * n
        ofmap_writes, ofmap_reads = m * n + (folds * (rows + cols) if scalesim else 0), 0
        dram = (m * k, k * n, m * n)
    else:
        transposed = dataflow is Dataflow.IS
        stationary_cols = m if transposed else n
        region = Region(Mode.FW, 0, k, 0, stationary_cols, min(rows, k), min(cols, stationary_cols))
        counts = count_plan(GemmPlan(Gemm(m, n, k), transposed, (region,)), machine)
        row_folds, col_folds = region.k_chunks, region.n_chunks
        cycles = counts.cycles
        streamed, stationary = counts.input_buffer_reads, counts.weight_buffer_reads
        ifmap, filt = (stationary, streamed) if transposed else (streamed, stationary)
        ofmap_writes, ofmap_reads = counts.output_buffer_writes, (0 if scalesim else counts.output_buffer_reads)
        dram_in, dram_w = counts.dram_input_reads, counts.dram_weight_reads
        dram = ((dram_w, dram_in, counts.dram_output_writes) if transposed else (dram_in, dram_w, counts.dram_output_writes))
    if scalesim:
        cycles -= 1  # SCALE-Sim reports the index of the last cycle (0 for a one-cycle run: utilisation inf)
    macs = m * n * k
    return SingleArrayResult(
        rows=rows, cols=cols, dataflow=str(dataflow), convention=str(convention), double_buffered=double_buffered,
        m=m, n=n, k=k, cycles=cycles, macs=macs, utilization=macs / (cycles * rows * cols) if cycles else float("inf"),
        row_folds=row_folds, col_folds=col_folds,
        ifmap_sram_reads=ifmap, filter_sram_reads=filt, ofmap_sram_writes=ofmap_writes, ofmap_sram_reads=ofmap_reads,
        dram_ifmap_reads=dram[0], dram_filter_reads=dram[1], dram_ofmap_writes=dram[2],
    )
