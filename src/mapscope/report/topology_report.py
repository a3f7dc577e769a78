"""Terminal rendering of a SCALE-Sim topology run: one row per layer, then the totals."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from mapscope.systolic.topology_run import TopologyRun


def _percent(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2%}"


def topology_table(run: TopologyRun) -> Table:
    """Shape, folds, cycles, utilisation and SRAM words of every layer, and a totals row."""
    buffering = ", double-buffered weights" if run.double_buffered else ""
    title = (
        f"{run.network} ({len(run.layers)} layer{'' if len(run.layers) == 1 else 's'}) on a {run.array_rows}x{run.array_cols} array, "
        f"{run.dataflow} dataflow ({run.convention} convention{buffering})"
    )
    notes = sorted({layer.utilization_note for layer in run.layers if layer.utilization_note})
    table = Table(
        title=title, title_justify="left", header_style="bold", caption="; ".join(f"Utilisation {note}" for note in notes) or None,
        caption_justify="left",
    )
    counted = ["input_l2_read_elems", "filter_l2_read_elems", "output_l2_write_elems"]
    headers = ["Layer", "Type", "M x N x K", "Folds", "Cycles", "MACs", "Util", "ifmap SRAM reads", "filter SRAM reads", "ofmap SRAM writes"]
    if any(layer.output_l2_read_elems for layer in run.layers):  # partial-sum reads (mapscope convention, ws/is)
        counted.append("output_l2_read_elems")
        headers.append("ofmap SRAM reads")
    for header in headers:
        table.add_column(header, justify="left" if header in ("Layer", "Type") else "right")
    for layer in run.layers:
        table.add_row(
            layer.layer, layer.layer_type, f"{layer.m}x{layer.n}x{layer.k}", f"{layer.row_folds}x{layer.col_folds}",
            f"{layer.runtime_cycles:,}", f"{layer.macs:,}", _percent(layer.utilization),
            *(f"{getattr(layer, name):,}" for name in counted),
        )
    totals = run.totals()
    table.add_section()
    table.add_row(
        "Total", "", "", "", f"{totals['runtime_cycles']:,}", f"{totals['macs']:,}", _percent(totals["utilization"]),
        *(f"{totals[name]:,}" for name in counted),
        style="bold",
    )
    return table


def render_topology(run: TopologyRun, console: Console | None = None) -> None:
    """Print the per-layer table with its totals."""
    (console or Console()).print(topology_table(run))
