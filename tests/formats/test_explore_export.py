"""Exporting exploration records: typed columns, no duplicates, the front flag, CSV/Parquet/JSON-lines files."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas
import pyarrow
import pyarrow.parquet
import pytest

from mapscope.errors import InputError
from mapscope.formats.results.explore_export import (
    export_columns,
    format_csv,
    format_json_lines,
    write_parquet,
    write_records,
)
from mapscope.formats.results.store import DesignRecord, ParameterValue, design_key

PARAMETERS = ["num_pes", "noc_bandwidth_elems_per_cycle", "dataflow", "double_buffering", "l1_size_elems"]
METRICS = ["runtime_cycles", "energy_nj", "macs", "area_um2"]
STATUS = ["feasible", "on_pareto_front", "violation"]


def make_records() -> list[DesignRecord]:
    """Six designs: every column type, a float metric with nan and infinities, one design in error (nan metrics)."""
    records = []
    for index in range(6):
        parameters: dict[str, ParameterValue] = {
            "num_pes": 64 * (index + 1),
            "noc_bandwidth_elems_per_cycle": 0.25 + index,
            "dataflow": ["kcp_ws", "yr_os"][index % 2],
            "double_buffering": index % 3 == 0,
            "l1_size_elems": 256 * (index + 1),
        }
        metrics: dict[str, int | float] = {
            "runtime_cycles": 1000 + index,
            "energy_nj": [math.nan, math.inf, -math.inf, 2.5, 1e-300, 7.0][index],
            "macs": 2**60 + index,  # beyond float64's exact integers
            "area_um2": 0.1 * index,
            "l1_size_elems": 256 * (index + 1),  # the MAESTRO engine's echo of the parameter
        }
        if index == 5:
            metrics = dict.fromkeys(metrics, math.nan)  # the engine could not evaluate it
        feasible = index not in (4, 5)
        violation = None if feasible else ("area" if index == 4 else "mapping rejected")
        records.append(DesignRecord(design_key(parameters), parameters, metrics, feasible, violation))
    return records


FRONT = (1, 3)


def test_columns_are_parameters_metrics_then_status_with_one_type_each() -> None:
    columns = export_columns(make_records(), FRONT)
    assert [c.name for c in columns] == PARAMETERS + METRICS + STATUS
    types = {c.name: c.type for c in columns}
    assert types == {
        "num_pes": "int64", "noc_bandwidth_elems_per_cycle": "float64", "dataflow": "string", "double_buffering": "bool",
        "l1_size_elems": "int64", "runtime_cycles": "int64", "energy_nj": "float64", "macs": "int64",
        "area_um2": "float64", "feasible": "bool", "on_pareto_front": "bool", "violation": "string",
    }  # fmt: skip
    by_name = {c.name: c.values for c in columns}
    assert by_name["runtime_cycles"][5] is None and by_name["macs"][0] == 2**60  # no value, not nan; exact
    assert by_name["on_pareto_front"] == (False, True, False, True, False, False)


def test_a_metric_that_differs_from_its_parameter_is_kept_beside_it_with_a_prefix() -> None:
    records = make_records()
    records[2].metrics["l1_size_elems"] = 1  # not the parameter's value any more
    names = [c.name for c in export_columns(records)]
    assert "l1_size_elems" in names and "metric.l1_size_elems" in names
    clash = DesignRecord("k", {"feasible": 1, "x": 2}, {"on_pareto_front": 1.0, "x": 3.0}, True, None)
    names = [c.name for c in export_columns([clash])]
    assert names == ["param.feasible", "x", "metric.on_pareto_front", "metric.x", *STATUS]


def test_records_with_different_names_get_empty_cells() -> None:
    first = DesignRecord("a", {"x": 1}, {"m": 1}, True, None)
    second = DesignRecord("b", {"y": 2}, {"n": 2.0}, False, "too big")
    columns = export_columns([first, second])
    assert [c.name for c in columns] == ["x", "y", "m", "n", *STATUS]
    assert {c.name: c.values for c in columns}["y"] == (None, 2)
    assert format_csv(columns).splitlines()[1:] == ["1,,1,,True,False,", ",2,,2.0,False,False,too big"]


def test_csv_reads_back_in_pandas_with_the_column_types(tmp_path: Path) -> None:
    records = make_records()[:5]  # every design evaluated: integer columns without gaps
    target = tmp_path / "results.csv"
    write_records(records, target, FRONT)
    read = pandas.read_csv(target)
    assert list(read.columns) == PARAMETERS + METRICS + STATUS
    assert read.columns.is_unique
    for name in ("num_pes", "l1_size_elems", "runtime_cycles", "macs"):
        assert read[name].dtype == "int64", name
    for name in ("noc_bandwidth_elems_per_cycle", "energy_nj", "area_um2"):
        assert read[name].dtype == "float64", name
    for name in ("double_buffering", "feasible", "on_pareto_front"):
        assert read[name].dtype == "bool", name
    assert read["macs"].tolist() == [2**60 + index for index in range(5)]
    assert read["energy_nj"].tolist()[1:] == [math.inf, -math.inf, 2.5, 1e-300] and math.isnan(read["energy_nj"][0])
    assert read["on_pareto_front"].tolist() == [False, True, False, True, False]


def test_csv_writes_integers_as_integers_and_floats_exactly() -> None:
    lines = format_csv(export_columns(make_records(), FRONT)).splitlines()
    assert lines[1].split(",")[:9] == ["64", "0.25", "kcp_ws", "True", "256", "1000", "nan", str(2**60), "0.0"]
    assert lines[6].split(",")[5:9] == ["", "nan", "", "nan"]  # no count for a design in error
    assert repr(0.1 * 3) in lines[4] and ".0," not in lines[1].split("0.25")[1].split(",nan")[0]


def test_parquet_keeps_each_column_type(tmp_path: Path) -> None:
    target = tmp_path / "results.parquet"
    write_records(make_records(), target, FRONT)
    table = pyarrow.parquet.read_table(target)
    assert table.column_names == PARAMETERS + METRICS + STATUS
    expected = {
        "num_pes": pyarrow.int64(), "noc_bandwidth_elems_per_cycle": pyarrow.float64(), "dataflow": pyarrow.string(),
        "double_buffering": pyarrow.bool_(), "l1_size_elems": pyarrow.int64(), "runtime_cycles": pyarrow.int64(),
        "energy_nj": pyarrow.float64(), "macs": pyarrow.int64(), "area_um2": pyarrow.float64(),
        "feasible": pyarrow.bool_(), "on_pareto_front": pyarrow.bool_(), "violation": pyarrow.string(),
    }  # fmt: skip
    assert {field.name: field.type for field in table.schema} == expected
    assert table.column("macs").to_pylist() == [2**60 + index for index in range(5)] + [None]
    assert table.column("runtime_cycles").null_count == 1 and table.column("energy_nj").null_count == 0
    frame = pandas.read_parquet(tmp_path / "results.parquet")
    assert frame["num_pes"].dtype == "int64" and frame["feasible"].dtype == "bool"


def test_json_lines_keep_integers_booleans_and_write_nan_as_null(tmp_path: Path) -> None:
    target = tmp_path / "results.jsonl"
    write_records(make_records(), target, FRONT)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == 6 and list(rows[0]) == PARAMETERS + METRICS + STATUS
    assert rows[0]["macs"] == 2**60 and isinstance(rows[0]["runtime_cycles"], int)
    assert rows[0]["energy_nj"] is None and rows[3]["energy_nj"] == 2.5
    assert rows[1]["on_pareto_front"] is True and rows[5]["runtime_cycles"] is None
    assert rows[5]["violation"] == "mapping rejected" and rows[0]["violation"] is None


def test_same_records_same_bytes_in_every_format(tmp_path: Path) -> None:
    for suffix in (".csv", ".parquet", ".jsonl"):
        write_records(make_records(), tmp_path / f"first{suffix}", FRONT)
        write_records(make_records(), tmp_path / f"second{suffix}", FRONT)
        assert (tmp_path / f"first{suffix}").read_bytes() == (tmp_path / f"second{suffix}").read_bytes(), suffix
    assert format_json_lines(export_columns(make_records(), FRONT)) == (tmp_path / "first.jsonl").read_text()


def test_empty_record_list_writes_the_status_columns_only(tmp_path: Path) -> None:
    write_records([], tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text() == "feasible,on_pareto_front,violation\n"
    write_records([], tmp_path / "empty.parquet")
    assert pyarrow.parquet.read_table(tmp_path / "empty.parquet").column_names == STATUS


def test_unknown_suffix_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.csv, \.parquet") as caught:
        write_records(make_records(), tmp_path / "results.xlsx")
    assert caught.value.where == str(tmp_path / "results.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_column_of_mixed_types_is_refused_for_parquet_and_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "results.parquet"
    target.write_bytes(b"old results")
    mixed = [
        DesignRecord("a", {"tile": 4}, {"m": 1.0}, True, None),
        DesignRecord("b", {"tile": "auto"}, {"m": 2.0}, True, None),
    ]
    with pytest.raises(InputError, match="column 'tile' mixes value types"):
        write_parquet(export_columns(mixed), target)
    assert target.read_bytes() == b"old results"
    assert [entry.name for entry in tmp_path.iterdir()] == ["results.parquet"]
    assert format_csv(export_columns(mixed)).splitlines()[1:] == ["4,1.0,True,False,", "auto,2.0,True,False,"]


def test_failure_while_serialising_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.parquet"
    target.write_bytes(b"old results")

    def broken_write_table(*arguments: object, **options: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(pyarrow.parquet, "write_table", broken_write_table)
    with pytest.raises(OSError, match="disk on fire"):
        write_records(make_records(), target)
    assert target.read_bytes() == b"old results"
    assert [entry.name for entry in tmp_path.iterdir()] == ["results.parquet"]


def test_missing_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InputError, match=r"pip install 'mapscope\[parquet\]'"):
        write_records(make_records(), tmp_path / "results.parquet")
    assert list(tmp_path.iterdir()) == []
