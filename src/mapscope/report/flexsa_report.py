"""Terminal rendering of a FlexSA study: what ran, one row per machine, and mapscope vs the paper's claims."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from mapscope.systolic.flexsa_study import FlexsaStudy, energy_unit
from mapscope.systolic.results import MachineSummary

#: Printed under the tables: the FlexSA machine is not the authors' model.
RECONSTRUCTION_NOTE = (
    "Note: the FlexSA model is mapscope's reconstruction from the paper's abstract (see docs/flexsa.md), "
    "not the authors' simulator; the paper's figures are quoted for comparison."
)


def study_header(study: FlexsaStudy) -> str:
    """One line saying what ran: model, trajectory and its FLOP reductions, batch, array."""
    setup = study.setup
    size = setup.settings.array
    trajectory, source = setup.trajectory, setup.source
    if source.file is None:
        origin = (
            f"synthetic (seed {source.seed}, pruned every {source.interval_epochs} of {trajectory.total_epochs} epochs)"
        )
    else:
        origin = f"{source.file} ({len(trajectory.epochs)} entries over {trajectory.total_epochs} epochs)"
    weights = "double-buffered" if setup.settings.double_buffered else "single-buffered"
    return (
        f"{setup.cnn.name} ({setup.cnn.dataset}), trajectory {origin}: inference FLOPs "
        f"{-study.inference_reduction:+.1%}, training FLOPs {-study.training_flop_reduction:+.1%}; "
        f"batch {setup.batch}; {size}x{size} arrays, {weights} weights; "
        f"cycle ties within {setup.settings.cycle_tolerance:.0%} go to fewer accesses"
    )


def _mode_shares(summary: MachineSummary) -> str:
    """The modes that ran any MACs, with their share of the MACs."""
    return ", ".join(f"{mode} {share:.0%}" for mode, share in summary.mode_shares.items() if share > 0) or "-"


def machine_table(study: FlexsaStudy) -> Table:
    """One row per machine: utilisation, cycles, on-chip reuse, energy, DRAM words and mode shares."""
    totals = {name: study.run.totals(name) for name in study.machine_names}
    unit, per_unit = energy_unit(max(summary.energy.total_pj for summary in totals.values()))
    epochs = study.setup.trajectory.total_epochs
    table = Table(
        title=f"{study.setup.cnn.name}: whole trajectory, one training iteration per epoch ({epochs} epochs)",
        title_justify="left",
        header_style="bold",
    )
    table.add_column("Machine")
    for header in ("Utilisation\n(%)", "Cycles", "On-chip reuse\n(MACs/access)", f"Energy\n({unit})", "DRAM\n(words)"):
        table.add_column(header, justify="right")
    table.add_column("Mode shares\n(% of MACs)")
    for name, summary in totals.items():
        table.add_row(
            name,
            f"{100 * summary.utilization:.1f}",
            f"{summary.cycles:,}",
            f"{summary.onchip_reuse:.2f}",
            f"{summary.energy.total_pj / per_unit:,.2f}",
            f"{summary.dram_words:,}",
            _mode_shares(summary),
        )
    return table


def _number(comparison: dict[str, float | str], key: str) -> float:
    value = comparison[key]
    assert isinstance(value, float), f"{key} is not a number: {value!r}"
    return value


def comparison_table(study: FlexsaStudy) -> Table:
    """The paper's four claims, each with mapscope's figure beside it."""
    comparison = study.run.comparison()
    gain = comparison["utilization_gain_vs_large"]
    reuse = comparison["onchip_reuse_vs_split"]
    energy = comparison["energy_vs_split"]
    loss = comparison["large_utilization_loss_from_pruning"]
    loss_text = f"{_number(loss, 'relative'):.1%} ({_number(loss, 'points'):.1f} points)"
    worst = _number(loss, "worst_entry_relative")
    if worst > _number(loss, "relative") + 5e-4:
        loss_text += f"; worst entry {worst:.1%}"
    rows = (
        (
            "Utilisation, flexsa vs large",
            f"{_number(gain, 'relative'):+.1%} ({_number(gain, 'points'):+.1f} points)",
            str(gain["paper"]),
        ),
        ("On-chip reuse, flexsa vs split", f"{_number(reuse, 'ratio'):.2f}x", str(reuse["paper"])),
        ("Energy, flexsa vs split", f"{_number(energy, 'relative'):+.1%}", str(energy["paper"])),
        ("Utilisation loss of large, dense to final pruned", loss_text, str(loss["paper"])),
    )
    table = Table(title="mapscope vs the FlexSA paper", title_justify="left", header_style="bold")
    table.add_column("Claim")
    table.add_column("mapscope", justify="right")
    table.add_column("FlexSA paper", justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def render_flexsa_report(study: FlexsaStudy, console: Console | None = None) -> None:
    """Print the header line, the machine table, the comparison table and the reconstruction note."""
    console = console or Console()
    console.print(study_header(study), highlight=False)
    console.print(machine_table(study))
    console.print(comparison_table(study))
    console.print(RECONSTRUCTION_NOTE, highlight=False)
