"""An exploration's Pareto plot as PNG or SVG bytes, and writing it to a file chosen by suffix.

Two or more objectives: the feasible designs over the first two objectives, coloured and marked by the
space's first categorical parameter (a dataflow, say) if it has one; the Pareto front enlarged with black
edges (with two objectives, joined by the step line bounding what it dominates) and labelled with the
parameters that vary along it; infeasible designs that still have values as small light-grey dots below
everything; and a constraint on a plotted metric as its bound's line ("budget 25 mm²"). One objective: a
histogram with the best design marked. Values are plotted the way a person reads them (a maximised
throughput stays positive), energies and powers in the SI unit they read best in (J, not 5G nJ); an axis is
logarithmic when its values span more than two decades.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from mapscope.errors import InputError
from mapscope.explore.summary import (
    is_maximised,
    objective_unit,
    objective_value,
    pareto_order,
    single_metric,
    with_unit,
)
from mapscope.formats.atomic_file import write_bytes_atomically
from mapscope.report.figures import figure_bytes, new_figure, scaled_unit
from mapscope.report.plot_labels import design_labels, place_labels

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from mapscope.explore.exploration import ExplorationResult
    from mapscope.explore.space import DesignSpace
    from mapscope.formats.results.store import DesignRecord
    from mapscope.optimization.objectives import Objective

PLOT_FORMATS = ("png", "svg")
#: Beyond this many infeasible (or feasible) points their scatter is an image inside an SVG (the file stays small).
RASTERISE_ABOVE = 2000
#: An axis spanning more than this ratio of largest to smallest (positive) value is logarithmic.
LOG_SCALE_RATIO = 100.0
#: One marker per category of the colouring parameter (colours are matplotlib's cycle C0, C1, ...).
CATEGORY_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: Style of the feasible designs when the space has no categorical parameter.
PLAIN_STYLE = ("0.4", "o")
#: Front points are labelled only up to this many distinct points (beyond, labels would cover the plot).
LABELLED_FRONT_POINTS = 12


def _use_log_scale(values: list[float]) -> bool:
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) > LOG_SCALE_RATIO


def _scale(axes: Axes, which: str, values: list[float]) -> None:
    """Axis `which` ("x" or "y"): log for values spanning decades; large linear counts ticked as 200M, not 2 x 1e8."""
    from matplotlib.ticker import EngFormatter

    axis = axes.xaxis if which == "x" else axes.yaxis
    if _use_log_scale(values):
        axes.set_xscale("log") if which == "x" else axes.set_yscale("log")
    elif max((abs(v) for v in values if math.isfinite(v)), default=0.0) >= 1e4:
        axis.set_major_formatter(EngFormatter(sep=""))


def _axis_unit(objective: Objective, values: list[float]) -> tuple[float, str, str]:
    """The factor values are plotted at, their unit, and the axis label: "energy (J)", "throughput (MACs/cycle, maximised)"."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    factor, unit = scaled_unit(max(finite, default=0.0), objective_unit(objective))
    notes = [note for note in (unit, "maximised" if is_maximised(objective) else "") if note]
    return factor, unit, f"{objective.name} ({', '.join(notes)})" if notes else objective.name


def _counts(result: ExplorationResult) -> str:
    return f"{len(result.records):,} designs, {len(result.feasible):,} feasible, {len(result.front):,} on the Pareto front"


def category_parameter(space: DesignSpace) -> str | None:
    """The parameter feasible designs are coloured by: the first whose candidates are 2 to len(CATEGORY_MARKERS)
    names (strings or booleans, such as a dataflow), or None when the space has none."""
    for name, values in space.parameters:
        if 2 <= len(values) <= len(CATEGORY_MARKERS) and all(isinstance(v, (str, bool)) for v in values):
            return name
    return None


def _infeasible(axes: Axes, points: list[tuple[float, float]]) -> None:
    """Infeasible designs that have values: small light-grey dots under everything else, counted in the legend."""
    if points:
        axes.scatter(
            [x for x, _ in points], [y for _, y in points], s=4, color="0.8", linewidths=0,
            label=f"infeasible ({len(points):,})", rasterized=len(points) > RASTERISE_ABOVE, zorder=1,
        )


def _feasible(
    axes: Axes, space: DesignSpace, records: Sequence[DesignRecord], indices: list[int], points: dict[int, tuple[float, float]]
) -> dict[int, tuple[str, str]]:
    """Feasible designs, coloured and marked by the category parameter if the space has one (counts in the
    legend); returns each one's (colour, marker), for the front to reuse."""
    category = category_parameter(space)
    groups: dict[object, list[int]] = {"": indices}
    if category is not None:
        values = next(candidates for name, candidates in space.parameters if name == category)
        groups = {value: [i for i in indices if records[i].parameters.get(category) == value] for value in values}
    styles: dict[int, tuple[str, str]] = {}
    for number, (value, members) in enumerate(groups.items()):
        color, marker = PLAIN_STYLE if category is None else (f"C{number}", CATEGORY_MARKERS[number])
        label = f"feasible ({len(members):,})" if category is None else f"{category} = {value} ({len(members):,})"
        styles.update((i, (color, marker)) for i in members)
        axes.scatter(
            [points[i][0] for i in members], [points[i][1] for i in members], s=12, color=color, marker=marker,
            alpha=0.5, linewidths=0, label=label, rasterized=len(indices) > RASTERISE_ABOVE, zorder=2,
        )
    return styles


def _front(
    axes: Axes, result: ExplorationResult, points: dict[int, tuple[float, float]], styles: dict[int, tuple[str, str]]
) -> Artist:
    """The Pareto front: its designs enlarged with black edges in their category's style, joined by the step
    line bounding what they dominate when there are two objectives; returns its legend entry."""
    from matplotlib.lines import Line2D

    front = [i for i in pareto_order(result) if i in points]
    objectives = len(result.space.objectives)
    if objectives == 2 and front:
        axes.step([points[i][0] for i in front], [points[i][1] for i in front], where="post", color="black", linewidth=1.5, zorder=3)
    for style in sorted({styles.get(i, PLAIN_STYLE) for i in front}):
        members = [i for i in front if styles.get(i, PLAIN_STYLE) == style]
        axes.scatter(
            [points[i][0] for i in members], [points[i][1] for i in members], s=70, color=style[0], marker=style[1],
            edgecolors="black", linewidths=1.3, zorder=4,
        )
    over = "" if objectives == 2 else f" over {objectives} objectives"
    return Line2D(
        [], [], color="black", linewidth=1.2, linestyle="-" if objectives == 2 else "none", marker="o", markersize=7,
        markerfacecolor="white", markeredgecolor="black", label=f"Pareto front{over} ({len(result.front):,})",
    )


def _bound_lines(axes: Axes, result: ExplorationResult, plotted: tuple[tuple[Objective, float, str], ...]) -> None:
    """Each constraint on the metric of a plotted objective (the x axis's, then the y axis's) as a dashed line at
    its bound, e.g. "budget 25 mm²"."""
    for constraint in result.space.constraints:
        for which, (objective, factor, unit) in zip("xy"[: len(plotted)], plotted, strict=True):
            if single_metric(objective) != constraint.metric:
                continue
            for bound, word in ((constraint.maximum, "budget"), (constraint.minimum, "minimum")):
                if bound is None:
                    continue
                value = bound * factor
                text = f"{word} {with_unit(value, unit)}"
                style = {"color": "tab:red", "linestyle": "--", "linewidth": 1.3, "zorder": 3.5, "label": text}
                note = {"textcoords": "offset points", "color": "tab:red", "fontsize": 8}
                if which == "x":
                    axes.axvline(value, **style)
                    axes.annotate(text, (value, 1.0), xycoords=axes.get_xaxis_transform(), xytext=(3, -3), ha="left", va="top", **note)
                else:
                    axes.axhline(value, **style)
                    axes.annotate(text, (1.0, value), xycoords=axes.get_yaxis_transform(), xytext=(-3, 3), ha="right", va="bottom", **note)


def _scatter_plot(axes: Axes, result: ExplorationResult) -> dict[int, tuple[float, float]]:
    """Infeasible, feasible and front designs over the first two objectives and the bounds on them; returns
    each plotted design's point (in the axes' units)."""
    first, second = result.space.objectives[:2]
    records = list(result.records)  # built once: a RecordView builds a record on each access
    raw = {i: (objective_value(first, r), objective_value(second, r)) for i, r in enumerate(records)}
    finite = {i: point for i, point in raw.items() if all(math.isfinite(v) for v in point)}
    x_factor, x_unit, x_label = _axis_unit(first, [x for x, _ in finite.values()])
    y_factor, y_unit, y_label = _axis_unit(second, [y for _, y in finite.values()])
    points = {i: (x * x_factor, y * y_factor) for i, (x, y) in finite.items()}
    feasible = [i for i in points if records[i].feasible]
    _infeasible(axes, [points[i] for i in points if not records[i].feasible])
    styles = _feasible(axes, result.space, records, feasible, points)
    front_entry = _front(axes, result, points, styles)
    _bound_lines(axes, result, ((first, x_factor, x_unit), (second, y_factor, y_unit)))
    _scale(axes, "x", [x for x, _ in points.values()])
    _scale(axes, "y", [y for _, y in points.values()])
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    objectives = len(result.space.objectives)
    over = "" if objectives == 2 else f"\nfront over all {objectives} objectives, shown on the first two"
    axes.set_title(f"{result.space.name}: {_counts(result)}{over}")
    handles, labels = axes.get_legend_handles_labels()
    legend = axes.legend([*handles, front_entry], [*labels, front_entry.get_label()], loc="best", fontsize=8)
    for handle in legend.legend_handles:  # faint markers in the plot, readable ones in the legend
        if handle is not None:
            handle.set_alpha(1.0)
    return points


def _histogram(axes: Axes, result: ExplorationResult) -> None:
    """How the one objective is distributed over the feasible designs, with the best marked."""
    import numpy as np

    (objective,) = result.space.objectives
    raw = [v for r in result.records if r.feasible and math.isfinite(v := objective_value(objective, r))]
    factor, unit, label = _axis_unit(objective, raw)
    values = [v * factor for v in raw]
    log = _use_log_scale(values)
    if values:
        bins: int | list[float] = np.geomspace(min(values), max(values), 41).tolist() if log else 40
        axes.hist(values, bins=bins, color="0.6", edgecolor="0.4", linewidth=0.3, label=f"feasible ({len(values):,})")
    _scale(axes, "x", values)
    best = result.best(1)
    if best:
        value = objective_value(objective, result.records[best[0]])
        axes.axvline(value * factor, color="tab:blue", linewidth=2, label=f"best: {with_unit(value * factor, unit)}")
    _bound_lines(axes, result, ((objective, factor, unit),))
    axes.set_xlabel(label)
    axes.set_ylabel("Designs")
    axes.set_title(f"{result.space.name}: {_counts(result)}")
    axes.legend(loc="best")


def pareto_figure(result: ExplorationResult) -> Figure:
    """The Pareto plot (or, for one objective, the histogram) as a matplotlib Figure."""
    figure = new_figure(8.0, 5.6)
    axes = figure.add_subplot()
    if len(result.space.objectives) == 1:
        _histogram(axes, result)
    else:
        points = _scatter_plot(axes, result)
    axes.grid(alpha=0.3)
    axes.set_axisbelow(True)
    if len(result.space.objectives) > 1:
        front = [i for i in pareto_order(result) if i in points]
        labelled = design_labels([result.records[i].parameters for i in front], [points[i] for i in front])
        if len(labelled) <= LABELLED_FRONT_POINTS:
            place_labels(axes, labelled)
    return figure


def pareto_plot_bytes(result: ExplorationResult, file_format: str) -> bytes:
    """The Pareto plot (or, for one objective, the histogram) as `file_format` ("png" or "svg") bytes."""
    if file_format not in PLOT_FORMATS:
        raise InputError(f"unknown plot format {file_format!r}: use one of {', '.join(PLOT_FORMATS)}")
    return figure_bytes(pareto_figure(result), file_format)


def write_pareto_plot(result: ExplorationResult, path: str | os.PathLike[str]) -> None:
    """Write the Pareto plot to `path` as PNG or SVG, by its suffix, atomically; any other suffix is an InputError."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        supported = ", ".join(f".{name}" for name in PLOT_FORMATS)
        raise InputError(f"cannot tell the plot format from suffix {Path(path).suffix!r}: use one of {supported}", os.fspath(path))
    write_bytes_atomically(path, pareto_plot_bytes(result, suffix))
