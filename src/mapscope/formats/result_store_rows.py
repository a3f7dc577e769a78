"""Rows of the result store: a DesignRecord to SQLite values and back, refusing any row it did not write.

Parameters and metrics are stored as standard JSON text; non-finite floats are written as
``{"float": "nan"}`` (or ``"inf"``, ``"-inf"``) so they round-trip exactly and the text stays readable by
SQLite's JSON functions. Reading is strict: a row edited by hand or damaged on disk (text that is not
JSON, a value of the wrong type, a key that is not its parameters' key, ``feasible`` other than 0 or 1)
raises `RowError` instead of returning a record that would silently change a result.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mapscope.limits import quoted

ParameterValue = int | float | str | bool

#: The columns a record is read from, in this order (the first, `sequence`, only names the row in errors).
RECORD_COLUMNS = "sequence, key, parameters, metrics, feasible, violation"

_NON_FINITE_TAG = "float"
_NON_FINITE_TEXTS = ("nan", "inf", "-inf")


@dataclass(frozen=True)
class DesignRecord:
    """One evaluated design: its identity, parameters, metrics, and whether the constraints kept it."""

    key: str
    parameters: dict[str, ParameterValue]
    metrics: dict[str, float]
    feasible: bool
    violation: str | None


class RowError(ValueError):
    """A stored row that mapscope did not write as it is (damaged on disk or edited by hand)."""


def design_key(parameters: Mapping[str, ParameterValue]) -> str:
    """The canonical identity of a design: its parameters as compact JSON with sorted names."""
    return json.dumps(dict(parameters), sort_keys=True, separators=(",", ":"))


def encode_mapping(values: Mapping[str, Any]) -> str:
    """`values` as standard JSON text (insertion order kept), non-finite floats tagged so they round-trip."""
    encoded = {
        name: {_NON_FINITE_TAG: repr(float(value))} if isinstance(value, float) and not math.isfinite(value) else value
        for name, value in values.items()
    }
    return json.dumps(encoded, separators=(",", ":"), allow_nan=False, default=_plain_scalar)


def _plain_scalar(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (json's fallback for types it does not know)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store a value of type {type(value).__name__} in the result store")


def row_values(record: DesignRecord) -> tuple[str, str, str, int, str | None]:
    """The values of `record` for the columns key, parameters, metrics, feasible, violation."""
    return (
        record.key,
        encode_mapping(record.parameters),
        encode_mapping(record.metrics),
        int(bool(record.feasible)),
        record.violation,
    )


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    decoded = dict(pairs)
    if len(decoded) != len(pairs):
        raise ValueError("a name appears twice")
    return decoded


def _no_bare_constant(name: str) -> Any:
    raise ValueError(f"bare {name} (the store writes non-finite numbers as tagged objects)")


def _json_object(text: object, column: str) -> dict[str, Any]:
    """`text` parsed as the JSON object the store writes, or RowError naming `column`."""
    if not isinstance(text, str):
        raise RowError(f"{column} is {type(text).__name__}, not JSON text")
    try:
        decoded = json.loads(text, object_pairs_hook=_unique_names, parse_constant=_no_bare_constant)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, digit limits, nesting
        raise RowError(f"{column} is not valid JSON ({error})") from None
    if not isinstance(decoded, dict):
        raise RowError(f"{column} is a JSON {type(decoded).__name__}, not an object")
    return decoded


def _decoded_value(name: str, value: Any, column: str, allowed: tuple[type, ...]) -> Any:
    """One stored value: a tagged non-finite float, or a plain value of an `allowed` type."""
    if isinstance(value, dict):
        if set(value) == {_NON_FINITE_TAG} and value[_NON_FINITE_TAG] in _NON_FINITE_TEXTS:
            return float(value[_NON_FINITE_TAG])
    elif isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed):
        return value
    raise RowError(f"{column} {quoted(name)} holds {quoted(value)}, which the store never writes")


def record_from_row(row: tuple[Any, ...]) -> DesignRecord:
    """The record of one row (columns RECORD_COLUMNS), or RowError saying what is wrong with it."""
    sequence, key, parameters_text, metrics_text, feasible, violation = row
    try:
        parameters = {
            name: _decoded_value(name, value, "parameter", (bool, int, float, str))
            for name, value in _json_object(parameters_text, "parameters").items()
        }
        metrics = {
            name: _decoded_value(name, value, "metric", (int, float))
            for name, value in _json_object(metrics_text, "metrics").items()
        }
        if not isinstance(key, str) or key != design_key(parameters):
            raise RowError(f"its key {quoted(key)} is not the key of its parameters")
        if type(feasible) is not int or feasible not in (0, 1):
            raise RowError(f"feasible is {quoted(feasible)}, not 0 or 1")
        if violation is not None and not isinstance(violation, str):
            raise RowError(f"violation is {quoted(violation)}, not text")
    except RowError as error:
        raise RowError(f"designs row {quoted(sequence)}: {error}") from None
    return DesignRecord(key, parameters, metrics, bool(feasible), violation)
