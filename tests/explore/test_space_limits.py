"""Design spaces at the edges: ranges sampled without being listed, bounded integers and searches, and
fingerprints unchanged (stores of existing spaces still resume)."""

from __future__ import annotations

import copy
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest
from explore_spaces import TINY_SPACE, tiny_space, write_space

from mapscope.api import resolve_input_path
from mapscope.errors import InputError
from mapscope.explore.engines import cheapest_design, load_design_space
from mapscope.explore.executors import InlineExecutor
from mapscope.explore.exploration import explore
from mapscope.explore.search import EvolutionarySearch, GridSearch, RandomSearch
from mapscope.explore.space import DesignSpace, SearchSettings, check_search_size, unmet_parameter_bound
from mapscope.explore.summary import summary_document
from mapscope.limits import MAX_DESIGNS, MAX_SIZE

sys.path.insert(0, str(Path(__file__).parents[1]))
from cli_helpers import assert_one_line_error, run  # noqa: E402

HUGE_RANGE = {"range": [8, MAX_SIZE], "step": 8}  # 268,435,455 values: 9.5-11.7 GB when it was listed


def _space(tmp_path: Path, **changes: object) -> dict:
    document = copy.deepcopy(TINY_SPACE)
    document["hardware"] = {"num_pes": HUGE_RANGE, "simd_lanes": {"range": [1, MAX_SIZE]}, "l1_size_elems": [1024], "l2_size_elems": [65536]}
    document["constraints"] = {}
    document.update(changes)
    return document


def _searched(space: DesignSpace, strategy: str, budget: int | None) -> DesignSpace:
    return replace(space, search=SearchSettings(strategy=strategy, budget=budget, population=4))


@pytest.mark.parametrize("strategy", ["grid", "random", "evolve"])
def test_a_huge_range_is_sampled_without_being_listed(tmp_path: Path, strategy: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    space = _searched(tiny_space(tmp_path, _space(tmp_path)), strategy, 5)
    result = explore(space, InlineExecutor(space))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert isinstance(space.choices["num_pes"], range) and len(space.choices["num_pes"]) == 268_435_455
    assert len(result.records) == 5 and len({r.key for r in result.records}) == 5
    assert all(r.parameters["num_pes"] % 8 == 0 and 8 <= r.parameters["num_pes"] <= MAX_SIZE for r in result.records)
    assert peak < 100 * 2**20 and time.perf_counter() - started < 30


def test_search_strategies_index_ranges(tmp_path: Path) -> None:
    choices = {"a": range(0, MAX_SIZE), "b": range(5, 8)}
    assert [p["a"] for p in GridSearch(choices, budget=4, batch_size=10).ask()] == [0, 0, 0, 1]
    drawn = RandomSearch(choices, budget=50, batch_size=50, seed=3).ask()
    assert len({(p["a"], p["b"]) for p in drawn}) == 50 and all(0 <= p["a"] < MAX_SIZE and 5 <= p["b"] < 8 for p in drawn)
    assert len(EvolutionarySearch(choices, budget=8, seed=1, population=8).ask()) == 8
    with pytest.raises(InputError, match="has no candidate values"):
        GridSearch({"a": range(3, 3)})
    with pytest.raises(InputError, match="more than"):
        GridSearch({"a": range(10**30)})


def test_a_grid_without_budget_over_a_huge_space_is_refused_before_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_space(tmp_path, _space(tmp_path))
    store = tmp_path / "results.db"
    status, _, err = run(["explore", str(path), "--workers", "1", "--store", str(store)], capsys)
    assert_one_line_error(status, err)
    assert "without a budget evaluates them all; give a budget (search.budget or --budget) of at most 1,000,000" in err
    assert not store.exists()
    status, _, err = run(["explore", str(path), "--workers", "1", "--budget", str(MAX_DESIGNS + 1), "--store", str(store)], capsys)
    assert_one_line_error(status, err)
    assert "a budget of 1,000,001 designs is above 1,000,000" in err and not store.exists()
    status, out, err = run(["explore", str(path), "--workers", "1", "--budget", "3", "--strategy", "random"], capsys)
    assert status == 0, err


def test_the_search_size_check_counts_the_budget_or_the_whole_space(tmp_path: Path) -> None:
    space = tiny_space(tmp_path)
    check_search_size(space, "s")  # 576 designs, no budget
    huge = tiny_space(tmp_path, _space(tmp_path))
    check_search_size(_searched(huge, "random", MAX_DESIGNS), "s")
    for strategy in ("grid", "random"):
        with pytest.raises(InputError, match=rf"^s: the space holds 2,305,842,999,550,017,540 designs and a {strategy} search"):
            check_search_size(_searched(huge, strategy, None), "s")
    many = replace(huge, parameters=tuple((f"p{j}", range(MAX_SIZE)) for j in range(5)))
    with pytest.raises(InputError, match=r"^s: the space holds about 10\^46 designs"):
        check_search_size(_searched(many, "grid", None), "s")


@pytest.mark.parametrize(
    ("hardware", "mapping", "message"),
    [
        ({"num_pes": {"range": [1, 10**30]}}, None, "hardware.num_pes: 1000000000000000000000000000000 is beyond 2,147,483,647"),
        ({"num_pes": {"range": [1, 64], "step": 10**20}}, None, "hardware.num_pes: 100000000000000000000 is beyond"),
        ({"num_pes": [8, -(10**12)]}, None, "hardware.num_pes: -1000000000000 is beyond"),
        ({"num_pes": {"range": [1, 10**39], "scale": "log2"}}, None, "is beyond 2,147,483,647"),
        ({"num_pes": [8]}, {"cluster_size": [1, 10**29]}, "mapping.parameters.cluster_size: 100000000000000000000000000000 is beyond"),
        ({"num_pes": [8]}, {"cluster_size": {"range": [10**29, 10**29 + 2]}}, "mapping.parameters.cluster_size: 1000"),
        ({"noc_latency_cycles": {"range": [-5, MAX_SIZE]}, "num_pes": [8]}, None, "must be between 0 and 2147483647, got -5"),
        ({"num_pes": {"range": [0, MAX_SIZE], "step": 7}}, None, "must be between 1 and 2147483647, got 0"),
        ({"num_pes": [8]}, {"cluster_size": {"range": [0, MAX_SIZE]}}, "must be a positive integer, got 0"),
        ({"num_pes": [8]}, {"spatial_dimension": {"range": [1, MAX_SIZE]}}, "must be a string, got 1"),
    ],
)
def test_huge_or_bad_values_are_refused_by_key_before_any_evaluation(tmp_path: Path, hardware: dict, mapping: dict | None, message: str) -> None:
    document = copy.deepcopy(TINY_SPACE)
    document["hardware"] = hardware
    if mapping is not None:
        document["mapping"] = {"template": "tiled", "parameters": mapping}
    with pytest.raises(InputError) as caught:
        tiny_space(tmp_path, document)
    assert message in str(caught.value) and "space.yaml:" in str(caught.value)


def test_parameter_bounds_are_judged_on_ranges_without_listing_them(tmp_path: Path) -> None:
    between_steps = tiny_space(tmp_path, _space(tmp_path, constraints={"num_pes": {"min": 100, "max": 103}}))
    assert unmet_parameter_bound(between_steps) == (
        "constraint 100 <= num_pes <= 103 removes every design: num_pes takes only 8, 16, ..., 2147483640 (268,435,455 values)"
    )
    for bounds in ({"min": 100, "max": 104}, {"min": MAX_SIZE - 7}, {"max": 8}, {"min": -5.5, "max": 8.5}):
        assert unmet_parameter_bound(tiny_space(tmp_path, _space(tmp_path, constraints={"num_pes": bounds}))) is None
    assert unmet_parameter_bound(tiny_space(tmp_path, _space(tmp_path, constraints={"num_pes": {"min": MAX_SIZE - 6}}))) is not None
    listed = tiny_space(tmp_path, _space(tmp_path, hardware={"num_pes": [64, 16, 32]}, constraints={"num_pes": {"max": 8}}))
    assert unmet_parameter_bound(listed) == "constraint num_pes <= 8 removes every design: num_pes takes only 64, 16, 32"


def test_the_cheapest_design_of_a_range_is_its_first_value(tmp_path: Path) -> None:
    document = _space(tmp_path)
    document["hardware"]["noc_bandwidth_elems_per_cycle"] = {"range": [16, MAX_SIZE - 1]}
    space = tiny_space(tmp_path, document)
    assert cheapest_design(space) == {
        "num_pes": 8,
        "simd_lanes": 1,
        "l1_size_elems": 1024,
        "l2_size_elems": 65536,
        "noc_bandwidth_elems_per_cycle": 16,
        "spatial_dimension": "K",
        "cluster_size": 1,
    }


def test_no_cheapest_design_when_area_follows_a_requirement(tmp_path: Path) -> None:
    """An unlimited NoC (the default) or buffer is sized for the network's requirement, which depends on the
    mapping, so the smallest parameters need not give the smallest area."""
    assert cheapest_design(tiny_space(tmp_path, _space(tmp_path))) is None
    document = _space(tmp_path)
    document["hardware"]["noc_bandwidth_elems_per_cycle"] = {"range": [16, MAX_SIZE]}  # MAX_SIZE is UNLIMITED
    assert cheapest_design(tiny_space(tmp_path, document)) is None


def test_the_summary_names_a_long_range_instead_of_listing_it(tmp_path: Path) -> None:
    space = _searched(tiny_space(tmp_path, _space(tmp_path, hardware={"num_pes": HUGE_RANGE, "simd_lanes": {"range": [1, 4]}})), "random", 3)
    parameters = summary_document(explore(space, InlineExecutor(space)))["space"]["parameters"]
    assert parameters["num_pes"] == {"range": [8, MAX_SIZE - 7], "step": 8}
    assert parameters["simd_lanes"] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("name", "fingerprint"), [("resnet50_area_budget", "b3c510fb73ac3671"), ("resnet50_systolic_shapes", "c90e7dc55c6db01e")]
)
def test_fingerprints_of_existing_spaces_are_unchanged(name: str, fingerprint: str) -> None:
    """Stores remember their space's fingerprint; a change would refuse every --resume of an existing store."""
    assert load_design_space(resolve_input_path(name, "design space")).fingerprint == fingerprint


#: The area-budget example before it was priced by an energy table (f02a8e8e1c73470d then): its stores still resume.
EARLIER_AREA_BUDGET = """\
name: resnet50-area-budget
network: resnet50_kcp_ws
mapping:
  template: kcp_ws
  parameters:
    cluster_size: [16, 32, 64]
hardware:
  num_pes: {range: [64, 2048], scale: log2}
  noc_bandwidth_elems_per_cycle: {range: [8, 256], scale: log2}
  noc_latency_cycles: 1
  offchip_bandwidth_elems_per_cycle: [8, 16, 32, 64]
  l1_size_elems: {range: [64, 1024], scale: log2}
  l2_size_elems: {range: [131072, 4194304], scale: log2}
constraints:
  area_mm2: {max: 25}
  buffers_fit: true
objectives: [runtime, area]
search:
  strategy: grid
"""


def test_a_space_without_an_energy_table_keeps_its_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "area.yaml").write_text(EARLIER_AREA_BUDGET)
    assert load_design_space(tmp_path / "area.yaml").fingerprint == "f02a8e8e1c73470d"


@pytest.mark.parametrize("key", ["network", "base_hardware"])
def test_a_file_name_the_system_refuses_is_one_short_line(tmp_path: Path, key: str) -> None:
    document = copy.deepcopy(TINY_SPACE)
    document[key] = "n" * 5000  # longer than any file name: stat() fails with "File name too long"
    with pytest.raises(InputError) as caught:
        tiny_space(tmp_path, document)
    assert f"{key}: " in str(caught.value) and len(str(caught.value)) < 300, str(caught.value)


def test_long_candidate_strings_are_refused_short(tmp_path: Path) -> None:
    document = copy.deepcopy(TINY_SPACE)
    document["mapping"]["parameters"]["spatial_dimension"] = ["K", "z" * 100_000]
    with pytest.raises(InputError, match=r"spatial_dimension: a candidate string is at most 80 characters; got 'zzz") as caught:
        tiny_space(tmp_path, document)
    assert len(str(caught.value)) < 300


def test_the_api_refuses_an_oversized_search_before_creating_its_store(tmp_path: Path) -> None:
    from mapscope import api

    space = _searched(tiny_space(tmp_path, _space(tmp_path)), "grid", None)
    with pytest.raises(InputError, match="give a budget"):
        api.explore(space, store=tmp_path / "never.db")
    assert not (tmp_path / "never.db").exists()
