"""Exploration outputs: the Pareto plot (PNG/SVG), the JSON summary, and the number and unit helpers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mapscope.errors import InputError
from mapscope.explore.engines import load_design_space
from mapscope.explore.evaluation import objective_matrix
from mapscope.explore.executors import make_executor
from mapscope.explore.exploration import ExplorationResult, explore
from mapscope.explore.space import DesignSpace
from mapscope.explore.summary import (
    metric_unit,
    objective_label,
    readable_number,
    summary_document,
    violation_reason,
)
from mapscope.formats.results.json_output import write_json_document
from mapscope.formats.results.store import DesignRecord, ParameterValue, design_key
from mapscope.optimization.objectives import Constraint, Objective
from mapscope.optimization.pareto import pareto_mask
from mapscope.report.explore_plots import pareto_plot_bytes, write_pareto_plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
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
constraints:
  area_mm2: {max: 40}
objectives: [runtime_cycles, energy_nj]
"""
RUNTIME = Objective("runtime_cycles", (("runtime_cycles", 1.0),))
ENERGY = Objective("energy_nj", (("energy_nj", 1.0),))
THROUGHPUT = Objective("throughput_per_area", (("throughput_macs_per_cycle_per_mm2", -1.0),))


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory: pytest.TempPathFactory) -> ExplorationResult:
    path = tmp_path_factory.mktemp("tiny") / "space.yaml"
    path.write_text(TINY_SPACE)
    space = load_design_space(path)
    return explore(space, make_executor(space, 1))


def design(num_pes: int, runtime: float, energy: float, violation: str | None = None) -> DesignRecord:
    parameters: dict[str, ParameterValue] = {"num_pes": num_pes}
    metrics = {
        "runtime_cycles": runtime,
        "energy_nj": energy,
        "area_mm2": num_pes / 10,
        "throughput_macs_per_cycle_per_mm2": 1e9 / runtime,
        "power_mw": math.nan if num_pes == 128 else 100.0,  # a metric the engine could not give
    }
    return DesignRecord(design_key(parameters), parameters, metrics, violation is None, violation)


def hand_built(records: list[DesignRecord], objectives: tuple[Objective, ...] = (RUNTIME, ENERGY)) -> ExplorationResult:
    space = DesignSpace(
        name="toy",
        engine="maestro",
        workload=None,
        parameters=(("num_pes", (16, 32, 64, 128, 256, 512)),),
        mapping_parameters=(),
        constraints=(Constraint("area_mm2", maximum=30.0),),
        buffers_fit=False,
        objectives=objectives,
        fingerprint="0123456789abcdef",
    )
    matrix = objective_matrix(space, records)
    front = tuple(int(i) for i in np.flatnonzero(pareto_mask(matrix)))
    return ExplorationResult(space, tuple(records), matrix, front, from_store=2)


TOY_RECORDS = [
    design(64, 9.0e7, 2.0e6),
    design(128, 7.0e7, 3.0e6),
    design(16, 8.0e7, 4.0e6),  # dominated
    design(256, 6.0e7, 5.0e6),
    design(512, 1.0e7, 1.0e6, violation="area_mm2 <= 30 (is 51.2)"),
    design(32, math.nan, math.nan, violation="mapping rejected: no PE computes anything"),
]


def test_png_plot_starts_with_the_png_signature(tiny_result: ExplorationResult) -> None:
    assert pareto_plot_bytes(tiny_result, "png").startswith(PNG_SIGNATURE)


def test_svg_plot_is_the_same_bytes_every_time_and_undated(tiny_result: ExplorationResult) -> None:
    first = pareto_plot_bytes(tiny_result, "svg")
    assert first == pareto_plot_bytes(tiny_result, "svg")
    assert first.startswith(b"<?xml")
    assert b"<dc:date>" not in first
    assert "runtime_cycles (cycles)".encode() in first  # matplotlib keeps each text as a comment


def test_plots_for_one_and_three_objectives_and_for_no_feasible_design() -> None:
    one = pareto_plot_bytes(hand_built(TOY_RECORDS, (ENERGY,)), "svg")
    assert "energy_nj (mJ)".encode() in one  # up to 4e6 nJ reads best in mJ
    assert b"best: 2 mJ" in one  # the infeasible design with 1e6 nJ does not count
    three = pareto_plot_bytes(hand_built(TOY_RECORDS, (THROUGHPUT, RUNTIME, ENERGY)), "svg")
    assert b"front over all 3 objectives" in three
    assert "throughput_per_area (MACs/cycle/mm², maximised)".encode() in three
    nothing = hand_built([r for r in TOY_RECORDS if not r.feasible])
    assert pareto_plot_bytes(nothing, "png").startswith(PNG_SIGNATURE)
    with pytest.raises(InputError, match="png, svg"):
        pareto_plot_bytes(nothing, "pdf")


def test_write_pareto_plot_chooses_the_format_by_suffix(tmp_path: Path) -> None:
    result = hand_built(TOY_RECORDS)
    write_pareto_plot(result, tmp_path / "front.PNG")
    assert (tmp_path / "front.PNG").read_bytes().startswith(PNG_SIGNATURE)
    write_pareto_plot(result, tmp_path / "front.svg")
    assert (tmp_path / "front.svg").read_bytes() == pareto_plot_bytes(result, "svg")


def test_unknown_plot_suffix_is_an_input_error_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.png, \.svg") as error:
        write_pareto_plot(hand_built(TOY_RECORDS), tmp_path / "front.pdf")
    assert error.value.where == str(tmp_path / "front.pdf")
    assert list(tmp_path.iterdir()) == []


def test_summary_of_a_real_run_counts_what_the_result_holds(tiny_result: ExplorationResult) -> None:
    document = summary_document(tiny_result, best=3)
    assert set(document) == {"schema_version", "space", "counts", "best", "pareto_front", "infeasible_reasons"}
    assert document["space"]["name"] == "tiny" and document["space"]["engine"] == "maestro"
    assert document["space"]["fingerprint"] == tiny_result.space.fingerprint
    assert document["space"]["parameters"]["num_pes"] == [64, 256]
    assert document["space"]["constraints"][0] == "area_mm2 <= 40"
    assert document["space"]["objectives"] == ["runtime_cycles", "energy_nj"]
    assert document["counts"] == {
        "designs": len(tiny_result.records),
        "evaluated_now": len(tiny_result.records),
        "from_store": 0,
        "feasible": len(tiny_result.feasible),
        "pareto_front": len(tiny_result.front),
    }
    assert len(document["best"]) == min(3, len(tiny_result.feasible))
    best = tiny_result.records[tiny_result.best(1)[0]]
    assert document["best"][0]["parameters"] == best.parameters
    assert document["best"][0]["objectives"]["runtime_cycles"] == best.metrics["runtime_cycles"]
    assert sum(document["infeasible_reasons"].values()) == len(tiny_result.records) - len(tiny_result.feasible)
    assert all("(is " not in reason for reason in document["infeasible_reasons"])


def test_summary_file_is_plain_sorted_deterministic_json(tmp_path: Path) -> None:
    result = hand_built(TOY_RECORDS)
    write_json_document(summary_document(result), tmp_path / "a.json")
    write_json_document(summary_document(result), tmp_path / "b.json")
    text = (tmp_path / "a.json").read_text()
    assert text == (tmp_path / "b.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    document = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))
    assert text == json.dumps(document, sort_keys=True, indent=2) + "\n"
    assert document["counts"] == {"designs": 6, "evaluated_now": 4, "from_store": 2, "feasible": 4, "pareto_front": 3}
    assert [entry["parameters"]["num_pes"] for entry in document["pareto_front"]] == [256, 128, 64]
    assert [entry["parameters"]["num_pes"] for entry in document["best"]] == [256, 128, 16, 64]
    assert document["best"][1]["metrics"]["power_mw"] is None
    assert document["infeasible_reasons"] == {"area_mm2 <= 30": 1, "mapping rejected: no PE computes anything": 1}


def test_summary_gives_maximised_objectives_as_the_metric_reads() -> None:
    document = summary_document(hand_built(TOY_RECORDS, (THROUGHPUT, ENERGY)), best=1)
    assert document["best"][0]["objectives"] == {"throughput_per_area": 1e9 / 6.0e7, "energy_nj": 5.0e6}


@pytest.mark.parametrize(
    ("value", "text"),
    [(70479237.0, "7.05e7"), (7e7, "7e7"), (33.5088, "33.51"), (294.0, "294"), (12345.6, "12,346"), (0.0005, "5e-4"), (0.0, "0"), (math.nan, "-")],
)
def test_readable_numbers(value: float, text: str) -> None:
    assert readable_number(value) == text


def test_units_labels_and_violation_reasons() -> None:
    assert [metric_unit(m) for m in ("runtime_cycles", "energy_nj", "area_mm2", "power_mw", "edp_nj_cycles", "macs", "num_pes")] == [
        "cycles", "nJ", "mm²", "mW", "nJ·cycles", "MACs", ""
    ]
    assert metric_unit("throughput_macs_per_cycle_per_mm2") == "MACs/cycle/mm²"
    assert objective_label(Objective("weighted(1*energy + 2*area)", (("energy_nj", 1.0), ("area_mm2", 2.0)))) == "weighted(1*energy + 2*area)"
    assert violation_reason("area_mm2 <= 40 (is 41.2)") == "area_mm2 <= 40"
    assert violation_reason("L1 requirement <= L1 size (is 600)") == "L1 requirement <= L1 size"
    assert violation_reason("mapping rejected: K (is odd) too large") == "mapping rejected: K (is odd) too large"
