"""Exploration results as one flat table, written atomically as CSV, Parquet or JSON lines.

Columns: ``key``, the parameters (in the order of the first record that has them), the metrics (sorted by
name), ``feasible`` and ``violation``. A metric whose name equals a parameter's (or a fixed column's) is
renamed ``metric.NAME``; a parameter named like a fixed column is renamed ``param.NAME``. Records lacking
a column get an empty cell. CSV writes floats at full precision (``nan``, ``inf``, ``-inf`` as Python
spells them) and the same records always give the same bytes; JSON lines write non-finite floats as
``null`` since JSON has no spelling for them; Parquet keeps each column's type (int64, float64, bool, string).
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import math
import numbers
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_bytes_atomically, write_text_atomically
from mapscope.formats.results.store import DesignRecord

FIXED_COLUMNS = ("key", "feasible", "violation")
METRIC_PREFIX = "metric."
PARAMETER_PREFIX = "param."
PARQUET_INSTALL_HINT = "pip install 'mapscope[parquet]'"


def table_columns(records: Sequence[DesignRecord]) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The column names in order, and the column each parameter and each metric name lands in."""
    parameter_names = list(dict.fromkeys(name for record in records for name in record.parameters))
    metric_names = sorted({name for record in records for name in record.metrics})
    parameter_columns = {
        name: f"{PARAMETER_PREFIX}{name}" if name in FIXED_COLUMNS else name for name in parameter_names
    }
    taken = set(FIXED_COLUMNS) | set(parameter_columns.values())
    metric_columns = {name: f"{METRIC_PREFIX}{name}" if name in taken else name for name in metric_names}
    columns = ["key", *parameter_columns.values(), *metric_columns.values(), "feasible", "violation"]
    if len(set(columns)) != len(columns):
        repeated = sorted({column for column in columns if columns.count(column) > 1})
        raise InputError(f"exploration results have clashing column names even after prefixing: {repeated}")
    return columns, parameter_columns, metric_columns


def records_table(records: Sequence[DesignRecord]) -> list[dict[str, Any]]:
    """`records` as flat rows (one dict per record, every row with every column, None where absent)."""
    columns, parameter_columns, metric_columns = table_columns(records)
    rows = []
    for record in records:
        row: dict[str, Any] = dict.fromkeys(columns)
        row["key"] = record.key
        for name, value in record.parameters.items():
            row[parameter_columns[name]] = value
        for name, value in record.metrics.items():
            row[metric_columns[name]] = value
        row["feasible"] = record.feasible
        row["violation"] = record.violation
        rows.append(row)
    return rows


def format_csv(records: Sequence[DesignRecord]) -> str:
    """The CSV text: a header line, then one line per record; empty cells for None."""
    columns = table_columns(records)[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in records_table(records):
        writer.writerow(_csv_cell(row[column]) for column in columns)
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    """One cell's text: floats through `repr` (shortest exact form), None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(float(value))
    return str(value)


def write_csv(records: Sequence[DesignRecord], path: str | os.PathLike[str]) -> None:
    """Write `records` to `path` as CSV, atomically."""
    write_text_atomically(path, format_csv(records))


def format_json_lines(records: Sequence[DesignRecord]) -> str:
    """One JSON object per line, keys in column order, non-finite floats as null."""
    lines = []
    for row in records_table(records):
        plain = {column: None if _is_non_finite(value) else value for column, value in row.items()}
        lines.append(json.dumps(plain, allow_nan=False, separators=(",", ":")) + "\n")
    return "".join(lines)


def _is_non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def write_json_lines(records: Sequence[DesignRecord], path: str | os.PathLike[str]) -> None:
    """Write `records` to `path` as JSON lines, atomically."""
    write_text_atomically(path, format_json_lines(records))


def write_parquet(records: Sequence[DesignRecord], path: str | os.PathLike[str]) -> None:
    """Write `records` to `path` as Parquet (needs pandas and pyarrow), atomically."""
    try:
        import pandas

        importlib.import_module("pyarrow")  # pandas writes Parquet through it; fail early with the install hint
    except ImportError:
        raise InputError(f"writing Parquet needs pandas and pyarrow: {PARQUET_INSTALL_HINT}", str(path)) from None
    columns = table_columns(records)[0]
    rows = records_table(records)
    _check_one_type_per_column(columns, rows, str(path))
    frame = pandas.DataFrame.from_records(rows, columns=columns)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    write_bytes_atomically(path, buffer.getvalue())


def _check_one_type_per_column(columns: Sequence[str], rows: Sequence[dict[str, Any]], where: str) -> None:
    """Raise InputError for a column mixing value types Parquet cannot hold in one column (e.g. int and str)."""
    for column in columns:
        kinds = {_value_kind(row[column]) for row in rows if row[column] is not None}
        if len(kinds) > 1 and kinds != {"int", "float"}:
            names = ", ".join(sorted(kinds))
            raise InputError(
                f"column {column!r} mixes value types ({names}); Parquet needs one type per column,"
                " write .csv or .jsonl instead",
                where,
            )


def _value_kind(value: Any) -> str:
    """The Parquet-relevant kind of `value`: bool, int, float or its type's name (numpy scalars included)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    return type(value).__name__


#: Writers by file suffix (lower case).
TABLE_WRITERS = {".csv": write_csv, ".parquet": write_parquet, ".jsonl": write_json_lines}


def write_table(records: Sequence[DesignRecord], path: str | os.PathLike[str]) -> None:
    """Write `records` to `path` in the format its suffix names (.csv, .parquet or .jsonl)."""
    suffix = Path(path).suffix.lower()
    writer = TABLE_WRITERS.get(suffix)
    if writer is None:
        supported = ", ".join(TABLE_WRITERS)
        raise InputError(f"cannot tell the export format from suffix {suffix!r}: use one of {supported}", str(path))
    writer(records, path)
