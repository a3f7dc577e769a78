"""MAESTRO's CSV format: byte-identical output in compat mode, MAESTRO's layout by request in default mode, atomic overwrite."""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

import pytest
from shared_data import MAESTRO_REFERENCE as REFERENCE_DIR

from mapscope.errors import InputError
from mapscope.formats.maestro.csv_file import (
    MAESTRO_CSV_COLUMNS,
    MAESTRO_CSV_KEYS,
    format_cpp_float,
    format_maestro_csv,
    layer_stats_from_csv_row,
    maestro_csv_file_name,
    read_maestro_csv,
    write_maestro_csv,
)
from mapscope.stats import LayerStats, NetworkStats

REFERENCE_CSVS = sorted(REFERENCE_DIR.glob("*/outputs/*.csv"))


def reference_stats(path: Path) -> NetworkStats:
    """NetworkStats holding exactly the numbers of a MAESTRO CSV (fields it lacks are 0)."""
    rows = read_maestro_csv(path)
    layers = tuple(layer_stats_from_csv_row(row) for row in rows)
    return NetworkStats(layers[0].network, "maestro", layers)


def test_reference_csvs_are_present() -> None:
    assert len(REFERENCE_CSVS) == 6, f"expected the six reference cases under {REFERENCE_DIR}"


@pytest.mark.parametrize("path", REFERENCE_CSVS, ids=lambda p: p.parts[-3])
def test_compat_output_is_byte_identical_to_maestro(path: Path, tmp_path: Path) -> None:
    written = tmp_path / path.name
    write_maestro_csv(reference_stats(path), written, compat=True)
    assert written.read_bytes() == path.read_bytes()


def test_column_table_matches_maestro_header_and_layer_stats() -> None:
    header_line = REFERENCE_CSVS[0].read_text().splitlines()[0]
    assert ",".join(column.maestro_header for column in MAESTRO_CSV_COLUMNS) == header_line
    assert len(MAESTRO_CSV_COLUMNS) == 52
    assert {column.field for column in MAESTRO_CSV_COLUMNS} <= set(LayerStats.field_names())
    assert MAESTRO_CSV_COLUMNS[14].maestro_header == "  L2 SRAM Size Req (Bytes)"
    assert MAESTRO_CSV_KEYS[47:50] == ("Compute Delay (Min)", "Compute Delay (Max)", "Compute Delay (Avg)")
    assert MAESTRO_CSV_COLUMNS[48].field == "compute_delay_max_cycles"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1362840.0, "1.36284e+06"),
        (1362844.9, "1.36284e+06"),
        (40.42105263157895, "40.4211"),
        (2.6662e12, "2.6662e+12"),
        (0.859997, "0.859997"),
        (1.0, "1"),
        (256.0, "256"),
        (0.0, "0"),
        (1e-5, "1e-05"),
        (123456.0, "123456"),
        (1234567.0, "1.23457e+06"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
        (-math.nan, "-nan"),
    ],
)
def test_cpp_float_format(value: float, text: str) -> None:
    assert format_cpp_float(value) == text


def test_reader_keys_rows_by_stripped_header() -> None:
    rows = read_maestro_csv(REFERENCE_DIR / "c16_example_kcpws_log" / "outputs" / "example.csv")
    assert len(rows) == 1
    row = rows[0]
    assert row["Layer Number"] == "CONV1"
    assert row["L2 SRAM Size Req (Bytes)"] == "5768"
    assert row["Activity count-based Energy (nJ)"] == "1.36284e+06"
    assert row["Compute Delay (Max)"] == "11"
    assert list(row) == list(MAESTRO_CSV_KEYS)


def test_write_overwrites_instead_of_appending(tmp_path: Path) -> None:
    stats = reference_stats(REFERENCE_CSVS[0])
    target = tmp_path / "run.csv"
    write_maestro_csv(stats, target, compat=True)
    write_maestro_csv(stats, target, compat=True)
    assert target.read_bytes() == REFERENCE_CSVS[0].read_bytes()
    assert target.read_text().count("Neural Network Name") == 1


def test_failed_write_leaves_previous_file_and_no_temporary(tmp_path: Path) -> None:
    stats = reference_stats(REFERENCE_CSVS[0])
    target = tmp_path / "run.csv"
    write_maestro_csv(stats, target, compat=True)
    before = target.read_bytes()
    broken = dataclasses.replace(stats.layers[0], runtime_cycles=2.5)  # not an integer: a bug upstream
    with pytest.raises(ValueError, match="runtime_cycles"):
        write_maestro_csv(NetworkStats("x", "maestro", (broken,)), target, compat=True)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.csv"]


def test_missing_folder_is_an_os_error_and_writes_nothing(tmp_path: Path) -> None:
    stats = reference_stats(REFERENCE_CSVS[0])
    with pytest.raises(OSError):
        write_maestro_csv(stats, tmp_path / "missing" / "run.csv", compat=True)
    assert list(tmp_path.iterdir()) == []


def test_written_file_has_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "run.csv"
    write_maestro_csv(reference_stats(REFERENCE_CSVS[0]), target, compat=True)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_default_mode_numbers_keep_maestros_header_and_float_format(tmp_path: Path) -> None:
    """`--csv-format maestro` in the default mode: MAESTRO's header and layout, C++ floats, names as written."""
    stats = reference_stats(REFERENCE_DIR / "c16_example_kcpws_log" / "outputs" / "example.csv")
    precise = dataclasses.replace(stats.layers[0], throughput_macs_per_cycle=3633610752 / 89894016, layer="Conv2d-1")
    target = tmp_path / "default.csv"
    write_maestro_csv(NetworkStats("ResNeXt50", None, (precise,)), target, compat=False)
    header, row = target.read_text().splitlines()
    assert header == ",".join(column.maestro_header for column in MAESTRO_CSV_COLUMNS)
    assert row.startswith("ResNeXt50,Conv2d-1,")
    parsed = layer_stats_from_csv_row(read_maestro_csv(target)[0])
    assert parsed.throughput_macs_per_cycle == float(format_cpp_float(3633610752 / 89894016))
    assert parsed.runtime_cycles == 89894016
    assert parsed.compute_delay_max_cycles == 11


def test_reader_refuses_a_repeated_header_other_than_maestros(tmp_path: Path) -> None:
    target = tmp_path / "twice.csv"
    target.write_text("a,b,a\n1,2,3\n")
    with pytest.raises(InputError, match="repeats the header"):
        read_maestro_csv(target)


def test_numpy_numbers_are_formatted_like_python_numbers() -> None:
    numpy = pytest.importorskip("numpy")
    stats = reference_stats(REFERENCE_CSVS[0])
    layer = dataclasses.replace(
        stats.layers[0], runtime_cycles=numpy.int64(stats.layers[0].runtime_cycles), area_um2=numpy.float64(4.19055e8)
    )
    text = format_maestro_csv(NetworkStats("n", "maestro", (layer,)), compat=True)
    assert text == format_maestro_csv(NetworkStats("n", "maestro", (stats.layers[0],)), compat=True)


@pytest.mark.parametrize(
    ("mapping", "csv_name"),
    [
        ("data/mapping/X.m", "X.csv"),
        ("inputs/Resnet50_kcp_ws.m", "Resnet50_kcp_ws.csv"),
        ("a/b/c/X.m", "c/X.csv"),
        ("X.m", "X.csv"),
        ("resnet50_kcp_ws", "resnet50_kcp_ws.csv"),
        ("../maestro-data/net.v2.m", "net.csv"),
        ("/abs/p/q/X.m", "p/q/X.csv"),
    ],
)
def test_maestro_csv_file_name(mapping: str, csv_name: str) -> None:
    assert maestro_csv_file_name(mapping) == csv_name


def test_compat_csv_names_layers_as_maestro_does() -> None:
    """MAESTRO keeps only the last token of a multi-token name: `Layer Conv2d-1` is called `1`."""

    from mapscope.formats.maestro.csv_file import format_maestro_csv
    from mapscope.stats import LayerStats, NetworkStats

    values = {name: 0 for name in LayerStats.field_names()}
    values.update(network="googlenet", layer="Conv2d-1", layer_type="CONV")
    layer = LayerStats(**values)
    compat = format_maestro_csv(NetworkStats("googlenet", "maestro", (layer,)), compat=True)
    default = format_maestro_csv(NetworkStats("googlenet", None, (layer,)), compat=False)
    assert compat.splitlines()[1].startswith("googlenet,1,")
    assert default.splitlines()[1].startswith("googlenet,Conv2d-1,")
