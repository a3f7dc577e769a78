"""Analyse every layer of a mapped network and gather warnings: the capacity warnings MAESTRO prints, tilings
that over- or under-cover a dimension, and (compatibility mode) MAC counts and results that are not numbers."""

from __future__ import annotations

from dataclasses import replace

from mapscope.analysis.layer_analysis import LayerResult, LayerRun, analyze_layer, run_layer
from mapscope.analysis.layer_fields import priced_energy_table
from mapscope.analysis.result_checks import mac_count_warnings, non_finite_warnings
from mapscope.analysis.tiling_checks import tiling_warnings
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.mapping.directives import Cluster
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.stats import LayerStats, NetworkStats

COMPAT_MODES = (None, "maestro")


def capacity_warnings(layers: tuple[LayerStats, ...], accelerator: Accelerator) -> tuple[str, ...]:
    """Requirements above the given capacities, as MAESTRO warns (the runtime ignores them; in the default
    mode an L2 below a layer's requirement spills tensors to DRAM in the energy, docs/energy.md)."""
    warnings = []
    checks = (
        ("L1 size requirement", max((s.l1_size_req_elems for s in layers), default=0), accelerator.l1_size_elems, "L1 size"),
        ("L2 size requirement", max((s.l2_size_req_elems for s in layers), default=0), accelerator.l2_size_elems, "L2 size"),
        ("NoC BW requirement", max((s.peak_noc_bw_elems_per_cycle for s in layers), default=0), accelerator.noc_bandwidth_elems_per_cycle, "NoC BW"),
        ("OffChip BW requirement", max((s.offchip_bw_req_elems_per_cycle for s in layers), default=0), accelerator.offchip_bandwidth_elems_per_cycle, "OffChip BW"),
    )
    for what, required, given, name in checks:
        if required > given:
            warnings.append(f"Per-layer {what} [{required}] is larger than the given {name} [{given}]")
    return tuple(warnings)


def _located(error: InputError, mapped: MappedLayer, file: str | None) -> InputError:
    """`error` with the layer's place (file:line) in front, unless its `where` already names a place in the file.

    The engine names the layer, and a directive's own file:line when it has one; a second file:line in
    front would print the path twice (once for the layer, once for the directive).
    """
    where = error.where or ""
    if not mapped.source or mapped.source in where or (file and where.startswith(file)):
        return error
    return InputError(error.message, f"{mapped.source}: {where}" if where else mapped.source)


def _has_cluster(mapped: MappedLayer) -> bool:
    return any(isinstance(directive, Cluster) for directive in mapped.dataflow)


def analyze_network(
    network: MappedNetwork,
    accelerator: Accelerator,
    *,
    compat: str | None = None,
    energy_table: EnergyTable | None = None,
) -> NetworkStats:
    """Statistics of every layer of `network` on `accelerator` (MAESTRO-exact with compat="maestro")."""
    if compat not in COMPAT_MODES:
        raise InputError(f"unknown compatibility mode {compat!r}; use 'maestro' or leave it unset", "compat")
    unmapped = [mapped for mapped in network.layers if not mapped.dataflow]
    if unmapped:
        raise InputError(
            f"{len(unmapped)} of {len(network.layers)} layers have no dataflow (the file describes the network "
            "only): map them with a dataflow template (`--dataflow NAME`, `mapscope templates` lists them)",
            unmapped[0].source or f"layer {unmapped[0].layer.name}",
        )
    previous_l1 = 0
    layers = []
    runs: dict[tuple, LayerRun] = {}  # identical layers (repeated blocks) share one analysis
    results: dict[tuple, LayerResult] = {}  # ... and their statistics, but for the layer's name
    for mapped in network.layers:
        key = (mapped.layer.type, mapped.layer.dimensions, mapped.layer.strides, mapped.dataflow)
        # MAESTRO's compat energy of a clustered layer reads the previous layer's L1 accesses
        result_key = (key, previous_l1) if compat == "maestro" and _has_cluster(mapped) else key
        result = results.get(result_key)
        if result is not None:
            result = LayerResult(replace(result.stats, layer=mapped.layer.name), result.l1_accesses)
        else:
            top = runs.get(key)
            if top is None:
                try:
                    top = runs[key] = run_layer(mapped, accelerator, compat)
                except InputError as error:
                    raise _located(error, mapped, network.source) from None
            result = results[result_key] = analyze_layer(
                mapped,
                accelerator,
                network_name=network.name,
                compat=compat,
                energy_table=energy_table,
                previous_l1_accesses=previous_l1,
                run=top,
            )
        previous_l1 = result.l1_accesses
        layers.append(result.stats)
    stats = tuple(layers)
    warnings = capacity_warnings(stats, accelerator) + tiling_warnings(network)
    if compat == "maestro":
        warnings += mac_count_warnings(network, stats)
    priced = priced_energy_table(compat, energy_table)
    return NetworkStats(network.name, compat, stats, warnings + non_finite_warnings(stats), energy_table=priced)
