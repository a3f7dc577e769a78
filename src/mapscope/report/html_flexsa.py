"""The HTML report of the FlexSA study (`mapscope flexsa --html`, or `mapscope report` on its JSON):
utilisation over training per machine, the energy breakdown, the shares of FlexSA's modes, and the
paper's claims against the study's numbers.

Built from the study's document (`systolic.flexsa_study.FlexsaStudy.document`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mapscope.explore.summary import readable_number
from mapscope.report.html_page import Chart, ReportPage, Section, Table, new_figure, rounded, rounded_list


def is_flexsa_document(document: Mapping[str, Any]) -> bool:
    """True for the JSON of `mapscope flexsa`: machines, per-epoch values and the comparison with the paper."""
    return {"machines", "per_epoch", "comparison"} <= document.keys()


def _utilisation_chart(document: Mapping[str, Any]) -> Chart:
    import plotly.graph_objects as go

    figure = new_figure("PE utilisation over training", "epoch", "utilisation", yaxis_range=[0, 1.05])
    for machine, entries in sorted(document["per_epoch"].items()):
        figure.add_trace(go.Scatter(x=[e["epoch"] for e in entries], y=rounded_list(e["utilization"] for e in entries), mode="lines+markers", name=machine, line={"shape": "hv"}))
    return Chart("utilisation", "PE utilisation over training", figure)


def _stacked_chart(document: Mapping[str, Any], key: str, chart_id: str, title: str, y_title: str, scale: float = 1.0) -> Chart:
    """One bar per machine, stacked by the entries of each machine's `key` mapping."""
    import plotly.graph_objects as go

    machines = sorted(document["machines"])
    parts = sorted({part for machine in machines for part in document["machines"][machine][key]})
    figure = new_figure(title, "machine", y_title, barmode="stack")
    for part in parts:
        figure.add_trace(go.Bar(x=machines, y=rounded_list(document["machines"][m][key].get(part, 0.0) * scale for m in machines), name=part))
    return Chart(chart_id, title, figure)


def _claims_table(document: Mapping[str, Any]) -> Table:
    """Each claim of the paper: what the paper says and each number the study measured for it."""
    rows = []
    for claim, values in sorted(document["comparison"].items()):
        measured = ", ".join(f"{name} {readable_number(value)}" for name, value in sorted(values.items()) if name != "paper" and isinstance(value, int | float))
        rows.append((claim.replace("_", " "), str(values.get("paper", "")), measured))
    return Table("claims", "The paper's claims against this study", ("claim", "paper", "this study"), tuple(rows))


def _machines_table(document: Mapping[str, Any]) -> Table:
    columns = ("cycles", "macs", "utilization", "energy_pj", "onchip_reuse", "dram_words")
    machines = document["machines"]
    return Table("machines", "Totals per machine", ("machine", *columns), tuple((m, *(rounded(machines[m].get(c)) for c in columns)) for m in sorted(machines)))


def flexsa_page(document: Mapping[str, Any]) -> ReportPage:
    """The report page of one FlexSA study document."""
    trajectory = document.get("trajectory", {})
    return ReportPage(
        title=f"FlexSA study: {document['model']}",
        kind="flexsa",
        facts=(
            ("model", f"{document['model']} ({document.get('dataset', '-')}), batch {document.get('batch', '-')}"),
            ("array", f"{document['array']} x {document['array']}{', double-buffered' if document.get('double_buffered') else ''}"),
            ("trajectory", str(trajectory.get("description", "-"))),
            ("totals", str(document.get("totals_basis", "-"))),
        ),
        sections=(
            Section("Utilisation over training", (_utilisation_chart(document),)),
            Section(
                "Energy and modes",
                (
                    _stacked_chart(document, "energy_breakdown_pj", "energy", "Energy by component", "J", scale=1e-12),
                    _stacked_chart(document, "mode_shares", "modes", "Share of MACs by FlexSA mode", "share of MACs"),
                ),
            ),
            Section("Claims", (_claims_table(document), _machines_table(document))),
        ),
    )
