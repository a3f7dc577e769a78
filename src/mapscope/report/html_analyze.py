"""The HTML report of an analysis (`mapscope analyze --html`, or `mapscope report` on its JSON): the
network, hardware and mode, totals, per-layer runtime, energy by component, utilisation, buffer and
bandwidth needs against the accelerator's, a roofline, a per-layer table and the warnings.

Built from the analysis's JSON document (`formats.results.json_output.network_stats_document`), so a
report of a run and a report of its JSON file are the same page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mapscope.explore.summary import metric_unit, readable_number
from mapscope.report.html_page import Chart, ReportPage, Section, Table, new_figure, rounded, rounded_list

#: The energy components stacked per layer, (name, LayerStats field), bottom first; one unit for all of them.
ENERGY_COMPONENTS = (
    ("MAC", "mac_energy_pj"),
    ("L1", "l1_energy_pj"),
    ("L2", "l2_energy_pj"),
    ("NoC", "noc_energy_pj"),
    ("DRAM", "dram_energy_pj"),
)

#: The per-layer table: header and the layer field it shows.
LAYER_COLUMNS = (
    ("layer", "layer"),
    ("type", "layer_type"),
    ("MACs", "macs"),
    ("runtime (cycles)", "runtime_cycles"),
    ("energy (nJ)", "energy_nj"),
    ("MACs/cycle", "throughput_macs_per_cycle"),
    ("utilised PEs", "avg_utilized_pes"),
    ("L1 req (elems)", "l1_size_req_elems"),
    ("L2 req (elems)", "l2_size_req_elems"),
    ("peak NoC BW (elems/cycle)", "peak_noc_bw_elems_per_cycle"),
    ("off-chip BW (elems/cycle)", "offchip_bw_req_elems_per_cycle"),
    ("MACs/elem", "arithmetic_intensity_macs_per_elem"),
)

#: (chart id, title, layer field, accelerator field, y-axis title) of each requirement drawn against its limit.
LIMIT_CHARTS = (
    ("l1-size", "L1 buffer requirement per PE against its capacity", "l1_size_req_elems", "l1_size_elems", "elements"),
    ("l2-size", "L2 buffer requirement against its capacity", "l2_size_req_elems", "l2_size_elems", "elements"),
    ("noc-bandwidth", "Peak NoC bandwidth requirement against the NoC bandwidth", "peak_noc_bw_elems_per_cycle", "noc_bandwidth_elems_per_cycle", "elements/cycle"),
    ("offchip-bandwidth", "Off-chip bandwidth requirement against the off-chip bandwidth", "offchip_bw_req_elems_per_cycle", "offchip_bandwidth_elems_per_cycle", "elements/cycle"),
)


def is_analysis_document(document: Mapping[str, Any]) -> bool:
    """True for the JSON of `mapscope analyze`: an accelerator, per-layer statistics and totals."""
    return {"accelerator", "layers", "totals", "mode"} <= document.keys()


def _layer_names(layers: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each layer's label on a category axis: its name, made unique with its position when repeated."""
    names = [str(layer["layer"]) for layer in layers]
    repeated = {name for name in names if names.count(name) > 1}
    return [f"{index}:{name}" if name in repeated else name for index, name in enumerate(names)]


def _runtime_chart(layers: Sequence[Mapping[str, Any]], names: list[str]) -> Chart:
    import plotly.graph_objects as go

    figure = new_figure("Runtime per layer", "layer", "cycles")
    figure.add_trace(go.Bar(x=names, y=[layer["runtime_cycles"] for layer in layers], name="runtime"))
    return Chart("runtime", "Runtime per layer", figure)


def _energy_chart(layers: Sequence[Mapping[str, Any]], names: list[str]) -> Chart:
    import plotly.graph_objects as go

    present = [(name, key) for name, key in ENERGY_COMPONENTS if layers and key in layers[0]]
    unit = metric_unit(present[0][1]) if present else ""
    figure = new_figure("Energy per layer by component", "layer", unit, barmode="stack")
    for name, key in present:
        figure.add_trace(go.Bar(x=names, y=rounded_list(layer[key] for layer in layers), name=name))
    return Chart("energy", "Energy per layer by component", figure)


def _utilisation_chart(layers: Sequence[Mapping[str, Any]], names: list[str]) -> Chart:
    import plotly.graph_objects as go

    figure = new_figure("PE utilisation per layer", "layer", "utilised PEs / PEs", yaxis_range=[0, 1.05])
    shares = [layer["avg_utilized_pes"] / layer["num_pes"] if layer["num_pes"] else 0.0 for layer in layers]
    figure.add_trace(go.Bar(x=names, y=rounded_list(shares), name="utilisation"))
    return Chart("utilisation", "PE utilisation per layer", figure)


def _limit_chart(layers: Sequence[Mapping[str, Any]], names: list[str], accelerator: Mapping[str, Any], spec: tuple[str, ...]) -> Chart:
    import plotly.graph_objects as go

    chart_id, title, field, limit_field, unit = spec
    figure = new_figure(title, "layer", unit)
    figure.add_trace(go.Bar(x=names, y=rounded_list(layer[field] for layer in layers), name="required"))
    limit = accelerator.get(limit_field)
    if limit is not None:
        figure.add_trace(go.Scatter(x=names, y=[limit] * len(names), mode="lines", name=f"given ({readable_number(limit)})", line={"color": "firebrick", "dash": "dash"}))
    return Chart(chart_id, title, figure)


def _roofline_chart(layers: Sequence[Mapping[str, Any]], names: list[str], accelerator: Mapping[str, Any]) -> Chart:
    """Arithmetic intensity against throughput, under the compute roof (PEs x SIMD lanes) and the off-chip
    bandwidth roof (intensity x bandwidth)."""
    import plotly.graph_objects as go

    intensities = [float(layer["arithmetic_intensity_macs_per_elem"]) for layer in layers]
    positive = [value for value in intensities if value > 0] or [1.0]
    low, high = min(positive) / 2, max(positive) * 2
    peak = accelerator["num_pes"] * accelerator.get("simd_lanes", 1)
    bandwidth = accelerator.get("offchip_bandwidth_elems_per_cycle")
    figure = new_figure("Roofline", "arithmetic intensity (MACs per element)", "throughput (MACs/cycle)", xaxis_type="log", yaxis_type="log")
    figure.add_trace(go.Scatter(x=[low, high], y=[peak, peak], mode="lines", name=f"compute roof ({readable_number(peak)} MACs/cycle)", line={"color": "firebrick"}))
    if bandwidth:
        ridge = peak / bandwidth
        xs = [low, max(min(ridge, high), low)]
        figure.add_trace(go.Scatter(x=rounded_list(xs), y=rounded_list(x * bandwidth for x in xs), mode="lines", name=f"off-chip bandwidth roof ({readable_number(bandwidth)} elems/cycle)", line={"color": "darkorange", "dash": "dash"}))
    figure.add_trace(
        go.Scatter(
            x=rounded_list(intensities),
            y=rounded_list(layer["throughput_macs_per_cycle"] for layer in layers),
            mode="markers",
            name="layers",
            text=names,
            hovertemplate="%{text}<br>%{x} MACs/elem<br>%{y} MACs/cycle<extra></extra>",
        )
    )
    return Chart("roofline", "Roofline", figure)


def _facts(document: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    accelerator = document["accelerator"]
    totals = document["totals"]
    hardware = ", ".join(f"{key} {readable_number(value)}" for key, value in sorted(accelerator.items()) if isinstance(value, int | float))
    energy = [f"{name} {readable_number(totals[key])} {metric_unit(key)}" for name, key in ENERGY_COMPONENTS if key in totals]
    return (
        ("network", str(document["network"])),
        ("source", str(document.get("source") or "-")),
        ("mode", str(document["mode"])),
        ("hardware", hardware),
        ("layers", readable_number(totals["layers"])),
        ("MACs", readable_number(totals["macs"])),
        ("runtime", f"{readable_number(totals['runtime_cycles'])} cycles"),
        ("throughput", f"{readable_number(totals['throughput_macs_per_cycle'])} MACs/cycle"),
        ("energy", f"{readable_number(totals['energy_nj'])} nJ ({', '.join(energy)})"),
        ("largest L1 / L2 requirement", f"{readable_number(totals['max_l1_size_req_elems'])} / {readable_number(totals['max_l2_size_req_elems'])} elements"),
    )


def analysis_page(document: Mapping[str, Any]) -> ReportPage:
    """The report page of one analysis document."""
    layers = document["layers"]
    accelerator = document["accelerator"]
    names = _layer_names(layers)
    table = Table(
        "layers",
        "Per-layer results",
        tuple(header for header, _ in LAYER_COLUMNS),
        tuple(tuple(rounded(layer[key]) if key != "layer" else name for header, key in LAYER_COLUMNS) for layer, name in zip(layers, names, strict=True)),
    )
    return ReportPage(
        title=f"{document['network']}: analysis",
        kind="analyze",
        facts=_facts(document),
        sections=(
            Section("Runtime and energy", (_runtime_chart(layers, names), _energy_chart(layers, names))),
            Section("Utilisation and roofline", (_utilisation_chart(layers, names), _roofline_chart(layers, names, accelerator))),
            Section("Buffers and bandwidth against the hardware", tuple(_limit_chart(layers, names, accelerator, spec) for spec in LIMIT_CHARTS)),
            Section("Layers", (table,)),
        ),
        warnings=tuple(str(warning) for warning in document.get("warnings", ())),
    )
