"""One design of the result store as Python values, its canonical key, and the error for a stored batch
that mapscope did not write as it is (damaged on disk or edited by hand)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

ParameterValue = int | float | str | bool


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
    """The canonical identity of a design: its parameters as compact JSON with sorted names (built once;
    json.dumps with options builds an encoder per call)."""
    return _KEY_ENCODER.encode(dict(parameters))



_KEY_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
