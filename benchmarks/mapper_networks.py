"""The mapper on whole zoo networks against the templates: network gain, certified share, seconds per layer.

Usage: python benchmarks/mapper_networks.py [--networks resnet50 vgg16 mobilenet_v2] [--objectives runtime edp]
       [--hw accelerator_256pe] [--strategy S] [--budget-per-layer N] [--seed S]

Per (network, objective): `mapscope.map` (strategy and budget per distinct layer: the CLI's defaults
unless given), then from its result the network value, the best single template (each of the eight
templates applied to every layer at its default parameters; a template that cannot map a layer, or
whose mapping breaks the accelerator's L1/L2 capacities there, is out of this baseline, while the
others compete) and the per-layer best template (each layer's best feasible template), the improvement
over both, the share of distinct layers certified optimal, and the median seconds a distinct layer's
search took (wall, as `mapscope map` reports it) with the process CPU seconds per distinct layer
(`map` call over distinct layers). Each distinct layer's value is also compared with the best of ALL
templates on it (rs included, which is outside the mapper's space): "below floor" counts the layers
where the mapper is worse and names the template. Prints one markdown table row per (network,
objective) and a last summary line. One process, one core.
"""

from __future__ import annotations

import argparse
import statistics
import time

from mapscope.api import map as map_network
from mapscope.formats.sources import build_accelerator
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingConstraints, mapping_objective
from mapscope.mapper.network_search import NetworkMapping, layer_problem
from mapscope.mapper.network_totals import NetworkTotals, layer_value, template_table
from mapscope.mapping.templates import TEMPLATES
from mapscope.optimization.objectives import Objective

HEADER = (
    "| network | objective | distinct layers | mapper | best single template | gain | per-layer best template | gain "
    "| certified | median s/layer | CPU s/layer | below template floor |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def template_check(result: NetworkMapping, accelerator: Accelerator, objective: Objective) -> tuple[list[str], list[str]]:
    """The distinct layers whose mapping is worse than the best of all templates at default parameters on
    them (each as `layer (template, ratio)`), and the templates that cannot map some layer (or break a
    capacity there), which the best-single-template baseline leaves out."""
    worse, failing = [], set()
    for mapped, entry in zip(result.mapped.layers, result.layers):
        if entry.searched_as != entry.name:
            continue
        problem = layer_problem(mapped.layer, accelerator, objective, None, MappingConstraints(), result.compat, None)
        table = template_table(problem)
        failing |= {name for name, row in table.items() if row is None}
        values = {name: layer_value(objective, row[1]) for name, row in table.items() if row is not None}
        best = min(values, key=values.__getitem__, default=None)
        if best is not None and entry.search.value > values[best]:
            worse.append(f"{entry.name} ({best}, {entry.search.value / values[best]:.3f}x)")
    return worse, [name for name in TEMPLATES if name in failing]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=["resnet50", "vgg16", "mobilenet_v2"])
    parser.add_argument("--objectives", nargs="+", default=["runtime", "edp"], choices=("runtime", "energy", "edp"))
    parser.add_argument("--hw", default="accelerator_256pe")
    parser.add_argument("--strategy", default=None, help="default: the CLI's (genetic)")
    parser.add_argument("--budget-per-layer", type=int, default=None, help="default: the CLI's (1,000)")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    accelerator = build_accelerator(arguments.hw)
    print(HEADER, flush=True)
    seconds: list[float] = []
    certified = distinct = 0
    gains_single: list[float] = []
    gains_per_layer: list[float] = []
    worse_all: list[str] = []
    cpu_total = wall_total = 0.0
    for network in arguments.networks:
        for objective_name in arguments.objectives:
            cpu_started, wall_started = time.process_time(), time.perf_counter()
            result = map_network(network, accelerator, objective=objective_name, strategy=arguments.strategy,
                                 budget_per_layer=arguments.budget_per_layer, seed=arguments.seed)
            cpu = time.process_time() - cpu_started
            cpu_total += cpu
            wall_total += time.perf_counter() - wall_started
            layer_seconds = [entry.search.seconds for entry in result.layers if entry.searched_as == entry.name]
            seconds += layer_seconds
            certified += result.certified_layers
            distinct += result.distinct_layers
            single, per_layer = result.baselines.best_single_template, result.baselines.per_layer_best_template
            gain_single, gain_per_layer = result.improvement_over(single), result.improvement_over(per_layer)
            gains_single += [gain_single] if gain_single is not None else []
            gains_per_layer += [gain_per_layer] if gain_per_layer is not None else []
            worse, failing = template_check(result, accelerator, mapping_objective(objective_name))
            worse_all += [f"{network}/{objective_name}: {name}" for name in worse]
            print(
                f"| {network} | {objective_name} | {result.distinct_layers} of {len(result.layers)} | {result.totals.value:.4g} "
                f"| {_value(single)} ({single.template if single else 'none fits'}{'; ' + ', '.join(failing) + ' cannot map every layer' if failing else ''}) | {_ratio(gain_single)} "
                f"| {_value(per_layer)} | {_ratio(gain_per_layer)} "
                f"| {result.certified_layers}/{result.distinct_layers} ({result.certified_layers / result.distinct_layers:.0%}) "
                f"| {statistics.median(layer_seconds):.2f} | {cpu / result.distinct_layers:.2f} | {len(worse)}{': ' + ', '.join(worse) if worse else ''} |",
                flush=True,
            )
    print(
        f"summary: strategy={arguments.strategy or 'default'} budget_per_layer={arguments.budget_per_layer or 'default'} "
        f"distinct_layers={distinct} certified={certified} ({certified / distinct:.0%}) "
        f"median_seconds_per_layer={statistics.median(seconds):.2f} cpu_seconds_per_layer={cpu_total / distinct:.2f} "
        f"gain_over_best_single_template=[{min(gains_single):.2f}x, {max(gains_single):.2f}x] "
        f"gain_over_per_layer_best_template=[{min(gains_per_layer):.2f}x, {max(gains_per_layer):.2f}x] "
        f"layers_below_template_floor={len(worse_all)} wall_seconds={wall_total:.0f}"
    )
    for line in worse_all:
        print(f"below floor: {line}")


def _value(totals: NetworkTotals | None) -> str:
    """A baseline's network value, or a dash without one."""
    return "-" if totals is None or totals.value is None else f"{totals.value:.4g}"


def _ratio(gain: float | None) -> str:
    """An improvement ratio as `12.3x`, or a dash."""
    return "-" if gain is None else f"{gain:.2f}x"


if __name__ == "__main__":
    main()
