"""Every zoo network x every dataflow template analyses without error, with the network's true MAC count,
at PE counts that do and do not divide the layers (default, corrected mode)."""

from __future__ import annotations

import pytest

from mapscope.api import analyze, build_accelerator
from mapscope.mapping.templates import TEMPLATES
from mapscope.workload.zoo import ZOO
from mapscope.formats.sources import load_workload
from mapscope.mapping.mapped_workload import map_workload

PE_COUNTS = (256, 100)


@pytest.mark.parametrize("num_pes", PE_COUNTS)
@pytest.mark.parametrize("template_name", sorted(TEMPLATES))
@pytest.mark.parametrize("network", sorted(ZOO))
def test_zoo_network_maps_and_keeps_its_macs(network: str, template_name: str, num_pes: int) -> None:
    mapped = map_workload(load_workload(network), dataflow=template_name, num_pes=num_pes)
    assert mapped.lowered is not None
    stats = analyze(mapped.network, build_accelerator(None, {"num_pes": num_pes}))
    assert sum(layer.macs for layer in stats.layers) == mapped.lowered.model.macs
    assert all(layer.runtime_cycles * num_pes >= layer.macs for layer in stats.layers)


@pytest.mark.parametrize("network", ["resnet50", "bert_base_layer"])
def test_zoo_sizes_scale_the_work(network: str) -> None:
    single = load_workload(network).model
    double = load_workload(network, sizes={"batch": 2}).model
    assert single is not None and double is not None
    assert double.macs == 2 * single.macs
