"""Exploration end to end in Python: batched network metrics equal the one-at-a-time engine, constraints
hold, the front is exactly the non-dominated set, resumes and other executors give the same results."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import numpy as np
import pytest
from explore_spaces import TINY_SPACE, tiny_space
from hypothesis import HealthCheck, given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.analysis import analyze_network
from mapscope.errors import InputError
from mapscope.explore.evaluation import evaluate_designs
from mapscope.explore.executors import InlineExecutor, LocalPoolExecutor
from mapscope.explore.exploration import explore
from mapscope.explore.space import DesignSpace
from mapscope.formats.results.store import ResultStore
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapping.templates import apply_template
from mapscope.optimization.pareto import dominates


def _single_engine_metrics(space: DesignSpace, point: dict) -> tuple[int, float]:
    """Runtime and energy of one design from analyze_network, the one-at-a-time engine."""
    workload = space.workload
    hardware = {k: v for k, v in point.items() if k in {f for f in Accelerator.__dataclass_fields__}}
    accelerator = Accelerator(**hardware)
    mapping = {name: point[name] for name in space.mapping_parameters}
    network = apply_template(workload.network.network, workload.template, accelerator.num_pes, mapping)
    stats = analyze_network(network, accelerator)
    return sum(s.runtime_cycles for s in stats.layers), sum(s.energy_nj for s in stats.layers)


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> DesignSpace:
    return tiny_space(tmp_path_factory.mktemp("space"))


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_batched_network_metrics_equal_the_single_engine(space: DesignSpace, data: st.DataObject) -> None:
    choices = space.choices
    points = data.draw(
        st.lists(st.fixed_dictionaries({name: st.sampled_from(values) for name, values in choices.items()}), min_size=1, max_size=12)
    )
    records = evaluate_designs(space, points)
    for point, record in zip(points, records):
        runtime, energy = _single_engine_metrics(space, point)
        assert record.metrics["runtime_cycles"] == runtime
        assert record.metrics["energy_nj"] == pytest.approx(energy, rel=1e-12)
        alone = evaluate_designs(space, [point])[0]
        assert alone == record


def test_grid_visits_every_design_once_and_constraints_hold(space: DesignSpace) -> None:
    result = explore(space, InlineExecutor(space))
    assert len(result.records) == space.size == len({r.key for r in result.records})
    assert 0 < len(result.feasible) < len(result.records)
    for record in result.records:
        area_ok = record.metrics["area_mm2"] <= 1.2
        fits = (
            record.metrics["l1_size_req_elems"] <= record.parameters["l1_size_elems"]
            and record.metrics["l2_size_req_elems"] <= record.parameters["l2_size_elems"]
        )
        assert record.feasible == (area_ok and fits), record
        assert (record.violation is None) == record.feasible


def test_the_front_is_exactly_the_non_dominated_feasible_designs(space: DesignSpace) -> None:
    result = explore(space, InlineExecutor(space))
    feasible = [i for i, r in enumerate(result.records) if r.feasible]
    expected = {
        i for i in feasible if not any(dominates(result.objectives[j], result.objectives[i]) for j in feasible if j != i)
    }
    assert set(result.front) == expected
    assert expected


def test_random_and_evolve_are_reproducible_and_within_budget(space: DesignSpace) -> None:
    from dataclasses import replace

    for strategy in ("random", "evolve"):
        search = replace(space.search, strategy=strategy, budget=150, seed=3, population=16)
        first = explore(replace(space, search=search), InlineExecutor(space))
        second = explore(replace(space, search=search), InlineExecutor(space))
        assert [r.key for r in first.records] == [r.key for r in second.records]
        assert len(first.records) == 150 == len({r.key for r in first.records})


def test_resuming_from_a_partial_store_gives_the_uninterrupted_result(space: DesignSpace, tmp_path: Path) -> None:
    complete = explore(space, InlineExecutor(space))
    path = tmp_path / "runs.db"
    with ResultStore.open(path, space_fingerprint=space.fingerprint, space_document=space.document, resume=False) as store:
        store.add(list(complete.records[::3]))  # as if a run had been cut short
    with ResultStore.open(path, space_fingerprint=space.fingerprint, space_document=space.document, resume=True) as store:
        resumed = explore(space, InlineExecutor(space), store)
        assert len(store) == len(complete.records)
    assert resumed.from_store == len(complete.records[::3])
    assert resumed.records == complete.records
    assert resumed.front == complete.front


def test_local_processes_give_the_inline_results(space: DesignSpace) -> None:
    inline = explore(space, InlineExecutor(space))
    pool = LocalPoolExecutor(space, 2)
    try:
        pooled = explore(space, pool)
    finally:
        pool.close()
    assert pooled.records == inline.records


def test_dask_local_cluster_gives_the_local_results(space: DesignSpace) -> None:
    distributed = pytest.importorskip("distributed")
    from mapscope.explore.executors import DaskExecutor

    inline = explore(space, InlineExecutor(space))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            executor = DaskExecutor(space, client)
            try:
                on_dask = explore(space, executor)
            finally:
                executor.close()
    assert on_dask.records == inline.records


def test_without_a_template_the_network_keeps_its_own_dataflows(tmp_path: Path) -> None:
    document = copy.deepcopy(TINY_SPACE)
    document.pop("mapping")
    document["hardware"] = {"num_pes": [1, 4], "noc_bandwidth_elems_per_cycle": [1, 4], "simd_lanes": [3]}
    document["constraints"] = {}
    space = tiny_space(tmp_path, document)
    result = explore(space, InlineExecutor(space))
    assert len(result.records) == 4
    for record in result.records:
        accelerator = Accelerator(**record.parameters)
        stats = analyze_network(space.workload.network, accelerator)
        assert record.metrics["runtime_cycles"] == sum(s.runtime_cycles for s in stats.layers)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hardware": {"num_pe": [4]}}, "unknown hardware parameter 'num_pe'"),
        ({"hardware": {"num_pes": []}}, "no candidate values"),
        ({"hardware": {"num_pes": {"range": [64, 8]}}}, "is empty"),
        ({"hardware": {"num_pes": [0, 4]}}, "must be between 1"),
        ({"hardware": {"num_pes": [4, 4]}}, "twice"),
        ({"constraints": {"area_mm2": {"min": 5, "max": 1}}}, "contradictory bounds"),
        ({"constraints": {"speed": {"max": 1}}}, "unknown constraint 'speed'"),
        ({"objectives": ["speed"]}, "unknown objective 'speed'"),
        ({"mapping": {"template": "kcp_ws", "parameters": {"tile": [1]}}}, "unknown parameter 'tile'"),
        ({"mapping": {"template": "nope"}}, "nope"),
        ({"network": "missing.m"}, "no such file, shipped example or zoo network"),
    ],
)
def test_bad_spaces_are_refused_with_the_place(tmp_path: Path, change: dict, message: str) -> None:
    document = copy.deepcopy(TINY_SPACE)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(document.get(key), dict) and key != "mapping":
            document[key] = {**document[key], **value} if key != "hardware" else {**value}
        else:
            document[key] = value
    with pytest.raises(InputError, match=message) as raised:
        tiny_space(tmp_path, document)
    assert "space.yaml" in str(raised.value)


def test_every_objective_and_metric_is_finite_for_feasible_designs(space: DesignSpace) -> None:
    result = explore(space, InlineExecutor(space))
    feasible = [r for r in result.records if r.feasible]
    for record in feasible:
        assert all(np.isfinite(v) for v in record.metrics.values())
    assert np.isfinite(result.objectives[[i for i, r in enumerate(result.records) if r.feasible]]).all()
    assert list(itertools.islice(result.best(3), 3))


def test_the_python_api_takes_a_dict_and_matches_the_file(tmp_path: Path) -> None:
    from explore_spaces import write_space

    import mapscope.api as api

    write_space(tmp_path)
    from_dict = api.explore(api.design_space(TINY_SPACE, directory=tmp_path))
    from_file = api.explore(tmp_path / "space.yaml", store=tmp_path / "api.db")
    assert [r.key for r in from_dict.records] == [r.key for r in from_file.records]
    assert from_dict.front == from_file.front
