"""mapscope's per-layer table: CSV round trip, its errors, Parquet types and limits, the format choice."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats.maestro.csv_file import format_maestro_csv
from mapscope.formats.results.layer_table import (
    CsvFormat,
    default_csv_format,
    format_layer_csv,
    read_layer_csv,
    write_layer_csv,
    write_layer_parquet,
)
from mapscope.stats import LayerStats, NetworkStats


def layer(**changes: object) -> LayerStats:
    """A LayerStats with every number 1 (floats 0.5) and the given changes."""
    values: dict[str, object] = {}
    for name, kind in LayerStats.field_types().items():
        values[name] = {str: "x", int: 1, float: 0.5}[kind]
    values.update(changes)
    return LayerStats(**values)  # type: ignore[arg-type]


def test_round_trip_keeps_awkward_names_and_non_finite_floats(tmp_path: Path) -> None:
    layers = (
        layer(layer='conv "a", b\nc', throughput_macs_per_cycle=1 / 3),
        layer(input_reuse_factor=math.nan, ops_per_joule=math.inf, area_um2=-math.inf, macs=2**62),
    )
    target = tmp_path / "run.csv"
    write_layer_csv(NetworkStats("n", None, layers), target)
    (first, second) = read_layer_csv(target)
    assert first == layers[0]
    assert math.isnan(second.input_reuse_factor)
    assert dataclasses.replace(second, input_reuse_factor=0.5) == dataclasses.replace(layers[1], input_reuse_factor=0.5)


def test_integer_column_refuses_a_fraction_and_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "run.csv"
    target.write_text("old\n")
    with pytest.raises(ValueError, match="runtime_cycles"):
        write_layer_csv(NetworkStats("n", None, (layer(runtime_cycles=2.5),)), target)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run.csv"]


def test_integral_floats_in_integer_columns_are_written_as_integers(tmp_path: Path) -> None:
    numpy = pytest.importorskip("numpy")
    stats = NetworkStats("n", None, (layer(runtime_cycles=3.0, macs=numpy.int64(7), area_um2=numpy.float64(0.25)),))
    (parsed,) = read_layer_csv_text(tmp_path, format_layer_csv(stats))
    assert (parsed.runtime_cycles, parsed.macs, parsed.area_um2) == (3, 7, 0.25)
    assert type(parsed.runtime_cycles) is int


def read_layer_csv_text(folder: Path, text: str) -> tuple[LayerStats, ...]:
    target = folder / "text.csv"
    target.write_text(text)
    return read_layer_csv(target)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a mapscope per-layer CSV"),
        ("Network,Layer Name\n", "not a mapscope per-layer CSV"),
    ],
)
def test_reader_refuses_other_headers(tmp_path: Path, text: str, message: str) -> None:
    target = tmp_path / "other.csv"
    target.write_text(text)
    with pytest.raises(InputError, match=message):
        read_layer_csv(target)


def test_reader_names_the_line_of_a_bad_cell(tmp_path: Path) -> None:
    text = format_layer_csv(NetworkStats("n", None, (layer(),)))
    header, row = text.splitlines()
    target = tmp_path / "bad.csv"
    target.write_text(f"{header}\n{row}\n{row.replace(',1,', ',one,', 1)}\n")
    with pytest.raises(InputError, match=r"bad\.csv:3: column dim_n: 'one' is not an integer"):
        read_layer_csv(target)
    target.write_text(f"{header}\n{row},extra\n")
    columns = len(LayerStats.field_names())
    with pytest.raises(InputError, match=rf"bad\.csv:2: {columns + 1} values for {columns} columns"):
        read_layer_csv(target)


def test_maestro_format_is_maestros_bytes_for_compat_numbers(tmp_path: Path) -> None:
    stats = NetworkStats("n", "maestro", (layer(layer="Conv2d-1"),))
    target = tmp_path / "m.csv"
    write_layer_csv(stats, target, CsvFormat.maestro)
    assert target.read_text() == format_maestro_csv(stats, compat=True)


@pytest.mark.parametrize(
    ("compat", "maestro_style", "expected"),
    [(None, False, CsvFormat.mapscope), ("maestro", False, CsvFormat.maestro), (None, True, CsvFormat.maestro)],
)
def test_default_csv_format(compat: str | None, maestro_style: bool, expected: CsvFormat) -> None:
    assert default_csv_format(compat=compat, maestro_style=maestro_style) is expected


def test_parquet_keeps_values_and_types(tmp_path: Path) -> None:
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    layers = (layer(macs=2**62, throughput_macs_per_cycle=1 / 3, input_reuse_factor=math.nan),)
    target = tmp_path / "run.parquet"
    write_layer_parquet(NetworkStats("n", None, layers), target)
    (row,) = pyarrow_parquet.read_table(target).to_pylist()
    assert list(row) == list(LayerStats.field_names())
    assert row["macs"] == 2**62 and row["throughput_macs_per_cycle"] == 1 / 3 and math.isnan(row["input_reuse_factor"])


def test_parquet_refuses_a_number_beyond_int64_and_writes_nothing(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    target = tmp_path / "run.parquet"
    with pytest.raises(InputError, match="does not fit"):
        write_layer_parquet(NetworkStats("n", None, (layer(macs=2**64),)), target)
    assert not target.exists()
