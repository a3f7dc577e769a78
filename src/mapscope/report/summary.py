"""The plain-text parts of an analysis report: number formats, the accelerator in a line, MAESTRO's closing
summary. No rich: `mapscope analyze --quiet` (files only) and MAESTRO's summary lines need no table library."""

from __future__ import annotations

from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.stats import NetworkStats


def count(value: float) -> str:
    """An integer quantity with thousands separators."""
    return f"{int(value):,}"


def decimal(value: float, digits: int = 2) -> str:
    """A float quantity with thousands separators and `digits` decimals."""
    return f"{value:,.{digits}f}"


def capacity(value: int) -> str:
    """A hardware capacity or bandwidth; MAESTRO's INT_MAX stand-in reads as "unlimited"."""
    return "unlimited" if value == UNLIMITED else count(value)


def accelerator_summary(accelerator: Accelerator) -> str:
    """The accelerator in one line, capacities included."""
    lanes = "SIMD lane" if accelerator.simd_lanes == 1 else "SIMD lanes"
    cycles = "cycle" if accelerator.noc_latency_cycles == 1 else "cycles"
    return (
        f"{accelerator.num_pes} PEs x {accelerator.simd_lanes} {lanes}, "
        f"NoC {capacity(accelerator.noc_bandwidth_elems_per_cycle)} elems/cycle "
        f"(latency {accelerator.noc_latency_cycles} {cycles}), "
        f"off-chip {capacity(accelerator.offchip_bandwidth_elems_per_cycle)} elems/cycle, "
        f"L1 {capacity(accelerator.l1_size_elems)} elems, L2 {capacity(accelerator.l2_size_elems)} elems"
    )


def maestro_summary_lines(
    stats: NetworkStats, accelerator: Accelerator, csv_written: bool, *, print_results: bool = True
) -> list[str]:
    """MAESTRO's closing summary, line for line (docs/formats.md, MAESTRO's closing summary).

    The "Buffer Analysis" block is printed by MAESTRO when --print_res is on (`print_results`), the
    "BW Analysis" block when it writes the CSV (`csv_written`). Requirements are the largest per-layer
    values and are compared with ">" against the given capacities; totals are sums over layers.
    """
    lines: list[str] = []
    if print_results:
        lines.append("Buffer Analysis:")
        lines += _checked_block(
            "Buffer",
            (
                ("L1 size requirement", "L1 size", stats.max_l1_size_req_elems, accelerator.l1_size_elems),
                ("L2 size requirement", "L2 size", stats.max_l2_size_req_elems, accelerator.l2_size_elems),
            ),
        )
        lines.append("[Model-wise Buffer Summary]")
        lines.append(f"Model-wise total L2 size usage: {int(stats.total_l2_size_req_elems)}")
        lines.append(f"Model-wise total L1 size usage: {int(stats.total_l1_size_req_elems)}")
    if csv_written:
        lines.append("BW Analysis:")
        lines += _checked_block(
            "BW",
            (
                ("NoC BW requirement", "NoC BW", stats.max_peak_noc_bw_elems_per_cycle, accelerator.noc_bandwidth_elems_per_cycle),
                ("OffChip BW requirement", "OffChip BW", stats.max_offchip_bw_req_elems_per_cycle, accelerator.offchip_bandwidth_elems_per_cycle),
            ),
        )
    return lines


def _checked_block(tag: str, checks: tuple[tuple[str, str, float, int], ...]) -> list[str]:
    """MAESTRO's warning per (requirement, capacity name, largest per-layer requirement, capacity) that
    exceeds its capacity (its running maxima start at 0), or "[PASS]" when none does."""
    warnings = [
        f"[WARNING:{tag}] Per-layer {requirement} [{int(max(0, largest))}] is larger than the given {given_name} [{given}]"
        for requirement, given_name, largest, given in checks
        if max(0, largest) > given
    ]
    return warnings or ["[PASS]"]
