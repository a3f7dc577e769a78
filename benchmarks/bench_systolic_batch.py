"""Rate of batched single-array evaluation: ResNet-50's forward GEMMs on a grid of array shapes.

Usage: python benchmarks/bench_systolic_batch.py [--batch 32] [--step 8] [--max 256] [--repeat 3] [--scalar-shapes 16]

Evaluates every forward GEMM of ResNet-50 (one per layer) on every rows x cols array with rows, cols
in {step, 2 step, ..., max}, in the three dataflows, with `single_array_batch`, best of --repeat
runs. For comparison, `run_single_array` on the same GEMMs and dataflows over --scalar-shapes
evenly spaced shapes of the grid. Prints both rates; the last line is ``evaluations_per_second=<n>``
(batched, GEMM x array shape x dataflow evaluations per second).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mapscope.systolic.batched import network_batch, single_array_batch
from mapscope.systolic.single_array import Dataflow, run_single_array
from mapscope.workload.cnn_models import training_model
from mapscope.workload.gemm import TrainingPass
from mapscope.workload.training import lower_network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--step", type=int, default=8)
    parser.add_argument("--max", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scalar-shapes", type=int, default=16)
    arguments = parser.parse_args()

    gemms = [g for g in lower_network(training_model("resnet50"), arguments.batch) if g.training_pass is TrainingPass.FORWARD]
    sizes = np.arange(arguments.step, arguments.max + 1, arguments.step, dtype=np.int64)
    rows, cols = (axis.ravel() for axis in np.meshgrid(sizes, sizes, indexing="ij"))
    evaluations = len(gemms) * rows.size * len(Dataflow)
    print(f"ResNet-50 forward, batch {arguments.batch}: {len(gemms)} GEMMs x {rows.size} array shapes x {len(Dataflow)} dataflows")

    batched_seconds = float("inf")
    for _ in range(arguments.repeat):
        start = time.perf_counter()
        for dataflow in Dataflow:
            for gemm in gemms:
                single_array_batch(gemm, rows, cols, dataflow)
        batched_seconds = min(batched_seconds, time.perf_counter() - start)
    network_seconds = float("inf")
    for _ in range(arguments.repeat):
        start = time.perf_counter()
        for dataflow in Dataflow:
            network_batch(gemms, rows, cols, dataflow)
        network_seconds = min(network_seconds, time.perf_counter() - start)

    picks = np.linspace(0, rows.size - 1, min(arguments.scalar_shapes, rows.size)).round().astype(np.int64)
    start = time.perf_counter()
    for dataflow in Dataflow:
        for gemm in gemms:
            for i in picks.tolist():
                run_single_array(gemm, int(rows[i]), int(cols[i]), dataflow)
    scalar_seconds = time.perf_counter() - start
    scalar_rate = len(gemms) * picks.size * len(Dataflow) / scalar_seconds

    rate = evaluations / batched_seconds
    print(f"scalar run_single_array: {scalar_rate:,.0f} evaluations/s ({picks.size} shapes sampled)")
    print(f"single_array_batch: {evaluations} evaluations in {batched_seconds:.3f} s")
    print(f"network_batch (whole network per shape, three dataflows): {network_seconds:.3f} s")
    print(f"speed-up over scalar: {rate / scalar_rate:,.0f}x")
    print(f"evaluations_per_second={rate:.0f}")


if __name__ == "__main__":
    main()
