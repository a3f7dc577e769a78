"""Per-layer results as a table with exactly the `LayerStats` columns: CSV (mapscope's format) and Parquet.

The columns are the `LayerStats` field names in field order, the same as the JSON `layers` entries and
`NetworkStats.to_dataframe()`, with the same values: text, int64 and float64 columns, floats at full
precision. CSV is plain RFC 4180 (``,``-separated, quoted where needed) and spells non-finite floats
``nan``, ``inf``, ``-inf`` as Python does (JSON writes them as null). MAESTRO's own CSV format is in
formats/maestro/csv_file; `write_layer_csv` writes either. Every file is written atomically.
"""

from __future__ import annotations

import csv
import numbers
import os
from enum import StrEnum
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_bytes_atomically, write_text_atomically
from mapscope.formats.csv_text import csv_text
from mapscope.formats.maestro.csv_file import write_maestro_csv
from mapscope.formats.results.parquet import TypedColumn, parquet_bytes, parquet_type, require_pyarrow
from mapscope.limits import quoted
from mapscope.stats import LayerStats, NetworkStats



class CsvFormat(StrEnum):
    """Which per-layer CSV to write: MAESTRO's format, or mapscope's (the `LayerStats` schema)."""

    maestro = "maestro"
    mapscope = "mapscope"


def default_csv_format(*, compat: str | None, maestro_style: bool) -> CsvFormat:
    """MAESTRO's format in compat mode and for MAESTRO-style command lines, mapscope's otherwise."""
    return CsvFormat.maestro if compat == "maestro" or maestro_style else CsvFormat.mapscope


def _typed(value: Any, kind: type, name: str) -> Any:
    """`value` as a plain Python value of its column's kind; an int column takes an integral float (numpy's
    included) as an int, and refuses anything else: that is a bug upstream, not a user's error."""
    if kind is str:
        return str(value)
    if kind is float:
        return float(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(float(value))
    raise ValueError(f"column {name!r}: expected an integer, got {value!r}")


def format_layer_csv(stats: NetworkStats) -> str:
    """The CSV text: a header of `LayerStats` field names, then one row per layer."""
    columns = LayerStats.field_types()
    rows = ((_typed(getattr(layer, name), kind, name) for name, kind in columns.items()) for layer in stats.layers)
    return csv_text(columns, rows)


def write_layer_csv(stats: NetworkStats, path: str | os.PathLike[str], csv_format: CsvFormat = CsvFormat.mapscope) -> None:
    """Write the per-layer CSV in `csv_format` to `path`, replacing it atomically. MAESTRO's format names
    layers as MAESTRO does only for compat-mode numbers."""
    if csv_format is CsvFormat.maestro:
        write_maestro_csv(stats, path, compat=stats.compat == "maestro")
    else:
        write_text_atomically(path, format_layer_csv(stats))


def _parse(text: str, kind: type, name: str, where: str) -> str | int | float:
    if kind is str:
        return text
    try:
        return kind(text)  # type: ignore[no-any-return]
    except ValueError:
        raise InputError(f"column {name}: {quoted(text)} is not {'an integer' if kind is int else 'a number'}", where) from None


def read_layer_csv(path: str | os.PathLike[str]) -> tuple[LayerStats, ...]:
    """The layers of a CSV written by `format_layer_csv`; an InputError for any other header or a bad cell."""
    columns = LayerStats.field_types()
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise InputError(f"cannot read CSV: {error.strerror}", str(path)) from error
    if not rows or tuple(rows[0]) != tuple(columns):
        raise InputError("not a mapscope per-layer CSV (its header is not the LayerStats field names)", str(path))
    layers: list[LayerStats] = []
    for line_number, row in enumerate(rows[1:], start=2):
        where = f"{path}:{line_number}"
        if len(row) != len(columns):
            raise InputError(f"{len(row)} values for {len(columns)} columns", where)
        values = {name: _parse(text, kind, name, where) for (name, kind), text in zip(columns.items(), row, strict=True)}
        layers.append(LayerStats(**values))  # type: ignore[arg-type]
    return tuple(layers)


def parquet_target(path: Path) -> Path:
    """`path`, after checking that Parquet can be written (pyarrow installed), so a run fails before its work."""
    require_pyarrow(str(path))
    return path


def write_layer_parquet(stats: NetworkStats, path: str | os.PathLike[str]) -> None:
    """Write the layers to `path` as Parquet (needs the optional `parquet` extra), replacing it atomically:
    the `LayerStats` columns typed string, int64 or float64."""
    columns = [
        TypedColumn(name, parquet_type(kind), [_typed(getattr(layer, name), kind, name) for layer in stats.layers])
        for name, kind in LayerStats.field_types().items()
    ]
    write_bytes_atomically(path, parquet_bytes(columns, os.fspath(path)))
