"""A design space: parameters and their candidate values, constraints, objectives and the search to run.

Built from a space file (formats.space_file) or directly in Python. Each engine states which hardware
parameters and metrics it has (explore.engines); everything a user can get wrong is checked here,
before any design is evaluated, with the file and line in the message.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import prod

import numpy as np
from pydantic import ValidationError

from mapscope.errors import InputError
from mapscope.explore.search import Choices, Value
from mapscope.formats.space_file import SpaceFile, ValueRange, ValueSpec
from mapscope.limits import MAX_DESIGNS, MAX_QUOTED_CHARS, MAX_SIZE, quoted
from mapscope.optimization.objectives import Constraint, Objective

#: A parameter's candidate values: a tuple, or a `range` for a linear range (lazy, never listed).
Candidates = Sequence[Value]


@dataclass(frozen=True)
class SearchSettings:
    strategy: str = "grid"
    budget: int | None = None
    seed: int = 0
    population: int = 64
    batch_size: int = 4096


@dataclass(frozen=True)
class DesignSpace:
    """Everything `explore` needs: what to sweep, on which workload, judged how, searched how."""

    name: str
    engine: str
    workload: object  # the engine's workload description (explore.engines builds and reads it)
    parameters: tuple[tuple[str, Candidates], ...]
    mapping_parameters: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    buffers_fit: bool | str  # True: L1 and L2 hold every layer's requirement; "l1": L1 only (L2 may spill); False: neither
    objectives: tuple[Objective, ...]
    search: SearchSettings = SearchSettings()
    document: str = ""  # the space as the user wrote it (kept in the result store)
    fingerprint: str = field(default="")
    evaluated_alone: bool = False  # each design is its own chunk of work (a co-search: seconds per design)

    @property
    def fitted_levels(self) -> tuple[str, ...]:
        """The buffer levels ("l1", "l2") that must hold every layer's requirement (`buffers_fit`)."""
        if self.buffers_fit is True:
            return ("l1", "l2")
        return (self.buffers_fit,) if isinstance(self.buffers_fit, str) else ()

    @property
    def choices(self) -> Choices:
        return dict(self.parameters)

    @property
    def size(self) -> int:
        return prod(len(values) for _, values in self.parameters)


def _value_range(spec: dict, where: str) -> ValueRange:
    try:
        return ValueRange.model_validate(spec)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        problem = first["msg"].replace("Input should", "should")
        raise InputError(f"a range is {{range: [low, high], step: n}} or {{range: [low, high], scale: log2}}; {field}: {problem}", where) from None


def expand_values(spec: ValueSpec, where: str) -> Candidates:
    """The candidate values of one parameter: a list, a range, or a single value.

    A linear range stays a `range` (lazy, indexable, never listed: a search draws from it by index);
    log2 ranges hold at most 32 values and become a tuple. Integers beyond MAX_SIZE are refused here,
    before any count, numpy array or engine sees them.
    """
    if isinstance(spec, dict):
        spec = _value_range(spec, where)
    if isinstance(spec, ValueRange):
        low, high = spec.range
        for number in (low, high, spec.step):
            _check_magnitude(number, where)
        if low > high:
            raise InputError(f"range [{low}, {high}] is empty (the first bound is above the second)", where)
        if spec.scale == "log2":
            if spec.step is not None:
                raise InputError("a log2 range takes no step (it walks the powers of two)", where)
            if low <= 0:
                raise InputError(f"a log2 range needs a positive lower bound, got {low}", where)
            values = tuple(1 << e for e in range((low - 1).bit_length(), high.bit_length()) if low <= 1 << e <= high)
            if not values:
                raise InputError(f"range [{low}, {high}] holds no power of two", where)
            return values
        return range(low, high + 1, spec.step or 1)
    values = tuple(spec) if isinstance(spec, list) else (spec,)
    if not values:
        raise InputError("has no candidate values (an empty list)", where)
    for value in values:
        if not isinstance(value, (int, float, str, bool)):
            raise InputError(f"a candidate value must be a number, a string or true/false, got {quoted(value)}", where)
        _check_magnitude(value, where)
        if isinstance(value, str) and len(value) > MAX_QUOTED_CHARS:  # names and choices are short words
            raise InputError(f"a candidate string is at most {MAX_QUOTED_CHARS} characters; got {quoted(value)}", where)
    seen: set[tuple[type, Value]] = set()
    for value in values:
        marker = (type(value), value)
        if marker in seen:
            raise InputError(f"lists the value {quoted(value)} twice", where)
        seen.add(marker)
    return values


def _check_magnitude(value: object, where: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
        raise InputError(f"{quoted(value)} is beyond {MAX_SIZE:,}, the largest size mapscope accepts", where)


def checked_values(values: Candidates) -> Sequence[Value]:
    """The values a per-value check must see: a range's first and last (every value between them is an
    integer of the same step, and the checks bound integers from below and above), else every value."""
    return (values[0], values[-1]) if isinstance(values, range) else values


def smallest_candidate(values: Candidates) -> Value:
    """The smallest value when every candidate is a number, else the first one (a range's first, unlisted)."""
    if isinstance(values, range):
        return values[0]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return min(numbers) if len(numbers) == len(values) else values[0]


def describe_candidates(values: Candidates) -> str:
    """A short text for a parameter's candidates: every value when few, else the first ones and the count."""
    if isinstance(values, range) and len(values) > 3:
        return f"{values[0]}, {values[1]}, ..., {values[-1]} ({len(values):,} values)"
    if len(values) <= 8:
        return ", ".join(quoted(v) if isinstance(v, str) else str(v) for v in values)
    return ", ".join(str(v) for v in values[:5]) + f", ... ({len(values):,} values)"


def _some_value_meets(constraint: Constraint, values: Candidates) -> bool:
    """Whether a numeric candidate meets the bound (True when none is numeric: nothing to judge here)."""
    if isinstance(values, range):
        first = 0 if constraint.minimum is None else max(0, math.ceil((constraint.minimum - values.start) / values.step))
        return first < len(values) and (constraint.maximum is None or values[first] <= constraint.maximum)
    numbers = [v for v in values if isinstance(v, int | float)]
    return not numbers or not constraint.violated(np.array(numbers, dtype=float)).all()


def unmet_parameter_bound(space: DesignSpace) -> str | None:
    """The first constraint on a parameter that none of its candidate values meets, as a sentence, or None."""
    choices = space.choices
    for constraint in space.constraints:
        if constraint.metric in choices and not _some_value_meets(constraint, choices[constraint.metric]):
            numbers = choices[constraint.metric]
            if not isinstance(numbers, range):
                numbers = tuple(v for v in numbers if isinstance(v, int | float))
            return (
                f"constraint {constraint.describe()} removes every design: {constraint.metric} takes only "
                f"{describe_candidates(numbers)}"
            )
    return None


def check_search_size(space: DesignSpace, where: str) -> None:
    """Refuse, before anything is evaluated or stored, a search that would evaluate more than MAX_DESIGNS."""
    size, budget, strategy = space.size, space.search.budget, space.search.strategy
    if budget is None and size > MAX_DESIGNS:
        raise InputError(
            f"the space holds {_count_text(size)} designs and a {strategy} search without a budget evaluates them "
            f"all; give a budget (search.budget or --budget) of at most {MAX_DESIGNS:,}, or sweep fewer values",
            where,
        )
    if budget is not None and min(budget, size) > MAX_DESIGNS:
        raise InputError(f"a budget of {_count_text(budget)} designs is above {MAX_DESIGNS:,}, the most one run evaluates", where)


def _count_text(count: int) -> str:
    return f"{count:,}" if count < 10**30 else f"about 10^{int(count.bit_length() * math.log10(2))}"


def space_fingerprint(space_file: SpaceFile, workload_identity: str) -> str:
    """A hash of what determines every design's result: the space without its search settings, and the workload
    (which carries the energy table's contents: the `energy_table` key names them, by a path that may move)."""
    document = space_file.document.model_dump(mode="json", exclude={"search", "energy_table"})
    if document["layers"] is None:  # keys added later stay out when unused: older stores keep their fingerprint
        del document["layers"]
    if document["mapping"]["search"] is None:
        del document["mapping"]["search"]
    text = json.dumps({"space": document, "workload": workload_identity}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
