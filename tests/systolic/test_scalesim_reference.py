"""The single-array model against SCALE-Sim 3.0's own reports, on every public reference case."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from shared_data import SHARED_DIR

from mapscope.formats.importers.scalesim_files import read_scalesim_config, read_scalesim_layers
from mapscope.systolic.single_array import Convention, Dataflow, run_single_array

RUNS = SHARED_DIR / "reference" / "scalesim" / "runs"
CASES = sorted(path.name for path in RUNS.iterdir()) if RUNS.is_dir() else []
RESULTS_CSV = SHARED_DIR / "reference" / "scalesim" / "results.csv"
RESULTS = list(csv.DictReader(RESULTS_CSV.open(newline=""))) if RESULTS_CSV.is_file() else []


def _report(path: Path) -> dict[str, str]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    return {key.strip(): value.strip() for key, value in zip(rows[0], rows[1], strict=False) if key.strip()}


def test_all_reference_cases_present() -> None:
    assert len(CASES) == 24


@pytest.mark.parametrize("case", CASES)
def test_cycles_sram_and_dram_counts_equal_scalesim(case: str) -> None:
    run = RUNS / case
    array = read_scalesim_config(run / "scale.cfg")
    (layer,) = read_scalesim_layers(run / "topology.csv")
    result = run_single_array(
        layer.gemm, array.rows, array.cols, Dataflow(array.dataflow), Convention.SCALESIM,
        srams=array.srams, ifmap_words=layer.ifmap_words,
    )
    compute = _report(run / "COMPUTE_REPORT.csv")
    access = _report(run / "DETAILED_ACCESS_REPORT.csv")
    assert result.cycles == int(compute["Total Cycles"])
    assert result.ifmap_sram_reads == int(access["SRAM IFMAP Reads"])
    assert result.filter_sram_reads == int(access["SRAM Filter Reads"])
    assert result.ofmap_sram_writes == int(access["SRAM OFMAP Writes"])
    assert result.dram_ifmap_reads == int(access["DRAM IFMAP Reads"])
    assert result.dram_filter_reads == int(access["DRAM Filter Reads"])
    assert result.dram_ofmap_writes == int(access["DRAM OFMAP Writes"])
    assert result.utilization * 100 == pytest.approx(float(compute["Overall Util %"]), rel=1e-9)


@pytest.mark.parametrize("row", RESULTS, ids=[row["case_id"] for row in RESULTS])
def test_dram_columns_of_results_csv_equal_the_model(row: dict[str, str]) -> None:
    """results.csv's dram_* columns, case by case (among them the 3,612,703 ofmap writes of ResNet-18's
    3136x64x576 layer on 32x32 in ws and is: 18 row folds of partial sums, plus 31 of the write buffer)."""
    run = RUNS / row["case_id"]
    array = read_scalesim_config(run / "scale.cfg")
    (layer,) = read_scalesim_layers(run / "topology.csv")
    assert (array.rows, array.cols, array.dataflow) == (*map(int, row["array"].split("x")), row["dataflow"])
    assert (array.srams.ifmap_kb, array.srams.filter_kb, array.srams.ofmap_kb) == tuple(map(int, row["sram_kb"].split("/")))
    result = run_single_array(
        layer.gemm, array.rows, array.cols, Dataflow(row["dataflow"]), Convention.SCALESIM,
        srams=array.srams, ifmap_words=layer.ifmap_words,
    )
    assert (result.dram_ifmap_reads, result.dram_filter_reads, result.dram_ofmap_writes) == (
        int(row["dram_ifmap_reads"]), int(row["dram_filter_reads"]), int(row["dram_ofmap_writes"])
    )


def test_results_csv_agrees_with_raw_reports() -> None:
    rows = {row["case_id"]: row for row in RESULTS}
    assert sorted(rows) == CASES
    for case, row in rows.items():
        assert int(row["total_cycles"]) == int(_report(RUNS / case / "COMPUTE_REPORT.csv")["Total Cycles"])
        access = _report(RUNS / case / "DETAILED_ACCESS_REPORT.csv")
        for column, title in (("dram_ifmap_reads", "IFMAP Reads"), ("dram_filter_reads", "Filter Reads"), ("dram_ofmap_writes", "OFMAP Writes")):
            assert int(row[column]) == int(access[f"DRAM {title}"]), (case, column)


def test_mapscope_convention_counts_cycles_and_partial_sum_reads() -> None:
    from mapscope.workload.gemm import Gemm

    gemm = Gemm(100, 37, 93)
    scalesim = run_single_array(gemm, 32, 32, Dataflow.WS, Convention.SCALESIM)
    ours = run_single_array(gemm, 32, 32, Dataflow.WS, Convention.MAPSCOPE)
    assert ours.cycles == scalesim.cycles + 1 == 6 * (2 * 32 + 32 + 100 - 2)
    # three K-chunks write every output three times; all but the first write read the partial sum back
    assert ours.ofmap_sram_writes == 3 * 100 * 37 and ours.ofmap_sram_reads == 2 * 100 * 37
    os_ours = run_single_array(gemm, 32, 32, Dataflow.OS, Convention.MAPSCOPE)
    assert os_ours.ofmap_sram_writes == 100 * 37  # no counting artefact
