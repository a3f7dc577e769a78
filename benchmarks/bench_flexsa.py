"""Time planning and evaluating ResNet-50 training GEMMs on the large, split and flexsa machines.

Usage: python benchmarks/bench_flexsa.py [--batch 32] [--array 128] [--repeat 3]

Cold start each time (every plan cache cleared). Prints, per machine, the seconds to compile and count
one training iteration (forward, data gradient and weight gradient GEMMs of all 54 layers) of the dense
network and of the final pruned network of the default synthetic trajectory; then the whole
trajectory (18 entries x 3 machines, as `mapscope flexsa` runs it). The last line is
``iteration_seconds=<s> trajectory_seconds=<s>``: the dense iteration on all three machines and the
whole trajectory, best of --repeat runs.
"""

from __future__ import annotations

import argparse
import time

from mapscope.systolic.compiler import clear_caches
from mapscope.systolic.energy import SystolicEnergyTable
from mapscope.systolic.results import compile_all, summarize
from mapscope.systolic.training_run import run_trajectory, standard_machines
from mapscope.workload.cnn_models import training_model
from mapscope.workload.pruning import synthetic_trajectory
from mapscope.workload.training import lower_network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--array", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    cnn = training_model("resnet50")
    trajectory = synthetic_trajectory(cnn)
    networks = trajectory.networks(cnn)
    machines = standard_machines(arguments.array)
    table = SystolicEnergyTable()

    def iteration(network_index: int, name: str) -> float:
        gemms = lower_network(networks[network_index], arguments.batch)
        clear_caches()
        start = time.perf_counter()
        summarize(compile_all(gemms, machines[name]), machines[name], table)
        return time.perf_counter() - start

    iteration_best = float("inf")
    for label, index in (("dense", 0), ("final pruned", -1)):
        for _ in range(arguments.repeat):
            seconds = {name: iteration(index, name) for name in machines}
            total = sum(seconds.values())
            if index == 0:
                iteration_best = min(iteration_best, total)
        gemm_count = len(lower_network(networks[index], arguments.batch))
        per_machine = "  ".join(f"{name}={value:.3f}s" for name, value in seconds.items())
        print(f"{label} iteration ({gemm_count} GEMMs): {per_machine}  all={total:.3f}s")

    trajectory_best = float("inf")
    for _ in range(arguments.repeat):
        clear_caches()
        start = time.perf_counter()
        run_trajectory(cnn, trajectory, machines, arguments.batch, table)
        trajectory_best = min(trajectory_best, time.perf_counter() - start)
    print(f"trajectory: {len(networks)} entries x {len(machines)} machines in {trajectory_best:.2f}s")
    print(f"iteration_seconds={iteration_best:.3f} trajectory_seconds={trajectory_best:.2f}")


if __name__ == "__main__":
    main()
