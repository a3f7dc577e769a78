"""From compiled GEMMs to statistics: one row per GEMM, and summaries per machine that add up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mapscope.stats import SystolicGemmStats
from mapscope.systolic.compiler import CYCLE_TOLERANCE, CompiledGemm, compile_gemm
from mapscope.systolic.energy import (
    ZERO_ENERGY,
    EnergyBreakdown,
    SystolicEnergyTable,
    plan_energy,
)
from mapscope.systolic.machine import ALL_MODES, Machine
from mapscope.workload.gemm import Gemm


def describe_plan(compiled: CompiledGemm) -> str:
    """The plan in one line: stationary operand, then each region's mode and tiling."""
    plan = compiled.plan
    stationary = "Aᵀ stationary" if plan.transposed else "B stationary"
    return f"{stationary}; " + "; ".join(region.describe() for region in plan.regions)


def gemm_stats(compiled: CompiledGemm, machine: Machine, table: SystolicEnergyTable, network: str = "", epoch: int = 0) -> SystolicGemmStats:
    """The statistics row of one compiled GEMM."""
    gemm, counts = compiled.plan.gemm, compiled.counts
    energy = plan_energy(counts, machine, table)
    transposed = compiled.plan.transposed
    a_reads, b_reads = (counts.weight_buffer_reads, counts.input_buffer_reads) if transposed else (counts.input_buffer_reads, counts.weight_buffer_reads)
    a_dram, b_dram = (counts.dram_weight_reads, counts.dram_input_reads) if transposed else (counts.dram_input_reads, counts.dram_weight_reads)
    fw, vsw, hsw, isw = counts.mode_macs
    return SystolicGemmStats(
        network=network,
        layer=gemm.name,
        training_pass=str(gemm.training_pass or ""),
        machine=str(machine.kind),
        epoch=epoch,
        m=gemm.m,
        n=gemm.n,
        k=gemm.k,
        count=gemm.count,
        num_pes=machine.num_pes,
        macs=counts.macs,
        runtime_cycles=counts.cycles,
        throughput_macs_per_cycle=counts.macs / counts.cycles,
        utilization=counts.macs / (counts.cycles * machine.num_pes),
        avg_utilized_pes=counts.macs / counts.cycles,
        passes=counts.passes,
        energy_nj=energy.total_pj / 1000,
        mac_energy_nj=energy.mac_pj / 1000,
        l1_energy_nj=energy.forward_pj / 1000,
        l2_energy_nj=energy.onchip_buffer_pj / 1000,
        dram_energy_nj=energy.dram_pj / 1000,
        input_l2_read_elems=a_reads,
        filter_l2_read_elems=b_reads,
        output_l2_read_elems=counts.output_buffer_reads,
        output_l2_write_elems=counts.output_buffer_writes,
        input_offchip_read_elems=a_dram,
        filter_offchip_read_elems=b_dram,
        output_offchip_read_elems=counts.dram_output_reads,
        output_offchip_write_elems=counts.dram_output_writes,
        pe_forwards=counts.streamed_forwards + counts.psum_forwards + counts.weight_forwards,
        onchip_reuse_macs_per_access=counts.macs / counts.onchip_accesses,
        fw_macs=fw,
        vsw_macs=vsw,
        hsw_macs=hsw,
        isw_macs=isw,
        transposed=transposed,
        plan=describe_plan(compiled),
    )


@dataclass(frozen=True)
class MachineSummary:
    """Totals of a set of GEMMs on one machine; summaries add and scale (epochs x iterations)."""

    machine: str
    num_pes: int
    cycles: int
    macs: int
    onchip_accesses: int
    dram_words: int
    energy: EnergyBreakdown
    mode_macs: tuple[int, ...]

    @property
    def utilization(self) -> float:
        return self.macs / (self.cycles * self.num_pes) if self.cycles else 0.0

    @property
    def onchip_reuse(self) -> float:
        """MACs per on-chip buffer access (all operands and partial sums)."""
        return self.macs / self.onchip_accesses if self.onchip_accesses else 0.0

    @property
    def mode_shares(self) -> dict[str, float]:
        return {str(mode): (macs / self.macs if self.macs else 0.0) for mode, macs in zip(ALL_MODES, self.mode_macs, strict=True)}

    def __add__(self, other: MachineSummary) -> MachineSummary:
        return MachineSummary(
            self.machine,
            self.num_pes,
            self.cycles + other.cycles,
            self.macs + other.macs,
            self.onchip_accesses + other.onchip_accesses,
            self.dram_words + other.dram_words,
            self.energy + other.energy,
            tuple(a + b for a, b in zip(self.mode_macs, other.mode_macs, strict=True)),
        )

    def scaled(self, factor: int) -> MachineSummary:
        return MachineSummary(
            self.machine,
            self.num_pes,
            self.cycles * factor,
            self.macs * factor,
            self.onchip_accesses * factor,
            self.dram_words * factor,
            self.energy.scaled(factor),
            tuple(macs * factor for macs in self.mode_macs),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "cycles": self.cycles,
            "macs": self.macs,
            "utilization": self.utilization,
            "onchip_accesses": self.onchip_accesses,
            "onchip_reuse": self.onchip_reuse,
            "dram_words": self.dram_words,
            "energy_pj": self.energy.total_pj,
            "energy_breakdown_pj": {
                "mac": self.energy.mac_pj,
                "pe_forwards": self.energy.forward_pj,
                "input_buffer": self.energy.input_buffer_pj,
                "weight_buffer": self.energy.weight_buffer_pj,
                "output_buffer": self.energy.output_buffer_pj,
                "dram": self.energy.dram_pj,
            },
            "mode_shares": self.mode_shares,
        }


def empty_summary(machine: Machine) -> MachineSummary:
    return MachineSummary(str(machine.kind), machine.num_pes, 0, 0, 0, 0, ZERO_ENERGY, (0,) * len(ALL_MODES))


def summarize(compiled: Iterable[CompiledGemm], machine: Machine, table: SystolicEnergyTable) -> MachineSummary:
    """Totals of compiled GEMMs on `machine`."""
    total = empty_summary(machine)
    for item in compiled:
        counts = item.counts
        total = total + MachineSummary(
            str(machine.kind), machine.num_pes, counts.cycles, counts.macs, counts.onchip_accesses, counts.dram_words,
            plan_energy(counts, machine, table), counts.mode_macs,
        )
    return total


def compile_all(gemms: Iterable[Gemm], machine: Machine, cycle_tolerance: float = CYCLE_TOLERANCE) -> list[CompiledGemm]:
    """Every GEMM compiled for `machine` by the heuristic (see compiler.compile_gemm)."""
    return [compile_gemm(gemm, machine, cycle_tolerance) for gemm in gemms]
