"""Scalar engine speed on mappings of one layer that share levels, with and without its memo (issue 14).

Usage: python benchmarks/bench_scalar_mappings.py [--layers N] [--subspaces S] [--prefixes P] [--members M] [--repeats R]

The mapping set (fixed): for every distinct layer of the zoo networks resnet50 and mobilenet_v2 (or the first
--layers of each) on the shipped accelerator_256pe (256 PEs), default mapping space:
  * for each of the first --subspaces (3) spatial subspaces with two or more cluster levels, in the order
    `spatial_subspaces` gives them, the members of its first tile branch as the exhaustive search enumerates
    them: `enumerate_batches(space_within, 64, cluster_sizes, tile_prefixes)` with the level-0 tiles of its
    first --prefixes (2) distinct members as the prefixes, every order and lower-level tile chain of those
    top-level tiles, at most --members (240) of them in enumeration order;
  * the neighbours (`incumbent_descent.neighbours`) of the first template member of the layer's space.
Each mapping is analysed with `layer_stats_fields` (default mode), one core. Per network the set is
analysed --repeats (3) times cold without the memo of level runs' own parts (`bounded_memo.memos_disabled`)
and as many times with it, emptied before each pass, alternating; the fastest pass of each is kept (CPU
seconds). Both must agree field for field. Prints per network: mappings, ms per mapping without and with the
memo, their ratio, its hit rate and the memory it holds at the end; last line
``scalar_mappings_per_second=<n>`` (with the memo).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import time
import tracemalloc
from typing import Any

import numpy as np

from mapscope.analysis import level_analysis
from mapscope.analysis.layer_analysis import layer_stats_fields
from mapscope.analysis.bounded_memo import clear_memos, memos_disabled
from mapscope.errors import InputError
from mapscope.formats.sources import build_accelerator
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingSpace
from mapscope.mapper.enumeration import enumerate_batches
from mapscope.mapper.incumbent_descent import neighbours
from mapscope.mapper.mapping_objectives import mapping_objective
from mapscope.mapper.members import choice_of
from mapscope.mapper.search_exhaustive import spatial_subspaces
from mapscope.mapper.search_result import MappingProblem
from mapscope.mapper.space import dataflow
from mapscope.mapping.directives import Directive
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.workload.layer import Layer
from mapscope.workload.lowering import lower_model
from mapscope.workload.zoo import zoo_model

NETWORKS = ("resnet50", "mobilenet_v2")


def zoo_distinct_layers(name: str) -> list[Layer]:
    """Each distinct layer of zoo network `name` once (identical shapes once, first name kept)."""
    distinct: dict[Layer, Layer] = {}
    for layer in lower_model(zoo_model(name)).network.layers:
        distinct.setdefault(dataclasses.replace(layer, name=""), layer)
    return list(distinct.values())


def mapping_set(layer: Layer, accelerator: Accelerator, subspaces: int, prefixes: int, members: int) -> list[tuple[Directive, ...]]:
    """The fixed mappings of `layer` the module docstring describes, in order."""
    problem = MappingProblem(MappingSpace(layer, accelerator.num_pes), accelerator, mapping_objective("runtime"))
    space = problem.space
    found: list[tuple[Directive, ...]] = []
    taken = 0
    for entry in spatial_subspaces(problem):
        if taken == subspaces:
            break
        if entry.levels < 2:
            continue
        taken += 1
        within = entry.space_within(space)
        first = next(enumerate_batches(within, 64, entry.cluster_sizes), None)
        if first is None:
            continue
        rows: dict[tuple[int, ...], None] = {}
        for index in range(first.size):
            rows.setdefault(choice_of(within, first.dataflow_at(index)).levels[0].tiles, None)
            if len(rows) == prefixes:
                break
        branch: list[tuple[Directive, ...]] = []
        for batch in enumerate_batches(within, 64, entry.cluster_sizes, np.array(list(rows), dtype=np.int64)):
            branch.extend(batch.dataflow_at(index) for index in range(batch.size))
            if len(branch) >= members:
                break
        found.extend(branch[:members])
    starts = problem.warm_starts()
    if starts:
        found.extend(dataflow(space, member) for member in neighbours(space, starts[0][1]))
    return found


def analyse(sets: list[tuple[Layer, list[tuple[Directive, ...]]]], accelerator: Accelerator) -> tuple[float, list[Any]]:
    """CPU seconds to analyse every mapping of `sets`, and the results (None where a mapping is rejected)."""
    results: list[Any] = []
    started = time.process_time()
    for layer, dataflows in sets:
        for written in dataflows:
            try:
                results.append(layer_stats_fields(MappedLayer(layer, written), accelerator, compat=None, energy_table=None))
            except InputError:
                results.append(None)
    return time.process_time() - started, results


def _same(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is right
    return left.keys() == right.keys() and all(
        left[k] == right[k] or (isinstance(left[k], float) and math.isnan(left[k]) and math.isnan(right[k])) for k in left
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=None, help="only the first N distinct layers of each network")
    parser.add_argument("--subspaces", type=int, default=3)
    parser.add_argument("--prefixes", type=int, default=2)
    parser.add_argument("--members", type=int, default=240)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    accelerator = build_accelerator("accelerator_256pe")
    memos = {"level cases": level_analysis._LEVEL_CASES}
    total_mappings = 0
    total_seconds = 0.0
    for network in NETWORKS:
        layers = zoo_distinct_layers(network)[: arguments.layers]
        sets = [(layer, mapping_set(layer, accelerator, arguments.subspaces, arguments.prefixes, arguments.members)) for layer in layers]
        mappings = sum(len(dataflows) for _, dataflows in sets)
        without, with_memos = math.inf, math.inf
        for _ in range(arguments.repeats):
            gc.collect()
            with memos_disabled():
                seconds, cold = analyse(sets, accelerator)
            without = min(without, seconds)
            clear_memos()
            gc.collect()
            hits_before = {name: (memo.hits, memo.misses) for name, memo in memos.items()}
            seconds, warm = analyse(sets, accelerator)
            with_memos = min(with_memos, seconds)
            if not all(_same(a, b) for a, b in zip(cold, warm)):
                raise SystemExit(f"{network}: the memos changed a result")
        rates = " ".join(
            f"{name.replace(' ', '_')}_hits={(memo.hits - hits_before[name][0]) / max(1, memo.hits + memo.misses - sum(hits_before[name])):.0%}"
            for name, memo in memos.items()
        )
        clear_memos()
        tracemalloc.start()
        analyse(sets, accelerator)
        held_mb = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
        print(
            f"network={network} layers={len(layers)} mappings={mappings} ms_per_mapping_without_memos={without / mappings * 1e3:.3f} "
            f"ms_per_mapping={with_memos / mappings * 1e3:.3f} speedup={without / with_memos:.2f}x {rates} "
            f"memos_held_mb={held_mb:.1f} ({', '.join(f'{name} {len(memo)}' for name, memo in memos.items())} entries)",
            flush=True,
        )
        total_mappings += mappings
        total_seconds += with_memos
    print(f"scalar_mappings_per_second={total_mappings / total_seconds:.0f}")


if __name__ == "__main__":
    main()
