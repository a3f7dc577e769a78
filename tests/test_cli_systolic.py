"""`mapscope systolic` and SCALE-Sim topologies in `mapscope analyze`: the files of one run agree with each
other and with the API, flags win over the config with a note, and a bad input is one line naming
file:line, exit 2, with nothing written."""

from __future__ import annotations

import csv
import re
import json
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run

import mapscope.api
from mapscope.systolic.topology_run import SystolicLayerStats

TOPOLOGY = """Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
conv1, 230, 230, 7, 7, 3, 64, 2,
conv2, 58, 58, 3, 3, 64, 64, 1,
fc, 512, 1000, 1000,
"""
CONFIG = """[general]
run_name = test

[architecture_presets]
ArrayHeight:    32
ArrayWidth:     16
Dataflow : os
IfmapSramSzkB:   4096
FilterSramSzkB:  4096
OfmapSramSzkB:   4096
"""


@pytest.fixture()
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.csv").write_text(TOPOLOGY)
    (tmp_path / "scale.cfg").write_text(CONFIG)
    return tmp_path / "net.csv", tmp_path / "scale.cfg"


def test_json_csv_parquet_and_api_hold_the_same_records(inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    topology, config = inputs
    status, out, err = run(
        ["systolic", str(topology), "--config", str(config), "--json", "o/r.json", "--csv", "o/r.csv", "--parquet", "o/r.parquet"],
        capsys,
    )
    assert status == 0 and err == ""
    assert "net (3 layers) on a 32x16 array, os dataflow (scalesim convention)" in " ".join(out.split())
    expected = mapscope.api.systolic(topology, config)
    records = [layer.as_dict() for layer in expected.layers]
    document = json.loads(Path("o/r.json").read_text())
    assert document["layers"] == records and document["totals"] == expected.totals()
    assert (document["array_rows"], document["array_cols"], document["dataflow"]) == (32, 16, "os")
    names = list(SystolicLayerStats.field_names())
    with Path("o/r.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == names
    assert rows[1:] == [["" if value is None else str(value) for value in record.values()] for record in records]
    table = pyarrow_parquet.read_table("o/r.parquet")
    assert table.column_names == names and table.to_pylist() == records
    assert str(table.schema.field("runtime_cycles").type) == "int64" and str(table.schema.field("stride").type) == "int64"
    assert records[2]["layer_type"] == "gemm" and records[2]["stride"] is None


def test_defaults_and_flags_over_the_config(inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    topology, config = inputs
    status, _, err = run(["systolic", str(topology), "-q", "--json", "plain.json"], capsys)
    assert status == 0 and err == ""
    plain = json.loads(Path("plain.json").read_text())
    assert (plain["array_rows"], plain["array_cols"], plain["dataflow"], plain["convention"]) == (128, 128, "ws", "mapscope")
    status, out, err = run(
        ["systolic", str(topology), "--config", str(config), "--array", "8x8", "--dataflow", "is", "--convention", "mapscope",
         "-q", "--json", "flags.json"],
        capsys,
    )
    assert status == 0 and out == ""
    assert err.splitlines() == ["note: array 8x8 overrides the config's 32x16", "note: dataflow is overrides the config's os"]
    flags = json.loads(Path("flags.json").read_text())
    assert (flags["array_rows"], flags["dataflow"], flags["convention"]) == (8, "is", "mapscope")
    assert flags["notes"] == [line.removeprefix("note: ") for line in err.splitlines()]
    status, _, err = run(["systolic", str(topology), "--config", str(config), "--array", "32x16", "--dataflow", "os", "-q"], capsys)
    assert status == 0 and err == ""  # the same values as the config: nothing to note


@pytest.mark.parametrize(
    "topology, config, message",
    [
        (TOPOLOGY.replace("64, 2,", "64, 0,"), CONFIG, r"net\.csv:2: Strides must be a positive integer, found 0"),
        (TOPOLOGY + "bad, 1, 2,\n", CONFIG, r"net\.csv:5: expected 'name, M, N, K' or a conv row"),
        (TOPOLOGY.split("\n", 1)[1], CONFIG, r"net\.csv:1: the first line is a layer, not a header"),
        (TOPOLOGY, CONFIG.replace("os", "rs"), r"scale\.cfg:7: unknown dataflow 'rs'"),
        (TOPOLOGY, CONFIG.replace("ArrayWidth:     16", "ArrayWidth: sixteen"), r"scale\.cfg:6: ArrayWidth must be a positive integer"),
    ],
    ids=["zero-stride", "short-row", "no-header", "dataflow", "width"],
)
def test_bad_input_is_one_line_and_writes_nothing(
    inputs: tuple[Path, Path], topology: str, config: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topology_path, config_path = inputs
    topology_path.write_text(topology)
    config_path.write_text(config)
    Path("kept.json").write_text("earlier\n")
    status, out, err = run(
        ["systolic", str(topology_path), "--config", str(config_path), "--json", "kept.json", "--csv", "new.csv"], capsys
    )
    assert_one_line_error(status, err)
    assert re.search(message, err), err
    assert out == "" and Path("kept.json").read_text() == "earlier\n" and not Path("new.csv").exists()


def test_api_takes_objects_and_refuses_unknown_names() -> None:
    from mapscope.errors import InputError
    from mapscope.formats.importers.scalesim_files import ScaleSimArray
    from mapscope.workload.gemm import Gemm

    result = mapscope.api.systolic([Gemm(100, 37, 93, name="g")], ScaleSimArray(32, 32, "ws"))
    assert (result.layers[0].runtime_cycles, result.convention, result.source) == (6 * (2 * 32 + 32 + 100 - 2) - 1, "scalesim", None)
    with pytest.raises(InputError, match="unknown dataflow 'rs'"):
        mapscope.api.systolic([Gemm(1, 1, 1)], dataflow="rs")
    with pytest.raises(InputError, match="unknown convention 'maestro'"):
        mapscope.api.systolic([Gemm(1, 1, 1)], convention="maestro")
    with pytest.raises(InputError, match="non-empty sequence"):
        mapscope.api.systolic([])


def test_analyze_reads_a_topology_with_a_template(inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    topology, _ = inputs
    status, _, err = run(["analyze", str(topology), "--dataflow", "kcp_ws", "--num-pes", "64", "-q", "--json", "a.json"], capsys)
    assert status == 0, err
    document = json.loads(Path("a.json").read_text())
    layers = document["layers"]
    assert [layer["layer"] for layer in layers] == ["conv1", "conv2", "fc"]
    # conv1: stride 2 does not divide 230 - 7, so SCALE-Sim counts 113x113 outputs where the convolution has 112x112
    assert [layer["macs"] for layer in layers] == [112 * 112 * 64 * 7 * 7 * 3, 56 * 56 * 64 * 3 * 3 * 64, 512 * 1000 * 1000]
    assert "SCALE-Sim counts 113x113 outputs" in err and "net.csv:2" in err


@pytest.mark.parametrize(
    "text, message",
    [
        ("name, value\na, 1\n", r"net\.csv:1: not a SCALE-Sim topology: expected the header 'Layer name, IFMAP Height"),
        ("", r"net\.csv:1: not a SCALE-Sim topology: .* found an empty file"),
        ("Layer, M, N, K,\na, 1, 1, 1,\na, 2, 2, 2,\n", r"net\.csv:3: layer 'a' is named on line 2 already"),
        ("Layer, M, N, K,\n, 1, 1, 1,\n", r"net\.csv:2: a layer needs a name"),
    ],
    ids=["other-csv", "empty", "duplicate-name", "no-name"],
)
def test_analyze_refuses_what_is_not_a_topology(
    inputs: tuple[Path, Path], text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topology, _ = inputs
    topology.write_text(text)
    status, _, err = run(["analyze", str(topology), "--dataflow", "kcp_ws"], capsys)
    assert_one_line_error(status, err.splitlines()[-1] + "\n")
    assert re.search(message, err), err
