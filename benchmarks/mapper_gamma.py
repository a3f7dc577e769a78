"""The genetic strategy at GAMMA's population and generation counts against the exhaustive search's
certified optimum (or its best value and lower bound), layer by layer on ResNet-50 at 256 PEs.

Usage: python benchmarks/mapper_gamma.py [--objective runtime|edp] [--layers N] [--budget N] [--settings 20x2,...]
       [--seeds K] [--cold] [--hw accelerator_256pe] [--network resnet50]

Layers: every distinct layer (identical shapes once) of the zoo's resnet50 (or --network), or the first
--layers of them. Reference: `network_search.map_network` of the layer alone with the exhaustive strategy
and --budget evaluations; certified when it finishes, else the optimum lies in [its lower bound, the best
value any search here found] ("best-known"). Genetic: `genetic_search` with GAMMA's population P and
generations G (`--settings PxG`, or `PxG/K` for K seeds; default 20x2, the argparse defaults of GAMMA's src/GAMMA/main.py),
P x (G + 1) evaluations (GAMMA evaluates its first population, then P children per generation), 5% elites
as GAMMA (at least one), seeds 0 to K-1; with `--cold` it starts from uniform members only, as GAMMA
does, instead of the templates and uniform members. The gap of a genetic value v is v / optimum - 1 on
certified rows, else the range [v / best-known - 1, v / bound - 1]; per setting the median over seeds.
Seconds are process CPU seconds (exhaustive: per layer; genetic: per run), robust to a shared machine.
Prints markdown table rows (one per layer) and a summary line per setting. One process, one core.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

from mapscope.formats.sources import build_accelerator, load_workload
from mapscope.mapper import GeneticSettings, MappingConstraints, SearchResult, genetic_search, mapping_objective
from mapscope.mapper.network_search import layer_problem, map_network
from mapscope.mapping.mapped_workload import map_workload
from mapscope.workload.layer import Layer
from mapscope.workload.network import Network

#: GAMMA's share of elites per generation (`elite_ratio` of GAMMA's `run`, src/GAMMA/gamma.py).
GAMMA_ELITE_RATIO = 0.05


@dataclasses.dataclass(frozen=True)
class GammaSetting:
    """A population size and generation count, as GAMMA's `--num_pop` and `--epochs`."""

    population: int
    generations: int
    seeds: int

    @property
    def budget(self) -> int:
        """Evaluations GAMMA spends on new members: the first population, then one per generation."""
        return self.population * (self.generations + 1)

    @property
    def settings(self) -> GeneticSettings:
        """Our genetic search's settings with GAMMA's population and elite share."""
        return GeneticSettings(population=self.population, elite=max(1, int(self.population * GAMMA_ELITE_RATIO)))


def parse_setting(text: str, seeds: int) -> GammaSetting:
    """`PxG` (run with `seeds` seeds) or `PxG/K` (K seeds) as a setting."""
    shape, _, own_seeds = text.lower().partition("/")
    population, _, generations = shape.partition("x")
    return GammaSetting(int(population), int(generations), int(own_seeds or seeds))


def distinct_layers(source: str, num_pes: int) -> list[Layer]:
    """The source's layers with identical shapes once, in network order."""
    network = map_workload(load_workload(source), dataflow=None, num_pes=num_pes, unmapped_ok=True).network.network
    first: dict[Layer, Layer] = {}
    for layer in network.layers:
        first.setdefault(dataclasses.replace(layer, name=""), layer)
    return list(first.values())


def gap_text(values: list[float], reference: SearchResult, best_known: float) -> str:
    """The median seed's gap to the optimum: one figure when certified, else a range."""
    value = statistics.median(values)
    if reference.certified_optimal:
        return f"{value / reference.value - 1:+.1%}"
    bound = reference.lower_bound
    upper = "?" if not bound else f"{value / bound - 1:+.1%}"
    return f"{value / best_known - 1:+.1%} to {upper}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", default="runtime", choices=("runtime", "energy", "edp"))
    parser.add_argument("--network", default="resnet50")
    parser.add_argument("--hw", default="accelerator_256pe")
    parser.add_argument("--layers", type=int, default=None, help="only the first N distinct layers")
    parser.add_argument("--budget", type=int, default=20000, help="exhaustive evaluations per layer")
    parser.add_argument("--settings", default="20x2", help="comma-separated PxG[/K]: GAMMA's --num_pop x --epochs [seeds]")
    parser.add_argument("--seeds", type=int, default=3, help="seeds of a setting that does not give its own")
    parser.add_argument("--cold", action="store_true", help="no template warm starts (GAMMA starts from random members)")
    arguments = parser.parse_args()
    accelerator = build_accelerator(arguments.hw)
    objective = mapping_objective(arguments.objective)
    settings = [parse_setting(text, arguments.seeds) for text in arguments.settings.split(",")]
    layers = distinct_layers(arguments.network, accelerator.num_pes)[: arguments.layers]

    columns = " | ".join(f"{s.population}x{s.generations} gap ({s.seeds} seeds) | s" for s in settings)
    print(f"| layer | certified | optimum or [bound, best-known] | exhaustive s | {columns} |")
    print("|---|---|---|---|" + "---|---|" * len(settings))
    gaps: dict[GammaSetting, list[float]] = {s: [] for s in settings}
    bound_gaps: dict[GammaSetting, list[float]] = {s: [] for s in settings}
    seconds: dict[GammaSetting, float] = {s: 0.0 for s in settings}
    exhaustive_seconds = 0.0
    certified = 0
    for layer in layers:
        started = time.process_time()
        exact = map_network(Network(arguments.network, (layer,)), accelerator, objective, strategy="exhaustive", budget_per_layer=arguments.budget).layers[0].search
        exact_seconds = time.process_time() - started
        exhaustive_seconds += exact_seconds
        certified += exact.certified_optimal
        problem = layer_problem(layer, accelerator, objective, None, MappingConstraints(), None, None)
        if arguments.cold:
            problem = dataclasses.replace(problem, starts=())
        runs: dict[GammaSetting, list[SearchResult]] = {}
        seconds_of: dict[GammaSetting, float] = {}
        for setting in settings:
            started = time.process_time()
            runs[setting] = [genetic_search(problem, budget=setting.budget, seed=seed, settings=setting.settings) for seed in range(setting.seeds)]
            seconds_of[setting] = time.process_time() - started
            seconds[setting] += seconds_of[setting]
        best_known = min([exact.value] + [run.value for results in runs.values() for run in results])
        cells = []
        for setting in settings:
            values = [run.value for run in runs[setting]]
            median = statistics.median(values)
            gaps[setting].append(median / best_known - 1)
            if exact.lower_bound:
                bound_gaps[setting].append(median / exact.lower_bound - 1)
            cells.append(f"{gap_text(values, exact, best_known)} | {seconds_of[setting] / setting.seeds:.2f}")
        where = f"{exact.value:.4g}" if exact.certified_optimal else f"[{exact.lower_bound or float('nan'):.4g}, {best_known:.4g}]"
        print(f"| {layer.name} | {'yes' if exact.certified_optimal else 'no'} | {where} | {exact_seconds:.2f} | {' | '.join(cells)} |", flush=True)
    for setting in settings:
        print(
            f"summary: {arguments.network} {arguments.objective} {setting.population}x{setting.generations} "
            f"({setting.budget} evaluations, {setting.seeds} seeds{', cold' if arguments.cold else ''}) layers={len(layers)} "
            f"certified={certified} exhaustive_budget={arguments.budget} "
            f"median_gap_to_best_known={statistics.median(gaps[setting]):+.1%} max_gap_to_best_known={max(gaps[setting]):+.1%} "
            f"at_best_known={sum(gap <= 0 for gap in gaps[setting])}/{len(layers)} "
            f"median_gap_to_bound={statistics.median(bound_gaps[setting]) if bound_gaps[setting] else float('nan'):+.1%} "
            f"genetic_seconds_per_run={seconds[setting] / (len(layers) * setting.seeds):.2f} "
            f"exhaustive_seconds_per_layer={exhaustive_seconds / len(layers):.2f}"
        )


if __name__ == "__main__":
    main()
