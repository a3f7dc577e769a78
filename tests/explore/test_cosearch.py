"""Co-search (`mapping: search`): every design's metrics are the network's with the mappings the mapper
returns for that design's accelerator; the same on any worker and in any batch; progress moves per design;
a resumed run searches no stored design; a bad `mapping.search` section is one line and exit status 2."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run
from explore_spaces import TINY_NETWORK, tiny_space, write_space

from mapscope.errors import InputError
from mapscope.explore import searched_mappings
from mapscope.explore.executors import InlineExecutor, LocalPoolExecutor, make_executor
from mapscope.explore.exploration import explore
from mapscope.explore.maestro_designs import MaestroWorkload
from mapscope.explore.space import DesignSpace
from mapscope.formats.results.store import ResultStore
from mapscope.formats.sources import load_workload
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper.network_search import map_workload_network

COSEARCH_SPACE: dict = {
    "name": "tiny-cosearch",
    "network": "tiny_network.m",
    "mapping": {"search": {"strategy": "random", "budget_per_layer": 12, "objective": "edp", "seed": 3}},
    "hardware": {
        "num_pes": [8, 16],
        "noc_bandwidth_elems_per_cycle": [4, 64],
        "l1_size_elems": [8, 1024],
    },
    "objectives": ["runtime", "area"],
}


def _document(**changes: object) -> dict:
    document = copy.deepcopy(COSEARCH_SPACE)
    document.update(changes)
    return document


def _search(**settings: object) -> dict:
    return _document(mapping={"search": {**COSEARCH_SPACE["mapping"]["search"], **settings}})


def _accelerator(parameters: dict) -> Accelerator:
    return Accelerator(**{name: int(value) for name, value in parameters.items()})


def test_every_design_has_the_metrics_of_the_mappings_the_mapper_returns_for_it(tmp_path: Path) -> None:
    space = tiny_space(tmp_path, COSEARCH_SPACE)
    shown: list[int] = []
    result = explore(space, InlineExecutor(space), progress=lambda done, total: shown.append(done))
    assert len(result.records) == 8 and shown == list(range(9))  # progress moves design by design
    workload = load_workload(TINY_NETWORK)
    feasible = 0
    for record in result.records:
        accelerator = _accelerator(record.parameters)
        try:
            mapping = map_workload_network(workload, accelerator, objective="edp", strategy="random", budget_per_layer=12, seed=3)
        except InputError as error:
            assert not record.feasible and record.violation == f"mapping search: {error}"
            continue
        feasible += record.feasible
        layers = mapping.stats.layers
        assert record.metrics["runtime_cycles"] == sum(layer.runtime_cycles for layer in layers)
        assert record.metrics["energy_nj"] == pytest.approx(sum(layer.energy_nj for layer in layers), rel=1e-12)
        assert record.metrics["macs"] == sum(layer.macs for layer in layers)
        assert record.metrics["l1_size_req_elems"] == max(layer.l1_size_req_elems for layer in layers) <= accelerator.l1_size_elems
        assert record.metrics["l2_size_req_elems"] == max(layer.l2_size_req_elems for layer in layers)
    assert 0 < feasible < len(result.records)  # an 8-element L1 holds no mapping of c1: those designs fail


def test_a_design_gets_the_same_mappings_on_any_worker_and_in_any_batch(tmp_path: Path) -> None:
    space = tiny_space(tmp_path, COSEARCH_SPACE)
    inline = explore(space, InlineExecutor(space))
    pool = LocalPoolExecutor(space, 2)
    try:
        pooled = explore(space, pool)
    finally:
        pool.close()
    assert list(pooled.records) == list(inline.records)
    one_by_one = {record.key: record for record in explore(_with_batch_size(space, 1), InlineExecutor(space)).records}
    assert all(one_by_one[record.key] == record for record in inline.records)


def _with_batch_size(space: DesignSpace, batch_size: int) -> DesignSpace:
    return replace(space, search=replace(space.search, batch_size=batch_size))


def test_resume_searches_only_the_designs_the_store_lacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    space = tiny_space(tmp_path, COSEARCH_SPACE)
    searched: list[Accelerator] = []
    original = searched_mappings.map_network

    def counted(network, accelerator, *args, **kwargs):  # type: ignore[no-untyped-def]
        searched.append(accelerator)
        return original(network, accelerator, *args, **kwargs)

    monkeypatch.setattr(searched_mappings, "map_network", counted)
    path = tmp_path / "runs.db"
    first = _with_budget(space, 3)
    with ResultStore.open(path, space_fingerprint=space.fingerprint, space_document=space.document, resume=False) as store:
        explore(first, InlineExecutor(first), store)
    assert len(searched) == 3
    with ResultStore.open(path, space_fingerprint=space.fingerprint, space_document=space.document, resume=True) as store:
        resumed = explore(space, InlineExecutor(space), store)
    assert resumed.from_store == 3 and len(searched) == 8
    assert list(resumed.records) == list(explore(space, InlineExecutor(space)).records)


def _with_budget(space: DesignSpace, budget: int) -> DesignSpace:
    return replace(space, search=replace(space.search, budget=budget))


def test_a_co_search_of_two_designs_or_more_uses_the_pool_by_default(tmp_path: Path) -> None:
    space = tiny_space(tmp_path, COSEARCH_SPACE)
    pool = make_executor(space)  # 8 searched designs: seconds each, worth the pool's start
    try:
        assert isinstance(pool, LocalPoolExecutor)
    finally:
        pool.close()
    assert isinstance(make_executor(_with_budget(space, 1)), InlineExecutor)
    templated = tiny_space(tmp_path, _document(mapping={"template": "kcp_ws"}))
    assert isinstance(make_executor(templated), InlineExecutor)  # 8 template designs: milliseconds


def test_defaults_short_form_and_the_objective_taken_from_the_space(tmp_path: Path) -> None:
    short = tiny_space(tmp_path, _document(mapping="search", objectives=["energy", "area"]))
    assert isinstance(short.workload, MaestroWorkload) and short.workload.search is not None
    search = short.workload.search
    assert (search.strategy, search.budget_per_layer, search.seed, search.objective.name) == ("auto", 1000, 0, "energy")
    assert short.search.batch_size == 32 and short.evaluated_alone  # a searched design costs seconds: small batches
    assert tiny_space(tmp_path, _document(mapping="search", objectives=["area", "runtime"])).workload.search.objective.name == "edp"
    assert tiny_space(tmp_path, _search(objective=None)).workload.search.objective.name == "runtime"
    templated = tiny_space(tmp_path, _document(mapping={"template": "kcp_ws"}))
    assert templated.search.batch_size == 4096 and templated.workload.search is None and not templated.evaluated_alone


def test_a_mapping_space_restricts_every_design_s_search_inline_or_from_a_file(tmp_path: Path) -> None:
    restriction = {"max_levels": 1, "levels": [{"spatial": "K"}]}
    inline = tiny_space(tmp_path, _search(space=restriction))
    (tmp_path / "only_k.yaml").write_text("max_levels: 1\nlevels: [{spatial: K}]\n")
    from_file = tiny_space(tmp_path, _search(space="only_k.yaml"))
    for restrictions in (inline.workload.search.restrictions, from_file.workload.search.restrictions):
        assert restrictions.max_levels == 1 and [level.spatial for level in restrictions.levels] == [("K",)]
    assert inline.fingerprint != tiny_space(tmp_path, COSEARCH_SPACE).fingerprint
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "only_k.yaml").write_text("\n\nmax_levels: 1\nlevels: [{spatial: K}]\n")  # other lines, same space
    assert tiny_space(moved, _search(space="only_k.yaml")).fingerprint == from_file.fingerprint
    records = explore(inline, InlineExecutor(inline)).records
    flows = [searched_mappings.searched_network(inline.workload, _accelerator(r.parameters)) for r in records if r.feasible]
    assert flows and all(
        [str(d) for d in layer.search.dataflow if "SpatialMap" in str(d)][0].endswith(" K") for flow in flows for layer in flow.layers
    )


def test_a_few_layers_of_a_network(tmp_path: Path) -> None:
    space = tiny_space(tmp_path, _document(layers=["fc", "c1"]))
    assert [m.layer.name for m in space.workload.network.layers] == ["c1", "fc"]
    record = explore(space, InlineExecutor(space)).records[-1]
    assert record.metrics["macs"] == 16 * 8 * 9 * 8 * 8 + 10 * 32


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_search(budget=5), "unknown key 'budget'; accepted keys: strategy, budget_per_layer"),
        (_search(budget_per_layer=0), "greater than 0"),
        (_search(strategy="annealing"), "genetic"),
        (_search(objective="area"), "'runtime', 'energy' or 'edp'"),
        (_document(mapping={"template": "kcp_ws", "search": {}}), "searched (search) or given by a template"),
        (_document(mapping="searching"), "mapping is `search` or a mapping"),
        (_document(engine="systolic", network="resnet56", hardware={"rows": [8]}, mapping="search"), "no mapping template or search"),
        (_search(space={"max_levels": 9}), "mapping.search.space.max_levels"),
        (_search(space={"levels": [{"spatial": "Q"}]}), "not a sequence of loop names"),
        (_search(space={"levels": [{"spatial": "G"}]}), "is allowed spatially at level 0"),
        (_search(space="missing.yaml"), "missing.yaml"),
        (_document(layers=["c1", "conv9"]), "has no layer 'conv9'"),
        (_document(layers=["c1", "c1"]), "lists the layer 'c1' twice"),
    ],
)
def test_bad_co_search_sections_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict, message: str) -> None:
    space = write_space(tmp_path, document)
    status, _, err = run(["explore", str(space), "--workers", "1", "--store", str(tmp_path / "runs.db")], capsys)
    assert_one_line_error(status, err)
    assert message in err
    assert not (tmp_path / "runs.db").exists()


@pytest.mark.slow
def test_the_shipped_example_runs_and_lists_searched_designs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(["explore", "resnet50_cosearch", "--workers", "1", "--export", str(tmp_path / "designs.csv")], capsys)
    assert status == 0, err
    assert "resnet50-cosearch" in out and "Pareto" in out
    rows = (tmp_path / "designs.csv").read_text().splitlines()
    assert len(rows) - 1 == 8 and all(",True," in row for row in rows[1:] if "area_mm2" not in row)
