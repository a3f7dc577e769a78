"""Terminal rendering of a network's mapping search: one row per layer, then the network's totals against
the template baselines."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from mapscope.mapper.network_search import LayerMapping, NetworkMapping
from mapscope.mapping.directives import Cluster, Directive, SpatialMap


def compact_dataflow(dataflow: tuple[Directive, ...]) -> str:
    """Directives in short form: a TemporalMap as its loop and size (``/offset`` when they differ), a
    SpatialMap the same in brackets, a Cluster as ``| size:`` opening the level below.
    E.g. ``K16 [C4] Y3/1 | 8: K1 [X1]`` for TemporalMap(16,16) K, SpatialMap(4,4) C, TemporalMap(3,1) Y, ..."""
    parts = []
    for directive in dataflow:
        if isinstance(directive, Cluster):
            parts.append(f"| {directive.size}:")
            continue
        text = f"{directive.dimension}{directive.size}" + ("" if directive.size == directive.offset else f"/{directive.offset}")
        parts.append(f"[{text}]" if isinstance(directive, SpatialMap) else text)
    return " ".join(parts)


def _certificate(entry: LayerMapping) -> str:
    """"certified", the gap to the lower bound relative to the value, or "n/a" without a bound."""
    search = entry.search
    if search.kept_template is not None:
        return f"template {search.kept_template}"
    if search.certified_optimal:
        return "certified"
    if search.lower_bound is None or search.value == 0:
        return "n/a"
    return f"gap {(search.value - search.lower_bound) / search.value:.1%}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def layer_table(result: NetworkMapping) -> Table:
    """One row per layer: chosen directives, objective value, certificate, mappings evaluated, seconds,
    improvement over the best template (a layer identical to an earlier one shows which one it reuses)."""
    title = f"{result.network}: {result.strategy} search, objective {result.objective}, {result.accelerator.num_pes} PEs"
    table = Table(title=title, title_justify="left", header_style="bold")
    for header, justify in (("Layer", "left"), ("Mapping", "left"), ("Value", "right"), ("Certified / gap", "right"),
                            ("Mappings", "right"), ("Seconds", "right"), ("vs best template", "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for entry in result.layers:
        search = entry.search
        reused = entry.searched_as != entry.name
        table.add_row(
            entry.name,
            compact_dataflow(search.dataflow),
            f"{search.value:.4g}",
            _certificate(entry),
            f"as {entry.searched_as}" if reused else f"{search.mappings_evaluated:,}",
            "" if reused else f"{search.seconds:.2f}",
            f"{_ratio(search.improvement_over_template)} ({search.best_template})" if search.best_template else "n/a",
        )
    return table


def totals_lines(result: NetworkMapping) -> list[str]:
    """The network's totals, the improvement over both template baselines, and the search's effort."""
    totals, baselines = result.totals, result.baselines
    single = baselines.best_single_template
    lines = [
        f"network: runtime {totals.runtime_cycles:,} cycles, energy {totals.energy_nj:,.1f} nJ, EDP {totals.edp_nj_cycles:.4g} nJ x cycles",
        f"improvement over the best single template ({single.template if single else 'none fits'}): "
        f"{_ratio(result.improvement_over(single))}; over the per-layer best template: "
        f"{_ratio(result.improvement_over(baselines.per_layer_best_template))}",
        f"{result.distinct_layers} distinct of {len(result.layers)} layers searched, {result.certified_layers} certified optimal, "
        f"{result.mappings_evaluated:,} mappings evaluated in {result.seconds:.1f} s",
    ]
    return lines


def render_network_mapping(result: NetworkMapping, console: Console) -> None:
    """The per-layer table and the totals on `console`."""
    console.print(layer_table(result))
    for line in totals_lines(result):
        console.print(line, highlight=False, markup=False)
