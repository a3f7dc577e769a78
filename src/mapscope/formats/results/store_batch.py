"""Evaluated designs as columns: what `explore` computes, the result store writes and the export reads.

A `DesignBatch` holds one array (or list) per parameter and per metric, the mask of designs the engine
evaluated, and per design its violation (None: feasible). Nothing is kept per design until a caller asks
for one (`record`), so a batch of a hundred thousand designs costs a few arrays, not a hundred thousand
dicts. A design's key (`design_keys`) is the canonical JSON of its parameters, built column by column.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from mapscope.formats.results.store_rows import DesignRecord, ParameterValue, design_key

#: One column of a batch: int64, float64 or bool arrays, or an object array of Python values.
ColumnValues = np.ndarray

_KEY_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_INT64_BOUNDS = (-(2**63), 2**63 - 1)


def typed_column(values: Sequence[Any]) -> np.ndarray:
    """`values` as the narrowest exact array: int64 (ints in range), float64 (floats), bool, else object."""
    kinds = {type(value) for value in values}
    if kinds == {int} and all(_INT64_BOUNDS[0] <= value <= _INT64_BOUNDS[1] for value in values):
        return np.array(values, dtype=np.int64)
    if kinds == {float}:
        return np.array(values, dtype=np.float64)
    if kinds == {bool}:
        return np.array(values, dtype=np.bool_)
    column = np.empty(len(values), dtype=object)
    column[:] = list(values)
    return column


def design_keys(parameters: Mapping[str, np.ndarray], count: int) -> list[str]:
    """`design_key` of every design of the columns `parameters` (names sorted): one format string filled
    per design, each column's values as ints or as their JSON text."""
    if not parameters:
        return [design_key({})] * count
    pieces: list[str] = []
    values: list[list[Any]] = []
    for name in sorted(parameters):
        column = parameters[name]
        if column.dtype == np.int64:
            pieces.append(_KEY_ENCODER.encode(name).replace("%", "%%") + ":%d")
            values.append(column.tolist())
            continue
        pieces.append(_KEY_ENCODER.encode(name).replace("%", "%%") + ":%s")
        if column.dtype == np.bool_:
            values.append(["true" if value else "false" for value in column.tolist()])
            continue
        encoded: dict[tuple[type, Any], str] = {}
        texts = []
        for value in column.tolist():
            tag = (type(value), value)
            text = encoded.get(tag)
            if text is None:
                text = encoded[tag] = _KEY_ENCODER.encode(value)
            texts.append(text)
        values.append(texts)
    template = "{" + ",".join(pieces) + "}"
    return [template % row for row in zip(*values, strict=True)]


@dataclass(frozen=True, eq=False)
class DesignBatch:
    """Designs as columns, in one order: parameters and metrics by name (in the order they were given),
    which designs the engine evaluated (the metrics of the others are nan, whatever their arrays hold),
    and each design's violation (None when it is feasible)."""

    parameters: dict[str, ColumnValues]
    metrics: dict[str, ColumnValues]
    evaluated: np.ndarray
    violations: tuple[str | None, ...]
    feasible: np.ndarray

    def __len__(self) -> int:
        return len(self.violations)

    @cached_property
    def keys(self) -> list[str]:
        """The key of every design (its parameters as canonical JSON)."""
        return design_keys(self.parameters, len(self))

    @cached_property
    def _lists(self) -> tuple[dict[str, list[Any]], dict[str, list[Any]], list[bool]]:
        parameters = {name: column.tolist() for name, column in self.parameters.items()}
        metrics = {name: column.tolist() for name, column in self.metrics.items()}
        return parameters, metrics, self.evaluated.tolist()

    def record(self, index: int) -> DesignRecord:
        """Design `index` as a DesignRecord (Python ints, floats, strings and bools)."""
        values = {name: column.item(index) for name, column in self.parameters.items()}
        if self.evaluated[index]:
            measured = {name: column.item(index) for name, column in self.metrics.items()}
        else:
            measured = dict.fromkeys(self.metrics, math.nan)
        return DesignRecord(self.keys[index], values, measured, bool(self.feasible[index]), self.violations[index])

    def records(self) -> Iterator[DesignRecord]:
        """Every design as a DesignRecord, in order (the columns turned into Python values once)."""
        parameters, metrics, evaluated = self._lists
        keys, feasible = self.keys, self.feasible.tolist()
        for index in range(len(self)):
            values = {name: column[index] for name, column in parameters.items()}
            if evaluated[index]:
                measured = {name: column[index] for name, column in metrics.items()}
            else:
                measured = dict.fromkeys(metrics, math.nan)
            yield DesignRecord(keys[index], values, measured, feasible[index], self.violations[index])

    def take(self, indices: Sequence[int] | np.ndarray) -> DesignBatch:
        """The designs at `indices`, in that order."""
        rows = np.asarray(indices, dtype=np.intp)
        batch = DesignBatch(
            {name: column[rows] for name, column in self.parameters.items()},
            {name: column[rows] for name, column in self.metrics.items()},
            self.evaluated[rows],
            tuple(self.violations[index] for index in rows.tolist()),
            self.feasible[rows],
        )
        if "keys" in self.__dict__:
            batch.__dict__["keys"] = [self.keys[index] for index in rows.tolist()]
        return batch


def empty_batch(parameter_names: Sequence[str] = (), metric_names: Sequence[str] = ()) -> DesignBatch:
    """A batch of no designs with the given columns."""
    return DesignBatch(
        {name: np.zeros(0, dtype=np.int64) for name in parameter_names},
        {name: np.zeros(0, dtype=np.float64) for name in metric_names},
        np.zeros(0, dtype=np.bool_),
        (),
        np.zeros(0, dtype=np.bool_),
    )


def _joined(columns: Sequence[np.ndarray]) -> np.ndarray:
    """One column of several parts, keeping the common exact type (object when they differ)."""
    kinds = {column.dtype for column in columns if len(column)}
    if len(kinds) <= 1:
        return np.concatenate(columns) if columns else np.zeros(0)
    return np.concatenate([column.astype(object) for column in columns])


def concatenated(batches: Sequence[DesignBatch]) -> DesignBatch:
    """The designs of `batches` one after another; batches with other columns than the first are refused."""
    if not batches:
        return empty_batch()
    if len(batches) == 1:
        return batches[0]
    first = batches[0]
    for batch in batches[1:]:
        if list(batch.parameters) != list(first.parameters) or list(batch.metrics) != list(first.metrics):
            raise ValueError("design batches with different columns cannot be joined")
    joined = DesignBatch(
        {name: _joined([batch.parameters[name] for batch in batches]) for name in first.parameters},
        {name: _joined([batch.metrics[name] for batch in batches]) for name in first.metrics},
        np.concatenate([batch.evaluated for batch in batches]),
        tuple(violation for batch in batches for violation in batch.violations),
        np.concatenate([batch.feasible for batch in batches]),
    )
    if all("keys" in batch.__dict__ for batch in batches):
        joined.__dict__["keys"] = [key for batch in batches for key in batch.keys]
    return joined


def stored_designs(index: Mapping[str, tuple[DesignBatch, int]], keys: Sequence[str]) -> tuple[np.ndarray, DesignBatch | None]:
    """Which of `keys` `index` holds (their positions in `keys`, ascending) and those designs as one batch
    in that order (None when it holds none)."""
    if not index or index.keys().isdisjoint(keys):
        return np.zeros(0, dtype=np.intp), None
    places = [(position, index.get(key)) for position, key in enumerate(keys)]
    found = [(position, place) for position, place in places if place is not None]
    if not found:
        return np.zeros(0, dtype=np.intp), None
    sources: dict[int, tuple[DesignBatch, list[int], list[int]]] = {}  # per stored batch: its rows, and where they go
    for order, (_, (batch, row)) in enumerate(found):
        entry = sources.setdefault(id(batch), (batch, [], []))
        entry[1].append(row)
        entry[2].append(order)
    parts = [batch.take(rows) for batch, rows, _ in sources.values()]
    destinations = np.concatenate([np.array(orders, dtype=np.intp) for _, _, orders in sources.values()])
    joined = concatenated(parts)
    if len(parts) > 1 or not np.array_equal(destinations, np.arange(len(found))):
        joined = joined.take(np.argsort(destinations))
    return np.array([position for position, _ in found], dtype=np.intp), joined


def batch_from_records(records: Sequence[DesignRecord]) -> list[DesignBatch]:
    """`records` as batches, one per run of consecutive records with the same parameter and metric names."""
    runs: list[list[DesignRecord]] = []
    for record in records:
        if runs and list(record.parameters) == list(runs[-1][0].parameters) and list(record.metrics) == list(runs[-1][0].metrics):
            runs[-1].append(record)
        else:
            runs.append([record])
    return [_one_batch(run) for run in runs]


def _one_batch(records: Sequence[DesignRecord]) -> DesignBatch:
    """Records with the same names as one batch; a record whose metrics are all nan counts as not evaluated."""
    evaluated = [not all(isinstance(value, float) and math.isnan(value) for value in r.metrics.values()) or not r.metrics for r in records]
    metrics = {}
    for name in records[0].metrics:
        values = [r.metrics[name] for r, done in zip(records, evaluated) if done]
        column = typed_column(values)
        if column.dtype == np.int64:
            full = np.zeros(len(records), dtype=np.int64)
            full[np.flatnonzero(evaluated)] = column
        elif column.dtype == np.float64:
            full = np.full(len(records), math.nan)
            full[np.flatnonzero(evaluated)] = column
        else:
            full = typed_column([r.metrics[name] for r in records])
            if full.dtype != object:
                full = full.astype(object)
        metrics[name] = full
    parameters = {name: typed_column([r.parameters[name] for r in records]) for name in records[0].parameters}
    batch = DesignBatch(
        parameters,
        metrics,
        np.array(evaluated, dtype=np.bool_),
        tuple(r.violation for r in records),
        np.array([bool(r.feasible) for r in records], dtype=np.bool_),
    )
    batch.__dict__["keys"] = [r.key for r in records]
    return batch


def parameter_value(value: Any) -> ParameterValue:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value
