"""Terminal rendering of an analysis with rich: a per-layer table, a totals panel and warnings (the plain-text
parts, MAESTRO's closing summary among them, are in `mapscope.report.summary`)."""

from __future__ import annotations

import errno
import os
import re
import sys

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mapscope.hardware.accelerator import Accelerator
from mapscope.report.summary import accelerator_summary, capacity, count, decimal, maestro_summary_lines
from mapscope.stats import NetworkStats

#: Where rich may break a line.
_WHITESPACE = re.compile(r"\s")


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


#: The per-layer table's columns: header and justification.
LAYER_COLUMNS = (
    ("Layer", "left"),
    ("Type", "left"),
    ("MACs", "right"),
    ("Runtime\n(cycles)", "right"),
    ("Throughput\n(MACs/cycle)", "right"),
    ("Energy\n(nJ)", "right"),
    ("L1 req\n(elems)", "right"),
    ("L2 req\n(elems)", "right"),
    ("NoC BW req\n(elems/cycle)", "right"),
    ("Avg utilized\nPEs", "right"),
)


def layer_rows(stats: NetworkStats) -> list[tuple[str, ...]]:
    """The per-layer table's cells: work, runtime, throughput, energy, buffer and NoC requirements, PE use."""
    return [
        (
            layer.layer,
            str(layer.layer_type),
            count(layer.macs),
            count(layer.runtime_cycles),
            decimal(layer.throughput_macs_per_cycle),
            decimal(layer.energy_nj, 1),
            count(layer.l1_size_req_elems),
            count(layer.l2_size_req_elems),
            count(layer.peak_noc_bw_elems_per_cycle),
            decimal(layer.avg_utilized_pes, 1),
        )
        for layer in stats.layers
    ]


def layer_table(stats: NetworkStats, one_cell_per_column: bool = False) -> Table:
    """One row per layer, its cells plain text (a layer named `[bold]x` stays as written).

    With `one_cell_per_column` each column is a single cell holding every layer's line, which rich lays out
    three times faster (10 cells instead of 10 per layer); `one_cell_draws_alike` says when the picture is
    the same.
    """
    table = Table(title=f"{stats.network}: per-layer results", title_justify="left", header_style="bold")
    for header, justify in LAYER_COLUMNS:
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    rows = layer_rows(stats)
    if one_cell_per_column and rows:
        table.add_row(*(Text("\n".join(column)) for column in zip(*rows)))
    else:
        for row in rows:
            table.add_row(*map(Text, row))
    return table


def one_cell_draws_alike(stats: NetworkStats, width: int) -> bool:
    """Whether `layer_table` with one cell per column draws, at `width` columns, what one row per layer draws:
    when no line wraps. rich wraps only at whitespace (a line without any is cropped, line by line), so the
    numbers never wrap, nor names like `conv1` or `/layer1/conv`; and every column keeps at least one
    character (below that rich collapses a multi-line cell)."""
    every_column_shows = width > 3 * len(LAYER_COLUMNS) + 1  # a border and two padding spaces per column
    return every_column_shows and not any(_WHITESPACE.search(f"{layer.layer}{layer.layer_type}") for layer in stats.layers)


def totals_panel(stats: NetworkStats, accelerator: Accelerator) -> Panel:
    """Network totals and the largest per-layer requirements next to the accelerator's capacities."""
    totals = stats.totals()
    mode = "MAESTRO-compatible" if stats.compat == "maestro" else "corrected (default)"
    lines = [
        f"Accelerator: {accelerator_summary(accelerator)}",
        f"Mode: {mode}",
        f"Layers: {totals['layers']}    MACs: {count(totals['macs'])}    "
        f"Runtime: {count(totals['runtime_cycles'])} cycles    "
        f"Throughput: {decimal(totals['throughput_macs_per_cycle'])} MACs/cycle",
        energy_line(totals, stats.compat),
        f"Largest L1 requirement: {count(totals['max_l1_size_req_elems'])} elems "
        f"(capacity {capacity(accelerator.l1_size_elems)})    "
        f"largest L2 requirement: {count(totals['max_l2_size_req_elems'])} elems "
        f"(capacity {capacity(accelerator.l2_size_elems)})",
        f"Largest NoC BW requirement: {count(totals['max_peak_noc_bw_elems_per_cycle'])} elems/cycle "
        f"(given {capacity(accelerator.noc_bandwidth_elems_per_cycle)})    "
        f"largest off-chip BW requirement: {count(totals['max_offchip_bw_req_elems_per_cycle'])} elems/cycle "
        f"(given {capacity(accelerator.offchip_bandwidth_elems_per_cycle)})",
    ]
    return Panel("\n".join(lines), title="Totals", title_align="left", expand=False)


#: The energy components as the totals panel names them, with their LayerStats prefix.
ENERGY_LABELS = (("MAC", "mac"), ("L1", "l1"), ("L2", "l2"), ("NoC", "noc"), ("DRAM", "dram"))


def energy_line(totals: dict[str, float | int], compat: str | None) -> str:
    """The network energy; in the default mode, on a second line, its five components (nJ and share), which add up to it."""
    line = f"Energy: {decimal(totals['energy_nj'], 1)} nJ"
    if compat == "maestro":
        return line
    total_pj = float(totals["energy_nj"]) * 1000
    parts = []
    for label, prefix in ENERGY_LABELS:
        component_pj = float(totals[f"{prefix}_energy_pj"])
        share = f" ({component_pj / total_pj:.0%})" if total_pj else ""
        parts.append(f"{label} {decimal(component_pj / 1000, 1)}{share}")
    return f"{line}\n  = " + " + ".join(parts) + " nJ"


def warnings_panel(stats: NetworkStats) -> Panel | None:
    """The analysis warnings (capacities exceeded and similar), or None when there are none."""
    if not stats.warnings:
        return None
    body = "\n".join(f"- {warning}" for warning in stats.warnings)
    return Panel(body, title="Warnings", title_align="left", border_style="yellow", expand=False)


def render_network_report(stats: NetworkStats, accelerator: Accelerator, console: Console | None = None) -> None:
    """Print the per-layer table, the totals panel and any warnings."""
    console = console or Console()
    parts: list[Table | Panel] = [layer_table(stats, one_cell_draws_alike(stats, console.width)), totals_panel(stats, accelerator)]
    warnings = warnings_panel(stats)
    if warnings is not None:
        parts.append(warnings)
    console.print(Group(*parts))


__all__ = [
    "StdoutConsole",
    "accelerator_summary",
    "layer_rows",
    "layer_table",
    "maestro_summary_lines",
    "one_cell_draws_alike",
    "render_network_report",
    "stdout_console",
    "totals_panel",
    "warnings_panel",
]
