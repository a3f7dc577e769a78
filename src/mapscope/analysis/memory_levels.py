"""Per-memory-level statistics of an analysis (L1, L2, DRAM), in the spirit of Timeloop's statistics file.

A pure function of the network's `LayerStats`, the accelerator (capacities) and the per-access energies
the engine priced with (`NetworkStats.energy_table`): nothing is recounted, so each level's energy is the
layer's own component and the levels plus the MACs and the NoC add up to `energy_nj` (docs/energy.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.analysis.layer_fields import ieee_ratio, l2_dram_traffic, l2_residency
from mapscope.errors import InputError
from mapscope.hardware.accelerator import UNLIMITED
from mapscope.stats import TENSORS, LayerStats, NetworkStats

#: The memory levels, from the PEs outwards.
MEMORY_LEVELS = ("L1", "L2", "DRAM")


@dataclass(frozen=True)
class TensorTraffic:
    """One tensor at one level: element reads, writes, and the writes that are fills from the level above."""

    tensor: str
    read_elems: int
    write_elems: int
    fill_elems: int


@dataclass(frozen=True)
class MemoryLevelStats:
    """One level of one layer: capacity and what the layer needs of it, traffic per tensor, energy.

    `capacity_elems` is None for an unlimited level (DRAM, or a buffer given no size); L1's capacity and
    requirement are one PE's, its traffic is all PEs'. `access_elems` is the count the energy is priced on.
    """

    level: str
    capacity_elems: int | None
    utilized_elems: int
    tensors: tuple[TensorTraffic, ...]
    access_elems: int
    energy_per_access_pj: float
    energy_pj: float

    @property
    def utilization(self) -> float | None:
        """The requirement as a share of the capacity (None when unlimited)."""
        return None if not self.capacity_elems else self.utilized_elems / self.capacity_elems


@dataclass(frozen=True)
class LayerMemoryStats:
    """A layer's memory levels, with the MAC and NoC energy besides them, and the layer's total."""

    layer: str
    levels: tuple[MemoryLevelStats, ...]
    macs: int
    mac_energy_pj: float
    noc_transfer_elems: int
    noc_energy_pj: float
    energy_nj: float


def _capacity(size_elems: int) -> int | None:
    return None if size_elems == UNLIMITED else size_elems


def layer_memory_stats(
    layer: LayerStats, l1_capacity_elems: int | None, l2_capacity_elems: int | None, prices: dict[str, float], compat: str | None = None
) -> LayerMemoryStats:
    """The per-level statistics of one layer, `prices` the pJ of one access per component (EnergyTable.per_access_pj);
    in the default mode the tensors that do not fit L2 bypass it (layer_fields.l2_residency), as in the energy."""
    value = layer.as_dict()
    l1 = tuple(
        TensorTraffic(
            t,
            value[f"{t}_l1_read_elems"],
            value[f"{t}_l1_write_elems"],
            value[f"{t}_l1_write_elems"] if t != "output" else 0,  # operands arrive from L2; the output's writes are updates
        )
        for t in TENSORS
    )
    totals = {f"{kind}_{t}": value[f"{t}_{kind}_elems"] for kind in ("l2_read", "l2_write", "l2_size_req") for t in TENSORS}
    kept = l2_residency(totals, None if compat == "maestro" else l2_capacity_elems, ieee_ratio)  # as the energy did
    traffic = l2_dram_traffic(totals, kept)
    l2 = tuple(
        TensorTraffic(
            t,
            value[f"{t}_l2_read_elems"] * kept[t],
            value[f"{t}_l2_write_elems"] * kept[t],
            value[f"{t}_l2_write_elems"] * kept[t] if t != "output" else 0,  # operands are filled from DRAM; the output from the PEs
        )
        for t in TENSORS
    )
    dram = tuple(TensorTraffic(t, traffic[f"dram_{t}"] if t != "output" else 0, traffic["dram_output"] if t == "output" else 0, 0) for t in TENSORS)
    levels = (
        MemoryLevelStats("L1", l1_capacity_elems, layer.l1_size_req_elems, l1, layer.l1_access_elems, prices["l1"], layer.l1_energy_pj),
        MemoryLevelStats("L2", l2_capacity_elems, layer.l2_size_req_elems, l2, layer.l2_access_elems, prices["l2"], layer.l2_energy_pj),
        MemoryLevelStats(
            "DRAM",
            None,
            layer.dram_read_elems + layer.dram_write_elems,  # the footprint the layer moves: operands in, output out
            dram,
            layer.dram_read_elems + layer.dram_write_elems,
            prices["dram"],
            layer.dram_energy_pj,
        ),
    )
    return LayerMemoryStats(layer.layer, levels, layer.macs, layer.mac_energy_pj, layer.noc_transfer_elems, layer.noc_energy_pj, layer.energy_nj)


def network_memory_stats(stats: NetworkStats) -> tuple[LayerMemoryStats, ...]:
    """Per-level statistics of every layer of an analysis (it must carry its accelerator and energy table)."""
    if stats.accelerator is None or stats.energy_table is None:
        raise InputError("per-level statistics need the analysis' accelerator and energy table (mapscope.api.analyze records both)", "stats")
    prices = stats.energy_table.per_access_pj()
    l1, l2 = _capacity(stats.accelerator.l1_size_elems), _capacity(stats.accelerator.l2_size_elems)
    return tuple(layer_memory_stats(layer, l1, l2, prices, stats.compat) for layer in stats.layers)
