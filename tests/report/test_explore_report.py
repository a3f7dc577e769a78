"""The exploration report: header, best-designs table, front summary, and why nothing is feasible."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from mapscope.explore.engines import load_design_space
from mapscope.explore.evaluation import objective_matrix
from mapscope.explore.executors import make_executor
from mapscope.explore.exploration import ExplorationResult, explore
from mapscope.explore.space import DesignSpace
from mapscope.formats.results.store import DesignRecord, ParameterValue, design_key
from mapscope.optimization.objectives import Constraint, Objective
from mapscope.optimization.pareto import pareto_mask
from mapscope.report.explore_report import (
    nothing_feasible_message,
    render_explore_report,
)

TINY_SPACE = """\
name: tiny
network: resnet50_kcp_ws
mapping:
  template: kcp_ws
  parameters:
    cluster_size: [16, 32]
hardware:
  num_pes: [64, 256]
  noc_bandwidth_elems_per_cycle: [32, 128]
  l1_size_elems: [256, 512]
  noc_latency_cycles: [1]
constraints:
  area_mm2: {{max: {area}}}
objectives: [runtime_cycles, energy_nj]
"""


def run_space(directory: Path, area_mm2: float) -> ExplorationResult:
    path = directory / "space.yaml"
    path.write_text(TINY_SPACE.format(area=area_mm2))
    space = load_design_space(path)
    return explore(space, make_executor(space, 1))


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory: pytest.TempPathFactory) -> ExplorationResult:
    return run_space(tmp_path_factory.mktemp("tiny"), 40)


def design(num_pes: int, runtime: float, energy: float, area: float, violation: str | None = None, **extra: float) -> DesignRecord:
    parameters: dict[str, ParameterValue] = {"num_pes": num_pes, "l1_size_elems": 512}
    metrics = {"runtime_cycles": runtime, "energy_nj": energy, "area_mm2": area, **extra}
    return DesignRecord(design_key(parameters), parameters, metrics, violation is None, violation)


def hand_built(records: list[DesignRecord], constraints: tuple[Constraint, ...], buffers_fit: bool = False) -> ExplorationResult:
    """A result as `explore` would return it for `records`, without running an engine."""
    space = DesignSpace(
        name="toy",
        engine="maestro",
        workload=None,
        parameters=(("num_pes", (64, 128, 256)), ("l1_size_elems", (512,))),
        mapping_parameters=(),
        constraints=constraints,
        buffers_fit=buffers_fit,
        objectives=(Objective("runtime_cycles", (("runtime_cycles", 1.0),)), Objective("energy_nj", (("energy_nj", 1.0),))),
        fingerprint="0123456789abcdef",
    )
    matrix = objective_matrix(space, records)
    front = tuple(int(i) for i in np.flatnonzero(pareto_mask(matrix)))
    return ExplorationResult(space, tuple(records), matrix, front, from_store=1)


def rendered(result: ExplorationResult, best: int = 10) -> str:
    console = Console(record=True, width=220, color_system=None)
    render_explore_report(result, console, best=best)
    return console.export_text()


def table_rows(text: str) -> dict[str, list[str]]:
    """The body rows of the rendered table, by rank."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0].isdigit():
            rows[cells[0]] = cells
    return rows


def test_report_of_a_real_run_lists_the_best_design_first(tiny_result: ExplorationResult) -> None:
    text = rendered(tiny_result)
    feasible = len(tiny_result.feasible)
    assert f"tiny (maestro engine): 16 designs, 16 evaluated now, 0 from the store; {feasible} feasible" in text
    best = tiny_result.records[tiny_result.best(1)[0]]
    swept = ("num_pes", "noc_bandwidth_elems_per_cycle", "l1_size_elems", "cluster_size")
    expected = [f"{best.parameters[name]:,}" for name in swept]
    first_row = table_rows(text)["1"]
    assert first_row[2 : 2 + len(swept)] == expected
    assert first_row[1] == "yes"  # the best by the first objective is always on the front
    assert "(cycles)" in text and "(nJ)" in text and "(mm²)" in text and "(mW)" in text
    assert "fixed: noc_latency_cycles = 1" in text
    assert f"Pareto front over 2 objectives: {len(tiny_result.front)} design" in text


def test_table_marks_front_designs_formats_numbers_and_stops_at_best() -> None:
    records = [
        design(64, 9.0e7, 2.0e6, 10.0),
        design(128, 7.05e7, 3.0e6, 33.5088),
        design(256, 8.0e7, 4.0e6, 20.0),  # dominated by the first two
        design(256, 1.0e7, 1.0e6, 41.2, violation="area_mm2 <= 40 (is 41.2)"),
    ]
    text = rendered(hand_built(records, (Constraint("area_mm2", maximum=40.0),)), best=2)
    assert "3 evaluated now, 1 from the store; 3 feasible, 2 on the Pareto front" in text
    rows = table_rows(text)
    assert sorted(rows) == ["1", "2"]
    assert rows["1"][:5] == ["1", "yes", "128", "7.05e7", "3e6"]
    assert "33.51" in rows["1"]
    assert rows["2"][:3] == ["2", "", "256"]
    assert "Pareto front over 2 objectives: 2 designs; runtime_cycles 7.05e7 to 9e7 cycles" in text


def test_report_without_feasible_designs_prints_only_the_header() -> None:
    records = [design(64, 1e7, 1e6, 50.0, violation="area_mm2 <= 40 (is 50)")]
    text = rendered(hand_built(records, (Constraint("area_mm2", maximum=40.0),)))
    assert text.strip() == "toy (maestro engine): 1 design, 0 evaluated now, 1 from the store; 0 feasible, 0 on the Pareto front"


def test_nothing_feasible_names_the_constraint_that_removed_everything(tmp_path: Path) -> None:
    result = run_space(tmp_path, 1)
    message = nothing_feasible_message(result)
    smallest = min(r.metrics["area_mm2"] for r in result.records)
    assert message.startswith("no feasible design among 16")
    assert f": area_mm2 <= 1 removed 16 (smallest value {smallest:.4g} mm²)" in message  # the largest count first


def test_nothing_feasible_counts_each_constraint_on_its_own_and_engine_errors() -> None:
    nan = math.nan
    records = [
        design(64, 1e7, 1e6, 12.3, violation="area_mm2 <= 5 (is 12.3)", l1_size_req_elems=600.0, l1_size_elems=512.0),
        design(128, 1e7, 1e6, 3.0, violation="L1 requirement <= L1 size (is 520)", l1_size_req_elems=520.0, l1_size_elems=512.0),
        design(256, 1e7, 1e6, 20.0, violation="area_mm2 <= 5 (is 20)", l1_size_req_elems=100.0, l1_size_elems=512.0),
        design(256, nan, nan, nan, violation="mapping rejected: cluster size 64 exceeds 32 PEs"),
    ]
    records[3].parameters["l1_size_elems"] = 256  # a distinct design
    message = nothing_feasible_message(hand_built(records, (Constraint("area_mm2", maximum=5.0),), buffers_fit=True))
    assert message == (
        "no feasible design among 4, each check on its own: area_mm2 <= 5 removed 2 (smallest value 12.3 mm²); "
        "L1 requirement <= L1 size removed 2 (closest: requirement 520 elems vs size 512 elems); "
        "the maestro engine could not evaluate 1 (e.g. mapping rejected: cluster size 64 exceeds 32 PEs)"
    )


def test_nothing_feasible_on_a_parameter_bound_and_on_an_empty_run() -> None:
    records = [design(64, 1e7, 1e6, 1.0, violation="num_pes >= 512 (is 64)"), design(256, 1e7, 1e6, 1.0, violation="num_pes >= 512 (is 256)")]
    message = nothing_feasible_message(hand_built(records, (Constraint("num_pes", minimum=512.0),)))
    assert message == "no feasible design among 2: num_pes >= 512 removed 2 (largest value 256)"
    assert "no design was evaluated" in nothing_feasible_message(hand_built([], ()))
