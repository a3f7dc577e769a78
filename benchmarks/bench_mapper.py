"""The mapper on a few distinct ResNet-50 layers at 256 PEs: seconds, mappings evaluated, certificate, gain.

Usage: python benchmarks/bench_mapper.py [--genetic-budget N] [--exhaustive-budget N] [--seed S]

Layers (fixed): the stem (7x7 stride 2), res2a_branch2a (1x1), res2a_branch2b (3x3), res3a_branch1
(1x1 stride 2) and res5a_branch2b (3x3 stride 2), from the shipped resnet50_kcp_ws network, on the shipped
accelerator_256pe (L1 and L2 capacities enforced), default space, objectives runtime and EDP. Per layer
and objective: a seeded genetic search (its best becomes the incumbent), then the exhaustive search
with a budget of evaluations (pruned by the subspace bounds; certified when every subspace is
enumerated or pruned). One line per layer and objective: seconds, mappings evaluated (both searches),
certified or the gap to the lower bound, the best template and the improvement over it; the last line
is ``median_seconds_per_layer=<x>`` (over layer-objective pairs). One process, one core.
"""

from __future__ import annotations

import argparse
import statistics
import time

from mapscope.formats.sources import build_accelerator, load_network
from mapscope.mapper import MappingSpace
from mapscope.mapper.mapping_objectives import mapping_objective
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_result import MappingProblem

LAYERS = ("conv1", "res2a_branch2a", "res2a_branch2b", "res3a_branch1", "res5a_branch2b")
OBJECTIVES = ("runtime", "edp")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genetic-budget", type=int, default=1000)
    parser.add_argument("--exhaustive-budget", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    accelerator = build_accelerator("accelerator_256pe")
    network = load_network("resnet50_kcp_ws")
    layers = {mapped.layer.name: mapped.layer for mapped in network.layers}
    chosen = [name for name in LAYERS if name in layers] or list(layers)[:5]
    seconds = []
    for name in chosen:
        space = MappingSpace(layers[name], accelerator.num_pes)
        for objective in OBJECTIVES:
            problem = MappingProblem(space, accelerator, mapping_objective(objective))
            started = time.perf_counter()
            genetic = genetic_search(problem, budget=arguments.genetic_budget, seed=arguments.seed)
            result = exhaustive_search(problem, max_mappings=arguments.exhaustive_budget, incumbents=(genetic.best,))
            elapsed = time.perf_counter() - started
            seconds.append(elapsed)
            gap = 0.0 if result.certified_optimal or result.lower_bound is None else result.gap / result.value
            gain = result.improvement_over_template
            print(
                f"layer={name} objective={objective} seconds={elapsed:.2f} "
                f"mappings_evaluated={genetic.mappings_evaluated + result.mappings_evaluated} "
                f"certified={result.certified_optimal} gap={gap:.2%} value={result.value:.6g} "
                f"best_template={result.best_template} template_value={result.best_template_value or float('nan'):.6g} "
                f"improvement_over_template={'n/a' if gain is None else f'{gain:.2f}x'}"
            )
    print(f"median_seconds_per_layer={statistics.median(seconds):.2f}")


if __name__ == "__main__":
    main()
