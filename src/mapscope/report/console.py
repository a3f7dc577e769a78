"""Terminal rendering of an analysis: a per-layer table, a totals panel, warnings, and MAESTRO's closing summary."""

from __future__ import annotations

import errno
import os
import sys

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.stats import NetworkStats


class StdoutConsole(Console):
    """A rich console on stdout that reports a closed stdout (`mapscope ... | head -1`) as BrokenPipeError.

    rich's default answer to a broken pipe is `SystemExit(1)`; the CLI instead ends quietly with status 0
    (every requested file is written before anything is printed).
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "stdout is closed")


def stdout_console() -> StdoutConsole:
    """A console on the current stdout; 160 columns when piped so tables stay readable in files."""
    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return StdoutConsole(file=sys.stdout, width=160 if piped else None)


def _count(value: float) -> str:
    """An integer quantity with thousands separators."""
    return f"{int(value):,}"


def _decimal(value: float, digits: int = 2) -> str:
    """A float quantity with thousands separators and `digits` decimals."""
    return f"{value:,.{digits}f}"


def _capacity(value: int) -> str:
    """A hardware capacity or bandwidth; MAESTRO's INT_MAX stand-in reads as "unlimited"."""
    return "unlimited" if value == UNLIMITED else _count(value)


def layer_table(stats: NetworkStats) -> Table:
    """One row per layer: work, runtime, throughput, energy, buffer and NoC requirements, PE utilisation."""
    table = Table(title=f"{stats.network}: per-layer results", title_justify="left", header_style="bold")
    table.add_column("Layer")
    table.add_column("Type")
    for header in (
        "MACs",
        "Runtime\n(cycles)",
        "Throughput\n(MACs/cycle)",
        "Energy\n(nJ)",
        "L1 req\n(elems)",
        "L2 req\n(elems)",
        "NoC BW req\n(elems/cycle)",
        "Avg utilized\nPEs",
    ):
        table.add_column(header, justify="right")
    for layer in stats.layers:
        table.add_row(
            layer.layer,
            str(layer.layer_type),
            _count(layer.macs),
            _count(layer.runtime_cycles),
            _decimal(layer.throughput_macs_per_cycle),
            _decimal(layer.energy_nj, 1),
            _count(layer.l1_size_req_elems),
            _count(layer.l2_size_req_elems),
            _count(layer.peak_noc_bw_elems_per_cycle),
            _decimal(layer.avg_utilized_pes, 1),
        )
    return table


def accelerator_summary(accelerator: Accelerator) -> str:
    """The accelerator in one line, capacities included."""
    lanes = "SIMD lane" if accelerator.simd_lanes == 1 else "SIMD lanes"
    cycles = "cycle" if accelerator.noc_latency_cycles == 1 else "cycles"
    return (
        f"{accelerator.num_pes} PEs x {accelerator.simd_lanes} {lanes}, "
        f"NoC {_capacity(accelerator.noc_bandwidth_elems_per_cycle)} elems/cycle "
        f"(latency {accelerator.noc_latency_cycles} {cycles}), "
        f"off-chip {_capacity(accelerator.offchip_bandwidth_elems_per_cycle)} elems/cycle, "
        f"L1 {_capacity(accelerator.l1_size_elems)} elems, L2 {_capacity(accelerator.l2_size_elems)} elems"
    )


def totals_panel(stats: NetworkStats, accelerator: Accelerator) -> Panel:
    """Network totals and the largest per-layer requirements next to the accelerator's capacities."""
    totals = stats.totals()
    mode = "MAESTRO-compatible" if stats.compat == "maestro" else "corrected (default)"
    lines = [
        f"Accelerator: {accelerator_summary(accelerator)}",
        f"Mode: {mode}",
        f"Layers: {totals['layers']}    MACs: {_count(totals['macs'])}    "
        f"Runtime: {_count(totals['runtime_cycles'])} cycles    "
        f"Throughput: {_decimal(totals['throughput_macs_per_cycle'])} MACs/cycle",
        f"Energy: {_decimal(totals['energy_nj'], 1)} nJ",
        f"Largest L1 requirement: {_count(totals['max_l1_size_req_elems'])} elems "
        f"(capacity {_capacity(accelerator.l1_size_elems)})    "
        f"largest L2 requirement: {_count(totals['max_l2_size_req_elems'])} elems "
        f"(capacity {_capacity(accelerator.l2_size_elems)})",
        f"Largest NoC BW requirement: {_count(totals['max_peak_noc_bw_elems_per_cycle'])} elems/cycle "
        f"(given {_capacity(accelerator.noc_bandwidth_elems_per_cycle)})    "
        f"largest off-chip BW requirement: {_count(totals['max_offchip_bw_req_elems_per_cycle'])} elems/cycle "
        f"(given {_capacity(accelerator.offchip_bandwidth_elems_per_cycle)})",
    ]
    return Panel("\n".join(lines), title="Totals", title_align="left", expand=False)


def warnings_panel(stats: NetworkStats) -> Panel | None:
    """The analysis warnings (capacities exceeded and similar), or None when there are none."""
    if not stats.warnings:
        return None
    body = "\n".join(f"- {warning}" for warning in stats.warnings)
    return Panel(body, title="Warnings", title_align="left", border_style="yellow", expand=False)


def render_network_report(stats: NetworkStats, accelerator: Accelerator, console: Console | None = None) -> None:
    """Print the per-layer table, the totals panel and any warnings."""
    console = console or Console()
    parts: list[Table | Panel] = [layer_table(stats), totals_panel(stats, accelerator)]
    warnings = warnings_panel(stats)
    if warnings is not None:
        parts.append(warnings)
    console.print(Group(*parts))


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
