"""`analyze --stats`: the per-memory-level statistics as a Timeloop-like text file (.txt) or JSON (.json).

The numbers come from `analysis.memory_levels`; this module only lays them out and writes them atomically.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mapscope.analysis.memory_levels import LayerMemoryStats, MemoryLevelStats, network_memory_stats
from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_text_atomically
from mapscope.formats.results.json_output import format_json_document
from mapscope.stats import NetworkStats

#: The suffixes `--stats` accepts, and the layout each one gets.
STATS_SUFFIXES = (".txt", ".json")
#: How the text names the components of `EnergyTable.per_access_pj`.
LABELS = {"mac": "MAC", "l1": "L1", "l2": "L2", "noc": "NoC", "dram": "DRAM"}


def stats_file_kind(path: str | os.PathLike[str]) -> str:
    """"txt" or "json" from the file's suffix; an InputError for any other (checked before the analysis runs)."""
    suffix = Path(path).suffix.lower()
    if suffix not in STATS_SUFFIXES:
        raise InputError(f"the statistics file must end in .txt or .json, got {Path(path).name!r}", "--stats")
    return suffix[1:]


def stats_target(path: Path) -> Path:
    """`path` checked to be a statistics file (.txt or .json) before any work; see `stats_file_kind`."""
    stats_file_kind(path)
    return path


def memory_stats_document(stats: NetworkStats) -> dict[str, Any]:
    """The statistics as one JSON-ready document: per layer, per level, and network totals per component."""
    layers = network_memory_stats(stats)
    assert stats.energy_table is not None  # network_memory_stats checked it
    return {
        "network": stats.network,
        "compat": stats.compat,
        "energy_per_access_pj": stats.energy_table.per_access_pj(),
        "energy_source": stats.energy_table.source,
        "layers": [_layer_document(layer) for layer in layers],
        "totals": _totals(layers),
    }


def _level_document(level: MemoryLevelStats) -> dict[str, Any]:
    document = asdict(level)
    document["utilization"] = level.utilization
    document["tensors"] = {traffic["tensor"]: {k: v for k, v in traffic.items() if k != "tensor"} for traffic in document["tensors"]}
    return document


def _layer_document(layer: LayerMemoryStats) -> dict[str, Any]:
    document = asdict(layer)
    document["levels"] = [_level_document(level) for level in layer.levels]
    return document


def _totals(layers: tuple[LayerMemoryStats, ...]) -> dict[str, Any]:
    """Each component's energy (pJ) and count summed over the layers, and the network's energy."""
    totals: dict[str, Any] = {
        "energy_nj": sum(layer.energy_nj for layer in layers),
        "mac": {"count": sum(layer.macs for layer in layers), "energy_pj": sum(layer.mac_energy_pj for layer in layers)},
        "noc": {"count": sum(layer.noc_transfer_elems for layer in layers), "energy_pj": sum(layer.noc_energy_pj for layer in layers)},
    }
    for index, name in enumerate(level.level for level in layers[0].levels) if layers else ():
        totals[name] = {
            "count": sum(layer.levels[index].access_elems for layer in layers),
            "energy_pj": sum(layer.levels[index].energy_pj for layer in layers),
        }
    return totals


def _energy(value: float) -> str:
    return f"{value:,.1f}"


def _row(label: str, value: str) -> str:
    return f"    {label:<28}: {value}"


def _level_lines(level: MemoryLevelStats) -> list[str]:
    per_pe = " (per PE)" if level.level == "L1" else ""
    capacity = "unlimited" if level.capacity_elems is None else f"{level.capacity_elems:,} elems"
    share = "" if level.utilization is None else f" ({level.utilization:.2%})"
    lines = [
        f"  === {level.level} ===",
        _row(f"Capacity{per_pe}", capacity),
        _row(f"Utilized capacity{per_pe}", f"{level.utilized_elems:,} elems{share}"),
        _row("Energy per access", f"{level.energy_per_access_pj:g} pJ"),
        _row("Accesses (priced)", f"{level.access_elems:,}"),
        _row("Energy", f"{_energy(level.energy_pj)} pJ"),
        f"    {'Tensor':<9} {'Reads':>16} {'Writes':>16} {'Fills':>16}",
    ]
    lines.extend(f"    {t.tensor:<9} {t.read_elems:>16,} {t.write_elems:>16,} {t.fill_elems:>16,}" for t in level.tensors)
    return lines


def format_memory_stats_text(stats: NetworkStats) -> str:
    """The statistics as text: a section per layer, a subsection per level, then the network's totals."""
    document = memory_stats_document(stats)
    prices = document["energy_per_access_pj"]
    lines = [
        f"mapscope per-level statistics: {stats.network} ({'MAESTRO-compatible' if stats.compat == 'maestro' else 'default'} mode)",
        "Energy per access (pJ): " + ", ".join(f"{LABELS[name]} {value:g}" for name, value in prices.items()),
        f"Energy source: {document['energy_source']}",
        "",
    ]
    for layer in network_memory_stats(stats):
        lines.append(f"=== Layer {layer.layer} ===")
        lines.append(f"  Energy: {_energy(layer.energy_nj)} nJ")
        lines.append(f"  MAC: {layer.macs:,} MACs, {_energy(layer.mac_energy_pj)} pJ")
        lines.append(f"  NoC: {layer.noc_transfer_elems:,} transfers, {_energy(layer.noc_energy_pj)} pJ")
        for level in layer.levels:
            lines.extend(_level_lines(level))
        lines.append("")
    totals = document["totals"]
    lines.append("=== Network totals ===")
    lines.append(f"  Energy: {_energy(totals['energy_nj'])} nJ")
    for name in ("mac", "L1", "L2", "noc", "DRAM"):
        if name in totals:
            label = LABELS.get(name, name)
            lines.append(f"  {label:<5}: {totals[name]['count']:>20,} counted {_energy(totals[name]['energy_pj']):>24} pJ")
    return "\n".join(lines) + "\n"


def write_memory_stats(stats: NetworkStats, path: str | os.PathLike[str]) -> None:
    """Write the statistics to `path` (replacing it) atomically, as JSON for .json and as text for .txt."""
    kind = stats_file_kind(path)
    text = format_json_document(memory_stats_document(stats)) if kind == "json" else format_memory_stats_text(stats)
    write_text_atomically(Path(path), text)
