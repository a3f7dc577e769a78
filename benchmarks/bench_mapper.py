"""The mapper on ResNet-50's distinct layers at 256 PEs: seconds, mappings evaluated, certificate, gain.

Usage: python benchmarks/bench_mapper.py [--objective runtime|energy|edp] [--layers N] [--genetic-budget N]
       [--exhaustive-budget N] [--seed S] [--layer NAME]

Layers (fixed): every distinct layer (identical shapes once) of the shipped resnet50_kcp_ws network, or the
first --layers of them (or only the one named by --layer), on the shipped accelerator_256pe (L1 and L2 capacities enforced), default space,
one objective (default runtime). Per layer: a seeded genetic search (its best becomes the incumbent),
then the exhaustive search with a budget of evaluations (pruned by the subspace bounds; certified when
every subspace is enumerated or pruned). One line per layer: seconds, mappings evaluated (both
searches), certified or the gap to the lower bound, the best template and the improvement over it.
The last line is ``layers=<n> certified=<k> seconds_per_layer=<s> mappings_per_second=<r>``: distinct
layers, how many were certified optimal, the median seconds per layer, and mappings evaluated over
the seconds spent. One process, one core.
"""

from __future__ import annotations

import argparse
import statistics
import time

from distinct_layers import distinct_layers

from mapscope.formats.sources import build_accelerator
from mapscope.mapper import MappingSpace
from mapscope.mapper.mapping_objectives import mapping_objective
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_result import MappingProblem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", default="runtime", choices=("runtime", "energy", "edp"))
    parser.add_argument("--layers", type=int, default=None, help="only the first N distinct layers")
    parser.add_argument("--layer", default=None, help="only the distinct layer with this name")
    parser.add_argument("--genetic-budget", type=int, default=1000)
    parser.add_argument("--exhaustive-budget", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    accelerator = build_accelerator("accelerator_256pe")
    layers = distinct_layers("resnet50_kcp_ws")[: arguments.layers]
    if arguments.layer is not None:
        layers = [layer for layer in layers if layer.name == arguments.layer]
        if not layers:
            parser.error(f"no distinct layer named {arguments.layer!r}")
    seconds: list[float] = []
    evaluated = certified = 0
    for layer in layers:
        problem = MappingProblem(MappingSpace(layer, accelerator.num_pes), accelerator, mapping_objective(arguments.objective))
        started = time.perf_counter()
        genetic = genetic_search(problem, budget=arguments.genetic_budget, seed=arguments.seed)
        result = exhaustive_search(problem, max_mappings=arguments.exhaustive_budget, incumbents=(genetic.best,))
        elapsed = time.perf_counter() - started
        seconds.append(elapsed)
        mappings = genetic.mappings_evaluated + result.mappings_evaluated
        evaluated += mappings
        certified += result.certified_optimal
        gap = 0.0 if result.certified_optimal or result.lower_bound is None else result.gap / result.value
        gain = result.improvement_over_template
        print(
            f"layer={layer.name} objective={arguments.objective} seconds={elapsed:.2f} mappings_evaluated={mappings} "
            f"certified={result.certified_optimal} gap={gap:.2%} value={result.value:.6g} "
            f"best_template={result.best_template} template_value={result.best_template_value or float('nan'):.6g} "
            f"improvement_over_template={'n/a' if gain is None else f'{gain:.2f}x'}",
            flush=True,
        )
    print(
        f"layers={len(layers)} certified={certified} seconds_per_layer={statistics.median(seconds):.2f} "
        f"mappings_per_second={evaluated / sum(seconds):.0f}"
    )


if __name__ == "__main__":
    main()
