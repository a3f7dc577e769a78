"""The HTML report's page model and its rendering: charts (Plotly figures), tables and facts, laid out by
one Jinja2 template with plotly.js inlined once, so a report is one self-contained, deterministic file.

The libraries are the optional `mapscope[report]` extra, imported only when a page is rendered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from mapscope.errors import InputError

#: Plotly's options for every chart: no logo, the size of its container.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
#: Significant digits kept of the numbers put in charts: a smaller file, and the same bytes on every platform.
CHART_DIGITS = 6


@dataclass(frozen=True)
class Chart:
    """One interactive chart: a Plotly figure (an object with `to_html`) under a stable element id."""

    chart_id: str
    title: str
    figure: Any


@dataclass(frozen=True)
class Table:
    """One sortable, filterable table: column headers and rows of cells (numbers sort as numbers)."""

    table_id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Section:
    """A heading with its charts and tables, in the order given."""

    title: str
    items: tuple[Chart | Table, ...]


@dataclass(frozen=True)
class ReportPage:
    """Everything one report shows: title, kind, facts (label and text), sections and warnings."""

    title: str
    kind: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(item for section in self.sections for item in section.items if isinstance(item, Chart))


def report_libraries_missing(option: str) -> InputError | None:
    """An InputError naming the extra to install when Plotly or Jinja2 is missing, else None."""
    try:
        import jinja2  # noqa: F401
        import plotly  # noqa: F401
    except ImportError as error:
        return InputError(f"the HTML report needs {error.name}: install mapscope[report]", option)
    return None


def require_report_libraries(option: str = "--html") -> None:
    """Raise the InputError of `report_libraries_missing` (called before any work by the commands)."""
    error = report_libraries_missing(option)
    if error is not None:
        raise error


def rounded(value: Any) -> Any:
    """`value` with CHART_DIGITS significant digits (None for NaN/inf): what charts carry."""
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    if not math.isfinite(value):
        return None
    return float(f"{value:.{CHART_DIGITS}g}")


def rounded_list(values: Any) -> list[Any]:
    """Each value `rounded`."""
    return [rounded(value) for value in values]


def new_figure(title: str, x_title: str, y_title: str, **layout: Any) -> Any:
    """An empty Plotly figure with the report's look: title, axis titles, white background, compact margins."""
    import plotly.graph_objects as go

    figure = go.Figure()
    figure.update_layout(
        title={"text": title, "x": 0.01},
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="none",  # a named template would be copied into every chart: the look is set here once
        plot_bgcolor="white",
        xaxis={"gridcolor": "#eee", "automargin": True},
        yaxis={"gridcolor": "#eee", "automargin": True},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        height=380,
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},  # clear of long tick labels
        **layout,
    )
    return figure


def cell_text(value: Any) -> str:
    """A table cell as text: integers with separators, floats with four significant digits."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:.4g}"
    return str(value)


def _chart_html(chart: Chart) -> str:
    html: str = chart.figure.to_html(full_html=False, include_plotlyjs=False, div_id=chart.chart_id, config=PLOTLY_CONFIG)
    return html


def render_page(page: ReportPage) -> str:
    """The page as one HTML document: plotly.js inlined once, every chart and table, no timestamp."""
    import jinja2
    from plotly.offline import get_plotlyjs

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mapscope.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template("report.html")
    sections = [
        {
            "title": section.title,
            "items": [
                {"kind": "chart", "id": item.chart_id, "html": _chart_html(item)}
                if isinstance(item, Chart)
                else {
                    "kind": "table",
                    "id": item.table_id,
                    "title": item.title,
                    "columns": item.columns,
                    "rows": [[(cell_text(value), _sort_key(value)) for value in row] for row in item.rows],
                }
                for item in section.items
            ],
        }
        for section in page.sections
    ]
    return template.render(page=page, sections=sections, plotly_js=get_plotlyjs())


def _sort_key(value: Any) -> str:
    """What a cell sorts by: its number (as text the sorting script parses), or its text."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, int | float):
        return repr(float(value)) if math.isfinite(value) else ""
    return str(value)
