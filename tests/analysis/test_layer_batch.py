"""The batched engine equals the one-at-a-time engine on every field, for random layers and hardware."""

from __future__ import annotations

import math
from dataclasses import asdict
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from property_settings import examples
from hypothesis import strategies as st
from shared_data import BUNDLED_MAPPINGS

from mapscope.analysis.layer_analysis import analyze_layer, layer_trace
from mapscope.analysis.layer_batch import HardwareArrays, layer_stats_batch
from mapscope.api import load_network
from mapscope.errors import InputError
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.mapping.mapped_network import MappedLayer

EXAMPLES = ("resnet50_kcp_ws", "resnet50_yxp_os", "vgg16_kcp_ws", "vgg16_yxp_os")
MAESTRO_FILES = ("Resnet50_rs", "Resnet50_nlr", "Resnet50_xp_ws", "MobileNetV2_kcp_ws", "UNet_RS", "squeezenet1_0_ykp_os")


@cache
def _layers() -> tuple[MappedLayer, ...]:
    """Distinct layer/dataflow pairs of the shipped examples and of some MAESTRO bundled mappings."""
    networks = [load_network(name) for name in EXAMPLES]
    for path in BUNDLED_MAPPINGS:
        if path.stem in MAESTRO_FILES:
            try:
                networks.append(load_network(path))
            except InputError:
                continue  # MAESTRO rejects a few of its own files at parse time (tests/test_bundled_mappings.py)
    seen: dict[tuple, MappedLayer] = {}
    for network in networks:
        for mapped in network.layers:
            key = (mapped.layer.type, mapped.layer.dimensions, mapped.layer.strides, mapped.dataflow)
            seen.setdefault(key, mapped)
    return tuple(seen.values())


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    return left == right and type(left) is type(right)


bandwidths = st.one_of(st.integers(1, 300), st.sampled_from([1024, 70000, UNLIMITED]))
hardware_points = st.lists(
    st.tuples(st.integers(1, 8), bandwidths, st.integers(0, 6), bandwidths), min_size=1, max_size=6
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layer_index=st.integers(0, 10_000),
    num_pes=st.sampled_from([1, 7, 16, 64, 100, 256, 1024]),
    points=hardware_points,
    compat=st.sampled_from([None, "maestro"]),
    l2_size=st.sampled_from([UNLIMITED, 64, 4096]),  # small ones: tensors spill to DRAM
)
def test_batch_equals_single_on_every_field(layer_index: int, num_pes: int, points: list, compat: str | None, l2_size: int) -> None:
    layers = _layers()
    mapped = layers[layer_index % len(layers)]
    accelerators = [
        Accelerator(
            num_pes=num_pes, simd_lanes=s, noc_bandwidth_elems_per_cycle=b, noc_latency_cycles=lat, offchip_bandwidth_elems_per_cycle=o, l2_size_elems=l2_size
        )
        for s, b, lat, o in points
    ]
    try:
        trace = layer_trace(mapped, num_pes, compat)
    except InputError:
        return  # the mapping itself is invalid on this PE count: nothing to batch
    batch = layer_stats_batch(mapped, HardwareArrays.from_accelerators(accelerators), network_name="n", compat=compat, trace=trace)
    for index, accelerator in enumerate(accelerators):
        try:
            single = analyze_layer(mapped, accelerator, network_name="n", compat=compat, energy_table=None, previous_l1_accesses=0)
        except InputError:
            assert not batch.valid[index]
            continue
        assert batch.valid[index]
        expected, got = asdict(single.stats), asdict(batch.stats_at(index))
        different = {k: (expected[k], got[k]) for k in expected if not _same(expected[k], got[k])}
        assert not different, f"{mapped.layer.name} on {accelerator}: {different}"


def test_every_bundled_layer_batches_exactly_on_the_example_hardware_sweep() -> None:
    """Deterministic companion: all distinct layers x a fixed 3x3x2x2 sweep at 256 PEs, default mode."""
    grid = [(s, b, lat, o) for s in (1, 4, 16) for b in (1, 32, UNLIMITED) for lat in (0, 2) for o in (16, 70000)]
    accelerators = [
        Accelerator(num_pes=256, simd_lanes=s, noc_bandwidth_elems_per_cycle=b, noc_latency_cycles=lat, offchip_bandwidth_elems_per_cycle=o)
        for s, b, lat, o in grid
    ]
    hardware = HardwareArrays.from_accelerators(accelerators)
    checked = 0
    for mapped in _layers()[::3]:
        try:
            batch = layer_stats_batch(mapped, hardware, network_name="n")
        except InputError:
            continue
        for index in (0, 7, len(accelerators) - 1):
            try:
                single = analyze_layer(mapped, accelerators[index], network_name="n", compat=None, energy_table=None, previous_l1_accesses=0)
            except InputError:
                assert not batch.valid[index]
                continue
            expected, got = asdict(single.stats), asdict(batch.stats_at(index))
            assert all(_same(expected[k], got[k]) for k in expected), mapped.layer.name
            checked += 1
    assert checked > 30


def test_mixed_pe_counts_or_l2_sizes_are_refused() -> None:
    with pytest.raises(InputError, match="one PE count"):
        HardwareArrays.from_accelerators([Accelerator(num_pes=4), Accelerator(num_pes=8)])
    with pytest.raises(InputError, match="one L2 size"):
        HardwareArrays.from_accelerators([Accelerator(num_pes=4), Accelerator(num_pes=4, l2_size_elems=64)])


def test_non_positive_bandwidth_is_refused() -> None:
    ones = np.ones(2, dtype=np.int64)
    with pytest.raises(InputError, match="positive"):
        HardwareArrays(4, ones, np.array([1, 0]), ones, ones)
