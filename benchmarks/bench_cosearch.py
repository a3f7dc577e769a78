"""Co-search cost against template designs: the shipped resnet50_cosearch space, once with its mappings
searched per design and once with the kcp_ws template, timed in one run (a ratio, not absolute seconds).

    PYTHONPATH=src python benchmarks/bench_cosearch.py [--workers N]
"""

from __future__ import annotations

import argparse
import time

import yaml

import mapscope.api as api
from mapscope.examples import example_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=1)
    workers = parser.parse_args().workers
    document = yaml.safe_load(example_path("resnet50_cosearch").read_text())
    templated = {**document, "mapping": {"template": "kcp_ws"}}
    timings = {}
    for label, space in (("searched", document), ("kcp_ws template", templated)):
        built = api.design_space(space)  # reading the network is not the designs' cost
        started = time.perf_counter()
        result = api.explore(built, workers=workers)
        timings[label] = (time.perf_counter() - started) / len(result.records)
        print(f"{label:>16}: {len(result.records)} designs, {len(result.feasible)} feasible, {timings[label] * 1e3:,.1f} ms per design")
    print(f"a searched design costs {timings['searched'] / timings['kcp_ws template']:,.0f}x a template design ({workers} worker(s))")


if __name__ == "__main__":
    main()
