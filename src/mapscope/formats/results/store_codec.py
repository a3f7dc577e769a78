"""A batch of designs as one stored value of typed columns, and back, refusing any value it did not write.

Layout: the 4 bytes ``MSB1``, the length of a JSON header and the CRC-32 of all that follows them (4
bytes each, little-endian), the header, then each column's bytes in the header's order. The checksum
catches damage SQLite's page check cannot see (bytes changed inside a value). The header is ``{"designs": n, "columns": [[role, name, kind,
bytes], ...]}``; a role is ``parameter``, ``metric``, ``evaluated``, ``feasible`` or ``violation``; a kind
is ``int64`` or ``float64`` (little-endian), ``bool`` (one byte, 0 or 1) or ``json`` (a JSON list, for
strings, mixed types and violations). Integers, floats (nan, infinities and -0.0 included) and bools
round-trip exactly. Reading is strict: a value damaged on disk or edited by hand (a header that is not
JSON, a column of the wrong length or type, a repeated design) raises `RowError` naming the batch,
instead of returning a record that would silently change a result.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np

from mapscope.formats.results.store_batch import DesignBatch
from mapscope.formats.results.store_rows import RowError
from mapscope.limits import quoted

MAGIC = b"MSB1"
_PREFIX_BYTES = 12  # magic, header length, checksum
_RAW_TYPES = {"int64": np.dtype("<i8"), "float64": np.dtype("<f8"), "bool": np.dtype("u1")}
_ROLES = ("parameter", "metric", "evaluated", "feasible", "violation")
_ENCODER = json.JSONEncoder(separators=(",", ":"))
_DECODER = json.JSONDecoder()
_PARAMETER_TYPES = frozenset({bool, int, float, str})
_METRIC_TYPES = frozenset({int, float})


def _column_bytes(column: np.ndarray) -> tuple[str, bytes]:
    """A column's kind and bytes: raw for int64, float64 and bool arrays, a JSON list otherwise."""
    if column.dtype == np.int64:
        return "int64", column.astype("<i8", copy=False).tobytes()
    if column.dtype == np.float64:
        return "float64", column.astype("<f8", copy=False).tobytes()
    if column.dtype == np.bool_:
        return "bool", column.astype("u1").tobytes()
    values = [value.item() if isinstance(value, np.generic) else value for value in column.tolist()]
    return "json", _ENCODER.encode(values).encode()


def encode_batch(batch: DesignBatch) -> bytes:
    """The stored value of `batch` (every column, typed)."""
    columns: list[tuple[str, str, np.ndarray]] = [("parameter", name, column) for name, column in batch.parameters.items()]
    columns += [("metric", name, column) for name, column in batch.metrics.items()]
    columns += [("evaluated", "", batch.evaluated), ("feasible", "", batch.feasible)]
    header_columns, payloads = [], []
    for role, name, column in columns:
        kind, payload = _column_bytes(np.asarray(column))
        header_columns.append([role, name, kind, len(payload)])
        payloads.append(payload)
    violations = _ENCODER.encode(list(batch.violations)).encode()
    header_columns.append(["violation", "", "json", len(violations)])
    payloads.append(violations)
    header = _ENCODER.encode({"designs": len(batch), "columns": header_columns}).encode()
    body = b"".join([header, *payloads])
    return b"".join([MAGIC, struct.pack("<II", len(header), zlib.crc32(body)), body])


def _header(data: bytes) -> tuple[int, list[Any], int]:
    """(designs, columns, offset of the first column) from a stored value, or RowError."""
    if not isinstance(data, bytes):
        raise RowError(f"it holds {type(data).__name__}, not the bytes of a batch")
    if len(data) < _PREFIX_BYTES or data[:4] != MAGIC:
        raise RowError("it does not start as a stored batch does")
    length, checksum = struct.unpack("<II", data[4:_PREFIX_BYTES])
    if zlib.crc32(data[_PREFIX_BYTES:]) != checksum:
        raise RowError("its checksum does not match its contents")
    if _PREFIX_BYTES + length > len(data):
        raise RowError("its header runs past its end")
    try:
        header = _DECODER.decode(data[_PREFIX_BYTES : _PREFIX_BYTES + length].decode())
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, digit limits, nesting
        raise RowError(f"its header is not valid JSON ({error})") from None
    if not isinstance(header, dict) or set(header) != {"designs", "columns"}:
        raise RowError("its header is not a batch header")
    designs, columns = header["designs"], header["columns"]
    if type(designs) is not int or designs < 0 or not isinstance(columns, list):
        raise RowError(f"its header holds designs {quoted(designs)}")
    for column in columns:
        if (
            not isinstance(column, list)
            or len(column) != 4
            or column[0] not in _ROLES
            or not isinstance(column[1], str)
            or column[2] not in (*_RAW_TYPES, "json")
            or type(column[3]) is not int
            or column[3] < 0
        ):
            raise RowError(f"its header describes a column as {quoted(column)}")
    if sum(column[3] for column in columns) != len(data) - _PREFIX_BYTES - length:
        raise RowError("its columns do not fill it exactly")
    return designs, columns, _PREFIX_BYTES + length


def _json_column(payload: bytes, designs: int, allowed: frozenset[type], what: str, optional: bool = False) -> np.ndarray:
    """A JSON-list column of exactly `designs` values of the `allowed` types, as an object array."""
    try:
        values = _DECODER.decode(payload.decode())
    except (ValueError, RecursionError) as error:
        raise RowError(f"{what} is not valid JSON ({error})") from None
    if not isinstance(values, list) or len(values) != designs:
        raise RowError(f"{what} does not hold {designs} values")
    for value in values:
        if type(value) not in allowed and not (optional and value is None):
            raise RowError(f"{what} holds {quoted(value)}, which the store never writes")
    column = np.empty(designs, dtype=object)
    column[:] = values
    return column


def _raw_column(payload: bytes, kind: str, designs: int, what: str) -> np.ndarray:
    """A raw int64, float64 or bool column of exactly `designs` values."""
    dtype = _RAW_TYPES[kind]
    if len(payload) != designs * dtype.itemsize:
        raise RowError(f"{what} does not hold {designs} values")
    column = np.frombuffer(payload, dtype=dtype)
    if kind == "bool":
        if column.size and int(column.max()) > 1:
            raise RowError(f"{what} holds a value other than 0 or 1")
        return column.astype(np.bool_)
    return column.astype(np.int64 if kind == "int64" else np.float64)


def decode_batch(data: bytes) -> DesignBatch:
    """The batch a stored value holds, or RowError saying what is wrong with it."""
    designs, columns, offset = _header(data)
    parameters: dict[str, np.ndarray] = {}
    metrics: dict[str, np.ndarray] = {}
    status: dict[str, Any] = {}
    for role, name, kind, size in columns:
        payload, offset = data[offset : offset + size], offset + size
        what = f"{role} {quoted(name)}" if name else role
        if (role in ("evaluated", "feasible") and kind != "bool") or (role == "violation" and kind != "json"):
            raise RowError(f"{what} is stored as {kind}")
        if role in status or (role == "parameter" and name in parameters) or (role == "metric" and name in metrics):
            raise RowError(f"{what} appears twice")
        if kind == "json":
            if role == "violation":
                status[role] = tuple(_json_column(payload, designs, frozenset({str}), what, optional=True).tolist())
                continue
            column = _json_column(payload, designs, _PARAMETER_TYPES if role == "parameter" else _METRIC_TYPES, what)
        else:
            if role == "metric" and kind == "bool":
                raise RowError(f"{what} is stored as bool")
            column = _raw_column(payload, kind, designs, what)
        if role == "parameter":
            parameters[name] = column
        elif role == "metric":
            metrics[name] = column
        else:
            status[role] = column
    missing = [role for role in ("evaluated", "feasible", "violation") if role not in status]
    if missing:
        raise RowError(f"it has no {missing[0]} column")
    batch = DesignBatch(parameters, metrics, status["evaluated"], status["violation"], status["feasible"])
    if len(set(batch.keys)) != designs:
        raise RowError("it holds a design twice")
    return batch


