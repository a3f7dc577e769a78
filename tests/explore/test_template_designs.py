"""Template-parameter designs: the batched mapping path gives the trace path's metrics and errors, bit for bit."""

from __future__ import annotations

import dataclasses
import itertools
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explore_spaces import TINY_SPACE, tiny_space
from mapscope.explore import maestro_designs, template_designs
from mapscope.explore.maestro_designs import MaestroWorkload, evaluate_maestro
from mapscope.hardware.accelerator import UNLIMITED
from mapscope.mapping.mapped_network import MappedNetwork
from property_settings import examples

#: Candidate values of each template's parameters (some invalid on some layers or PE counts, on purpose).
PARAMETERS = {
    "tiled": {
        "spatial_dimension": ["K", "C", "Y", "X"],
        "loop_order": ["KCYX", "CKXY", "YXKC"],
        "k_tile": [1, 2, 4, 16],
        "c_tile": [1, 3, 8],
        "y_tile": [1, 2, 5],
        "x_tile": [1, 4],
        "cluster_size": [1, 2, 4, 8],
    },
    "kcp_ws": {"cluster_size": [1, 2, 4, 8, 64], "k_tile": [1, 2, 4]},
    "ckp_ws": {"cluster_size": [2, 4, 8], "c_tile": [1, 2]},
    "yxp_os": {"cluster_size": [2, 4, 8], "x_tile": [1, 2, 8]},
    "rs": {"k_tile": [1, 4, 16], "c_tile": [1, 2]},
}
HARDWARE = {
    "num_pes": [4, 8, 16],
    "simd_lanes": [1, 3],
    "noc_bandwidth_elems_per_cycle": [1, 8, UNLIMITED],
    "noc_latency_cycles": [0, 2],
    "offchip_bandwidth_elems_per_cycle": [1, 32],
    "l2_size_elems": [UNLIMITED, 8, 64, 400],  # small ones: tensors spill to DRAM, the energy is recounted
}


@cache
def _workload(template: str, names: tuple[str, ...], compat: str | None) -> MaestroWorkload:
    """The tiny network with its layers repeated (c1 c2 c1 fc c2 fc), mapped by `template` over `names`."""
    folder = Path(tempfile.mkdtemp(prefix="template-designs-"))
    document = {**TINY_SPACE, "mapping": {"template": template, "parameters": {name: PARAMETERS[template][name][:1] for name in names}}}
    if compat is not None:
        document["compat"] = compat
    workload = tiny_space(folder, document).workload
    layers = workload.network.layers
    repeated = tuple(dataclasses.replace(m, layer=dataclasses.replace(m.layer, name=f"{m.layer.name}-{i}")) for i, m in enumerate(layers + layers))
    order = (repeated[0], repeated[1], repeated[3], repeated[2], repeated[4], repeated[5])
    return dataclasses.replace(workload, network=MappedNetwork(workload.network.name, order), identity=f"{template}{names}{compat}")


def _evaluate(workload: MaestroWorkload, columns: dict[str, np.ndarray], batched: bool, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    maestro_designs._STRUCTURES.clear()
    monkeypatch.setattr(template_designs, "MAPPINGS_PER_SETTING", 0 if batched else 10**9)
    return evaluate_maestro(workload, columns)


@st.composite
def _designs(draw: st.DrawFn) -> tuple[MaestroWorkload, dict[str, np.ndarray]]:
    template = draw(st.sampled_from(sorted(PARAMETERS)))
    names = tuple(draw(st.lists(st.sampled_from(sorted(PARAMETERS[template])), min_size=1, max_size=3, unique=True)))
    compat = draw(st.sampled_from([None, "maestro"]))
    count = draw(st.integers(1, 24))
    columns: dict[str, list] = {name: [] for name in (*HARDWARE, *names)}
    for _ in range(count):
        for name in HARDWARE:
            columns[name].append(draw(st.sampled_from(HARDWARE[name])))
        for name in names:
            columns[name].append(draw(st.sampled_from(PARAMETERS[template][name])))
    typed = {name: np.array(values, dtype=object if isinstance(values[0], str) else np.int64) for name, values in columns.items()}
    return _workload(template, names, compat), typed


@settings(max_examples=examples(40))
@given(case=_designs())
def test_the_batched_path_gives_the_trace_paths_metrics_and_errors(case: tuple[MaestroWorkload, dict[str, np.ndarray]]) -> None:
    workload, columns = case
    with pytest.MonkeyPatch.context() as monkeypatch:
        traced = _evaluate(workload, columns, False, monkeypatch)
        batched = _evaluate(workload, columns, True, monkeypatch)
    assert batched.errors == traced.errors
    fine = traced.evaluated()
    for name, values in traced.metrics.items():
        assert np.array_equal(batched.metrics[name][fine], values[fine], equal_nan=True), name


def test_a_fixed_hardware_template_sweep_takes_the_batched_path(monkeypatch: pytest.MonkeyPatch) -> None:
    workload = _workload("tiled", ("k_tile", "c_tile", "cluster_size"), None)
    grid = list(itertools.product([1, 2, 4, 16], [1, 3, 8], [1, 2, 4, 8]))
    columns = {"num_pes": np.full(len(grid), 16), **{name: np.array(values) for name, values in zip(("k_tile", "c_tile", "cluster_size"), zip(*grid))}}
    calls: list[int] = []
    real = template_designs.template_totals
    monkeypatch.setattr(maestro_designs, "template_totals", lambda *a, **k: calls.append(len(a[5])) or real(*a, **k))
    maestro_designs._STRUCTURES.clear()
    evaluate_maestro(workload, columns)
    assert calls == [len(grid)]
    assert not maestro_designs._STRUCTURES  # no mapping was traced


@pytest.mark.parametrize("batched", [False, True])
def test_spilling_designs_get_the_single_engines_energy(batched: bool) -> None:
    """Designs whose L2 is below a layer's requirement: the network energy analyze_network gives, both paths."""
    from mapscope.analysis import analyze_network

    workload = _workload("kcp_ws", ("cluster_size",), None)
    sizes = [UNLIMITED, 8, 64, 400, 4000]
    columns = {
        "num_pes": np.full(len(sizes) * 2, 16, dtype=np.int64),
        "l2_size_elems": np.array(sizes * 2, dtype=np.int64),
        "cluster_size": np.array([2] * len(sizes) + [4] * len(sizes), dtype=np.int64),
    }
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = _evaluate(workload, columns, batched, monkeypatch)
    energies = set()
    for row in range(len(sizes) * 2):
        accelerator = dataclasses.replace(workload.base, num_pes=16, l2_size_elems=int(columns["l2_size_elems"][row]))
        network = maestro_designs._mapped_network(workload, 16, {"cluster_size": int(columns["cluster_size"][row])})  # as the explorer maps it
        expected = sum(s.energy_nj for s in analyze_network(network, accelerator).layers)
        assert result.metrics["energy_nj"][row] == pytest.approx(expected, rel=1e-12)
        energies.add(round(expected, 3))
    assert len(energies) > 4  # the L2 size moves the energy
