"""`mapscope systolic` against SCALE-Sim 3.0's own reports: on every public reference case, its topology and
scale.cfg as SCALE-Sim ran them give SCALE-Sim's cycles, SRAM and DRAM counts and utilisation (the scalesim
convention is the default when a config is given); and the four workloads in one topology give, layer
by layer, what each case gave alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run
from test_scalesim_reference import CASES, RUNS, _report

import mapscope.api
from mapscope.systolic.topology_run import SystolicLayerStats

#: SystolicLayerStats field -> the column of SCALE-Sim's DETAILED_ACCESS_REPORT.csv that counts the same words.
ACCESS_COLUMNS = {
    "input_l2_read_elems": "SRAM IFMAP Reads",
    "filter_l2_read_elems": "SRAM Filter Reads",
    "output_l2_write_elems": "SRAM OFMAP Writes",
    "input_offchip_read_elems": "DRAM IFMAP Reads",
    "filter_offchip_read_elems": "DRAM Filter Reads",
    "output_offchip_write_elems": "DRAM OFMAP Writes",
}


def assert_equals_reference(record: SystolicLayerStats | dict[str, object], case: str) -> None:
    values = record if isinstance(record, dict) else record.as_dict()
    compute = _report(RUNS / case / "COMPUTE_REPORT.csv")
    access = _report(RUNS / case / "DETAILED_ACCESS_REPORT.csv")
    assert values["runtime_cycles"] == int(compute["Total Cycles"]), case
    for name, column in ACCESS_COLUMNS.items():
        assert values[name] == int(access[column]), (case, name)
    assert values["utilization"] * 100 == pytest.approx(float(compute["Overall Util %"]), rel=1e-9)  # type: ignore[operator]


@pytest.mark.parametrize("case", CASES)
def test_cli_gives_scalesims_figures(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "run.json"
    status, out, err = run(
        ["systolic", str(RUNS / case / "topology.csv"), "--config", str(RUNS / case / "scale.cfg"), "--json", str(output)],
        capsys,
    )
    assert status == 0 and err == "", err
    document = json.loads(output.read_text())
    assert document["convention"] == "scalesim"
    (layer,) = document["layers"]
    assert_equals_reference(layer, case)
    assert f"{layer['runtime_cycles']:,}" in out


def test_all_workloads_in_one_topology(tmp_path: Path) -> None:
    """Conv and GEMM rows mixed in one file: each layer's record is the one its own case gave."""
    workloads = sorted({case.split("__")[0] for case in CASES})
    rows = [(RUNS / f"{workload}__32x32__os__calc_4096k" / "topology.csv").read_text().splitlines()[1] for workload in workloads]
    topology = tmp_path / "all.csv"
    topology.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n" + "\n".join(rows) + "\n")
    settings = sorted({case.split("__", 1)[1] for case in CASES})
    assert len(workloads) == 4 and len(settings) == 6
    for setting in settings:
        result = mapscope.api.systolic(topology, RUNS / f"{workloads[0]}__{setting}" / "scale.cfg")
        assert [layer.layer for layer in result.layers] == [row.split(",")[0] for row in rows]
        for workload, record in zip(workloads, result.layers, strict=True):
            assert_equals_reference(record, f"{workload}__{setting}")
        assert result.runtime_cycles == sum(layer.runtime_cycles for layer in result.layers)
