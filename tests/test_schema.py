"""One result schema: the CSV, JSON, DataFrame and Parquet of one run have the same columns and values."""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import assert_one_line_error, run

from mapscope.api import analyze
from mapscope.cli import main
from mapscope.formats.maestro.csv_file import MAESTRO_CSV_COLUMNS
from mapscope.formats.results.layer_table import format_layer_csv, read_layer_csv, write_layer_parquet
from mapscope.stats import ENERGY_FIELDS, LayerStats, NetworkStats

COMMAND = ["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "-q"]
MAESTRO_HEADER = ",".join(column.maestro_header for column in MAESTRO_CSV_COLUMNS)


def same(left: Any, right: Any) -> bool:
    """Equal values of equal type (int stays int), NaN equal to NaN (JSON's null stands for it)."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    return type(left) is type(right) and left == right


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CSV, JSON and Parquet one default-mode run writes."""
    folder = tmp_path_factory.mktemp("schema")
    paths = {suffix: folder / f"run.{suffix}" for suffix in ("csv", "json", "parquet")}
    status = main([*COMMAND, "--csv", str(paths["csv"]), "--json", str(paths["json"]), "--parquet", str(paths["parquet"])])
    assert status == 0
    return paths


@pytest.fixture(scope="module")
def stats() -> NetworkStats:
    return analyze("vgg16_kcp_ws", "accelerator_256pe")


def test_every_output_has_the_layer_stats_columns_and_values(outputs: dict[str, Path], stats: NetworkStats) -> None:
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("pandas")
    names = list(LayerStats.field_names())
    expected = [layer.as_dict() for layer in stats.layers]

    with outputs["csv"].open(newline="") as handle:
        header = next(csv.reader(handle))
    csv_rows = [layer.as_dict() for layer in read_layer_csv(outputs["csv"])]
    json_rows = json.loads(outputs["json"].read_text())["layers"]
    table = pyarrow_parquet.read_table(outputs["parquet"])
    parquet_rows = table.to_pylist()
    frame = stats.to_dataframe()
    frame_rows = [{name: value.item() if hasattr(value, "item") else value for name, value in row.items()} for row in frame.to_dict("records")]

    assert header == names and table.column_names == names and list(frame.columns) == names
    assert all(list(row) == names for row in json_rows)
    for rows in (csv_rows, json_rows, parquet_rows, frame_rows):
        assert len(rows) == len(expected) == 16
        for row, want in zip(rows, expected, strict=True):
            mismatched = [name for name in names if not same(float("nan") if row[name] is None else row[name], want[name])]
            assert not mismatched, mismatched


def test_json_sorts_keys_except_each_layers(outputs: dict[str, Path]) -> None:
    document = json.loads(outputs["json"].read_text())
    assert list(document) == sorted(document)
    assert list(document["totals"]) == sorted(document["totals"])
    assert list(document["layers"][0]) == list(LayerStats.field_names())


def test_column_types_agree(outputs: dict[str, Path], stats: NetworkStats) -> None:
    pyarrow = pytest.importorskip("pyarrow")
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("pandas")
    arrow = {str: pyarrow.string(), int: pyarrow.int64(), float: pyarrow.float64()}
    pandas_types = {str: "object", int: "int64", float: "float64"}
    schema = pyarrow_parquet.read_schema(outputs["parquet"])
    frame = stats.to_dataframe()
    for name, kind in LayerStats.field_types().items():
        assert schema.field(name).type == arrow[kind], name
        assert str(frame[name].dtype) == pandas_types[kind], name


def test_shape_and_energy_columns_are_in_the_schema(stats: NetworkStats) -> None:
    first = stats.layers[0]
    assert (first.dim_k, first.dim_c, first.dim_r, first.dim_s, first.dim_y, first.dim_x) == (64, 3, 3, 3, 226, 226)
    assert (first.dim_y_out, first.dim_x_out, first.dim_n, first.dim_g, first.dim_m) == (224, 224, 1, 1, 1)
    assert (first.stride_y, first.stride_x) == (1, 1)
    totals = stats.totals()
    for name in ENERGY_FIELDS:
        assert totals[name] == pytest.approx(sum(getattr(layer, name) for layer in stats.layers), rel=1e-12)
    components = ("mac", "l1", "l2", "noc", "dram")
    assert totals["energy_nj"] == pytest.approx(sum(totals[f"{c}_energy_pj"] for c in components) / 1000, rel=1e-12)
    assert min(totals[f"{c}_energy_pj"] for c in components) > 0  # the default model prices all five


def test_empty_network_gives_typed_empty_tables(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    empty = NetworkStats("none", None, ())
    assert format_layer_csv(empty) == ",".join(LayerStats.field_names()) + "\n"
    assert str(empty.to_dataframe()["macs"].dtype) == "int64"
    write_layer_parquet(empty, tmp_path / "empty.parquet")
    assert pyarrow_parquet.read_table(tmp_path / "empty.parquet").num_rows == 0


def test_csv_format_maestro_in_default_mode_writes_maestros_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "maestro.csv"
    status, _, err = run([*COMMAND, "--csv", str(target), "--csv-format", "maestro"], capsys)
    assert status == 0, err
    lines = target.read_text().splitlines()
    assert lines[0] == MAESTRO_HEADER and len(lines) == 17
    assert lines[1].startswith("VGG16,conv1_1,256,")


def test_compat_mode_writes_maestros_csv_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maestro, ours = tmp_path / "maestro.csv", tmp_path / "ours.csv"
    assert run([*COMMAND, "--compat", "maestro", "--csv", str(maestro)], capsys)[0] == 0
    assert run([*COMMAND, "--compat", "maestro", "--csv", str(ours), "--csv-format", "mapscope"], capsys)[0] == 0
    assert maestro.read_text().splitlines()[0] == MAESTRO_HEADER
    compat_stats = analyze("vgg16_kcp_ws", "accelerator_256pe", compat="maestro")
    assert read_layer_csv(ours) == compat_stats.layers


def test_parquet_without_pyarrow_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    target = tmp_path / "run.parquet"
    status, _, err = run([*COMMAND, "--parquet", str(target)], capsys)
    assert_one_line_error(status, err)
    assert "mapscope[parquet]" in err and str(target) in err
    assert not target.exists()
