"""L2 spill (docs/energy.md, Energy that adds up): tensors an L2 cannot hold bypass it, their traffic going to DRAM.

A layer that fits is unchanged; one that does not moves exactly the spilled tensors' traffic; the
components stay count x per-access energy; shrinking L2 never lowers DRAM traffic; compat mode ignores it.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.analysis.layer_analysis import analyze_layer
from mapscope.analysis.layer_fields import ieee_ratio, l2_residency
from mapscope.api import load_network
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.hardware.energy import MAESTRO_ENERGY
from mapscope.stats import TENSORS, LayerStats

NETWORK = load_network("resnet50_kcp_ws")
LAYERS = NETWORK.layers[:8]
BASE = Accelerator(num_pes=256, noc_bandwidth_elems_per_cycle=64, offchip_bandwidth_elems_per_cycle=16, noc_latency_cycles=1)


def stats_at(index: int, l2_size_elems: int, compat: str | None = None) -> LayerStats:
    accelerator = replace(BASE, l2_size_elems=l2_size_elems)
    return analyze_layer(LAYERS[index], accelerator, network_name="n", compat=compat, energy_table=None, previous_l1_accesses=0).stats


def tensor(layer: LayerStats, name: str, kind: str) -> int:
    return getattr(layer, f"{name}_{kind}_elems")


def dram(layer: LayerStats) -> int:
    return layer.dram_read_elems + layer.dram_write_elems


@pytest.mark.parametrize("index", range(len(LAYERS)))
def test_a_layer_that_fits_is_unchanged(index: int) -> None:
    unlimited = stats_at(index, UNLIMITED)
    assert stats_at(index, unlimited.l2_size_req_elems) == unlimited
    assert unlimited.dram_read_elems == unlimited.input_l2_write_elems + unlimited.filter_l2_write_elems


@pytest.mark.parametrize("index", range(len(LAYERS)))
def test_the_least_reused_tensor_spills_first_and_moves_exactly_its_traffic(index: int) -> None:
    held = stats_at(index, UNLIMITED)
    reuse = {t: ieee_ratio(tensor(held, t, "l2_read"), tensor(held, t, "l2_write")) for t in TENSORS}
    order = sorted(TENSORS, key=lambda t: (-reuse[t], TENSORS.index(t)))
    last = order[-1]
    capacity = held.l2_size_req_elems - 1  # everything but the last tensor fits
    assert tensor(held, last, "l2_size_req") > 0
    spilled = stats_at(index, capacity)
    reads, writes = tensor(held, last, "l2_read"), tensor(held, last, "l2_write")
    assert spilled.l2_access_elems == held.l2_access_elems - reads - writes
    if last == "output":
        assert spilled.dram_read_elems == held.dram_read_elems
        assert spilled.dram_write_elems == max(writes, reads)
    else:
        assert spilled.dram_write_elems == held.dram_write_elems
        assert spilled.dram_read_elems == held.dram_read_elems - writes + max(reads, writes)
    # what no L2 capacity changes: the MACs, L1 and the NoC; the per-tensor counts are the mapping's own
    for name in ("macs", "l1_access_elems", "noc_transfer_elems", "l2_size_req_elems", f"{last}_l2_read_elems", "runtime_cycles"):
        assert getattr(spilled, name) == getattr(held, name)
    prices = MAESTRO_ENERGY.per_access_pj()
    moved_pj = prices["dram"] * (dram(spilled) - dram(held)) - prices["l2"] * (reads + writes)
    assert spilled.energy_nj == pytest.approx(held.energy_nj + moved_pj / 1000)  # a tensor read once per fill can save energy


@pytest.mark.parametrize("index", range(len(LAYERS)))
def test_components_are_count_times_price_when_spilling(index: int) -> None:
    layer = stats_at(index, 1)
    prices = MAESTRO_ENERGY.per_access_pj()
    assert layer.l2_access_elems == 0  # no tensor fits one element
    assert layer.l2_energy_pj == 0
    assert layer.dram_energy_pj == pytest.approx(prices["dram"] * dram(layer))
    total = layer.mac_energy_pj + layer.l1_energy_pj + layer.l2_energy_pj + layer.noc_energy_pj + layer.dram_energy_pj
    assert layer.energy_nj == pytest.approx(total / 1000)


@settings(max_examples=examples(40), deadline=None)
@given(index=st.integers(0, len(LAYERS) - 1), capacities=st.lists(st.integers(1, 300_000), min_size=2, max_size=5))
def test_shrinking_l2_never_lowers_dram_traffic(index: int, capacities: list[int]) -> None:
    traffic = [dram(stats_at(index, capacity)) for capacity in sorted(capacities)]
    assert traffic == sorted(traffic, reverse=True)


@pytest.mark.parametrize("index", [0, 3])
def test_compat_mode_ignores_the_capacity(index: int) -> None:
    assert asdict(stats_at(index, 1, "maestro")) == asdict(stats_at(index, UNLIMITED, "maestro"))


def test_residency_is_a_prefix_in_reuse_order() -> None:
    totals = {"l2_read_input": 10, "l2_write_input": 5, "l2_size_req_input": 4}  # reuse 2
    totals |= {"l2_read_filter": 30, "l2_write_filter": 3, "l2_size_req_filter": 6}  # reuse 10: first
    totals |= {"l2_read_output": 2, "l2_write_output": 2, "l2_size_req_output": 1}  # reuse 1: last
    assert l2_residency(totals, 6, ieee_ratio) == {"input": False, "filter": True, "output": False}  # the output would fit, but comes after
    assert l2_residency(totals, 10, ieee_ratio) == {"input": True, "filter": True, "output": False}
    assert l2_residency(totals, 11, ieee_ratio) == dict.fromkeys(TENSORS, True)
    assert l2_residency(totals, None, ieee_ratio) == dict.fromkeys(TENSORS, True)
    huge = {name: count * 2**30 for name, count in totals.items()}  # requirements beyond 2**31 - 1: unlimited still holds them
    assert l2_residency(huge, UNLIMITED, ieee_ratio) == dict.fromkeys(TENSORS, True)
