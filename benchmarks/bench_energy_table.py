"""Explore's engine rate with and without a size-aware energy table, on the shipped area-budget space, one core.

Usage: python benchmarks/bench_energy_table.py [--repeat N] [--without-table-only]

Every design of `resnet50_area_budget` (7,020: PEs x NoC bandwidth x L1 x L2 x cluster size) is evaluated by
`evaluate_maestro` in batches of 4,096, as explore's workers do, cold (traces built, caches empty) and warm
(traces cached, as in later batches of a run): once as shipped (`energy_table: horowitz45`, every design
priced by its own L1 and L2 sizes) and once with the default table (`energy_table` left out). Prints the
designs per second of each (best of --repeat) and their ratio. `--without-table-only` runs the second
alone: with PYTHONPATH=<older checkout>/src, the rate before energy tables on the same space.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import yaml

import mapscope.api as api
from mapscope.explore import maestro_designs
from mapscope.explore.maestro_designs import evaluate_maestro

BATCH = 4096
#: This checkout's example, read by path so that an older checkout's engine (PYTHONPATH) runs the same space.
SPACE = Path(__file__).resolve().parents[1] / "src" / "mapscope" / "examples" / "resnet50_area_budget.yaml"


def _document(with_table: bool) -> dict:
    document = yaml.safe_load(SPACE.read_text())
    if not with_table:
        document.pop("energy_table", None)
        document["constraints"]["buffers_fit"] = False  # the engine never reads it; older checkouts know no `l1`
    return document


def _rate(with_table: bool, repeat: int) -> tuple[float, float, int]:
    """(cold, warm) designs per second, best of `repeat`, and the design count."""
    space = api.design_space(_document(with_table))
    names = [name for name, _ in space.parameters]
    rows = list(itertools.product(*[list(values) for _, values in space.parameters]))
    columns = {name: np.array([row[i] for row in rows]) for i, name in enumerate(names)}
    best = [0.0, 0.0]
    for _ in range(repeat):
        maestro_designs._STRUCTURES.clear()
        for which in (0, 1):
            started = time.perf_counter()
            for start in range(0, len(rows), BATCH):
                batch = evaluate_maestro(space.workload, {name: column[start : start + BATCH] for name, column in columns.items()})
                assert batch.count == min(BATCH, len(rows) - start)
            best[which] = max(best[which], len(rows) / (time.perf_counter() - started))
    return best[0], best[1], len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--without-table-only", action="store_true")
    arguments = parser.parse_args()
    results = {}
    for with_table in (False,) if arguments.without_table_only else (False, True):
        cold, warm, count = _rate(with_table, arguments.repeat)
        label = "with_table" if with_table else "without_table"
        results[label] = (cold, warm)
        print(f"{label}: {count:,} designs, cold {cold:,.0f} designs/s, warm {warm:,.0f} designs/s")
    if len(results) == 2:
        (cold_plain, warm_plain), (cold_priced, warm_priced) = results["without_table"], results["with_table"]
        print(f"ratio_with_to_without: cold {cold_priced / cold_plain:.2f}, warm {warm_priced / warm_plain:.2f}")


if __name__ == "__main__":
    main()
