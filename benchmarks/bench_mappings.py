"""Mapping evaluation speed: the `tiled` template's parameter grid over ResNet-50's distinct layers at 256 PEs.

Usage: python benchmarks/bench_mappings.py [--check N]

The mapping set (fixed): for every distinct layer of the shipped resnet50_kcp_ws network, every
combination of spatial_dimension {K, C} x loop_order {KCYX, CKYX} x k_tile, c_tile {1, 2, 4, 8, 16,
32, 64} x y_tile, x_tile {1, 2, 4, 7} x cluster_size {1, 16}, on accelerator_256pe's 256 PEs. One
process, one core, cold (nothing cached before the first call).

Prints the number of layers and layer-mappings, the seconds spent building the mappings (the grid's
columns built as arrays by `template_batches`, grouped by skeleton, equal to template.dataflow at each
point; layers of one type and stride stacked into one batch) and the seconds `evaluate_mappings`
takes to compute every LayerStats field of every mapping, how many mappings the scalar engine
analysed, then ``build_and_evaluate_mappings_per_second=<n>`` and as its last line
``mappings_per_second=<n>`` (mappings over evaluation seconds); before those, the rate of the scalar
engine (analyze_layer one mapping at a time) on every 50th mapping, for comparison. `--check N` compares N mappings per
layer with analyze_layer, field by field, and fails on any difference.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import asdict

from mapscope.analysis.batch import evaluate_mappings, stacked_batches, template_batches
from mapscope.analysis.layer_analysis import analyze_layer
from mapscope.api import build_accelerator, load_network
from mapscope.errors import InputError
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.mapping.template_columns import grid_columns
from mapscope.mapping.templates import template

GRID = {
    "spatial_dimension": ["K", "C"],
    "loop_order": ["KCYX", "CKYX"],
    "k_tile": [1, 2, 4, 8, 16, 32, 64],
    "c_tile": [1, 2, 4, 8, 16, 32, 64],
    "y_tile": [1, 2, 4, 7],
    "x_tile": [1, 2, 4, 7],
    "cluster_size": [1, 16],
}


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    return left == right


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=int, default=0, help="mappings per layer compared with analyze_layer")
    arguments = parser.parse_args()
    accelerator = build_accelerator("accelerator_256pe")
    network = load_network("resnet50_kcp_ws")
    layers = list({(m.layer.type, m.layer.dimensions, m.layer.strides): m.layer for m in network.layers}.values())
    tiled = template("tiled")
    started = time.perf_counter()
    columns = grid_columns(GRID)
    work = []
    for layer in layers:
        work.extend(template_batches(tiled, layer, accelerator.num_pes, columns))
    work = [(batch, None) for batch, _ in stacked_batches([batch for batch, _ in work])]
    build_seconds = time.perf_counter() - started
    mappings = sum(batch.size for batch, _ in work)

    started = time.perf_counter()
    results = [evaluate_mappings(batch, accelerator, network_name="resnet50") for batch, _ in work]
    evaluate_seconds = time.perf_counter() - started
    scalar = sum(result.scalar_count for result in results)
    valid = sum(int(result.valid.sum()) for result in results)

    sample = [(batch, index) for batch, _ in work for index in range(0, batch.size, 50)]
    started = time.perf_counter()
    for batch, index in sample:
        try:
            analyze_layer(MappedLayer(batch.layer_at(index), batch.dataflow_at(index)), accelerator, network_name="resnet50", compat=None, energy_table=None, previous_l1_accesses=0)
        except InputError:
            pass
    scalar_seconds = time.perf_counter() - started

    differences = 0
    for (batch, _), result in zip(work, results):
        for index in range(0, batch.size, max(1, batch.size // max(arguments.check, 1)))[: arguments.check]:
            try:
                expected = analyze_layer(result.mapped_layer(index), accelerator, network_name="resnet50", compat=None, energy_table=None, previous_l1_accesses=0).stats
            except InputError:
                differences += bool(result.valid[index])
                continue
            got = result.stats_at(index)
            differences += any(not _same(v, getattr(got, k)) for k, v in asdict(expected).items())
    print(f"layers={len(layers)} batches={len(work)} mappings={mappings} valid={valid} scalar_engine={scalar}")
    print(f"build_seconds={build_seconds:.3f} evaluate_seconds={evaluate_seconds:.3f}")
    if arguments.check:
        print(f"checked_against_analyze_layer={arguments.check}_per_batch differences={differences}")
    print(f"scalar_engine_mappings_per_second={len(sample) / scalar_seconds:.0f} (analyze_layer on every 50th mapping)")
    print(f"build_and_evaluate_mappings_per_second={mappings / (build_seconds + evaluate_seconds):.0f}")
    print(f"mappings_per_second={mappings / evaluate_seconds:.0f}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
