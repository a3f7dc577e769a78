"""Terminal rendering of one GEMM: its counts on a single array, or the plan chosen for a machine."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table

from mapscope.systolic.single_gemm import MachineGemm
from mapscope.systolic.single_array import SingleArrayResult


def _quantity_table(title: str, rows: list[tuple[str, str]], caption: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold", caption=caption, caption_justify="left")
    table.add_column("Quantity")
    table.add_column("Value", justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def _utilization_text(result: SingleArrayResult) -> str:
    """The utilisation as a percentage; "undefined" where SCALE-Sim's convention leaves it without a value."""
    if result.utilization is None:
        return "undefined (see below)"
    return f"{result.utilization:.2%}" + (" (see below)" if result.utilization_note else "")


def single_array_table(result: SingleArrayResult) -> Table:
    """Cycles, MACs, utilisation, folds, SRAM and DRAM words of a GEMM on one array."""
    buffering = ", double-buffered weights" if result.double_buffered else ""
    title = (
        f"GEMM M={result.m} N={result.n} K={result.k} on a {result.rows}x{result.cols} array, "
        f"{result.dataflow} dataflow ({result.convention} convention{buffering})"
    )
    dram = result.dram_ifmap_reads + result.dram_filter_reads + result.dram_ofmap_writes
    return _quantity_table(
        title,
        [
            ("Cycles", f"{result.cycles:,}"),
            ("MACs", f"{result.macs:,}"),
            ("Utilisation", _utilization_text(result)),
            ("Folds (row x column)", f"{result.row_folds} x {result.col_folds} = {result.row_folds * result.col_folds}"),
            ("ifmap SRAM reads", f"{result.ifmap_sram_reads:,}"),
            ("filter SRAM reads", f"{result.filter_sram_reads:,}"),
            ("ofmap SRAM writes", f"{result.ofmap_sram_writes:,}"),
            ("ofmap SRAM reads", f"{result.ofmap_sram_reads:,}"),
            (
                "DRAM words (ifmap + filter + ofmap)",
                f"{result.dram_ifmap_reads:,} + {result.dram_filter_reads:,} + {result.dram_ofmap_writes:,} = {dram:,}",
            ),
        ],
        caption=None if result.utilization_note is None else f"Utilisation {result.utilization_note}",
    )


def machine_gemm_report(result: MachineGemm) -> Group:
    """The chosen plan, one region per line, then its passes, mode shares, cycles, accesses and energy."""
    stats, machine = result.stats, result.machine
    buffering = ", double-buffered weights" if machine.double_buffered else ""
    title = f"GEMM M={stats.m} N={stats.n} K={stats.k} on the {machine.kind} machine ({machine.rows}x{machine.cols}{buffering})"
    stationary, *regions = stats.plan.split("; ")
    plan = Table(title=title, title_justify="left", header_style="bold")
    plan.add_column(f"Plan: {stationary}")
    for region in regions:
        plan.add_row(region)
    shares = ", ".join(
        f"{mode} {macs / stats.macs:.0%}"
        for mode, macs in (("FW", stats.fw_macs), ("VSW", stats.vsw_macs), ("HSW", stats.hsw_macs), ("ISW", stats.isw_macs))
        if macs
    )
    onchip = stats.input_l2_read_elems + stats.filter_l2_read_elems + stats.output_l2_read_elems + stats.output_l2_write_elems
    dram = (
        stats.input_offchip_read_elems + stats.filter_offchip_read_elems
        + stats.output_offchip_read_elems + stats.output_offchip_write_elems
    )
    counts = _quantity_table(
        "Counts",
        [
            ("Passes", f"{stats.passes:,}"),
            ("Mode shares (% of MACs)", shares),
            ("Cycles", f"{stats.runtime_cycles:,}"),
            ("MACs", f"{stats.macs:,}"),
            ("Utilisation", f"{stats.utilization:.2%}"),
            ("A buffer reads", f"{stats.input_l2_read_elems:,}"),
            ("B buffer reads", f"{stats.filter_l2_read_elems:,}"),
            ("Output buffer reads / writes", f"{stats.output_l2_read_elems:,} / {stats.output_l2_write_elems:,}"),
            ("On-chip reuse (MACs/access)", f"{stats.macs / onchip:.2f}"),
            ("PE-to-PE forwards", f"{stats.pe_forwards:,}"),
            ("DRAM words", f"{dram:,}"),
            ("Energy (nJ)", f"{stats.energy_nj:,.1f}"),
            ("  MACs / PE forwards", f"{stats.mac_energy_nj:,.1f} / {stats.l1_energy_nj:,.1f}"),
            ("  buffers / DRAM", f"{stats.l2_energy_nj:,.1f} / {stats.dram_energy_nj:,.1f}"),
        ],
    )
    return Group(plan, counts)


def render_single_array(result: SingleArrayResult, console: Console | None = None) -> None:
    """Print the single-array table."""
    (console or Console()).print(single_array_table(result))


def render_machine_gemm(result: MachineGemm, console: Console | None = None) -> None:
    """Print the chosen plan and its counts."""
    (console or Console()).print(machine_gemm_report(result))
