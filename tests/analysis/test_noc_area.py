"""Area with an unlimited NoC: sized for the peak requirement in the default mode, MAESTRO's bus in compat."""

from __future__ import annotations

import dataclasses

import pytest

import mapscope
from mapscope.analysis.layer_batch import HardwareArrays, layer_stats_batch
from mapscope.api import load_network
from mapscope.hardware.accelerator import UNLIMITED, Accelerator

UNLIMITED_NOC = Accelerator(num_pes=1024, noc_bandwidth_elems_per_cycle=UNLIMITED)


def test_an_unlimited_noc_is_sized_for_the_layers_peak_requirement() -> None:
    stats = mapscope.analyze("resnet50_kcp_ws", UNLIMITED_NOC)
    for layer in stats.layers[:3]:
        sized = dataclasses.replace(UNLIMITED_NOC, noc_bandwidth_elems_per_cycle=int(layer.peak_noc_bw_elems_per_cycle))
        same = mapscope.analyze(load_network("resnet50_kcp_ws"), sized).layers[stats.layers.index(layer)]
        assert layer.area_um2 == pytest.approx(same.area_um2)
        assert layer.area_um2 / 1e6 < 10_000  # mm²; the 2**31 - 1-wide bus gave 3.3e9


def test_compat_keeps_maestros_bus() -> None:
    layer = mapscope.analyze("resnet50_kcp_ws", UNLIMITED_NOC, compat="maestro").layers[0]
    assert layer.area_um2 / 1e6 > 1e9


@pytest.mark.parametrize("compat", [None, "maestro"])
def test_the_hardware_batch_agrees(compat: str | None) -> None:
    mapped = load_network("resnet50_kcp_ws").layers[0]
    hardware = HardwareArrays.from_accelerators([UNLIMITED_NOC, dataclasses.replace(UNLIMITED_NOC, noc_bandwidth_elems_per_cycle=64)])
    batch = layer_stats_batch(mapped, hardware, network_name="ResNet50", compat=compat)
    for index, accelerator in enumerate((UNLIMITED_NOC, dataclasses.replace(UNLIMITED_NOC, noc_bandwidth_elems_per_cycle=64))):
        scalar = mapscope.analyze(load_network("resnet50_kcp_ws"), accelerator, compat=compat).layers[0]
        assert batch.stats_at(index).area_um2 == pytest.approx(scalar.area_um2)
