"""The HTML report of a design-space exploration (`mapscope explore --html`, or `mapscope report` on its
JSON summary): the Pareto front with every design shown (hover names the design), each constraint's metric
against its limit, the best designs, and how each parameter moves each objective (small multiples).

Built from the summary document (`explore.summary.summary_document`); the command's report lists every
feasible design among its `best`, a `--json` summary its top ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mapscope.explore.summary import readable_number
from mapscope.report.html_page import Chart, ReportPage, Section, Table, new_figure, rounded, rounded_list

#: A constraint as the summary writes it: "metric <= limit" or "metric >= limit".
_CONSTRAINT = re.compile(r"^(?P<metric>[A-Za-z_][A-Za-z0-9_]*) (?P<op><=|>=) (?P<limit>[-+0-9.eE]+)$")
#: Designs listed in the table of best designs.
TABLE_DESIGNS = 20


def is_exploration_document(document: Mapping[str, Any]) -> bool:
    """True for the JSON summary of `mapscope explore`: a space, counts, best designs and a Pareto front."""
    return {"space", "counts", "best", "pareto_front"} <= document.keys()


def _designs(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every design the document holds (best ones and the front), each once, in the document's order."""
    seen: set[str] = set()
    designs = []
    for design in [*document["best"], *document["pareto_front"]]:
        key = repr(sorted(design["parameters"].items()))
        if key not in seen:
            seen.add(key)
            designs.append(design)
    return designs


def _hover(design: Mapping[str, Any]) -> str:
    return "<br>".join(f"{name} = {value}" for name, value in sorted(design["parameters"].items()))


def _pareto_chart(designs: Sequence[Mapping[str, Any]], objectives: Sequence[str]) -> Chart:
    """The first two objectives of every design, the front drawn as a line (one objective: value by rank)."""
    import plotly.graph_objects as go

    front = sorted((d for d in designs if d["on_pareto_front"]), key=lambda d: [d["objectives"][o] for o in objectives])
    if len(objectives) >= 2:
        x_name, y_name = objectives[0], objectives[1]
        figure = new_figure("Pareto front", x_name, y_name)
        x_of = {id(d): d["objectives"][x_name] for d in designs}
    else:
        x_name, y_name = "rank", objectives[0]
        figure = new_figure("Best designs", "rank", y_name)
        x_of = {id(d): rank for rank, d in enumerate(sorted(designs, key=lambda d: d["objectives"][y_name]), start=1)}
    for name, group, style in (
        ("designs", [d for d in designs if not d["on_pareto_front"]], {"color": "lightslategray", "size": 7}),
        ("Pareto front", front, {"color": "crimson", "size": 9}),
    ):
        figure.add_trace(
            go.Scatter(
                x=rounded_list(x_of[id(d)] for d in group),
                y=rounded_list(d["objectives"][y_name] for d in group),
                mode="lines+markers" if name == "Pareto front" else "markers",
                name=name,
                marker=style,
                text=[_hover(d) for d in group],
                hovertemplate=f"%{{text}}<br>{x_name} %{{x}}<br>{y_name} %{{y}}<extra></extra>",
            )
        )
    return Chart("pareto", "Pareto front", figure)


def _constraint_chart(index: int, text: str, designs: Sequence[Mapping[str, Any]], objective: str) -> Chart | None:
    """A constraint's metric against the first objective for every design, with its limit drawn."""
    import plotly.graph_objects as go

    match = _CONSTRAINT.match(text)
    if match is None or not designs or match["metric"] not in designs[0]["metrics"]:
        return None
    metric, limit = match["metric"], float(match["limit"])
    figure = new_figure(f"Constraint {text}", objective, metric)
    xs = rounded_list(d["objectives"][objective] for d in designs)
    figure.add_trace(go.Scatter(x=xs, y=rounded_list(d["metrics"][metric] for d in designs), mode="markers", name="designs", text=[_hover(d) for d in designs], hovertemplate="%{text}<br>%{x}, %{y}<extra></extra>"))
    finite = [x for x in xs if x is not None]
    if finite:
        figure.add_trace(go.Scatter(x=[min(finite), max(finite)], y=[limit, limit], mode="lines", name=f"limit {text}", line={"color": "firebrick", "dash": "dash"}))
    return Chart(f"constraint-{index}", f"Constraint {text}", figure)


def _parameter_chart(designs: Sequence[Mapping[str, Any]], parameters: Sequence[str], objectives: Sequence[str]) -> Chart:
    """Small multiples: one panel per (objective, parameter), each design a point."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=len(objectives), cols=len(parameters), shared_yaxes=True, column_titles=list(parameters), row_titles=list(objectives), horizontal_spacing=0.03, vertical_spacing=0.08)
    for row, objective in enumerate(objectives, start=1):
        for col, parameter in enumerate(parameters, start=1):
            figure.add_trace(
                go.Scatter(
                    x=[rounded(d["parameters"].get(parameter)) for d in designs],
                    y=rounded_list(d["objectives"][objective] for d in designs),
                    mode="markers",
                    marker={"color": ["crimson" if d["on_pareto_front"] else "lightslategray" for d in designs], "size": 6},
                    showlegend=False,
                    text=[_hover(d) for d in designs],
                    hovertemplate="%{text}<br>" + objective + " %{y}<extra></extra>",
                ),
                row=row,
                col=col,
            )
    figure.update_layout(title="How each parameter moves the objectives (Pareto front in red)", template="none", plot_bgcolor="white", height=260 * len(objectives) + 80, margin={"l": 60, "r": 40, "t": 80, "b": 40})
    return Chart("parameters", "How each parameter moves the objectives", figure)


def exploration_page(document: Mapping[str, Any]) -> ReportPage:
    """The report page of one exploration summary."""
    space, counts = document["space"], document["counts"]
    objectives = list(space["objectives"])
    designs = _designs(document)
    parameters = sorted({name for d in designs for name in d["parameters"]})
    best = document["best"][:TABLE_DESIGNS]
    table = Table(
        "best",
        f"Best designs (top {len(best)})",
        ("rank", *parameters, *objectives, "on Pareto front"),
        tuple((rank, *(rounded(d["parameters"].get(p)) for p in parameters), *(rounded(d["objectives"][o]) for o in objectives), d["on_pareto_front"]) for rank, d in enumerate(best, start=1)),
    )
    constraints = tuple(chart for index, text in enumerate(space["constraints"]) if (chart := _constraint_chart(index, text, designs, objectives[0])) is not None)
    reasons = document.get("infeasible_reasons", {})
    return ReportPage(
        title=f"{space['name']}: design-space exploration",
        kind="explore",
        facts=(
            ("space", f"{space['name']} ({space['engine']} engine, fingerprint {space['fingerprint']})"),
            ("objectives", ", ".join(objectives)),
            ("constraints", ", ".join(space["constraints"]) or "none"),
            ("designs", f"{readable_number(counts['designs'])} evaluated, {readable_number(counts['feasible'])} feasible, {readable_number(counts['pareto_front'])} on the Pareto front"),
            ("shown", f"{readable_number(len(designs))} designs"),
        ),
        sections=(
            Section("Pareto front", (_pareto_chart(designs, objectives), *constraints)),
            Section("Designs", (table,)),
            Section("Parameters", (_parameter_chart(designs, parameters, objectives),) if parameters else ()),
        ),
        warnings=tuple(f"{count} infeasible: {reason}" for reason, count in reasons.items()),
    )
