"""The genetic search alone on ResNet-50's first distinct layers at 256 PEs: CPU seconds per layer.

Usage: python benchmarks/bench_genetic.py [--layers N] [--budget N] [--seed S]

The layers and accelerator are bench_mapper.py's (the shipped resnet50_kcp_ws network's distinct layers,
accelerator_256pe, default space, runtime objective). Per layer one seeded `genetic_search` with the
given budget (default 1000): its populations are scattered members (many skeletons, one to three
mappings each), so they go through the scalar engine one mapping at a time. One line per layer (CPU
seconds, mappings evaluated, best value), then ``layers=<n> cpu_seconds_per_layer=<mean>
mappings_per_cpu_second=<r>``. CPU time (process_time), so that other work on the machine weighs less.
"""

from __future__ import annotations

import argparse
import time

from distinct_layers import distinct_layers

from mapscope.formats.sources import build_accelerator
from mapscope.mapper import MappingSpace
from mapscope.mapper.mapping_objectives import mapping_objective
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_result import MappingProblem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=4, help="the first N distinct layers")
    parser.add_argument("--budget", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    accelerator = build_accelerator("accelerator_256pe")
    layers = distinct_layers("resnet50_kcp_ws")[: arguments.layers]
    seconds = evaluated = 0.0
    for layer in layers:
        problem = MappingProblem(MappingSpace(layer, accelerator.num_pes), accelerator, mapping_objective("runtime"))
        started = time.process_time()
        result = genetic_search(problem, budget=arguments.budget, seed=arguments.seed)
        elapsed = time.process_time() - started
        seconds += elapsed
        evaluated += result.mappings_evaluated
        print(f"layer={layer.name} cpu_seconds={elapsed:.3f} mappings_evaluated={result.mappings_evaluated} value={result.value:.6g}", flush=True)
    print(f"layers={len(layers)} cpu_seconds_per_layer={seconds / len(layers):.3f} mappings_per_cpu_second={evaluated / seconds:.0f}")


if __name__ == "__main__":
    main()
