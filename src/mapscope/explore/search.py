"""Design-space search strategies (grid, random, evolutionary) behind one ask/tell protocol.

A design point maps each parameter, in the order given, to one of its candidate values. Strategies
work on mixed-radix digits (digit j indexes parameter j's candidates, the last parameter varying
fastest) and on the matching integer indices, never on the materialised product, so spaces of 10**12
points and more cost nothing until asked. Every strategy is deterministic: the same choices, budget,
seed and told objectives give the same asks, which lets a caller resume a run by replaying it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from mapscope.errors import InputError
from mapscope.formats.results.store_batch import typed_column
from mapscope.limits import quoted
from mapscope.optimization.pareto import crowding_distance, non_dominated_ranks

Value = int | float | str | bool
Choices = Mapping[str, Sequence[Value]]
Point = dict[str, Value]
Digits = npt.NDArray[np.int64]

STRATEGY_NAMES = ("grid", "random", "evolve")
_INT64_SAFE_POINTS = 2**62  # spaces up to this size use int64 index arithmetic
_ENUMERABLE_POINTS = 2**22  # spaces up to this size list their unseen points when sampling
_CHILD_ROUNDS = 8  # offspring rounds before topping a generation up with random points
_RANDOM_JUMP_PROBABILITY = 0.2  # chance that a mutation jumps anywhere instead of to a neighbour


class Strategy(Protocol):
    """A search that proposes batches of new points and learns from their objectives (minimised).

    `ask_digits`/`columns`/`tell_results` are the columnar form of `ask`/`tell`: a batch as digit rows and
    one array per parameter, never a dict per point."""

    def ask(self) -> list[Point]:
        """The next batch of never-asked points; an empty list once the search is finished."""
        ...

    def tell(self, points: list[Point], objectives: npt.ArrayLike) -> None:
        """Results of the last batch: shape (len(points), k); +inf rows mark infeasible designs."""
        ...

    def ask_digits(self) -> Digits:
        """The next batch as digit rows (zero rows once the search is finished)."""
        ...

    def columns(self, digits: Digits) -> dict[str, np.ndarray]:
        """The parameter values of digit rows, one array per parameter (see `_Space.columns`)."""
        ...

    def tell_results(self, objectives: npt.ArrayLike) -> None:
        """Results of the last `ask_digits` batch, row for row."""
        ...


class _SpaceSearch:
    """What every strategy shares: asking points as digits, and turning digits into points or columns."""

    _space: _Space

    def ask_digits(self) -> Digits:
        raise NotImplementedError

    def ask(self) -> list[Point]:
        return self._space.points(self.ask_digits())

    def columns(self, digits: Digits) -> dict[str, np.ndarray]:
        return self._space.columns(digits)

    def tell_results(self, objectives: npt.ArrayLike) -> None:
        """Ignored unless the strategy learns from results."""


def space_size(choices: Choices) -> int:
    """Exact number of points in the product of all candidate values."""
    return _Space(choices).size


def make_strategy(
    name: str, choices: Choices, budget: int | None, seed: int, batch_size: int, *, population: int = 64
) -> Strategy:
    """The strategy called `name`; batch_size sets grid and random batches, evolve asks whole generations."""
    if name == "grid":
        return GridSearch(choices, budget, batch_size)
    if name == "random":
        return RandomSearch(choices, budget, batch_size, seed)
    if name == "evolve":
        return EvolutionarySearch(choices, budget, seed, population)
    raise InputError(f"unknown search strategy {quoted(name)}; choose one of {', '.join(STRATEGY_NAMES)}", "strategy")


class GridSearch(_SpaceSearch):
    """Every point of the product in mixed-radix order (last parameter fastest), up to `budget` points."""

    def __init__(self, choices: Choices, budget: int | None = None, batch_size: int = 1024) -> None:
        self._space = _Space(choices)
        self._total = _capped_budget(budget, self._space.size)
        self._batch_size = _checked_integer(batch_size, "batch size", minimum=1)
        self._next_index = 0

    def ask_digits(self) -> Digits:
        """The next run of consecutive indices of the product."""
        stop = min(self._next_index + self._batch_size, self._total)
        indices = range(self._next_index, stop)
        self._next_index = stop
        return self._space.digits_of(indices)

    def tell(self, points: list[Point], objectives: npt.ArrayLike) -> None:
        """Ignored: the grid order does not depend on results."""


class RandomSearch(_SpaceSearch):
    """`budget` distinct points drawn uniformly without replacement from the product, seeded."""

    def __init__(self, choices: Choices, budget: int | None = None, batch_size: int = 1024, seed: int = 0) -> None:
        self._space = _Space(choices)
        self._total = _capped_budget(budget, self._space.size)
        self._batch_size = _checked_integer(batch_size, "batch size", minimum=1)
        self._rng = np.random.default_rng(_checked_integer(seed, "seed", minimum=0))
        self._asked = 0
        self._moved: dict[int, int] = {}  # lazy Fisher-Yates shuffle: position -> index now held there
        self._seen: set[int] = set()  # only for spaces beyond int64 indices

    def ask_digits(self) -> Digits:
        """The next prefix of a uniform random permutation of the product (or distinct draws if huge)."""
        count = min(self._batch_size, self._total - self._asked)
        if count <= 0:
            return self._space.digits_of([])
        if self._space.size <= _INT64_SAFE_POINTS:
            indices = self._shuffled_indices(count)
        else:
            indices = _draw_unseen(self._space, self._rng, count, self._seen)
            self._seen.update(indices)
        self._asked += count
        return self._space.digits_of(indices)

    def tell(self, points: list[Point], objectives: npt.ArrayLike) -> None:
        """Ignored: random draws do not depend on results."""

    def _shuffled_indices(self, count: int) -> list[int]:
        """The next `count` entries of a Fisher-Yates shuffle of range(size), storing only moved entries."""
        positions = range(self._asked, self._asked + count)
        swap_with = self._rng.integers(np.arange(self._asked, self._asked + count), self._space.size)
        indices = []
        for position, other in zip(positions, swap_with.tolist(), strict=True):
            held_here = self._moved.pop(position, position)
            if other == position:
                indices.append(held_here)
            else:
                indices.append(self._moved.get(other, other))
                self._moved[other] = held_here
        return indices


class EvolutionarySearch(_SpaceSearch):
    """A genetic search in the manner of GAMMA, with NSGA-II survivors so any number of objectives works.

    Generation one is random; later ones come from binary tournaments (on front rank, then crowding
    distance), uniform crossover and per-gene mutation to a neighbouring candidate value (or, rarely,
    any value). No point is asked twice, and no more than `budget` points are asked in all.
    """

    def __init__(self, choices: Choices, budget: int | None, seed: int = 0, population: int = 64) -> None:
        self._space = _Space(choices)
        if budget is None:
            raise InputError("the evolutionary search needs a budget (the number of designs to evaluate)", "budget")
        self._total = _capped_budget(budget, self._space.size)
        self._population = _checked_integer(population, "population", minimum=2)
        self._rng = np.random.default_rng(_checked_integer(seed, "seed", minimum=0))
        self._mutation_probability = 1.0 / len(self._space.names)
        self._seen: set[int] = set()
        self._pending: Digits | None = None
        self._parents: Digits = np.empty((0, len(self._space.names)), dtype=np.int64)
        self._parent_objectives = np.empty((0, 0), dtype=np.float64)  # parents are kept best first

    def ask_digits(self) -> Digits:
        """A whole generation of new points; tell() its results before asking again."""
        if self._pending is not None:
            raise RuntimeError("tell() the results of the last generation before asking for the next one")
        count = min(self._population, self._total - len(self._seen))
        if count <= 0:
            return self._space.digits_of([])
        if self._parents.shape[0] == 0:
            indices = _draw_unseen(self._space, self._rng, count, self._seen)
        else:
            indices = self._children(count)
        self._seen.update(indices)
        self._pending = self._space.digits_of(indices)
        return self._pending

    def tell(self, points: list[Point], objectives: npt.ArrayLike) -> None:
        """Results of the last generation, row for row; the best of parents and children survive."""
        if self._pending is None:
            raise RuntimeError("tell() called without a generation awaiting results")
        scores = np.asarray(objectives, dtype=np.float64)
        scores = scores.reshape(-1, 1) if scores.ndim == 1 else scores
        expected = self._space.points(self._pending)
        if scores.ndim != 2 or scores.shape[0] != len(expected) or len(points) != len(expected):
            raise ValueError(f"expected objectives for {len(expected)} points, got shape {scores.shape}")
        if any({name: point.get(name) for name in self._space.names} != want for point, want in zip(points, expected)):
            raise ValueError("tell() must receive the points of the last ask(), in the same order")
        self.tell_results(scores)

    def tell_results(self, objectives: npt.ArrayLike) -> None:
        """Results of the last generation, row for row; the best of parents and children survive."""
        if self._pending is None:
            raise RuntimeError("tell() called without a generation awaiting results")
        scores = np.asarray(objectives, dtype=np.float64)
        scores = scores.reshape(-1, 1) if scores.ndim == 1 else scores
        if scores.ndim != 2 or scores.shape[0] != self._pending.shape[0]:
            raise ValueError(f"expected objectives for {self._pending.shape[0]} points, got shape {scores.shape}")
        if self._parents.shape[0] and scores.shape[1] != self._parent_objectives.shape[1]:
            raise ValueError(f"expected {self._parent_objectives.shape[1]} objectives, got {scores.shape[1]}")
        digits = np.concatenate([self._parents, self._pending])
        merged = scores if self._parents.shape[0] == 0 else np.concatenate([self._parent_objectives, scores])
        order = _nsga_order(merged)[: self._population]
        self._parents, self._parent_objectives = digits[order], merged[order]
        self._pending = None

    def _children(self, count: int) -> list[int]:
        """`count` unseen offspring indices, topped up with random unseen points when offspring repeat."""
        accepted: list[int] = []
        taken: set[int] = set()
        for _ in range(_CHILD_ROUNDS):
            for index in self._space.indices_of(self._offspring(2 * (count - len(accepted)))):
                if index not in self._seen and index not in taken and len(accepted) < count:
                    accepted.append(index)
                    taken.add(index)
            if len(accepted) == count:
                return accepted
        return accepted + _draw_unseen(self._space, self._rng, count - len(accepted), self._seen | taken)

    def _offspring(self, count: int) -> Digits:
        """Children of tournament-chosen parents by uniform crossover, then mutation."""
        mothers = self._parents[self._tournament(count)]
        fathers = self._parents[self._tournament(count)]
        children = np.where(self._rng.random(mothers.shape) < 0.5, mothers, fathers)
        return self._mutated(children)

    def _tournament(self, count: int) -> npt.NDArray[np.intp]:
        """Winners of `count` binary tournaments among the parents (kept best first, so lower wins)."""
        size = self._parents.shape[0]
        return np.minimum(self._rng.integers(0, size, count), self._rng.integers(0, size, count))

    def _mutated(self, children: Digits) -> Digits:
        """Each gene moves, with the mutation probability, to a neighbouring value or else a random one."""
        radices = self._space.radices
        steps = np.where(self._rng.random(children.shape) < 0.5, -1, 1)
        neighbour = children + steps
        neighbour = np.where(neighbour < 0, 1, neighbour)
        neighbour = np.clip(np.where(neighbour >= radices, radices - 2, neighbour), 0, radices - 1)
        anywhere = self._rng.integers(0, radices, size=children.shape)
        moved = np.where(self._rng.random(children.shape) < _RANDOM_JUMP_PROBABILITY, anywhere, neighbour)
        return np.where(self._rng.random(children.shape) < self._mutation_probability, moved, children)


class _Space:
    """Validated parameter names and candidate values, converting between digits, indices and points."""

    def __init__(self, choices: Choices) -> None:
        if not choices:
            raise InputError("the design space has no parameters to explore", "choices")
        self.names = tuple(choices)
        self.values: tuple[Sequence[Value], ...] = tuple(_checked_candidates(name, candidates) for name, candidates in choices.items())
        self.size = math.prod(len(values) for values in self.values)
        self.radices = np.array([len(values) for values in self.values], dtype=np.int64)
        self._strides = [math.prod(len(values) for values in self.values[j + 1 :]) for j in range(len(self.values))]
        self._candidate_columns: list[np.ndarray | None] | None = None

    def columns(self, digits: Digits) -> dict[str, np.ndarray]:
        """The values of digit rows, one array per parameter: int64, float64 or bool when every candidate
        is of that type (and fits), else Python objects narrowed to the batch's own values."""
        if self._candidate_columns is None:
            self._candidate_columns = [_candidate_column(values) for values in self.values]
        columns = {}
        for position, (name, values, candidates) in enumerate(zip(self.names, self.values, self._candidate_columns, strict=True)):
            chosen = digits[:, position]
            if candidates is None:  # a long range: computed, never listed
                assert isinstance(values, range)
                column = values.start + chosen * values.step if _fits_int64(values) else typed_column([values[d] for d in chosen.tolist()])
            else:
                column = candidates[chosen]
                if column.dtype == object:
                    column = typed_column(column.tolist())
            columns[name] = column
        return columns

    def points(self, digits: Digits) -> list[Point]:
        """The design point of each digit row."""
        pairs = tuple(zip(self.names, self.values, strict=True))
        return [{name: values[d] for (name, values), d in zip(pairs, row, strict=True)} for row in digits.tolist()]

    def digits_of(self, indices: Sequence[int]) -> Digits:
        """Mixed-radix digits of each index, exact for any space size."""
        if self.size <= _INT64_SAFE_POINTS:
            index_array = np.asarray(indices, dtype=np.int64).reshape(-1, 1)
            return (index_array // np.array(self._strides, dtype=np.int64)) % self.radices
        radices = [len(values) for values in self.values]
        rows = [[index // stride % radix for stride, radix in zip(self._strides, radices)] for index in indices]
        return np.array(rows, dtype=np.int64).reshape(len(rows), len(self.names))

    def indices_of(self, digits: Digits) -> list[int]:
        """Mixed-radix index of each digit row, exact for any space size."""
        if self.size <= _INT64_SAFE_POINTS:
            return list((digits @ np.array(self._strides, dtype=np.int64)).tolist())
        return [sum(d * stride for d, stride in zip(row, self._strides)) for row in digits.tolist()]


def _draw_unseen(space: _Space, rng: np.random.Generator, count: int, seen: set[int]) -> list[int]:
    """Up to `count` distinct uniformly drawn indices outside `seen` (fewer only if the space runs out)."""
    if space.size <= _ENUMERABLE_POINTS:
        taken = np.zeros(space.size, dtype=np.bool_)
        taken[np.fromiter(seen, dtype=np.int64, count=len(seen))] = True
        free = np.flatnonzero(~taken)
        return list(rng.choice(free, size=min(count, free.size), replace=False).tolist())
    drawn: list[int] = []
    fresh: set[int] = set()
    while len(drawn) < count and len(seen) + len(drawn) < space.size:
        for index in space.indices_of(rng.integers(0, space.radices, size=(count - len(drawn), space.radices.size))):
            if index not in seen and index not in fresh:
                drawn.append(index)
                fresh.add(index)
    return drawn


def _nsga_order(objectives: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Rows best first: lower non-dominated rank, then larger crowding distance within the front."""
    ranks = non_dominated_ranks(objectives)
    crowding = np.zeros(ranks.size, dtype=np.float64)
    for rank in np.unique(ranks):
        members = np.flatnonzero(ranks == rank)
        crowding[members] = crowding_distance(objectives[members])
    return np.lexsort((-crowding, ranks))


def _checked_candidates(name: str, candidates: Iterable[Value]) -> Sequence[Value]:
    """The candidate values as plain Python scalars, rejecting empty, odd or repeated ones.

    A `range` is kept as it is (distinct integers by construction): it is indexed, never listed, so a
    range of a billion values costs nothing until its points are asked for.
    """
    if isinstance(candidates, range):
        try:
            count = len(candidates)
        except OverflowError:  # more values than a Python sequence can count
            raise InputError(f"has more than {sys.maxsize:,} candidate values", f"parameter {name}") from None
        if count == 0:
            raise InputError("has no candidate values", f"parameter {name}")
        return candidates
    if isinstance(candidates, str | bytes) or not isinstance(candidates, Iterable):
        raise InputError(f"candidate values must be a list, got {quoted(candidates)}", f"parameter {name}")
    values = tuple(value.item() if isinstance(value, np.generic) else value for value in candidates)
    if not values:
        raise InputError("has no candidate values", f"parameter {name}")
    seen: set[Value] = set()
    for value in values:
        if not isinstance(value, int | float | str | bool):
            raise InputError(f"candidate {quoted(value)} is not a number, string or boolean", f"parameter {name}")
        if value in seen:
            raise InputError(f"candidate value {quoted(value)} repeats", f"parameter {name}")
        seen.add(value)
    return values


def _capped_budget(budget: int | None, size: int) -> int:
    """The number of points to ask: `budget` capped at the space size, or the whole space when None."""
    return size if budget is None else min(_checked_integer(budget, "budget", minimum=1), size)


def _checked_integer(value: int, what: str, minimum: int) -> int:
    """`value` itself when it is an integer of at least `minimum`; otherwise an InputError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"the {what} must be an integer of at least {minimum}, got {quoted(value)}", what)
    return int(value)


#: Ranges longer than this are not listed as a candidate array; their values are computed per batch.
_LISTED_RANGE = 1 << 16


def _fits_int64(values: range) -> bool:
    return -(2**63) <= min(values[0], values[-1]) and max(values[0], values[-1]) < 2**63


def _candidate_column(values: Sequence[Value]) -> np.ndarray | None:
    """The candidates as one typed array to index with digits; None for a long range (computed instead)."""
    if isinstance(values, range) and len(values) > _LISTED_RANGE:
        return None
    return typed_column(list(values))
