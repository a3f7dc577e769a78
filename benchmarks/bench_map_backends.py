"""Where `mapscope map`'s layer searches run, compared in one run: this process, 2 local processes
(``workers=2``) and a 2-worker Dask LocalCluster (``scheduler=``), on VGG-16 (kcp_ws file, 256-PE example).

Usage: python benchmarks/bench_map_backends.py [--budget-per-layer N]   (needs mapscope[dask])

Prints one line: the distinct layers, each backend's wall seconds, the two speed-ups over this process and
whether the three results have the same totals (they must: every layer's search is seeded alike). Compare
the ratios, not the seconds; the LocalCluster's scheduler runs in this process and shares its cores.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import distributed

import mapscope


def timed(budget: int, **options: Any) -> tuple[float, Any]:
    """Seconds of one `mapscope.map` call, and its result."""
    started = time.perf_counter()
    result = mapscope.map("vgg16_kcp_ws", "accelerator_256pe", budget_per_layer=budget, seed=0, **options)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-per-layer", type=int, default=300)
    budget = parser.parse_args().budget_per_layer
    alone, first = timed(budget)
    pooled, second = timed(budget, workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_dask, third = timed(budget, scheduler=client)
    same = first.totals == second.totals == third.totals
    print(
        f"distinct_layers={first.distinct_layers} in_process={alone:.2f}s workers2={pooled:.2f}s dask2={on_dask:.2f}s "
        f"speedup_workers2={alone / pooled:.2f}x speedup_dask2={alone / on_dask:.2f}x same_totals={same}"
    )


if __name__ == "__main__":
    main()
