"""A design space: parameters and their candidate values, constraints, objectives and the search to run.

Built from a space file (formats.space_file) or directly in Python. Each engine states which hardware
parameters and metrics it has (explore.engines); everything a user can get wrong is checked here,
before any design is evaluated, with the file and line in the message.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from math import prod

import numpy as np
from pydantic import ValidationError

from mapscope.errors import InputError
from mapscope.explore.search import Choices, Value
from mapscope.limits import MAX_DESIGNS, MAX_QUOTED_CHARS, MAX_SIZE, quoted
from mapscope.formats.space_file import (
    Bound,
    SpaceFile,
    ValueRange,
    ValueSpec,
    WeightedSum,
)

#: Objective names that are shorthands for a metric; maximised metrics are minimised as their negation.
OBJECTIVE_ALIASES = {
    "runtime": "runtime_cycles",
    "energy": "energy_nj",
    "edp": "edp_nj_cycles",
    "throughput_per_area": "throughput_macs_per_cycle_per_mm2",
    "area": "area_mm2",
    "power": "power_mw",
}
MAXIMISED_METRICS = frozenset({"throughput_macs_per_cycle", "throughput_macs_per_cycle_per_mm2", "utilization"})
#: The pseudo-constraint "every layer's L1/L2 requirement fits the design's L1/L2 capacity".
BUFFERS_FIT = "buffers_fit"
#: A parameter's candidate values: a tuple, or a `range` for a linear range (lazy, never listed).
Candidates = Sequence[Value]


@dataclass(frozen=True)
class Constraint:
    """`minimum <= metric <= maximum` (either side optional); a design outside is infeasible."""

    metric: str
    minimum: float | None = None
    maximum: float | None = None

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:g} <= {self.metric} <= {self.maximum:g}"
        if self.maximum is not None:
            return f"{self.metric} <= {self.maximum:g}"
        return f"{self.metric} >= {self.minimum:g}"

    def violated(self, values: np.ndarray) -> np.ndarray:
        """True where `values` break the bound (nan breaks every bound)."""
        bad = np.isnan(values)
        if self.minimum is not None:
            bad |= values < self.minimum
        if self.maximum is not None:
            bad |= values > self.maximum
        return bad


@dataclass(frozen=True)
class Objective:
    """A quantity to minimise: one metric (negated when it is a throughput) or a weighted sum of metrics."""

    name: str
    terms: tuple[tuple[str, float], ...]

    def values(self, metrics: Mapping[str, np.ndarray]) -> np.ndarray:
        """The objective of each design; inf or nan where its weights overflow or a metric is undefined."""
        total = np.zeros_like(np.asarray(next(iter(metrics.values())), dtype=np.float64))
        with np.errstate(over="ignore", invalid="ignore"):
            for metric, weight in self.terms:
                total = total + weight * np.asarray(metrics[metric], dtype=np.float64)
        return total

    @property
    def finite_label(self) -> str:
        """The check a design breaks when this objective is not a finite number (it cannot be ranked)."""
        return f"{self.name} is a finite number"

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(metric for metric, _ in self.terms)


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
    buffers_fit: bool
    objectives: tuple[Objective, ...]
    search: SearchSettings = SearchSettings()
    document: str = ""  # the space as the user wrote it (kept in the result store)
    fingerprint: str = field(default="")

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


def objectives_from(entries: list[str | WeightedSum], known_metrics: tuple[str, ...], where: Callable[[tuple[str | int, ...]], str]) -> tuple[Objective, ...]:
    """Objectives from names and weighted sums, each metric checked against the engine's."""

    def metric(name: str, location: tuple[str | int, ...]) -> tuple[str, float]:
        resolved = OBJECTIVE_ALIASES.get(name, name)
        if resolved not in known_metrics:
            raise InputError(f"unknown objective {quoted(name)}; known: {', '.join(sorted(set(known_metrics) | set(OBJECTIVE_ALIASES)))}", where(location))
        return resolved, -1.0 if resolved in MAXIMISED_METRICS else 1.0

    objectives = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            name, sense = metric(entry, ("objectives", index))
            objectives.append(Objective(entry, ((name, sense),)))
            continue
        if not entry.weighted_sum:
            raise InputError("a weighted sum needs at least one metric", where(("objectives", index, "weighted_sum")))
        terms = []
        for key, weight in entry.weighted_sum.items():
            name, sense = metric(key, ("objectives", index, "weighted_sum", key))
            terms.append((name, sense * float(weight)))
        label = " + ".join(f"{weight:g}*{key}" for key, weight in entry.weighted_sum.items())
        objectives.append(Objective(f"weighted({label})", tuple(terms)))
    names = [o.name for o in objectives]
    if len(set(names)) != len(names):
        raise InputError("an objective is listed twice", where(("objectives",)))
    return tuple(objectives)


def constraints_from(
    entries: Mapping[str, Bound | bool], known: tuple[str, ...], where: Callable[[tuple[str | int, ...]], str]
) -> tuple[tuple[Constraint, ...], bool]:
    """Bounds on metrics or parameters, and whether buffers must hold every layer's requirement."""
    constraints = []
    buffers_fit = True
    for name, entry in entries.items():
        location = ("constraints", name)
        if isinstance(entry, bool):
            if name != BUFFERS_FIT:
                raise InputError(f"only {BUFFERS_FIT} takes true/false; bound other constraints with min/max", where(location))
            buffers_fit = entry
            continue
        resolved = OBJECTIVE_ALIASES.get(name, name)
        if resolved not in known:
            raise InputError(f"unknown constraint {quoted(name)}; constrain a metric or parameter: {', '.join(sorted(known))}", where(location))
        if entry.min is None and entry.max is None:
            raise InputError("a constraint needs min, max or both", where(location))
        if entry.min is not None and entry.max is not None and entry.min > entry.max:
            raise InputError(f"contradictory bounds: min {entry.min} is above max {entry.max}", where(location))
        constraints.append(Constraint(resolved, entry.min, entry.max))
    return tuple(constraints), buffers_fit


def space_fingerprint(space_file: SpaceFile, workload_identity: str) -> str:
    """A hash of what determines every design's result: the space without its search settings, and the workload."""
    document = space_file.document.model_dump(mode="json", exclude={"search"})
    text = json.dumps({"space": document, "workload": workload_identity}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
