"""Area and power of MAESTRO-engine designs whose NoC or buffers are left unlimited (issue 11).

A ResNet-18 tiled-template design reported 3.29e9 mm²: the default NoC bandwidth, UNLIMITED (2**31 - 1),
went into the bus term of the area model as if it were a bus width. Unlimited quantities now take the
network's requirement: the largest L1/L2 requirement and the largest peak NoC bandwidth requirement.
"""

from __future__ import annotations

import numpy as np
import pytest

import mapscope.api as api
from mapscope.analysis import analyze_network
from mapscope.explore.engines import ENGINES
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.hardware.area_power import area_power, sized_for_area
from mapscope.mapping.templates import apply_template

SPACE = {
    "name": "r18-tiled",
    "network": "resnet18",
    "mapping": {"template": "tiled"},
    "hardware": {"num_pes": [256, 1024], "noc_bandwidth_elems_per_cycle": [64, UNLIMITED]},
    "constraints": {"buffers_fit": False},
    "objectives": ["runtime", "area"],
}


@pytest.fixture(scope="module")
def metrics() -> dict[str, np.ndarray]:
    space = api.design_space(SPACE)
    points = [{"num_pes": pes, "noc_bandwidth_elems_per_cycle": noc} for pes in (256, 1024) for noc in (64, UNLIMITED)]
    batch = ENGINES[space.engine].evaluate(space.workload, points)
    assert batch.errors == {}
    return batch.metrics


def test_an_unlimited_noc_takes_the_networks_peak_bandwidth_requirement(metrics: dict[str, np.ndarray]) -> None:
    network = apply_template(api.design_space(SPACE).workload.network.network, "tiled", 1024, {})
    stats = analyze_network(network, Accelerator(num_pes=1024))
    peak = max(layer.peak_noc_bw_elems_per_cycle for layer in stats.layers)
    l1 = max(layer.l1_size_req_elems for layer in stats.layers)
    l2 = max(layer.l2_size_req_elems for layer in stats.layers)
    expected = area_power(1024, 1, max(peak, 1), l1, l2)
    assert 1 <= peak < 1_000_000
    assert metrics["area_um2"][3] == pytest.approx(expected.area_um2, rel=1e-12)
    assert metrics["power_mw"][3] == pytest.approx(expected.power_mw, rel=1e-12)
    assert metrics["runtime_cycles"][3] == stats.totals()["runtime_cycles"]


def test_the_area_of_an_unlimited_noc_design_is_physical(metrics: dict[str, np.ndarray]) -> None:
    assert (metrics["area_mm2"] < 10_000).all()  # was 3.29e9 mm² at 1,024 PEs, 8.3e8 at 256
    # a given bandwidth is used as given: the 64-wide NoC is no larger than it
    given = area_power(256, 1, 64, int(metrics["l1_size_req_elems"][0]), int(metrics["l2_size_req_elems"][0]))
    assert metrics["area_um2"][0] == pytest.approx(given.area_um2, rel=1e-12)


def test_sized_for_area_replaces_only_unlimited_values() -> None:
    sized = sized_for_area(np.array([64, UNLIMITED, UNLIMITED, UNLIMITED - 1]), np.array([5, 1088, 0, 7]))
    assert sized.tolist() == [64, 1088, 1, UNLIMITED - 1]
