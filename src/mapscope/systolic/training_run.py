"""A pruned-training trajectory on the three machines, and its comparison with the FlexSA paper.

Each trajectory entry is one network shape; one training iteration of it (forward, data gradient and
weight gradient GEMMs of every layer) is compiled for each machine. Trajectory totals weight each
entry by the epochs it lasts, so they are "one iteration per epoch" sums: ratios (utilisation, reuse,
energy per MAC) are those of the whole training run, as every epoch has the same iteration count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.stats import SystolicGemmStats
from mapscope.systolic.compiler import CYCLE_TOLERANCE, CompiledGemm
from mapscope.systolic.energy import SystolicEnergyTable
from mapscope.systolic.machine import BufferCapacities, Machine, MachineKind
from mapscope.systolic.plan import check_plan_size
from mapscope.systolic.results import MachineSummary, compile_all, gemm_stats, summarize
from mapscope.workload.cnn import CNN
from mapscope.workload.pruning import Trajectory
from mapscope.workload.training import lower_network

#: What the FlexSA paper's abstract reports, for the side-by-side table.
PAPER_CLAIMS: dict[str, str] = {
    "utilization_gain_vs_large": "+37%",
    "onchip_reuse_vs_split": "1.7x",
    "energy_vs_split": "-28%",
    "large_utilization_loss_from_pruning": "up to 60%",
}


def standard_machines(
    size: int = 128, double_buffered: bool = False, buffers: BufferCapacities | None = None
) -> dict[str, Machine]:
    """large, split and flexsa built from the same size x size array and the same total buffers."""
    capacities = buffers or BufferCapacities()
    return {str(kind): Machine(kind, size, size, double_buffered=double_buffered, buffers=capacities) for kind in MachineKind}


@dataclass(frozen=True)
class TrajectoryRun:
    """Per-iteration results of every trajectory entry on every machine, plus the compiled plans."""

    network: str
    batch: int
    epochs: tuple[int, ...]
    spans: tuple[int, ...]
    machines: dict[str, Machine]
    per_entry: dict[str, tuple[MachineSummary, ...]]
    compiled: dict[str, tuple[tuple[CompiledGemm, ...], ...]]

    def totals(self, machine: str) -> MachineSummary:
        """The whole trajectory on `machine`: each entry's iteration weighted by the epochs it lasts."""
        entries = self.per_entry[machine]
        total = entries[0].scaled(self.spans[0])
        for entry, span in zip(entries[1:], self.spans[1:], strict=True):
            total = total + entry.scaled(span)
        return total

    def rows(self, table: SystolicEnergyTable) -> list[SystolicGemmStats]:
        """One statistics row per (machine, entry, GEMM), for CSV and DataFrames."""
        return [
            gemm_stats(item, self.machines[name], table, self.network, epoch)
            for name, entries in self.compiled.items()
            for epoch, compiled in zip(self.epochs, entries, strict=True)
            for item in compiled
        ]

    def comparison(self) -> dict[str, dict[str, float | str]]:
        """mapscope's numbers for each of the paper's claims (relative and percentage-point changes)."""
        large, split, flexsa = (self.totals(name) for name in ("large", "split", "flexsa"))
        dense, pruned = self.per_entry["large"][0], self.per_entry["large"][-1]
        worst = min(self.per_entry["large"], key=lambda summary: summary.utilization)
        return {
            "utilization_gain_vs_large": {
                "paper": PAPER_CLAIMS["utilization_gain_vs_large"],
                "relative": flexsa.utilization / large.utilization - 1,
                "points": 100 * (flexsa.utilization - large.utilization),
            },
            "onchip_reuse_vs_split": {"paper": PAPER_CLAIMS["onchip_reuse_vs_split"], "ratio": flexsa.onchip_reuse / split.onchip_reuse},
            "energy_vs_split": {"paper": PAPER_CLAIMS["energy_vs_split"], "relative": flexsa.energy.total_pj / split.energy.total_pj - 1},
            "large_utilization_loss_from_pruning": {
                "paper": PAPER_CLAIMS["large_utilization_loss_from_pruning"],
                "relative": 1 - pruned.utilization / dense.utilization,
                "points": 100 * (dense.utilization - pruned.utilization),
                "worst_entry_relative": 1 - worst.utilization / dense.utilization,
            },
        }


def run_trajectory(
    cnn: CNN,
    trajectory: Trajectory,
    machines: dict[str, Machine],
    batch: int,
    table: SystolicEnergyTable,
    progress: Callable[[int, int], None] | None = None,
    cycle_tolerance: float = CYCLE_TOLERANCE,
) -> TrajectoryRun:
    """Compile and count one training iteration of every trajectory entry on every machine."""
    if not 0 <= cycle_tolerance <= 1:
        raise InputError(f"must be between 0 and 1, got {cycle_tolerance}", "cycle tolerance")
    lowered = [lower_network(network, batch) for network in trajectory.networks(cnn)]
    checked: set[tuple[int, int, int]] = set()
    for gemm in (gemm for gemms in lowered for gemm in gemms):  # every GEMM before any is compiled
        if gemm.shape_key() not in checked:
            checked.add(gemm.shape_key())
            for machine in machines.values():
                check_plan_size(gemm, machine)
    steps = len(lowered) * len(machines)
    per_entry: dict[str, list[MachineSummary]] = {name: [] for name in machines}
    compiled: dict[str, list[tuple[CompiledGemm, ...]]] = {name: [] for name in machines}
    done = 0
    for gemms in lowered:
        for name, machine in machines.items():
            plans = tuple(compile_all(gemms, machine, cycle_tolerance))
            compiled[name].append(plans)
            per_entry[name].append(summarize(plans, machine, table))
            done += 1
            if progress is not None:
                progress(done, steps)
    return TrajectoryRun(
        network=cnn.name,
        batch=batch,
        epochs=trajectory.epochs,
        spans=trajectory.epoch_spans(),
        machines=machines,
        per_entry={name: tuple(values) for name, values in per_entry.items()},
        compiled={name: tuple(values) for name, values in compiled.items()},
    )
