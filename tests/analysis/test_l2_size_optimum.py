"""The README's L2 sweep in small: with horowitz45's size-aware SRAM energy and L2 spill, ResNet-50's energy
on accelerator_256pe falls and then rises with the L2 size (benchmarks/l2_sweep.py draws the whole curve)."""

from __future__ import annotations

import pytest

from mapscope.api import analyze, build_accelerator
from mapscope.formats.energy_table_file import load_energy_table
from mapscope.hardware.energy_lookup import access_energies
from mapscope.stats import NetworkStats

SIZES_KIB = (1, 4, 16, 1024)


def _at(kib: int) -> NetworkStats:
    accelerator = build_accelerator("accelerator_256pe", {"l2_size_elems": kib * 512})  # 16-bit elements
    return analyze("resnet50_kcp_ws", accelerator, energy_table=access_energies(load_energy_table("horowitz45"), accelerator).engine_table())


@pytest.fixture(scope="module")
def sweep() -> dict[int, NetworkStats]:
    return {kib: _at(kib) for kib in SIZES_KIB}


def _total(stats: NetworkStats, name: str) -> float:
    return sum(getattr(layer, name) for layer in stats.layers)


def test_the_energy_has_an_interior_minimum(sweep: dict[int, NetworkStats]) -> None:
    energy = {kib: _total(stats, "energy_nj") for kib, stats in sweep.items()}
    best = min(energy, key=energy.__getitem__)
    assert best not in (SIZES_KIB[0], SIZES_KIB[-1]), energy


def test_dram_falls_and_l2_energy_rises_with_the_size(sweep: dict[int, NetworkStats]) -> None:
    dram = [_total(sweep[kib], "dram_read_elems") + _total(sweep[kib], "dram_write_elems") for kib in SIZES_KIB]
    assert dram == sorted(dram, reverse=True) and dram[0] > dram[-1]
    largest_requirement = max(layer.l2_size_req_elems for layer in sweep[SIZES_KIB[-1]].layers)
    fitting = [kib for kib in SIZES_KIB if kib * 512 >= largest_requirement]
    assert len(fitting) >= 2 and len({_total(sweep[kib], "dram_energy_pj") for kib in fitting}) == 1  # nothing spills: DRAM flat
    l2 = [_total(sweep[kib], "l2_energy_pj") for kib in fitting]
    assert l2 == sorted(l2) and l2[0] < l2[-1]  # the same accesses, each dearer in a larger SRAM
