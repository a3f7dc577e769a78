"""The exploration's static plot, read back from its matplotlib Figure: what is drawn, in which style, with
which labels (infeasible designs de-emphasised, categories coloured, energies in J, budget lines, front labels)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text

from mapscope.explore.evaluation import objective_matrix
from mapscope.explore.exploration import ExplorationResult
from mapscope.explore.space import DesignSpace
from mapscope.formats.results.store import DesignRecord, ParameterValue, design_key
from mapscope.optimization.objectives import Constraint, Objective
from mapscope.optimization.pareto import pareto_mask
from mapscope.report.explore_plots import LABELLED_FRONT_POINTS, category_parameter, pareto_figure
from mapscope.report.plot_labels import design_labels, short_names

RUNTIME = Objective("runtime", (("runtime_cycles", 1.0),))
ENERGY = Objective("energy", (("energy_nj", 1.0),))
AREA = Objective("area", (("area_mm2", 1.0),))
DATAFLOWS = ("os", "ws", "is")
ROWS = (8, 16, 32, 64, 128)


def systolic_design(rows: int, dataflow: str, budget_mm2: float = 25.0) -> DesignRecord:
    """A made-up systolic design: bigger arrays are faster, larger and (here) cost more energy, in nJ near 1e9."""
    skew = DATAFLOWS.index(dataflow)
    parameters: dict[str, ParameterValue] = {"rows": rows, "dataflow": dataflow}
    area = rows * (1.0 + 0.1 * skew) / 2
    metrics = {"runtime_cycles": 1e9 / rows * (1 + 0.3 * skew), "energy_nj": 1e9 * (1 + rows / 40 + 0.5 * skew), "area_mm2": area}
    feasible = area <= budget_mm2
    violation = None if feasible else f"area_mm2 <= {budget_mm2:g} (is {area:.3g})"
    return DesignRecord(design_key(parameters), parameters, metrics, feasible, violation)


def built(
    records: list[DesignRecord],
    objectives: tuple[Objective, ...],
    parameters: tuple[tuple[str, tuple[ParameterValue, ...]], ...] = (("rows", ROWS), ("dataflow", DATAFLOWS)),
    constraints: tuple[Constraint, ...] = (Constraint("area_mm2", maximum=25.0),),
) -> ExplorationResult:
    space = DesignSpace(
        name="toy", engine="systolic", workload=None, parameters=parameters, mapping_parameters=(),
        constraints=constraints, buffers_fit=False, objectives=objectives, fingerprint="0123456789abcdef",
    )
    matrix = objective_matrix(space, records)
    return ExplorationResult(space, tuple(records), matrix, tuple(int(i) for i in np.flatnonzero(pareto_mask(matrix))), from_store=0)


SYSTOLIC = [systolic_design(rows, dataflow) for rows, dataflow in itertools.product(ROWS, DATAFLOWS)]


def drawn(result: ExplorationResult) -> tuple[Figure, Axes]:
    figure = pareto_figure(result)
    figure.canvas.draw()
    return figure, figure.axes[0]


def scatter(axes: Axes, label_start: str) -> PathCollection:
    (found,) = [c for c in axes.collections if isinstance(c, PathCollection) and c.get_label().startswith(label_start)]
    return found


def test_energy_in_nj_is_ticked_in_joules_without_an_si_suffix() -> None:
    _, axes = drawn(built(SYSTOLIC, (RUNTIME, ENERGY)))
    assert axes.get_ylabel() == "energy (J)"
    ticks = [label.get_text() for label in axes.get_yticklabels() if label.get_text()]
    assert ticks and not any(suffix in tick for tick in ticks for suffix in "GMk")
    highest = max(float(np.max(c.get_offsets()[:, 1])) for c in axes.collections if len(c.get_offsets()))
    assert highest == pytest.approx(max(r.metrics["energy_nj"] for r in SYSTOLIC) / 1e9)


def test_infeasible_designs_are_small_light_grey_drawn_below_and_counted() -> None:
    _, axes = drawn(built(SYSTOLIC, (RUNTIME, ENERGY)))
    infeasible = [r for r in SYSTOLIC if not r.feasible]
    assert infeasible
    dots = scatter(axes, "infeasible")
    assert dots.get_label() == f"infeasible ({len(infeasible)})"
    assert len(dots.get_offsets()) == len(infeasible)
    red, green, blue, _ = dots.get_facecolor()[0]
    assert red == green == blue and red > 0.7  # light grey
    assert dots.get_sizes()[0] < min(c.get_sizes()[0] for c in axes.collections if c is not dots)
    assert dots.get_zorder() < min(c.get_zorder() for c in axes.collections if c is not dots)


def test_feasible_designs_are_coloured_and_marked_by_the_categorical_parameter() -> None:
    _, axes = drawn(built(SYSTOLIC, (RUNTIME, ENERGY)))
    groups = [scatter(axes, f"dataflow = {dataflow} ") for dataflow in DATAFLOWS]
    for dataflow, group in zip(DATAFLOWS, groups, strict=True):
        count = sum(1 for r in SYSTOLIC if r.feasible and r.parameters["dataflow"] == dataflow)
        assert group.get_label() == f"dataflow = {dataflow} ({count})"
    assert len({tuple(group.get_facecolor()[0]) for group in groups}) == 3
    assert len({group.get_paths()[0].vertices.tobytes() for group in groups}) == 3  # three marker shapes
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend[-1].startswith("Pareto front (")


def test_without_a_categorical_parameter_feasible_designs_are_one_grey_group() -> None:
    numeric = [r for r in SYSTOLIC if r.parameters["dataflow"] == "os"]
    _, axes = drawn(built(numeric, (RUNTIME, ENERGY), parameters=(("rows", ROWS),)))
    feasible = sum(r.feasible for r in numeric)
    assert scatter(axes, "feasible").get_label() == f"feasible ({feasible})"
    assert not [c for c in axes.collections if c.get_label().startswith("rows")]


@pytest.mark.parametrize(
    ("parameters", "chosen"),
    [
        ((("rows", ROWS), ("dataflow", DATAFLOWS)), "dataflow"),
        ((("bypass", (True, False)), ("dataflow", DATAFLOWS)), "bypass"),  # the first categorical one
        ((("rows", ROWS), ("cluster", (16, 32))), None),  # numbers are not categories
        ((("dataflow", ("os",)),), None),  # one value tells nothing apart
        ((("name", tuple("abcdefghi")),), None),  # more categories than markers
    ],
)
def test_the_colouring_parameter_is_chosen_by_rule(parameters: tuple, chosen: str | None) -> None:
    assert category_parameter(built(SYSTOLIC[:1], (RUNTIME, ENERGY), parameters=parameters).space) == chosen


def test_a_budget_on_a_plotted_metric_is_a_labelled_line_at_its_bound() -> None:
    _, axes = drawn(built(SYSTOLIC, (RUNTIME, AREA)))
    budget = [line for line in axes.get_lines() if line.get_label() == "budget 25 mm²"]
    assert len(budget) == 1 and list(budget[0].get_ydata()) == [25, 25]
    assert "budget 25 mm²" in [text.get_text() for text in axes.texts]
    assert "budget 25 mm²" in [text.get_text() for text in axes.get_legend().get_texts()]


def test_a_minimum_on_the_x_objective_is_a_vertical_line_and_unplotted_metrics_draw_none() -> None:
    constraints = (Constraint("runtime_cycles", minimum=2e7), Constraint("power_mw", maximum=5.0))
    _, axes = drawn(built(SYSTOLIC, (RUNTIME, AREA), constraints=constraints))
    bounds = [line for line in axes.get_lines() if line.get_label().startswith(("budget", "minimum"))]
    assert [line.get_label() for line in bounds] == ["minimum 2e7 cycles"]
    assert list(bounds[0].get_xdata()) == [2e7, 2e7]


def test_budget_lines_follow_the_axis_unit_scaling() -> None:
    constraints = (Constraint("energy_nj", maximum=3e9),)
    _, axes = drawn(built(SYSTOLIC, (RUNTIME, ENERGY), constraints=constraints))
    (budget,) = [line for line in axes.get_lines() if line.get_label().startswith("budget")]
    assert budget.get_label() == "budget 3 J" and list(budget.get_ydata()) == [3, 3]


def test_front_points_are_labelled_once_each_without_overlapping() -> None:
    result = built(SYSTOLIC, (RUNTIME, AREA))
    figure, axes = drawn(result)
    notes = [text for text in axes.texts if isinstance(text, Annotation) and "=" in text.get_text()]
    distinct = {(result.records[i].metrics["runtime_cycles"], result.records[i].metrics["area_mm2"]) for i in result.front}
    assert len(notes) == len(distinct) > 1
    for note in notes:
        assert note.get_text().startswith("rows=")
    renderer = figure.canvas.get_renderer()
    boxes = [Text.get_window_extent(note, renderer) for note in notes]  # the texts, not their leader lines
    for first, second in itertools.combinations(boxes, 2):
        assert not first.overlaps(second)


def test_short_names_drop_units_and_filler_and_stay_distinct() -> None:
    names = ["num_pes", "noc_bandwidth_elems_per_cycle", "offchip_bandwidth_elems_per_cycle", "l1_size_elems", "cluster_size"]
    assert short_names(names) == {
        "num_pes": "pes", "noc_bandwidth_elems_per_cycle": "noc", "offchip_bandwidth_elems_per_cycle": "offchip",
        "l1_size_elems": "l1", "cluster_size": "cluster",
    }
    both = short_names(["noc_bandwidth_elems_per_cycle", "noc_latency_cycles"])
    assert both == {"noc_bandwidth_elems_per_cycle": "noc_bandwidth", "noc_latency_cycles": "noc_latency"}


def test_design_labels_name_what_varies_and_merge_designs_at_one_point() -> None:
    designs = [{"pes": 64, "l2": 1024, "bw": 8}, {"pes": 64, "l2": 1024, "bw": 16}, {"pes": 128, "l2": 1024, "bw": 8}]
    labels = design_labels(designs, [(1.0, 2.0), (1.0, 2.0), (0.5, 3.0)])
    assert labels == [((1.0, 2.0), "pes=64 bw=8|16"), ((0.5, 3.0), "pes=128 bw=8")]
    assert design_labels([{"pes": 64, "dataflow": "ws"}], [(1.0, 1.0)]) == [((1.0, 1.0), "pes=64 dataflow=ws")]


def test_a_front_of_more_points_than_the_label_limit_is_left_unlabelled() -> None:
    many = tuple(range(8, 8 * (LABELLED_FRONT_POINTS + 2), 8))
    result = built([systolic_design(rows, "os", budget_mm2=1e9) for rows in many], (RUNTIME, AREA), parameters=(("rows", many),))
    assert len(result.front) > LABELLED_FRONT_POINTS
    _, axes = drawn(result)
    assert not [text for text in axes.texts if "rows=" in text.get_text()]


def test_three_objectives_say_so_in_the_legend_and_a_bound_off_the_axes_draws_no_line() -> None:
    _, axes = drawn(built(SYSTOLIC, (RUNTIME, ENERGY, AREA)))
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert any(text.startswith("Pareto front over 3 objectives") for text in legend)
    assert not any(isinstance(line, Line2D) and line.get_label().startswith("budget") for line in axes.get_lines())


def test_labels_of_crowded_front_points_are_moved_apart() -> None:
    rows = (8, 16, 24, 32, 40)
    crowded = [
        DesignRecord(
            design_key({"rows": r}), {"rows": r}, {"runtime_cycles": 1e9 - r * 1e5, "area_mm2": 10.0 + r / 40, "energy_nj": 1.0}, True, None
        )
        for r in rows
    ]
    far = DesignRecord(design_key({"rows": 1}), {"rows": 1}, {"runtime_cycles": 3e9, "area_mm2": 100.0, "energy_nj": 1.0}, True, None)
    figure, axes = drawn(built([*crowded, far], (RUNTIME, AREA), parameters=(("rows", (*rows, 1)),), constraints=()))
    notes = [text for text in axes.texts if isinstance(text, Annotation) and text.get_text().startswith("rows=")]
    assert len(notes) == len(rows)
    renderer = figure.canvas.get_renderer()
    boxes = [Text.get_window_extent(note, renderer) for note in notes]  # the texts, not their leader lines
    for first, second in itertools.combinations(boxes, 2):
        assert not first.overlaps(second)


def test_a_histogram_draws_the_bound_on_its_one_objective() -> None:
    _, axes = drawn(built(SYSTOLIC, (AREA,)))
    (budget,) = [line for line in axes.get_lines() if line.get_label().startswith("budget")]
    assert budget.get_label() == "budget 25 mm²" and list(budget.get_xdata()) == [25, 25]
