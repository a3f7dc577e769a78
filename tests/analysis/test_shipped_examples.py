"""The shipped example networks analyse in both modes; the default mode counts every layer's true MACs."""

from __future__ import annotations

import pytest

import mapscope
from mapscope.api import load_network
from mapscope.workload import layer_macs

MAPPINGS = ["resnet50_kcp_ws", "resnet50_yxp_os", "vgg16_kcp_ws", "vgg16_yxp_os"]


@pytest.mark.parametrize("example", MAPPINGS)
def test_default_mode_counts_the_true_macs_of_every_layer(example: str) -> None:
    network = load_network(example)
    stats = mapscope.analyze(example, "accelerator_256pe")
    assert [s.macs for s in stats.layers] == [layer_macs(m.layer) for m in network.layers]
    assert all(s.throughput_macs_per_cycle <= 256 for s in stats.layers)


@pytest.mark.parametrize("example", MAPPINGS)
def test_compat_mode_analyses_every_layer(example: str) -> None:
    stats = mapscope.analyze(example, "accelerator_256pe", compat="maestro")
    assert len(stats.layers) == len(load_network(example).layers)
    assert stats.macs > 0 and stats.runtime_cycles > 0


def test_results_convert_to_a_dataframe() -> None:
    pandas = pytest.importorskip("pandas")
    stats = mapscope.analyze("vgg16_kcp_ws", "accelerator_256pe")
    frame = stats.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame["layer"]) == [s.layer for s in stats.layers]
    assert int(frame["macs"].sum()) == stats.macs
