"""MAESTRO-engine designs beyond what the batched engine counts exactly are errors of that design, not of the run."""

from __future__ import annotations

import numpy as np

from mapscope.explore.maestro_designs import LONGEST_RUNTIME_CYCLES, MaestroWorkload, evaluate_maestro
from mapscope.formats.maestro.mapping_file import parse_mapping_text
from mapscope.hardware.accelerator import Accelerator


def _workload(size: int, layers: int) -> MaestroWorkload:
    """`layers` identical CONV layers of `size` in K, C, Y and X, one output channel per PE."""
    body = "".join(
        f"""  Layer L{index} {{
    Type: CONV
    Dimensions {{ K: {size}, C: {size}, R: 1, S: 1, Y: {size}, X: {size} }}
    Dataflow {{ SpatialMap(1,1) K; TemporalMap(1,1) C; TemporalMap(1,1) Y; TemporalMap(1,1) X; }}
  }}
"""
        for index in range(layers)
    )
    network = parse_mapping_text("Network N {\n" + body + "}\n", "big.m")
    return MaestroWorkload(network, None, (), Accelerator(num_pes=16), None, identity=f"big-{size}-{layers}")  # keys the trace cache


DESIGNS = [{"num_pes": 16, "noc_bandwidth_elems_per_cycle": 64}, {"num_pes": 16, "noc_bandwidth_elems_per_cycle": 2**31 - 1}]


def test_a_layer_beyond_the_batched_engine_marks_its_designs_instead_of_ending_the_run() -> None:
    batch = evaluate_maestro(_workload(1_000_000, 1), DESIGNS)
    assert all(error is not None and error.startswith("timing rejected: ") and "64-bit" in error for error in (batch.errors.get(i) for i in range(len(DESIGNS))))


def test_a_network_runtime_that_would_wrap_int64_is_an_error_of_the_design() -> None:
    batch = evaluate_maestro(_workload(40_000, 40), DESIGNS)  # 40 x 1.6e17 cycles = 6.4e18 > 2**62
    assert all(error is not None and "beyond what is counted exactly" in error for error in (batch.errors.get(i) for i in range(len(DESIGNS))))
    fits = evaluate_maestro(_workload(40_000, 2), DESIGNS)  # 3.2e17 > 2**53: counted, exactly, as int64
    assert fits.errors == {}
    assert fits.metrics["runtime_cycles"].dtype == np.int64
    assert int(fits.metrics["runtime_cycles"][0]) == 2 * 40_000**4 // 16 < LONGEST_RUNTIME_CYCLES
    assert int(fits.metrics["macs"][0]) == 2 * 40_000**4


def test_a_mac_count_beyond_int64_is_an_error_of_the_design() -> None:
    batch = evaluate_maestro(_workload(40_000, 20), DESIGNS)  # 5.12e19 MACs > 2**63 - 1, runtime 3.2e18 < 2**62
    assert all(error is not None and "macs reaches 5.12e+19" in error for error in (batch.errors.get(i) for i in range(len(DESIGNS))))
