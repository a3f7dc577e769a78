"""Design-space exploration speed: ResNet-50 with the NVDLA-like kcp_ws mapping on a hardware sweep, one core.

Usage: python benchmarks/bench_explore.py [--repeat N]

The sweep: PEs {64..1024, powers of two} x SIMD {1..8} x NoC bandwidth {8..1024, 16 values} x NoC latency
{0..3} x off-chip bandwidth {4..512, 16 values} = 40,960 designs, each over ResNet-50's 54 layers. Only
timing-relevant parameters are swept (buffer sizes would add designs at no engine cost and flatter the rate).

Prints where the time goes, cold (traces built) and warm (traces cached, as in later batches of a run):
  - engine: network metrics of every design (`evaluate_maestro`): traces + batched timing + metrics;
  - designs: the same plus constraints, as one DesignBatch (`evaluate_design_batch`), what workers return;
then the end-to-end rate of one whole `mapscope explore` process (a fresh interpreter: imports, the space
file, the search on the default workers, a result store, the report) on the same sweep x 3 L2 sizes
(122,880 designs), written to a temporary folder: ``end_to_end_designs_per_second=<n>`` (best of --repeat);
then the same for a template-parameter space (TEMPLATE_SPACE: the `tiled` template's tile sizes, cluster
sizes, spatial dimension and loop order on ResNet-50 at 256 PEs, 11,760 designs, each a distinct mapping
of every layer): ``template_designs_per_second=<n>``;
and as its last line ``design_layers_per_second=<n>``: designs x layers per second of the cold engine run
(the rate of a fresh process scoring the whole sweep), taken as the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mapscope.api import load_network
from mapscope.explore import maestro_designs
from mapscope.explore.evaluation import evaluate_design_batch
from mapscope.explore.maestro_designs import MaestroWorkload, evaluate_maestro
from mapscope.explore.space import DesignSpace
from mapscope.hardware.accelerator import Accelerator
from mapscope.optimization.objectives import Objective

SWEEP = {
    "num_pes": [64, 128, 256, 512, 1024],
    "simd_lanes": list(range(1, 9)),
    "noc_bandwidth_elems_per_cycle": [int(v) for v in np.unique(np.geomspace(8, 1024, 16).round())],
    "noc_latency_cycles": [0, 1, 2, 3],
    "offchip_bandwidth_elems_per_cycle": [int(v) for v in np.unique(np.geomspace(4, 512, 16).round())],
}


def _points() -> list[dict[str, int]]:
    names = list(SWEEP)
    return [dict(zip(names, values)) for values in itertools.product(*SWEEP.values())]


#: Buffer sizes swept on top of SWEEP in the end-to-end run (no engine time; they enter area and the fit check).
L2_SIZES = [1048576, 2097152, 4194304]


def _space_text() -> str:
    lines = ["name: bench-explore", "network: resnet50_kcp_ws", "hardware:"]
    lines += [f"  {name}: {values}" for name, values in SWEEP.items()]
    lines += [f"  l2_size_elems: {L2_SIZES}", "objectives: [runtime, area]", "search:", "  strategy: grid"]
    return "\n".join(lines) + "\n"


#: A template-parameter space at fixed hardware: 2 x 2 x 7 x 7 x 4 x 5 x 3 = 11,760 mappings of ResNet-50.
TEMPLATE_SPACE = """name: bench-template
network: resnet50_kcp_ws
mapping:
  template: tiled
  parameters:
    spatial_dimension: [K, C]
    loop_order: [KCYX, CKYX]
    k_tile: [1, 2, 4, 8, 16, 32, 64]
    c_tile: [1, 2, 4, 8, 16, 32, 64]
    y_tile: [1, 2, 4, 7]
    x_tile: [1, 2, 4, 7, 14]
    cluster_size: [1, 4, 16]
hardware:
  num_pes: 256
objectives: [runtime, energy]
search:
  strategy: grid
"""
TEMPLATE_DESIGNS = 11_760


def _end_to_end_seconds(space_text: str | None = None) -> float:
    """Wall time of one `mapscope explore SPACE --store STORE` process on the sweep (or `space_text`), in a fresh folder."""
    with tempfile.TemporaryDirectory() as folder:
        space = Path(folder) / "space.yaml"
        space.write_text(space_text if space_text is not None else _space_text())
        command = [sys.executable, "-m", "mapscope.cli", "explore", str(space), "--store", str(Path(folder) / "results.db"), "--best", "3"]
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


def _timed(function, *arguments) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    function(*arguments)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    arguments = parser.parse_args()
    network = load_network("resnet50_kcp_ws")
    layers = len(network.layers)
    distinct = len({(m.layer.dimensions, m.layer.strides, m.dataflow) for m in network.layers})
    workload = MaestroWorkload(network, None, (), Accelerator(num_pes=256), None, identity="bench")
    space = DesignSpace("bench", "maestro", workload, tuple((k, tuple(v)) for k, v in SWEEP.items()), (), (), True, (Objective("runtime", (("runtime_cycles", 1.0),)),))
    points = _points()
    timing_points = len(points)
    print(f"sweep: {len(points):,} designs x {layers} layers ({distinct} distinct) = {len(points) * layers:,} design-layers")

    def cold_engine() -> None:
        maestro_designs._STRUCTURES.clear()
        evaluate_maestro(workload, points)

    def traces_only() -> None:
        maestro_designs._STRUCTURES.clear()
        for pes in SWEEP["num_pes"]:
            maestro_designs._structure(workload, pes, {})

    cold = min(_timed(cold_engine) for _ in range(arguments.repeat))
    tracing = min(_timed(traces_only) for _ in range(arguments.repeat))
    warm = min(_timed(evaluate_maestro, workload, points) for _ in range(arguments.repeat))
    columns = {name: np.array([point[name] for point in points]) for name in SWEEP}
    records = min(_timed(evaluate_design_batch, space, columns) for _ in range(arguments.repeat))
    print(f"traces (5 PE counts x {distinct} layers):   {tracing:8.3f} s")
    print(f"engine, cold (traces + timing + metrics): {cold:8.3f} s  {len(points) * layers / cold:14,.0f} design-layers/s")
    print(f"engine, warm (traces cached):             {warm:8.3f} s  {len(points) * layers / warm:14,.0f} design-layers/s")
    print(f"   per distinct layer:                               {timing_points * distinct / warm:14,.0f} design-layers/s")
    print(f"designs (warm engine + constraints, one DesignBatch): {records:8.3f} s  {len(points) / records:14,.0f} designs/s")
    designs = len(points) * len(L2_SIZES)
    end_to_end = min(_end_to_end_seconds() for _ in range(arguments.repeat))
    print(f"whole `mapscope explore` process, {designs:,} designs with a store: {end_to_end:8.3f} s")
    print(f"end_to_end_designs_per_second={designs / end_to_end:.0f}")
    template = min(_end_to_end_seconds(TEMPLATE_SPACE) for _ in range(arguments.repeat))
    print(f"whole `mapscope explore` process, {TEMPLATE_DESIGNS:,} template mappings at fixed hardware with a store: {template:8.3f} s")
    print(f"template_designs_per_second={TEMPLATE_DESIGNS / template:.0f}")
    print(f"design_layers_per_second={len(points) * layers / cold:.0f}")


if __name__ == "__main__":
    main()
