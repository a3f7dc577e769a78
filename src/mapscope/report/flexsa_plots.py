"""The FlexSA study's two figures as PNG bytes: utilisation over training and the energy breakdown.

Machines whose utilisation curves coincide (`report.figures.coinciding_groups`) share one legend entry that
says so, and every energy bar carries its total.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mapscope.report.figures import coincide_tolerance, coinciding_groups, figure_bytes, new_figure
from mapscope.systolic.flexsa_study import FlexsaStudy, energy_unit

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

UTILIZATION_PLOT = "utilization_over_training.png"
ENERGY_PLOT = "energy_breakdown.png"

#: Colour, line style, width and drawing order per machine; split is dashed on top of flexsa, as they often coincide.
MACHINE_STYLES: dict[str, tuple[str, str, float, int]] = {
    "large": ("tab:red", "-", 2.0, 2),
    "split": ("tab:blue", "--", 2.0, 3),
    "flexsa": ("tab:green", "-", 3.5, 1),
}


def _setting(study: FlexsaStudy) -> str:
    size = study.setup.settings.array
    return f"{size}x{size} arrays, batch {study.setup.batch}"


def _percent_points(value: float) -> str:
    return f"{value:.2g} percentage points" if value >= 0.01 else "under 0.01 percentage points"


def utilization_figure(study: FlexsaStudy) -> Figure:
    """PE utilisation against epoch, one step line per machine (each entry holds until the next); machines
    whose curves coincide share one legend entry "a = b (coincide...)"."""
    from matplotlib.legend_handler import HandlerTuple

    figure = new_figure(8.0, 4.8)
    axes = figure.add_subplot()
    total_epochs = study.setup.trajectory.total_epochs
    series: dict[str, list[float]] = {}
    lines: dict[str, Line2D] = {}
    for name in study.machine_names:
        points = study.per_epoch(name)
        epochs = [point["epoch"] for point in points] + [total_epochs]
        percent = [100 * point["utilization"] for point in points]
        series[name] = percent
        color, style, width, order = MACHINE_STYLES.get(name, ("black", "-", 2.0, 2))
        (lines[name],) = axes.step(
            epochs, [*percent, percent[-1]], where="post", label=name,
            color=color, linestyle=style, linewidth=width, zorder=order,
        )
    handles: list[tuple[Line2D, ...]] = []
    labels: list[str] = []
    for members, difference in coinciding_groups(series, coincide_tolerance(series)):
        handles.append(tuple(lines[name] for name in sorted(members, key=lambda n: lines[n].get_zorder())))
        if len(members) == 1:
            labels.append(members[0])
        else:
            within = "" if difference == 0 else f", within {_percent_points(difference)}"
            labels.append(f"{' = '.join(members)} (coincide{within})")
    axes.set_xlim(0, total_epochs)
    axes.set_ylim(bottom=0)
    axes.set_xlabel("Training epoch")
    axes.set_ylabel("PE utilisation (%)")
    axes.set_title(f"{study.setup.cnn.name}: utilisation over pruned training ({_setting(study)})")
    axes.grid(alpha=0.3)
    axes.legend(handles, labels, title="Machine", handler_map={tuple: HandlerTuple(ndivide=1)})
    return figure


def utilization_plot_png(study: FlexsaStudy) -> bytes:
    """`utilization_figure` as PNG bytes."""
    return figure_bytes(utilization_figure(study), "png")


def energy_figure(study: FlexsaStudy) -> Figure:
    """Stacked bars, one per machine: where the whole trajectory's energy goes, the total printed on each bar."""
    totals = {name: study.run.totals(name).energy for name in study.machine_names}
    unit, per_unit = energy_unit(max(energy.total_pj for energy in totals.values()))
    parts = (
        ("MAC", "mac_pj"),
        ("PE forwards", "forward_pj"),
        ("Input buffer", "input_buffer_pj"),
        ("Weight buffer", "weight_buffer_pj"),
        ("Output buffer", "output_buffer_pj"),
        ("DRAM", "dram_pj"),
    )
    figure = new_figure(8.0, 4.8)
    axes = figure.add_subplot()
    names = list(totals)
    bottoms = [0.0] * len(names)
    for label, attribute in parts:
        heights = [getattr(totals[name], attribute) / per_unit for name in names]
        bars = axes.bar(names, heights, bottom=bottoms, label=label, width=0.6)
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
    axes.bar_label(bars, labels=[f"{totals[name].total_pj / per_unit:,.4g} {unit}" for name in names], padding=3)
    axes.margins(y=0.1)
    epochs = study.setup.trajectory.total_epochs
    axes.set_xlabel("Machine")
    axes.set_ylabel(f"Energy ({unit})")
    axes.set_title(
        f"{study.setup.cnn.name}: energy of the whole trajectory ({_setting(study)})\n"
        f"{epochs} epochs, one training iteration each"
    )
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    handles, labels = axes.get_legend_handles_labels()
    axes.legend(handles[::-1], labels[::-1], title="Spent on", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return figure


def energy_plot_png(study: FlexsaStudy) -> bytes:
    """`energy_figure` as PNG bytes."""
    return figure_bytes(energy_figure(study), "png")
