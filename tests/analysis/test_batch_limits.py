"""The batched engine works in int64: a layer whose counts could pass it is refused, not wrapped or crashed
(an OverflowError traceback, or numpy's silent wrap-around, before)."""

from __future__ import annotations

import numpy as np
import pytest

from mapscope.analysis.layer_analysis import layer_trace
from mapscope.analysis.layer_batch import HardwareArrays, layer_stats_batch
from mapscope.analysis.network_analysis import analyze_network
from mapscope.analysis.timing_batch import INT64_MAX, TimingArrays, runtime_batch
from mapscope.errors import InputError
from mapscope.formats.maestro.mapping_file import parse_mapping_text
from mapscope.hardware.accelerator import Accelerator


def network(size: int, pes: int = 16) -> str:
    return f"""Network N {{
  Layer L {{
    Type: CONV
    Dimensions {{ K: {size}, C: {size}, R: 1, S: 1, Y: {size}, X: {size} }}
    Dataflow {{ SpatialMap(1,1) K; TemporalMap(1,1) C; TemporalMap(1,1) Y; TemporalMap(1,1) X; }}
  }}
}}
"""


def hardware(latency: int = 1) -> HardwareArrays:
    one = np.ones(2, dtype=np.int64)
    return HardwareArrays(16, one, one * 64, one * latency, one * 64)


@pytest.mark.parametrize("size", [1_000_000, 2**31 - 1])
def test_a_layer_beyond_int64_is_refused_by_the_batch_and_counted_exactly_by_the_scalar_engine(size: int) -> None:
    mapped = parse_mapping_text(network(size), "big.m")
    exact = analyze_network(mapped, Accelerator(num_pes=16)).layers[0]
    assert exact.runtime_cycles > INT64_MAX and exact.macs == size**4
    with pytest.raises(InputError, match=r"^big\.m:2: layer L: its cycle and traffic counts could reach .* beyond the 64-bit integers"):
        layer_stats_batch(mapped.layers[0], hardware(), network_name="N")
    timing = hardware().timing(None)
    with pytest.raises(InputError, match="beyond the 64-bit integers of the batched engine"):
        runtime_batch(layer_trace(mapped.layers[0], 16, None), timing)


def test_the_noc_latency_counts_in_the_bound() -> None:
    mapped = parse_mapping_text(network(30_000), "big.m")
    trace = layer_trace(mapped.layers[0], 16, None)
    runtime, _ = runtime_batch(trace, hardware(latency=1).timing(None))
    assert int(runtime[0]) == analyze_network(mapped, Accelerator(num_pes=16, noc_latency_cycles=1)).layers[0].runtime_cycles
    huge_latency = TimingArrays(*(np.full(1, value, dtype=np.int64) for value in (64, 2**31 - 1, 1, 64)), False)
    with pytest.raises(InputError, match="64-bit"):
        runtime_batch(trace, huge_latency)
