"""An exploration's Pareto plot as PNG or SVG bytes, and writing it to a file chosen by suffix.

Two or more objectives: every feasible design as a small grey dot over the first two objectives, the
Pareto front highlighted (with two objectives, as the step line bounding what it dominates), and
infeasible designs that still have values as faint crosses. One objective: a histogram with the best
design marked. Values are plotted the way a person reads them (a maximised throughput stays positive);
an axis is logarithmic when its values span more than two decades.

matplotlib is imported only when a figure is drawn, and only its object API with the Agg canvas is used.
SVG output is made deterministic (no date, fixed id salt), so the same result gives the same bytes.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_bytes_atomically
from mapscope.explore.summary import (
    objective_label,
    objective_unit,
    objective_value,
    pareto_order,
    with_unit,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from mapscope.explore.exploration import ExplorationResult

PLOT_FORMATS = ("png", "svg")
#: Beyond this many points a scatter is drawn as an image inside an SVG (a vector file stays small).
RASTERISE_ABOVE = 2000
#: An axis spanning more than this ratio of largest to smallest (positive) value is logarithmic.
LOG_SCALE_RATIO = 100.0
#: Salt for the ids matplotlib writes into SVG files; fixed so the bytes do not change between runs.
SVG_ID_SALT = "mapscope-explore"


def _new_figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.0, 5.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _figure_bytes(figure: Figure, file_format: str) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    if file_format == "svg":
        with matplotlib.rc_context({"svg.hashsalt": SVG_ID_SALT}):
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    else:
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _use_log_scale(values: list[float]) -> bool:
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) > LOG_SCALE_RATIO


def _scale(axes: Axes, which: str, values: list[float]) -> None:
    """Axis `which` ("x" or "y"): log for values spanning decades; large linear values ticked as 200M, not 2 x 1e8."""
    from matplotlib.ticker import EngFormatter

    axis = axes.xaxis if which == "x" else axes.yaxis
    if _use_log_scale(values):
        axes.set_xscale("log") if which == "x" else axes.set_yscale("log")
    elif values and max(abs(v) for v in values) >= 1e4:
        axis.set_major_formatter(EngFormatter(sep=""))


def _counts(result: ExplorationResult) -> str:
    return f"{len(result.records):,} designs, {len(result.feasible):,} feasible, {len(result.front):,} on the Pareto front"


def _scatter_plot(axes: Axes, result: ExplorationResult) -> None:
    """Feasible designs, the front and the evaluable infeasible designs over the first two objectives."""
    first, second = result.space.objectives[:2]
    feasible = [i for i, r in enumerate(result.records) if r.feasible]
    front = pareto_order(result)
    points = {i: (objective_value(first, result.records[i]), objective_value(second, result.records[i])) for i in range(len(result.records))}
    infeasible = [
        i for i, r in enumerate(result.records) if not r.feasible and all(math.isfinite(v) for v in points[i])
    ]
    plotted = [points[i] for i in feasible + infeasible]
    if infeasible:
        axes.scatter(
            [points[i][0] for i in infeasible], [points[i][1] for i in infeasible], s=10, marker="x", linewidths=0.6,
            color="tab:red", alpha=0.12, label=f"infeasible ({len(infeasible):,})",
            rasterized=len(infeasible) > RASTERISE_ABOVE, zorder=1,
        )
    on_front = set(front)
    others = [i for i in feasible if i not in on_front and all(math.isfinite(v) for v in points[i])]
    axes.scatter(
        [points[i][0] for i in others], [points[i][1] for i in others], s=10, color="0.4", alpha=0.7, linewidths=0,
        label=f"feasible ({len(feasible):,})", rasterized=len(others) > RASTERISE_ABOVE, zorder=2,
    )
    front_x, front_y = [points[i][0] for i in front], [points[i][1] for i in front]
    objectives = len(result.space.objectives)
    if objectives == 2 and front:
        axes.step(front_x, front_y, where="post", color="tab:blue", linewidth=1.5, zorder=3)
    axes.scatter(
        front_x, front_y, s=30, color="tab:blue", edgecolors="black", linewidths=0.5, zorder=4,
        label=f"Pareto front ({len(front):,})" if objectives == 2 else f"Pareto front over {objectives} objectives ({len(front):,})",
    )
    _scale(axes, "x", [x for x, _ in plotted])
    _scale(axes, "y", [y for _, y in plotted])
    axes.set_xlabel(objective_label(first))
    axes.set_ylabel(objective_label(second))
    over = "" if objectives == 2 else f"\nfront over all {objectives} objectives, shown on the first two"
    axes.set_title(f"{result.space.name}: {_counts(result)}{over}")
    legend = axes.legend(loc="best")
    for handle in legend.legend_handles:  # faint markers in the plot, readable ones in the legend
        if handle is not None:
            handle.set_alpha(1.0)


def _histogram(axes: Axes, result: ExplorationResult) -> None:
    """How the one objective is distributed over the feasible designs, with the best marked."""
    import numpy as np

    (objective,) = result.space.objectives
    values = [v for r in result.records if r.feasible and math.isfinite(v := objective_value(objective, r))]
    log = _use_log_scale(values)
    if values:
        bins: int | list[float] = np.geomspace(min(values), max(values), 41).tolist() if log else 40
        axes.hist(values, bins=bins, color="0.6", edgecolor="0.4", linewidth=0.3, label=f"feasible ({len(values):,})")
    _scale(axes, "x", values)
    best = result.best(1)
    if best:
        value = objective_value(objective, result.records[best[0]])
        axes.axvline(value, color="tab:blue", linewidth=2, label=f"best: {with_unit(value, objective_unit(objective))}")
    axes.set_xlabel(objective_label(objective))
    axes.set_ylabel("Designs")
    axes.set_title(f"{result.space.name}: {_counts(result)}")
    axes.legend(loc="best")


def pareto_plot_bytes(result: ExplorationResult, file_format: str) -> bytes:
    """The Pareto plot (or, for one objective, the histogram) as `file_format` ("png" or "svg") bytes."""
    if file_format not in PLOT_FORMATS:
        raise InputError(f"unknown plot format {file_format!r}: use one of {', '.join(PLOT_FORMATS)}")
    figure = _new_figure()
    axes = figure.add_subplot()
    if len(result.space.objectives) == 1:
        _histogram(axes, result)
    else:
        _scatter_plot(axes, result)
    axes.grid(alpha=0.3)
    axes.set_axisbelow(True)
    return _figure_bytes(figure, file_format)


def write_pareto_plot(result: ExplorationResult, path: str | os.PathLike[str]) -> None:
    """Write the Pareto plot to `path` as PNG or SVG, by its suffix, atomically; any other suffix is an InputError."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        supported = ", ".join(f".{name}" for name in PLOT_FORMATS)
        raise InputError(f"cannot tell the plot format from suffix {Path(path).suffix!r}: use one of {supported}", os.fspath(path))
    write_bytes_atomically(path, pareto_plot_bytes(result, suffix))
