"""Exporting exploration records: column layout, CSV/Parquet/JSON-lines round-trips, atomic and deterministic files."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas
import pytest

from mapscope.errors import InputError
from mapscope.formats.results.explore_export import (
    format_csv,
    records_table,
    write_csv,
    write_parquet,
    write_table,
)
from mapscope.formats.results.store import DesignRecord, design_key


def make_records() -> list[DesignRecord]:
    records = []
    for index in range(6):
        parameters: dict[str, int | float | str | bool] = {
            "num_pes": 64 * (index + 1),
            "noc_bandwidth_elems_per_cycle": 0.25 + index,
            "dataflow": ["kcp_ws", "yr_os"][index % 2],
            "double_buffering": index % 3 == 0,
        }
        metrics = {
            "runtime_cycles": 1000.0 + index / 3,
            "energy_nj": [float("nan"), float("inf"), float("-inf"), 2.5, 1e-300, 7.0][index],
            "area_um2": 0.1 * index,
        }
        feasible = index != 4
        records.append(
            DesignRecord(design_key(parameters), parameters, metrics, feasible, None if feasible else "area")
        )
    return records


def expected_frame(records: list[DesignRecord]) -> pandas.DataFrame:
    return pandas.DataFrame.from_records(records_table(records))


def test_column_order_and_collisions() -> None:
    record = DesignRecord(
        key="k",
        parameters={"zeta": 1, "alpha": 2.0, "energy_nj": 3, "key": "p"},
        metrics={"runtime_cycles": 1.0, "energy_nj": 2.0, "feasible": 3.0},
        feasible=True,
        violation=None,
    )
    (row,) = records_table([record])
    assert list(row) == [
        "key",
        "zeta",
        "alpha",
        "energy_nj",
        "param.key",
        "metric.energy_nj",
        "metric.feasible",
        "runtime_cycles",
        "feasible",
        "violation",
    ]
    assert row["energy_nj"] == 3 and row["metric.energy_nj"] == 2.0 and row["param.key"] == "p"


def test_records_with_different_names_get_empty_cells() -> None:
    first = DesignRecord("a", {"x": 1}, {"m": 1.0}, True, None)
    second = DesignRecord("b", {"y": 2}, {"n": 2.0}, False, "too big")
    rows = records_table([first, second])
    assert list(rows[0]) == ["key", "x", "y", "m", "n", "feasible", "violation"]
    assert rows[0]["y"] is None and rows[1]["x"] is None and rows[1]["violation"] == "too big"


def test_csv_round_trips_through_pandas(tmp_path: Path) -> None:
    records = make_records()
    target = tmp_path / "results.csv"
    write_table(records, target)
    read = pandas.read_csv(target)
    expected = expected_frame(records)
    assert list(read.columns) == list(expected.columns)
    assert read["num_pes"].dtype == "int64" and read["double_buffering"].dtype == "bool"
    assert read["key"].tolist() == [record.key for record in records]
    for column in ("noc_bandwidth_elems_per_cycle", "runtime_cycles", "energy_nj", "area_um2"):
        assert read[column].tolist() == pytest.approx(expected[column].tolist(), rel=0, abs=0, nan_ok=True)
    assert read["dataflow"].tolist() == expected["dataflow"].tolist()
    assert read["feasible"].tolist() == [record.feasible for record in records]
    assert [None if isinstance(value, float) else value for value in read["violation"]] == [
        record.violation for record in records
    ]


def test_csv_is_deterministic_and_exact(tmp_path: Path) -> None:
    records = make_records()
    write_csv(records, tmp_path / "first.csv")
    write_csv(list(records), tmp_path / "second.csv")
    assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "second.csv").read_bytes()
    lines = format_csv(records).splitlines()
    assert lines[0].split(",") == [
        "key",
        "num_pes",
        "noc_bandwidth_elems_per_cycle",
        "dataflow",
        "double_buffering",
        "area_um2",
        "energy_nj",
        "runtime_cycles",
        "feasible",
        "violation",
    ]
    assert ",nan," in lines[1] and ",inf," in lines[2] and ",-inf," in lines[3]
    assert repr(1000.0 + 1 / 3) in lines[2]


def test_parquet_round_trip_keeps_values_and_dtypes(tmp_path: Path) -> None:
    records = make_records()
    target = tmp_path / "results.parquet"
    write_table(records, target)
    read = pandas.read_parquet(target)
    expected = expected_frame(records)
    pandas.testing.assert_frame_equal(read, expected)
    assert read["num_pes"].dtype == "int64"
    assert read["runtime_cycles"].dtype == "float64" and read["noc_bandwidth_elems_per_cycle"].dtype == "float64"
    assert read["double_buffering"].dtype == "bool" and read["feasible"].dtype == "bool"
    assert math.isnan(read["energy_nj"][0]) and read["energy_nj"][2] == float("-inf")


def test_json_lines_write_one_object_per_record(tmp_path: Path) -> None:
    records = make_records()
    target = tmp_path / "results.jsonl"
    write_table(records, target)
    lines = target.read_text().splitlines()
    assert len(lines) == len(records)
    first = json.loads(lines[0])
    assert first["energy_nj"] is None  # nan has no JSON spelling
    assert first["num_pes"] == 64 and first["double_buffering"] is True and first["violation"] is None
    assert list(first) == list(records_table(records)[0])


def test_empty_record_list_writes_a_header_only(tmp_path: Path) -> None:
    write_csv([], tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text() == "key,feasible,violation\n"
    write_parquet([], tmp_path / "empty.parquet")
    assert list(pandas.read_parquet(tmp_path / "empty.parquet").columns) == ["key", "feasible", "violation"]


def test_unknown_suffix_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.csv, \.parquet") as caught:
        write_table(make_records(), tmp_path / "results.xlsx")
    assert caught.value.where == str(tmp_path / "results.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_failed_parquet_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "results.parquet"
    target.write_bytes(b"old results")
    mixed = [
        DesignRecord("a", {"tile": 4}, {"m": 1.0}, True, None),
        DesignRecord("b", {"tile": "auto"}, {"m": 2.0}, True, None),
    ]
    with pytest.raises(InputError, match="column 'tile' mixes value types"):
        write_parquet(mixed, target)
    assert target.read_bytes() == b"old results"
    assert [entry.name for entry in tmp_path.iterdir()] == ["results.parquet"]


def test_failure_while_serialising_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.parquet"
    target.write_bytes(b"old results")

    def broken_to_parquet(*arguments: object, **options: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(pandas.DataFrame, "to_parquet", broken_to_parquet)
    with pytest.raises(OSError, match="disk on fire"):
        write_parquet(make_records(), target)
    assert target.read_bytes() == b"old results"
    assert [entry.name for entry in tmp_path.iterdir()] == ["results.parquet"]


def test_missing_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InputError, match=r"pip install 'mapscope\[parquet\]'"):
        write_table(make_records(), tmp_path / "results.parquet")
    assert list(tmp_path.iterdir()) == []
