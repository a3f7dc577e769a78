"""Typed tables as Parquet bytes: the one encoder behind every `--parquet` and `.parquet` export.

pyarrow is an optional extra; without it every writer fails with the same one-line InputError, before
any work when the caller checks first (`require_pyarrow`).
"""

from __future__ import annotations

import importlib
import io
import typing
from collections.abc import Sequence
from typing import Any, NamedTuple

from mapscope.errors import InputError

PARQUET_INSTALL_HINT = "pip install 'mapscope[parquet]'"
#: The column types a Parquet table holds, by the names the exports use.
PARQUET_TYPES = ("int64", "float64", "bool", "string")
_PYTHON_TYPES = {int: "int64", float: "float64", bool: "bool", str: "string"}


class TypedColumn(NamedTuple):
    """A column to encode: its name, one of PARQUET_TYPES, one value per row (None: empty)."""

    name: str
    type: str
    values: Sequence[Any]


def require_pyarrow(where: str) -> Any:
    """The pyarrow module; an InputError naming `where` and the install command when it is missing."""
    try:
        importlib.import_module("pyarrow.parquet")
        return importlib.import_module("pyarrow")
    except ImportError:
        raise InputError(f"writing Parquet needs pyarrow: {PARQUET_INSTALL_HINT}", where) from None


def parquet_type(annotation: Any) -> str:
    """The Parquet type of a field annotated `int`, `float`, `bool` or `str`, optionally `| None`."""
    kinds = {arg for arg in typing.get_args(annotation) if arg is not type(None)} or {annotation}
    (kind,) = kinds
    return _PYTHON_TYPES[kind]


def parquet_bytes(columns: Sequence[TypedColumn], where: str) -> bytes:
    """The Parquet file of `columns`; an InputError naming `where` if a value does not fit its column."""
    pyarrow = require_pyarrow(where)
    arrow_types = {"int64": pyarrow.int64(), "float64": pyarrow.float64(), "bool": pyarrow.bool_(), "string": pyarrow.string()}
    try:
        arrays = [pyarrow.array(list(column.values), type=arrow_types[column.type]) for column in columns]
    except (OverflowError, pyarrow.ArrowInvalid, pyarrow.ArrowTypeError) as error:
        raise InputError(f"a value does not fit its Parquet column: {error}", where) from None
    table = pyarrow.Table.from_arrays(arrays, names=[column.name for column in columns])
    buffer = io.BytesIO()
    importlib.import_module("pyarrow.parquet").write_table(table, buffer)
    return buffer.getvalue()
