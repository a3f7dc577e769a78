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
    metrics: dict[str, int | float]  # int for a count (cycles, MACs, elements, words), nan where not computed
    feasible: bool
    violation: str | None


class RowError(ValueError):
    """A stored row that mapscope did not write as it is (damaged on disk or edited by hand)."""


def design_key(parameters: Mapping[str, ParameterValue]) -> str:
    """The canonical identity of a design: its parameters as compact JSON with sorted names."""
    return _KEY_ENCODER.encode(dict(parameters))


def encode_mapping(values: Mapping[str, Any]) -> str:
    """`values` as standard JSON text (insertion order kept), non-finite floats tagged so they round-trip."""
    encoded = {
        name: {_NON_FINITE_TAG: repr(float(value))} if isinstance(value, float) and not math.isfinite(value) else value
        for name, value in values.items()
    }
    return _VALUES_ENCODER.encode(encoded)


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


def _no_bare_constant(name: str) -> Any:
    raise ValueError(f"bare {name} (the store writes non-finite numbers as tagged objects)")


# Built once: json.dumps/json.loads with any option build a new encoder or decoder on every call, which
# costs as much as the work itself for rows this small.
_KEY_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_VALUES_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False, default=_plain_scalar)
_DECODER = json.JSONDecoder(parse_constant=_no_bare_constant)
_PARAMETER_TYPES = frozenset({bool, int, float, str})
_METRIC_TYPES = frozenset({int, float})


def _json_object(text: object, column: str) -> dict[str, Any]:
    """`text` parsed as the JSON object the store writes, or RowError naming `column`."""
    if not isinstance(text, str):
        raise RowError(f"{column} is {type(text).__name__}, not JSON text")
    try:
        decoded = _DECODER.decode(text)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, digit limits, nesting
        raise RowError(f"{column} is not valid JSON ({error})") from None
    if not isinstance(decoded, dict):
        raise RowError(f"{column} is a JSON {type(decoded).__name__}, not an object")
    return decoded


def _check_values(values: dict[str, Any], column: str, allowed: frozenset[type]) -> dict[str, Any]:
    """`values` with tagged non-finite floats decoded, or RowError for a value the store never writes."""
    for name, value in values.items():
        kind = type(value)  # exact types: a bool is not a metric, a subclass is never decoded from JSON
        if kind in allowed:
            continue
        if kind is dict and value.keys() == {_NON_FINITE_TAG} and value[_NON_FINITE_TAG] in _NON_FINITE_TEXTS:
            values[name] = float(value[_NON_FINITE_TAG])
            continue
        raise RowError(f"{column} {quoted(name)} holds {quoted(value)}, which the store never writes")
    return values


def record_from_row(row: tuple[Any, ...]) -> DesignRecord:
    """The record of one row (columns RECORD_COLUMNS), or RowError saying what is wrong with it."""
    sequence, key, parameters_text, metrics_text, feasible, violation = row
    try:
        parameters = _check_values(_json_object(parameters_text, "parameters"), "parameter", _PARAMETER_TYPES)
        metrics = _check_values(_json_object(metrics_text, "metrics"), "metric", _METRIC_TYPES)
        if not isinstance(key, str) or key != design_key(parameters):
            raise RowError(f"its key {quoted(key)} is not the key of its parameters")
        if type(feasible) is not int or feasible not in (0, 1):
            raise RowError(f"feasible is {quoted(feasible)}, not 0 or 1")
        if violation is not None and not isinstance(violation, str):
            raise RowError(f"violation is {quoted(violation)}, not text")
    except RowError as error:
        raise RowError(f"designs row {quoted(sequence)}: {error}") from None
    return DesignRecord(key, parameters, metrics, bool(feasible), violation)
