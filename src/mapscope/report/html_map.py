"""The HTML report of a mapping search (`mapscope map --html`, or `mapscope report` on its JSON): totals
against the templates, each layer's runtime and energy, its gain over the best template, and a per-layer
table with the mapping found.

Built from the search's document (`mapper.network_search.NetworkMapping.document`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mapscope.explore.summary import readable_number
from mapscope.report.html_page import Chart, ReportPage, Section, Table, new_figure, rounded, rounded_list

#: The per-layer table: header and the layer entry's key.
LAYER_COLUMNS = (
    ("layer", "name"),
    ("searched as", "searched_as"),
    ("runtime (cycles)", "runtime_cycles"),
    ("energy (nJ)", "energy_nj"),
    ("objective value", "value"),
    ("best template", "best_template"),
    ("gain over it", "improvement_over_best_template"),
    ("certified optimal", "certified_optimal"),
    ("mappings evaluated", "mappings_evaluated"),
    ("mapping", "dataflow"),
)


def is_mapping_document(document: Mapping[str, Any]) -> bool:
    """True for the JSON of `mapscope map`: an objective, a strategy, per-layer mappings and totals."""
    return {"objective", "strategy", "layers", "totals"} <= document.keys()


def _layer_chart(layers: Sequence[Mapping[str, Any]], names: list[str], key: str, chart_id: str, title: str, y_title: str) -> Chart:
    import plotly.graph_objects as go

    figure = new_figure(title, "layer", y_title)
    figure.add_trace(go.Bar(x=names, y=rounded_list(layer[key] for layer in layers), name=y_title))
    return Chart(chart_id, title, figure)


def _totals_chart(totals: Mapping[str, Any], objective: str) -> Chart:
    """The network's objective with the searched mappings, the best template per layer and the best single template."""
    import plotly.graph_objects as go

    bars = [("searched mappings", totals["value"])]
    for label, key in (("best template per layer", "per_layer_best_template"), ("best single template", "best_single_template")):
        if isinstance(totals.get(key), Mapping):
            bars.append((label, totals[key]["value"]))
    figure = new_figure(f"Network {objective}: search against templates", "", objective)
    figure.add_trace(go.Bar(x=[label for label, _ in bars], y=rounded_list(value for _, value in bars), name=objective))
    return Chart("totals", "Search against templates", figure)


def mapping_page(document: Mapping[str, Any]) -> ReportPage:
    """The report page of one mapping-search document."""
    layers, totals = document["layers"], document["totals"]
    names = [f"{index}:{layer['name']}" if [l["name"] for l in layers].count(layer["name"]) > 1 else str(layer["name"]) for index, layer in enumerate(layers)]
    rows = tuple(
        tuple(name if key == "name" else "; ".join(layer[key]) if key == "dataflow" else rounded(layer.get(key)) for _, key in LAYER_COLUMNS)
        for layer, name in zip(layers, names, strict=True)
    )
    gains = ", ".join(
        f"{readable_number(totals[key])}x over the {label}"
        for key, label in (("improvement_over_per_layer_best_template", "best template per layer"), ("improvement_over_best_single_template", "best single template"))
        if isinstance(totals.get(key), int | float)
    )
    return ReportPage(
        title=f"{document['network']}: mapping search",
        kind="map",
        facts=(
            ("network", str(document["network"])),
            ("objective", str(document["objective"])),
            ("strategy", str(document["strategy"])),
            ("mode", str(document.get("compat") or "default")),
            ("layers", f"{readable_number(totals['layers'])} ({readable_number(totals.get('distinct_layers', totals['layers']))} distinct, {readable_number(totals.get('certified_layers', 0))} certified optimal)"),
            ("runtime", f"{readable_number(totals['runtime_cycles'])} cycles"),
            ("energy", f"{readable_number(totals['energy_nj'])} nJ"),
            ("gain", gains or "-"),
        ),
        sections=(
            Section("Totals", (_totals_chart(totals, str(document["objective"])),)),
            Section(
                "Per layer",
                (
                    _layer_chart(layers, names, "runtime_cycles", "runtime", "Runtime per layer", "cycles"),
                    _layer_chart(layers, names, "energy_nj", "energy", "Energy per layer", "nJ"),
                    _layer_chart(layers, names, "improvement_over_best_template", "gain", "Gain over the best template per layer", "best template / searched"),
                ),
            ),
            Section("Layers", (Table("layers", "Per-layer mappings", tuple(header for header, _ in LAYER_COLUMNS), rows),)),
        ),
    )
