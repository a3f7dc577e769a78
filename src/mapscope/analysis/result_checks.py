"""Warnings about results that are not what the layer computes: MAESTRO's MAC counts and non-numbers.

Compatibility mode keeps MAESTRO's numbers, quirks included, so some layers report more or fewer MACs
than they compute (e.g. MAESTRO counts outputs as X - S + 1 whatever the stride), and a layer none of
whose steps computes a MAC reports runtime 0 and NaN throughputs (the bundled ResNeXt50_yxp_os.m's
FC1000). The numbers stay MAESTRO's; these warnings say which layers and by how much.
"""

from __future__ import annotations

import math
from dataclasses import fields

from mapscope.mapping.mapped_network import MappedNetwork
from mapscope.stats import LayerStats
from mapscope.workload.layer import layer_macs

#: The LayerStats fields that hold floating-point results (the only ones that can be NaN or infinite).
_FLOAT_FIELDS = tuple(field.name for field in fields(LayerStats) if field.type in ("float", float))

#: Layers named in one warning; the rest are counted.
LAYERS_SHOWN = 3


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:LAYERS_SHOWN])
    return shown + (f" and {len(items) - LAYERS_SHOWN} more" if len(items) > LAYERS_SHOWN else "")


def mac_count_warnings(network: MappedNetwork, layers: tuple[LayerStats, ...]) -> tuple[str, ...]:
    """One warning when some layers' MAC counts differ from their true counts (largest differences first)."""
    differing = []
    for mapped, stats in zip(network.layers, layers, strict=True):
        true = layer_macs(mapped.layer)
        if stats.macs != true:
            differing.append((abs(stats.macs - true) / true, stats.layer, stats.macs, true))
    if not differing:
        return ()
    differing.sort(key=lambda item: -item[0])
    details = [f"{name} {macs:,} (true {true:,}, {(macs - true) / true:+.1%})" for _, name, macs, true in differing]
    reported = sum(stats.macs for stats in layers)
    true_total = sum(layer_macs(mapped.layer) for mapped in network.layers)
    return (
        f"MAESTRO's MAC count differs from the true count in {len(differing)} of {len(layers)} layers "
        f"({reported:,} in all against {true_total:,}): {_listed(details)}",
    )


def non_finite_warnings(layers: tuple[LayerStats, ...]) -> tuple[str, ...]:
    """One warning naming the layers with runtime 0 or a result that is not a finite number."""
    found = []
    for stats in layers:
        non_finite = [name for name in _FLOAT_FIELDS if not math.isfinite(getattr(stats, name))]
        if stats.runtime_cycles > 0 and not non_finite:
            continue
        facts = [f"runtime {stats.runtime_cycles:,} cycles"] if stats.runtime_cycles <= 0 else []
        if stats.macs == 0:
            facts.append("0 MACs")
        if non_finite:
            more = ", ..." if len(non_finite) > 2 else ""
            facts.append(f"{len(non_finite)} results not finite: {', '.join(non_finite[:2])}{more}")
        found.append(f"{stats.layer} ({'; '.join(facts)})")
    if not found:
        return ()
    layers_with = "1 layer has" if len(found) == 1 else f"{len(found)} layers have"
    return (f"{layers_with} runtime 0 or results that are not numbers (as MAESTRO reports them): {_listed(found)}",)
