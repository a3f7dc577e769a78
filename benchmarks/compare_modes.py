"""How often MAESTRO's semantics (compat mode) and mapscope's default mode break the model's invariants.

Usage: python benchmarks/compare_modes.py [--samples N] [--seed S] [--bundled MAPPING_DIR HW_FILE]

Draws random small CONV layers (K, C <= 6; R, S <= 3; Y, X <= 9) with valid one- or two-level mappings
(tiles partition every dimension, R and S mapped whole, one SpatialMap per level) and random hardware,
for strides 1, 2 and 3, and counts per mode the mappings whose MAC count differs from the layer's true
MAC count, whose runtime is below MACs / (PEs x SIMD lanes), that have a negative count, or that the
engine rejects. Prints one line per stride and mode. With --bundled, also counts per mode the layers of
every runnable mapping file in MAPPING_DIR whose MAC count is the true one.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path

from mapscope.analysis import analyze_network
from mapscope.api import build_accelerator
from mapscope.errors import InputError
from mapscope.formats import load_mapped_network
from mapscope.hardware import Accelerator
from mapscope.mapping import (
    Cluster,
    Directive,
    MappedLayer,
    MappedNetwork,
    SpatialMap,
    TemporalMap,
)
from mapscope.workload import Layer, LayerType, layer_macs

WINDOW_OF = {"Y": "R", "X": "S"}


def _level(rng: random.Random, dims: dict[str, int], stride: int) -> list[Directive]:
    order = ["K", "C", "R", "S", "Y", "X"]
    rng.shuffle(order)
    spatial = rng.choice(["K", "C", "Y", "X"])
    level: list[Directive] = []
    for variable in order:
        size = dims[variable]
        kind = SpatialMap if variable == spatial else TemporalMap
        if variable in ("R", "S"):
            level.append(TemporalMap(size, size, variable))
        elif variable in WINDOW_OF:
            window = dims[WINDOW_OF[variable]]
            outputs = rng.randint(1, (max(size, window) - window) // stride + 1)
            level.append(kind((outputs - 1) * stride + window, outputs * stride, variable))
        else:
            tile = rng.randint(1, size)
            level.append(kind(tile, tile, variable))
    return level


def random_case(rng: random.Random, stride: int) -> tuple[MappedLayer, Accelerator, int]:
    """A random layer, valid mapping and accelerator, with the layer's true MAC count."""
    dims = {"K": rng.randint(1, 6), "C": rng.randint(1, 6), "R": rng.randint(1, 3), "S": rng.randint(1, 3)}
    dims["Y"], dims["X"] = rng.randint(dims["R"], 9), rng.randint(dims["S"], 9)
    layer = Layer("L", LayerType.CONV, tuple(dims.items()), (("X", stride), ("Y", stride)))
    dataflow = _level(rng, dims, stride)
    num_pes = rng.randint(1, 12)
    if rng.random() < 0.4:
        inner = {d.dimension: min(d.size, dims[d.dimension]) for d in dataflow}
        for reference, window in WINDOW_OF.items():
            inner[reference] = max(inner[reference], dims[window])
        dataflow = dataflow + [Cluster(rng.randint(1, num_pes))] + _level(rng, inner, stride)
    accelerator = Accelerator(
        num_pes=num_pes,
        simd_lanes=rng.choice([1, 1, 2, 4]),
        noc_bandwidth_elems_per_cycle=rng.choice([1, 4, 64]),
        noc_latency_cycles=rng.choice([0, 1, 2]),
        offchip_bandwidth_elems_per_cycle=rng.choice([1, 8, 1000]),
    )
    return MappedLayer(layer, tuple(dataflow)), accelerator, layer_macs(layer)


def violations(mapped: MappedLayer, accelerator: Accelerator, macs: int, compat: str | None) -> list[str]:
    """Which invariants this mapping breaks in one mode."""
    try:
        stats = analyze_network(MappedNetwork("n", (mapped,)), accelerator, compat=compat).layers[0]
    except InputError:
        return ["rejected"]
    found = []
    if stats.macs != macs:
        found.append("wrong MAC count")
    if stats.runtime_cycles * accelerator.num_pes * accelerator.simd_lanes < stats.macs:
        found.append("runtime below MACs/(PEs*SIMD)")
    if any(isinstance(v, (int, float)) and v < 0 for v in stats.as_dict().values()):
        found.append("negative count")
    return found


def bundled_counts(mapping_dir: Path, hardware: str) -> None:
    """Per mode, how many layers of the runnable files in `mapping_dir` get their true MAC count."""
    accelerator = build_accelerator(hardware)
    networks = []
    for path in sorted(mapping_dir.glob("*.m")):
        try:
            networks.append(load_mapped_network(path))
        except InputError:
            continue
    for label, compat in (("maestro", "maestro"), ("default", None)):
        exact = checked = 0
        for network in networks:
            try:
                stats = analyze_network(network, accelerator, compat=compat)
            except InputError:
                continue
            for mapped, layer_stats in zip(network.layers, stats.layers):
                checked += 1
                exact += layer_stats.macs == layer_macs(mapped.layer)
        print(f"bundled mode={label}: true MAC count in {exact} of {checked} layers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bundled", nargs=2, metavar=("MAPPING_DIR", "HW_FILE"))
    arguments = parser.parse_args()
    if arguments.bundled:
        bundled_counts(Path(arguments.bundled[0]), arguments.bundled[1])
    for stride in (1, 2, 3):
        rng = random.Random(arguments.seed * 100 + stride)
        cases = [random_case(rng, stride) for _ in range(arguments.samples)]
        for label, compat in (("maestro", "maestro"), ("default", None)):
            counts: Counter[str] = Counter()
            for mapped, accelerator, macs in cases:
                counts.update(violations(mapped, accelerator, macs, compat))
            shares = ", ".join(f"{name} {100 * n / len(cases):.1f}%" for name, n in sorted(counts.items())) or "none"
            print(f"stride={stride} mode={label} samples={len(cases)}: {shares}")


if __name__ == "__main__":
    main()
