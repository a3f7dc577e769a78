"""Energy of a systolic plan from its counts: a cited, replaceable table of per-event energies.

Energy = MACs x E_mac + PE-to-PE forwards x E_forward + buffer accesses x E_sram(capacity)
+ DRAM words x E_dram. SRAM energy per access grows with capacity (log-log interpolation between
Horowitz's points, extrapolated along the last segment above 1 MB), so split's quarter-size
private buffers are cheaper per access than a shared buffer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.systolic.evaluate import PlanCounts
from mapscope.systolic.machine import Machine

KIB = 1024


@dataclass(frozen=True)
class SystolicEnergyTable:
    """Per-event energies in pJ, each with where it comes from. Replace any field to explore."""

    mac_pj: float = 2.0  # bf16 multiply + fp32 accumulate
    forward_pj_per_16bit: float = 2.5 / 3  # one 16-bit register-to-register move between neighbouring PEs
    sram_pj_per_64bit: tuple[tuple[int, float], ...] = ((8 * KIB, 10.0), (32 * KIB, 20.0), (1024 * KIB, 100.0))
    dram_pj_per_64bit: float = 2000.0
    source: str = (
        "Horowitz, 'Computing's energy problem', ISSCC 2014 (45 nm): fp16 multiply 1.1 pJ + fp32 add 0.9 pJ; "
        "SRAM read of 64 bits 10 pJ (8 KB), 20 pJ (32 KB), 100 pJ (1 MB); DRAM 1.3-2.6 nJ per 64 bits (2.0 used). "
        "PE-to-PE forward: Eyeriss's relative costs (Chen, Emer, Sze, ISCA 2016: inter-PE 2x, global buffer 6x) "
        "applied to the 8 KB SRAM figure, i.e. one third of 2.5 pJ per 16-bit word."
    )

    def __post_init__(self) -> None:
        values = [self.mac_pj, self.forward_pj_per_16bit, self.dram_pj_per_64bit, *(pj for _, pj in self.sram_pj_per_64bit)]
        if any(not (value >= 0 and math.isfinite(value)) for value in values):
            raise InputError("energies must be finite and non-negative", "energy table")
        capacities = [capacity for capacity, _ in self.sram_pj_per_64bit]
        if len(capacities) < 2 or capacities != sorted(set(capacities)) or capacities[0] <= 0:
            raise InputError("SRAM points need at least two strictly increasing positive capacities", "energy table")

    def sram_pj_per_word(self, capacity_bytes: int, word_bits: int) -> float:
        """Energy of one access of `word_bits` to an SRAM of `capacity_bytes` (log-log in capacity)."""
        points = self.sram_pj_per_64bit
        logs = [(math.log(capacity), math.log(pj)) for capacity, pj in points]
        x = math.log(capacity_bytes)
        segment = next((i for i in range(len(logs) - 1) if x <= logs[i + 1][0]), len(logs) - 2)
        (x0, y0), (x1, y1) = logs[segment], logs[segment + 1]
        pj_64 = math.exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
        return pj_64 * word_bits / 64


@dataclass(frozen=True)
class EnergyBreakdown:
    """Energy of a plan by where it is spent, in pJ."""

    mac_pj: float
    forward_pj: float
    input_buffer_pj: float
    weight_buffer_pj: float
    output_buffer_pj: float
    dram_pj: float

    @property
    def total_pj(self) -> float:
        return self.mac_pj + self.forward_pj + self.input_buffer_pj + self.weight_buffer_pj + self.output_buffer_pj + self.dram_pj

    @property
    def onchip_buffer_pj(self) -> float:
        return self.input_buffer_pj + self.weight_buffer_pj + self.output_buffer_pj

    def __add__(self, other: EnergyBreakdown) -> EnergyBreakdown:
        return EnergyBreakdown(
            self.mac_pj + other.mac_pj,
            self.forward_pj + other.forward_pj,
            self.input_buffer_pj + other.input_buffer_pj,
            self.weight_buffer_pj + other.weight_buffer_pj,
            self.output_buffer_pj + other.output_buffer_pj,
            self.dram_pj + other.dram_pj,
        )

    def scaled(self, factor: float) -> EnergyBreakdown:
        return EnergyBreakdown(*(factor * value for value in (self.mac_pj, self.forward_pj, self.input_buffer_pj, self.weight_buffer_pj, self.output_buffer_pj, self.dram_pj)))


ZERO_ENERGY = EnergyBreakdown(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def plan_energy(counts: PlanCounts, machine: Machine, table: SystolicEnergyTable) -> EnergyBreakdown:
    """Energy of counted events on `machine` (buffer energy per access at one instance's capacity)."""
    operand_bits, accumulator_bits = 8 * machine.operand_bytes, 8 * machine.accumulator_bytes
    instances = machine.buffer_instances
    buffers = machine.buffers
    forward_16 = table.forward_pj_per_16bit
    return EnergyBreakdown(
        mac_pj=counts.macs * table.mac_pj,
        forward_pj=forward_16 * ((counts.streamed_forwards + counts.weight_forwards) * operand_bits + counts.psum_forwards * accumulator_bits) / 16,
        input_buffer_pj=counts.input_buffer_reads * table.sram_pj_per_word(buffers.input_bytes // instances, operand_bits),
        weight_buffer_pj=counts.weight_buffer_reads * table.sram_pj_per_word(buffers.weight_bytes // instances, operand_bits),
        output_buffer_pj=(counts.output_buffer_reads + counts.output_buffer_writes) * table.sram_pj_per_word(buffers.output_bytes // instances, accumulator_bits),
        dram_pj=table.dram_pj_per_64bit / 64 * (
            (counts.dram_input_reads + counts.dram_weight_reads) * operand_bits + (counts.dram_output_reads + counts.dram_output_writes) * accumulator_bits
        ),
    )
