"""Exploration results as one flat table of typed columns, written atomically as CSV, Parquet or JSON lines.

One row per design the search asked for, in ask order. Columns: each design parameter (in the space's
order), each metric (in the engine's order), then ``feasible``, ``on_pareto_front`` (the front the console
and the ``--json`` summary report) and ``violation`` (why an infeasible design was removed, else empty).
The parameters identify a design; there is no separate key column.

A metric that echoes the parameter of the same name (the MAESTRO engine's ``l1_size_elems`` and
``l2_size_elems`` when they are swept) is one column, since the two are equal wherever the metric was
computed; should they ever differ, the metric is written as ``metric.NAME`` beside the parameter ``NAME``.
A parameter or metric named like one of the last three columns gets the prefix ``param.`` or ``metric.``.

Each column has one type, read off its values: int64 (counts, integer parameters), float64, bool or
string. An integer column holds no value (an empty CSV cell, JSON null, Parquet null) for a design
whose metrics could not be computed; a float column holds nan there, which JSON lines write as null.
CSV writes integers as integers and floats at full precision (``repr``), so the same records always
give the same bytes in every format.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_bytes_atomically, write_text_atomically
from mapscope.formats.csv_text import csv_text
from mapscope.formats.results.parquet import PARQUET_TYPES, TypedColumn, require_pyarrow
from mapscope.formats.results.parquet import parquet_bytes as encode_parquet
from mapscope.formats.results.store import DesignRecord


#: The columns after the parameters and metrics, with their types.
STATUS_COLUMNS = {"feasible": "bool", "on_pareto_front": "bool", "violation": "string"}
METRIC_PREFIX = "metric."
PARAMETER_PREFIX = "param."
#: Column types; "mixed" is a column whose values have several types (CSV and JSON lines only).
COLUMN_TYPES = ("int64", "float64", "bool", "string", "mixed")


@dataclass(frozen=True)
class Column:
    """One column of the table: its name, its type (one of COLUMN_TYPES), one value per design (None: none)."""

    name: str
    type: str
    values: tuple[Any, ...]


def _value_type(value: Any) -> str:
    """The column type a single value asks for (numpy scalars included)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int64"
    if isinstance(value, numbers.Real):
        return "float64"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _typed_column(name: str, values: Sequence[Any]) -> Column:
    """A column of `values` with the one type they share: ints with nan (a count not computed) stay int64,
    the nan becoming None; ints with other floats become float64."""
    present = {_value_type(value) for value in values if value is not None and not _is_nan(value)}
    has_nan = any(_is_nan(value) for value in values)
    if present == {"int64"}:
        return Column(name, "int64", tuple(None if value is None or _is_nan(value) else int(value) for value in values))
    if present <= {"int64", "float64"} and (present or has_nan):
        return Column(name, "float64", tuple(None if value is None else float(value) for value in values))
    if has_nan:
        present.add("float64")
    if len(present) == 1:
        (kind,) = present
        return Column(name, kind, tuple(values))
    return Column(name, "mixed" if present else "string", tuple(values))


def _echoes(records: Sequence[DesignRecord], name: str) -> bool:
    """Whether metric `name` equals the parameter `name` in every design where both have a value."""
    for record in records:
        metric, parameter = record.metrics.get(name), record.parameters.get(name)
        if metric is None or parameter is None or _is_nan(metric):
            continue
        if isinstance(parameter, bool) or metric != parameter:
            return False
    return True


def export_columns(records: Sequence[DesignRecord], front: Collection[int] = ()) -> list[Column]:
    """The table of `records`; `front` holds the indices of the designs on the Pareto front."""
    parameter_names = list(dict.fromkeys(name for record in records for name in record.parameters))
    metric_names = list(dict.fromkeys(name for record in records for name in record.metrics))
    columns = []
    for name in parameter_names:
        column_name = f"{PARAMETER_PREFIX}{name}" if name in STATUS_COLUMNS else name
        columns.append(_typed_column(column_name, [record.parameters.get(name) for record in records]))
    taken = {column.name for column in columns} | set(STATUS_COLUMNS)
    for name in metric_names:
        if name in parameter_names and _echoes(records, name):
            continue
        column_name = f"{METRIC_PREFIX}{name}" if name in taken else name
        columns.append(_typed_column(column_name, [record.metrics.get(name) for record in records]))
    on_front = set(front)
    status = {
        "feasible": tuple(bool(record.feasible) for record in records),
        "on_pareto_front": tuple(index in on_front for index in range(len(records))),
        "violation": tuple(record.violation for record in records),
    }
    columns += [Column(name, STATUS_COLUMNS[name], values) for name, values in status.items()]
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise InputError(f"exploration results have clashing column names even after prefixing: {repeated}")
    return columns


def _rows(columns: Sequence[Column]) -> list[tuple[Any, ...]]:
    return list(zip(*(column.values for column in columns)))


def format_csv(columns: Sequence[Column]) -> str:
    """The CSV text: a header line, then one line per design; empty cells for None."""
    return csv_text((column.name for column in columns), ((_csv_cell(value) for value in row) for row in _rows(columns)))


def _csv_cell(value: Any) -> str:
    """One cell's text: floats through `repr` (shortest exact form, ``nan``, ``inf``), None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def format_json_lines(columns: Sequence[Column]) -> str:
    """One JSON object per design, keys in column order, non-finite floats as null."""
    names = [column.name for column in columns]
    lines = []
    for row in _rows(columns):
        plain = {name: None if isinstance(value, float) and not math.isfinite(value) else value for name, value in zip(names, row)}
        lines.append(json.dumps(plain, allow_nan=False, separators=(",", ":")) + "\n")
    return "".join(lines)


def parquet_bytes(columns: Sequence[Column], where: str) -> bytes:
    """The Parquet file of `columns`, each with its Arrow type (needs pyarrow)."""
    require_pyarrow(where)
    for column in columns:
        if column.type not in PARQUET_TYPES:
            kinds = ", ".join(sorted({_value_type(value) for value in column.values if value is not None}))
            raise InputError(
                f"column {column.name!r} mixes value types ({kinds}); Parquet needs one type per column,"
                " write .csv or .jsonl instead",
                where,
            )
    return encode_parquet([TypedColumn(column.name, column.type, column.values) for column in columns], where)


def write_csv(columns: Sequence[Column], path: str | os.PathLike[str]) -> None:
    """Write the table to `path` as CSV, atomically."""
    write_text_atomically(path, format_csv(columns))


def write_json_lines(columns: Sequence[Column], path: str | os.PathLike[str]) -> None:
    """Write the table to `path` as JSON lines, atomically."""
    write_text_atomically(path, format_json_lines(columns))


def write_parquet(columns: Sequence[Column], path: str | os.PathLike[str]) -> None:
    """Write the table to `path` as Parquet, atomically."""
    write_bytes_atomically(path, parquet_bytes(columns, str(path)))


#: Writers by file suffix (lower case).
TABLE_WRITERS = {".csv": write_csv, ".parquet": write_parquet, ".jsonl": write_json_lines}


def write_records(records: Sequence[DesignRecord], path: str | os.PathLike[str], front: Collection[int] = ()) -> None:
    """Write `records` to `path` in the format its suffix names (.csv, .parquet or .jsonl)."""
    suffix = Path(path).suffix.lower()
    writer = TABLE_WRITERS.get(suffix)
    if writer is None:
        supported = ", ".join(TABLE_WRITERS)
        raise InputError(f"cannot tell the export format from suffix {suffix!r}: use one of {supported}", str(path))
    writer(export_columns(records, front), path)
