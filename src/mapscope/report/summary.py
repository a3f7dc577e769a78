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
        buffers_fit = True
        largest_l1 = max(0, stats.max_l1_size_req_elems)  # MAESTRO's running maxima start at 0
        largest_l2 = max(0, stats.max_l2_size_req_elems)
        if largest_l1 > accelerator.l1_size_elems:
            lines.append(
                f"[WARNING:Buffer] Per-layer L1 size requirement [{int(largest_l1)}] "
                f"is larger than the given L1 size [{accelerator.l1_size_elems}]"
            )
            buffers_fit = False
        if largest_l2 > accelerator.l2_size_elems:
            lines.append(
                f"[WARNING:Buffer] Per-layer L2 size requirement [{int(largest_l2)}] "
                f"is larger than the given L2 size [{accelerator.l2_size_elems}]"
            )
            buffers_fit = False
        if buffers_fit:
            lines.append("[PASS]")
        lines.append("[Model-wise Buffer Summary]")
        lines.append(f"Model-wise total L2 size usage: {int(stats.total_l2_size_req_elems)}")
        lines.append(f"Model-wise total L1 size usage: {int(stats.total_l1_size_req_elems)}")
    if csv_written:
        lines.append("BW Analysis:")
        bandwidths_fit = True
        largest_noc = max(0, stats.max_peak_noc_bw_elems_per_cycle)
        largest_offchip = max(0, stats.max_offchip_bw_req_elems_per_cycle)
        if largest_noc > accelerator.noc_bandwidth_elems_per_cycle:
            lines.append(
                f"[WARNING:BW] Per-layer NoC BW requirement [{int(largest_noc)}] "
                f"is larger than the given NoC BW [{accelerator.noc_bandwidth_elems_per_cycle}]"
            )
            bandwidths_fit = False
        if largest_offchip > accelerator.offchip_bandwidth_elems_per_cycle:
            lines.append(
                f"[WARNING:BW] Per-layer OffChip BW requirement [{int(largest_offchip)}] "
                f"is larger than the given OffChip BW [{accelerator.offchip_bandwidth_elems_per_cycle}]"
            )
            bandwidths_fit = False
        if bandwidths_fit:
            lines.append("[PASS]")
    return lines
