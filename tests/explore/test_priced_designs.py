"""Designs priced by a size-aware energy table (`energy_table`, `--energy-table`): each design's energy and
SRAM area follow its own L1 and L2 sizes, equal to `mapscope analyze --energy-table` on that design; the
batched and traced paths agree; `buffers_fit: l1` lets L2 spill; bad values are one line and exit status 2;
the shipped area-budget example's front trades energy for area through the buffer sizes."""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from cli_helpers import assert_one_line_error, run
from explore_spaces import TINY_SPACE, tiny_space, write_space

import mapscope.api as api
from mapscope.analysis import analyze_network
from mapscope.explore import maestro_designs
from mapscope.explore.evaluation import evaluate_design_batch
from mapscope.explore.maestro_designs import evaluate_maestro
from mapscope.explore.searched_mappings import design_accelerator
from mapscope.formats.energy_table_file import write_energy_table
from mapscope.explore.exploration import ExplorationResult
from mapscope.explore.space import DesignSpace
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.area_power import SRAM_AREA_UM2_PER_ELEM, area_power
from mapscope.hardware.energy_builtin import HOROWITZ45_TABLE
from mapscope.hardware.energy_lookup import access_energies, price_columns
from mapscope.mapper.network_search import map_network
from mapscope.mapping.templates import apply_template

#: The tiny space on one PE count and mapping, its buffers swept across spill (L2 64) and beyond the table's rows.
PRICED_SPACE: dict = {
    **TINY_SPACE,
    "name": "tiny-priced",
    "mapping": {"template": "tiled", "parameters": {"spatial_dimension": ["K"], "k_tile": [1, 2, 4, 8]}},
    "hardware": {"num_pes": [8], "noc_bandwidth_elems_per_cycle": [8], "l1_size_elems": [16, 64, 1024], "l2_size_elems": [64, 2048, 65536, 1048576]},
    "constraints": {"buffers_fit": False},
    "energy_table": "horowitz45",
    "objectives": ["energy", "area"],
}


def _points(space: DesignSpace) -> list[dict]:
    """Every design of `space` (its grid) as one dict per design."""
    names = [name for name, _ in space.parameters]
    return [dict(zip(names, row, strict=True)) for row in itertools.product(*[list(values) for _, values in space.parameters])]


def test_each_design_is_priced_with_the_energies_of_its_own_buffers(tmp_path: Path) -> None:
    """Per design: the price vector is `access_energies` of that design; energy and area equal the scalar
    analysis of the design with those energies (the table's SRAM area in place of MAESTRO's per-element one)."""
    space = tiny_space(tmp_path, PRICED_SPACE)
    points = _points(space)
    batch = evaluate_maestro(space.workload, points)
    assert batch.errors == {}
    base = space.workload.base
    prices = price_columns(HOROWITZ45_TABLE, base, [p["l1_size_elems"] for p in points], [p["l2_size_elems"] for p in points])
    hardware = maestro_designs.hardware_columns(space.workload, {name: np.array([p[name] for p in points]) for name in points[0]}, len(points))
    assert len({(p["l1_size_elems"], p["l2_size_elems"]) for p in points}) == 12
    spilled = 0
    for row, point in enumerate(points):
        accelerator = design_accelerator(hardware, row)
        energies = access_energies(HOROWITZ45_TABLE, accelerator)
        engine = energies.engine_table()
        expected_prices = [engine.mac_pj, engine.l1_access_pj, engine.l2_access_pj, engine.noc_transfer_pj, engine.dram_access_pj]
        assert prices.per_access_pj[row].tolist() == expected_prices  # to the bit
        network = apply_template(space.workload.network.network, "tiled", 8, {"spatial_dimension": "K", "k_tile": point["k_tile"]})
        stats = analyze_network(network, accelerator, energy_table=engine)
        assert batch.metrics["energy_nj"][row] == pytest.approx(sum(layer.energy_nj for layer in stats.layers), rel=1e-12)
        spilled += any(layer.l2_size_req_elems > point["l2_size_elems"] for layer in stats.layers)
        maestro = area_power(8, 1, 8, point["l1_size_elems"], point["l2_size_elems"]).area_um2
        sram = 8 * (energies.l1_area_um2 - SRAM_AREA_UM2_PER_ELEM * point["l1_size_elems"]) + energies.l2_area_um2 - SRAM_AREA_UM2_PER_ELEM * point["l2_size_elems"]
        assert batch.metrics["area_um2"][row] == pytest.approx(maestro + sram, rel=1e-12)
    assert 0 < spilled < len(points)  # L2 64 spills: the DRAM side of the trade-off is in the sample


def test_buffer_sizes_move_energy_and_area_with_a_table_and_not_without(tmp_path: Path) -> None:
    priced = evaluate_maestro(tiny_space(tmp_path, PRICED_SPACE).workload, [{"num_pes": 8, "noc_bandwidth_elems_per_cycle": 8, "l1_size_elems": l1, "l2_size_elems": 65536, "spatial_dimension": "K", "k_tile": 1} for l1 in (64, 1024)])
    assert priced.metrics["energy_nj"][1] > priced.metrics["energy_nj"][0]  # a larger L1 costs more per access
    # MAESTRO's per-element area: 960 more L1 elements on 8 PEs; the table's: 16-bit cells of 0.346 µm² per bit
    assert priced.metrics["area_um2"][1] - priced.metrics["area_um2"][0] == pytest.approx(8 * 960 * 16 * 0.346, rel=1e-9)
    plain = evaluate_maestro(tiny_space(tmp_path, {**PRICED_SPACE, "energy_table": None}).workload, [{"num_pes": 8, "noc_bandwidth_elems_per_cycle": 8, "l1_size_elems": l1, "l2_size_elems": 65536, "spatial_dimension": "K", "k_tile": 1} for l1 in (64, 1024)])
    assert plain.metrics["energy_nj"][1] == plain.metrics["energy_nj"][0]
    assert plain.metrics["area_um2"][1] - plain.metrics["area_um2"][0] == pytest.approx(8 * 960 * SRAM_AREA_UM2_PER_ELEM, rel=1e-9)


def test_the_maestro_table_prices_as_the_default_and_keeps_maestros_area(tmp_path: Path) -> None:
    """The `maestro` table's per-access energies are the default model's and it gives no SRAM area: the
    energies agree (summed in another order) and the areas are the same bits."""
    default = tiny_space(tmp_path, {**PRICED_SPACE, "energy_table": None})
    table = tiny_space(tmp_path, {**PRICED_SPACE, "energy_table": "maestro"})
    points = _points(default)
    plain, priced = evaluate_maestro(default.workload, points), evaluate_maestro(table.workload, points)
    np.testing.assert_allclose(priced.metrics["energy_nj"], plain.metrics["energy_nj"], rtol=1e-12)
    assert priced.metrics["area_um2"].tolist() == plain.metrics["area_um2"].tolist()
    assert default.fingerprint != table.fingerprint


def test_the_batched_mapping_path_and_the_traced_path_price_alike(tmp_path: Path) -> None:
    """Many mappings on one timing setting go to the batched mapping evaluator; one design alone is traced."""
    document = copy.deepcopy(PRICED_SPACE)
    document["mapping"]["parameters"] = {"spatial_dimension": ["K", "C"], "k_tile": [1, 2, 4, 8], "c_tile": [1, 2, 4]}
    space = tiny_space(tmp_path, document)
    points = _points(space)
    maestro_designs._STRUCTURES.clear()
    together = evaluate_maestro(space.workload, points)
    assert maestro_designs.worth_batching(len(points) // 12, 1)
    maestro_designs._STRUCTURES.clear()
    alone = [evaluate_maestro(replace(space.workload, keep_traces=False), [point]) for point in points]
    assert together.errors == {}
    for name in ("energy_nj", "area_um2", "runtime_cycles"):
        assert together.metrics[name].tolist() == [batch.metrics[name][0] for batch in alone], name


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.tuples(st.integers(1, 1 << 24), st.integers(1, 1 << 24)), max_size=12),
    word_bits=st.sampled_from([4, 8, 16, 32]),
)
def test_price_columns_are_the_scalar_lookup_of_every_design(sizes: list[tuple[int, int]], word_bits: int) -> None:
    """Whatever the sizes (repeated, in any order, below, inside and beyond the table's rows), each design's
    prices and areas are `access_energies` of that design, to the bit."""
    base = Accelerator(num_pes=4, word_bits=word_bits)
    prices = price_columns(HOROWITZ45_TABLE, base, [l1 for l1, _ in sizes], [l2 for _, l2 in sizes])
    assert prices.per_access_pj.shape == (len(sizes), 5)
    for row, (l1, l2) in enumerate(sizes):
        energies = access_energies(HOROWITZ45_TABLE, replace(base, l1_size_elems=l1, l2_size_elems=l2))
        engine = energies.engine_table()
        assert prices.per_access_pj[row].tolist() == [engine.mac_pj, engine.l1_access_pj, engine.l2_access_pj, engine.noc_transfer_pj, engine.dram_access_pj]
        assert prices.l1_area_um2 is not None and prices.l2_area_um2 is not None
        assert (prices.l1_area_um2[row], prices.l2_area_um2[row]) == (energies.l1_area_um2, energies.l2_area_um2)


def test_buffers_fit_l1_keeps_l1_and_lets_l2_spill(tmp_path: Path) -> None:
    space = tiny_space(tmp_path, {**PRICED_SPACE, "constraints": {"buffers_fit": "l1"}})
    assert space.fitted_levels == ("l1",)
    batch = evaluate_design_batch(space, _points(space))
    metrics = batch.metrics
    l1_short = metrics["l1_size_req_elems"] > metrics["l1_size_elems"]
    l2_short = metrics["l2_size_req_elems"] > metrics["l2_size_elems"]
    assert l1_short.any() and (l2_short & ~l1_short).any()
    assert not batch.feasible[l1_short].any()
    assert batch.feasible[l2_short & ~l1_short].all()
    assert all(violation.startswith("L1 requirement <= L1 size") for violation, short in zip(batch.violations, l1_short, strict=True) if short)


def test_a_table_file_beside_the_space_and_the_option_give_the_same_space(tmp_path: Path) -> None:
    write_energy_table(HOROWITZ45_TABLE, tmp_path / "mine.yaml")
    by_name = tiny_space(tmp_path, PRICED_SPACE)
    by_file = tiny_space(tmp_path, {**PRICED_SPACE, "energy_table": "mine.yaml"})
    path = write_space(tmp_path, {**PRICED_SPACE, "energy_table": None}, "plain.yaml")
    by_option = api.design_space(path, energy_table="horowitz45")
    assert by_name.fingerprint == by_file.fingerprint == by_option.fingerprint
    assert by_name.fingerprint != api.design_space(path).fingerprint
    points = _points(by_name)
    assert evaluate_maestro(by_file.workload, points).metrics["energy_nj"].tolist() == evaluate_maestro(by_option.workload, points).metrics["energy_nj"].tolist()


def test_the_option_runs_explore_with_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_space(tmp_path, {**PRICED_SPACE, "energy_table": None})
    status, out, err = run(["explore", str(path), "--workers", "1", "--energy-table", "horowitz45", "--json", str(tmp_path / "s.json")], capsys)
    assert status == 0, err
    assert "tiny-priced" in out
    assert json.loads((tmp_path / "s.json").read_text())["space"]["energy_table"] == "horowitz45"
    status, _, err = run(["explore", str(path), "--workers", "1", "--json", str(tmp_path / "plain.json")], capsys)
    assert status == 0, err
    assert "energy_table" not in json.loads((tmp_path / "plain.json").read_text())["space"]


def _unequal_table(folder: Path) -> Path:
    rows = list(HOROWITZ45_TABLE.sram)
    rows[1] = replace(rows[1], write_pj=rows[1].read_pj + 1)
    write_energy_table(replace(HOROWITZ45_TABLE, name="unequal", sram=tuple(rows)), folder / "unequal.yaml")
    return folder / "unequal.yaml"


@pytest.mark.parametrize(
    ("changes", "option", "expected"),
    [
        ({"energy_table": "nosuch"}, None, "space.yaml:"),
        ({"energy_table": None}, "nosuch", "--energy-table: 'nosuch' is neither a built-in energy table"),
        ({"energy_table": "missing.yaml"}, None, "cannot read missing.yaml"),
        ({"energy_table": "unequal.yaml"}, None, "give equal read_pj and write_pj"),
        ({"compat": "maestro"}, None, "compat mode computes MAESTRO's numbers"),
        ({"constraints": {"buffers_fit": "l2"}}, None, "space.yaml:"),
        ({"constraints": {"area_mm2": "l1"}}, None, "only buffers_fit takes l1"),
        ({"mapping": "search", "hardware": {"num_pes": [8]}}, None, "give l1_size_elems (swept or in base_hardware), not unlimited"),
    ],
)
def test_a_bad_energy_table_or_buffers_fit_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changes: dict, option: str | None, expected: str
) -> None:
    _unequal_table(tmp_path)
    path = write_space(tmp_path, {**PRICED_SPACE, **changes})
    status, _, err = run(["explore", str(path), "--workers", "1", *(["--energy-table", option] if option else [])], capsys)
    assert_one_line_error(status, err)
    assert expected in err
    assert not (tmp_path / "runs.db").exists()


def test_the_systolic_engine_refuses_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["explore", "resnet50_systolic_shapes", "--energy-table", "horowitz45"], capsys)
    assert_one_line_error(status, err)
    assert "the systolic engine prices energy with its own table" in err


def test_a_cosearch_prices_each_designs_mappings_with_its_own_energies(tmp_path: Path) -> None:
    """Each design's search is priced with its own per-access energies: on L2 256 (L1 16 or 1,024) they choose another
    mapping for c1 than the default energies do, and the design's metrics are those of the table's choice."""
    document = {
        **PRICED_SPACE,
        "mapping": {"search": {"strategy": "random", "budget_per_layer": 30, "objective": "energy", "seed": 2}},
        "hardware": {"num_pes": [8], "l1_size_elems": [16, 1024], "l2_size_elems": [256]},
    }
    space = tiny_space(tmp_path, document)
    points = _points(space)
    batch = evaluate_design_batch(space, points)
    search = space.workload.search
    assert batch.evaluated.all()
    differs = []
    for row, point in enumerate(points):
        accelerator = replace(space.workload.base, **point)
        engine = access_energies(HOROWITZ45_TABLE, accelerator).engine_table()
        settings = {"strategy": "random", "budget_per_layer": 30, "seed": 2, "constraints": search.constraints}
        priced = map_network(space.workload.network.network, accelerator, search.objective, energy_table=engine, **settings)
        default = map_network(space.workload.network.network, accelerator, search.objective, **settings)
        differs.append(priced.mapped.layers[0].dataflow != default.mapped.layers[0].dataflow)
        stats = analyze_network(priced.mapped, accelerator, energy_table=engine)
        assert batch.metrics["energy_nj"][row] == pytest.approx(sum(layer.energy_nj for layer in stats.layers), rel=1e-12)
        assert batch.metrics["runtime_cycles"][row] == stats.totals()["runtime_cycles"]
    assert all(differs)  # the case tells a priced search from one on the default energies


@pytest.fixture(scope="module")
def example() -> ExplorationResult:
    return api.explore("resnet50_area_budget", workers=1)


def test_the_area_budget_examples_front_trades_energy_for_area_through_buffer_sizes(example: ExplorationResult) -> None:
    """Along the front, less energy costs more area; some neighbours differ only in their L2 size."""
    front = sorted(example.front, key=lambda i: example.records[i].metrics["energy_nj"])
    records = [example.records[i] for i in front]
    assert [r.metrics["energy_nj"] for r in records] == sorted(r.metrics["energy_nj"] for r in records)
    distinct = sorted({(r.metrics["energy_nj"], r.metrics["area_mm2"]) for r in records})
    assert len(distinct) >= 3
    assert all(later[1] < earlier[1] for earlier, later in zip(distinct, distinct[1:]))  # more energy, less area
    by_rest: dict[tuple, set[int]] = {}
    for record in records:
        rest = tuple(sorted((name, value) for name, value in record.parameters.items() if name != "l2_size_elems"))
        by_rest.setdefault(rest, set()).add(record.parameters["l2_size_elems"])
    assert any(len(sizes) >= 2 for sizes in by_rest.values())  # the same design but its L2: a trade-off of L2 size alone
    assert len({r.parameters["l2_size_elems"] for r in records}) >= 3
    assert all(r.metrics["l1_size_req_elems"] <= r.metrics["l1_size_elems"] for r in records)
    assert any(r.metrics["l2_size_req_elems"] > r.metrics["l2_size_elems"] for r in records)  # a front design spills


def test_a_cosearch_with_buffers_fit_l1_bounds_l1_and_lets_l2_spill(tmp_path: Path) -> None:
    """The searches hold each mapping's L1 requirement to the design's L1 (48 elements: none of the 40 mappings
    sampled fits, where an unbounded search picks one needing 54), and keep L2 free: an L2 of 16 elements spills."""
    document = {
        **PRICED_SPACE,
        "mapping": {"search": {"strategy": "random", "budget_per_layer": 40, "objective": "runtime", "seed": 2}},
        "hardware": {"num_pes": [8], "l1_size_elems": [48, 1024], "l2_size_elems": [16, 256]},
        "constraints": {"buffers_fit": "l1"},
    }
    space = tiny_space(tmp_path, document)
    assert space.workload.search.l1_fits and not space.workload.search.constraints.buffers_fit
    points = _points(space)
    batch = evaluate_design_batch(space, points)
    for point, violation, feasible in zip(points, batch.violations, batch.feasible, strict=True):
        if point["l1_size_elems"] == 48:
            assert violation is not None and violation.startswith("mapping search:") and "l1_size_req_elems <= 48" in violation
        else:
            assert feasible, violation
    spilling = batch.feasible & (batch.metrics["l2_size_req_elems"] > batch.metrics["l2_size_elems"])
    assert spilling.sum() == 2  # both L2 sizes are below the 578 elements the chosen mappings need
