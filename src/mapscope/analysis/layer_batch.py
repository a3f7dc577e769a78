"""Every LayerStats field of one mapped layer on many accelerators that share its PE count, in one call.

The trace (volumes, sizes, energy) is computed once; the fields that depend on SIMD, NoC and off-chip
numbers become arrays (timing_batch). `LayerStatsBatch.stats_at(i)` equals `analyze_layer` on the i-th
accelerator exactly; tests hold it so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mapscope.analysis.corrections import CORRECTED, MAESTRO_SEMANTICS
from mapscope.analysis.layer_analysis import LayerVolumes, layer_trace, layer_volumes
from mapscope.analysis.level_analysis import LevelTrace
from mapscope.analysis.timing_batch import DelayArrays, TimingArrays, time_level_batch
from mapscope.errors import InputError
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.hardware.area_power import area_power_arrays, sized_for_area
from mapscope.hardware.energy import EnergyTable
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.stats import LayerStats


@dataclass(frozen=True)
class HardwareArrays:
    """Accelerators with one PE count and L2 size and per-design SIMD, NoC and off-chip numbers (1-D int64
    arrays). The L2 size moves the energy (tensors that do not fit bypass L2), hence one per batch."""

    num_pes: int
    simd_lanes: np.ndarray
    noc_bandwidth_elems_per_cycle: np.ndarray
    noc_latency_cycles: np.ndarray
    offchip_bandwidth_elems_per_cycle: np.ndarray
    l2_size_elems: int = UNLIMITED

    def __post_init__(self) -> None:
        arrays = (self.simd_lanes, self.noc_bandwidth_elems_per_cycle, self.noc_latency_cycles, self.offchip_bandwidth_elems_per_cycle)
        if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
            raise InputError("hardware arrays must be 1-D and of one length", "hardware batch")
        positive = (self.simd_lanes, self.noc_bandwidth_elems_per_cycle, self.offchip_bandwidth_elems_per_cycle)
        if self.num_pes <= 0 or any((a <= 0).any() or (a > UNLIMITED).any() for a in positive):
            raise InputError("PEs, SIMD lanes and bandwidths must be positive and at most 2**31 - 1", "hardware batch")
        if (self.noc_latency_cycles < 0).any():
            raise InputError("NoC latency must be non-negative", "hardware batch")

    @property
    def size(self) -> int:
        return int(self.simd_lanes.shape[0])

    @classmethod
    def from_accelerators(cls, accelerators: list[Accelerator]) -> HardwareArrays:
        pes = {a.num_pes for a in accelerators}
        if len(pes) != 1:
            raise InputError(f"a batch shares one PE count, got {sorted(pes)}", "hardware batch")
        l2_sizes = {a.l2_size_elems for a in accelerators}
        if len(l2_sizes) != 1:
            raise InputError(f"a batch shares one L2 size, got {sorted(l2_sizes)}", "hardware batch")

        def column(name: str) -> np.ndarray:
            return np.array([getattr(a, name) for a in accelerators], dtype=np.int64)

        return cls(
            pes.pop(),
            column("simd_lanes"),
            column("noc_bandwidth_elems_per_cycle"),
            column("noc_latency_cycles"),
            column("offchip_bandwidth_elems_per_cycle"),
            l2_sizes.pop(),
        )

    def timing(self, compat: str | None) -> TimingArrays:
        corrections = MAESTRO_SEMANTICS if compat == "maestro" else CORRECTED
        return TimingArrays(
            self.noc_bandwidth_elems_per_cycle,
            self.noc_latency_cycles,
            self.simd_lanes,
            self.offchip_bandwidth_elems_per_cycle,
            corrections.empty_transfer_takes_no_time,
        )


@dataclass(frozen=True)
class LayerStatsBatch:
    """One layer's statistics on a batch of accelerators: shared fields once, the rest as arrays."""

    volumes: LayerVolumes
    arrays: dict[str, np.ndarray]
    valid: np.ndarray  # False where the scalar engine rejects the design (a step computes nothing)

    def stats_at(self, index: int) -> LayerStats:
        """The LayerStats of design `index`, as Python numbers."""
        fields: dict[str, Any] = dict(self.volumes.fields)
        for name, values in self.arrays.items():
            value = values[index]
            fields[name] = int(value) if np.issubdtype(values.dtype, np.integer) else float(value)
        return LayerStats(**fields)


def _ratio(numerator: np.ndarray | float, denominator: np.ndarray) -> np.ndarray:
    """IEEE division as layer_analysis._ratio: x/0 is +-inf, 0/0 is nan."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64))


def _delay_fields(name: str, delays: DelayArrays, occurrences: int, size: int) -> dict[str, np.ndarray]:
    if occurrences == 0:
        zeros = np.zeros(size, dtype=np.int64)
        return {f"{name}_delay_min_cycles": zeros, f"{name}_delay_max_cycles": zeros, f"{name}_delay_avg_cycles": zeros}
    return {
        f"{name}_delay_min_cycles": delays.minimum,
        f"{name}_delay_max_cycles": delays.maximum,
        f"{name}_delay_avg_cycles": (delays.weighted_sum / occurrences).astype(np.int64),
    }


def layer_stats_batch(
    mapped: MappedLayer,
    hardware: HardwareArrays,
    *,
    network_name: str,
    compat: str | None = None,
    energy_table: EnergyTable | None = None,
    previous_l1_accesses: int = 0,
    trace: LevelTrace | None = None,
) -> LayerStatsBatch:
    """Statistics of `mapped` on every accelerator of `hardware` (trace computed unless given)."""
    if trace is None:
        trace = layer_trace(mapped, hardware.num_pes, compat)
    volumes = layer_volumes(
        mapped,
        trace,
        network_name=network_name,
        compat=compat,
        energy_table=energy_table,
        previous_l1_accesses=previous_l1_accesses,
        l2_capacity_elems=hardware.l2_size_elems,
    )
    try:
        timing = time_level_batch(trace, hardware.timing(compat))
    except InputError as error:
        raise InputError(error.message, f"{mapped.source + ': ' if mapped.source else ''}layer {mapped.layer.name}") from None
    size = hardware.size
    throughput = _ratio(volumes.fields["macs"], timing.runtime_cycles)
    noc_bandwidth = hardware.noc_bandwidth_elems_per_cycle
    if (MAESTRO_SEMANTICS if compat == "maestro" else CORRECTED).unlimited_noc_sized_for_requirement:
        noc_bandwidth = sized_for_area(noc_bandwidth, timing.peak_noc_bw)
    costs = area_power_arrays(hardware.num_pes, hardware.simd_lanes, noc_bandwidth, volumes.l1_size_req_elems, volumes.l2_size_req_elems)
    arrays: dict[str, np.ndarray] = {
        "num_pes": np.full(size, hardware.num_pes, dtype=np.int64),
        "simd_lanes": hardware.simd_lanes,
        "runtime_cycles": timing.runtime_cycles,
        "throughput_macs_per_cycle": throughput,
        "throughput_per_energy_gmacs_per_s_j": _ratio(throughput, np.full(size, volumes.fields["energy_nj"])) * 1e9,
        "area_um2": np.broadcast_to(costs.area_um2, (size,)),
        "power_mw": np.broadcast_to(costs.power_mw, (size,)),
        "pe_power_mw": np.broadcast_to(costs.pe_power_mw, (size,)),
        "l1_power_mw": np.broadcast_to(costs.l1_power_mw, (size,)),
        "l2_power_mw": np.broadcast_to(costs.l2_power_mw, (size,)),
        "noc_power_mw": np.broadcast_to(costs.noc_power_mw, (size,)),
        "peak_noc_bw_elems_per_cycle": timing.peak_noc_bw,
        "avg_noc_bw_elems_per_cycle": (
            timing.avg_noc_bw_sum / trace.occurrences if trace.occurrences else np.full(size, np.nan)
        ),
        "offchip_bw_req_elems_per_cycle": timing.offchip_bw_req,
    }
    for name, delays in (("ingress", timing.ingress), ("egress", timing.egress), ("compute", timing.compute)):
        arrays.update(_delay_fields(name, delays, trace.occurrences, size))
    return LayerStatsBatch(volumes, arrays, timing.valid)
