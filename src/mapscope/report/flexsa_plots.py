"""The FlexSA study's two figures as PNG bytes: utilisation over training and the energy breakdown.

matplotlib is imported only when a figure is drawn, and only its object API with the Agg canvas is used,
so no global backend or pyplot state is touched.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from mapscope.systolic.flexsa_study import FlexsaStudy, energy_unit

if TYPE_CHECKING:
    from matplotlib.figure import Figure

UTILIZATION_PLOT = "utilization_over_training.png"
ENERGY_PLOT = "energy_breakdown.png"

#: Colour, line style, width and drawing order per machine; split is dashed on top of flexsa, as they often coincide.
MACHINE_STYLES: dict[str, tuple[str, str, float, int]] = {
    "large": ("tab:red", "-", 2.0, 2),
    "split": ("tab:blue", "--", 2.0, 3),
    "flexsa": ("tab:green", "-", 3.5, 1),
}


def _new_figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.0, 4.8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _setting(study: FlexsaStudy) -> str:
    size = study.setup.settings.array
    return f"{size}x{size} arrays, batch {study.setup.batch}"


def utilization_plot_png(study: FlexsaStudy) -> bytes:
    """PE utilisation against epoch, one step line per machine (each entry holds until the next)."""
    figure = _new_figure()
    axes = figure.add_subplot()
    total_epochs = study.setup.trajectory.total_epochs
    for name in study.machine_names:
        points = study.per_epoch(name)
        epochs = [point["epoch"] for point in points] + [total_epochs]
        percent = [100 * point["utilization"] for point in points]
        color, style, width, order = MACHINE_STYLES.get(name, ("black", "-", 2.0, 2))
        axes.step(
            epochs, [*percent, percent[-1]], where="post", label=name,
            color=color, linestyle=style, linewidth=width, zorder=order,
        )
    axes.set_xlim(0, total_epochs)
    axes.set_ylim(bottom=0)
    axes.set_xlabel("Training epoch")
    axes.set_ylabel("PE utilisation (%)")
    axes.set_title(f"{study.setup.cnn.name}: utilisation over pruned training ({_setting(study)})")
    axes.grid(alpha=0.3)
    axes.legend(title="Machine")
    return _png(figure)


def energy_plot_png(study: FlexsaStudy) -> bytes:
    """Stacked bars, one per machine: where the whole trajectory's energy goes."""
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
    figure = _new_figure()
    axes = figure.add_subplot()
    names = list(totals)
    bottoms = [0.0] * len(names)
    for label, attribute in parts:
        heights = [getattr(totals[name], attribute) / per_unit for name in names]
        axes.bar(names, heights, bottom=bottoms, label=label, width=0.6)
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
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
    return _png(figure)
