"""The record every search strategy keeps: mappings evaluated in batches, the best feasible one, the
constraints that rejected the others, the Pareto front on request, and the final `SearchResult`.

A mapping is feasible when the engine accepts it and it respects every constraint; an infeasible
mapping scores +inf, so it is never the incumbent. When no evaluated mapping is feasible the result is
an InputError naming the layer and the constraint(s) that removed every mapping.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mapscope.analysis.batch import MappingBatch, MappingStats, evaluate_mappings, mapping_batches
from mapscope.analysis.layer_analysis import analyze_layer, layer_stats_fields
from mapscope.errors import InputError
from mapscope.mapper.bounds import layer_lower_bound
from mapscope.mapper.mapping_objectives import metric_column, objective_bound, stats_metric
from mapscope.mapper.members import choice_of
from mapscope.mapper.search_result import MappingProblem, NamedStart, ParetoPoint, SearchResult
from mapscope.mapper.space import MappingChoice, dataflow
from mapscope.mapping.directives import Directive
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.optimization.pareto import pareto_mask
from mapscope.stats import LayerStats


#: Skeleton groups smaller than this are analysed mapping by mapping (a batch's fixed cost is about
#: ten scalar analyses; measured on ResNet-50 layers at 256 PEs).
SCALAR_BELOW = 12


@dataclass(frozen=True)
class ScalarStats:
    """Mappings analysed one at a time, shaped like MappingStats for the log: `batch.dataflow_at`,
    `valid`, `column` (garbage where invalid)."""

    dataflows: tuple[tuple[Directive, ...], ...]
    results: tuple[dict[str, Any] | None, ...]  # analyze_layer's LayerStats by field; None where it rejects the mapping

    @classmethod
    def of(cls, problem: MappingProblem, dataflows: Sequence[tuple[Directive, ...]]) -> ScalarStats:
        """Analyse each dataflow of the problem's layer as analyze_layer does (its fields, not its record)."""
        space = problem.space
        results = []
        for written in dataflows:
            try:
                mapped = MappedLayer(space.layer, written)
                results.append(layer_stats_fields(mapped, problem.accelerator, compat=space.compat, energy_table=problem.energy_table))
            except InputError:
                results.append(None)
        return cls(tuple(dataflows), tuple(results))

    @property
    def size(self) -> int:
        """How many mappings were analysed."""
        return len(self.dataflows)

    @property
    def batch(self) -> ScalarStats:
        """Itself: it answers `dataflow_at` as a MappingStats's batch does."""
        return self

    @property
    def valid(self) -> np.ndarray:
        """False where analyze_layer rejected the mapping."""
        return np.array([result is not None for result in self.results], dtype=bool)

    def dataflow_at(self, index: int) -> tuple[Directive, ...]:
        """The directives of mapping `index`."""
        return self.dataflows[index]

    def column(self, name: str) -> np.ndarray:
        """One LayerStats field over the mappings (0 where invalid)."""
        return np.array([result[name] if result is not None else 0 for result in self.results])


def mapping_stats(problem: MappingProblem, written: tuple[Directive, ...]) -> LayerStats:
    """analyze_layer's statistics of one dataflow of the problem's layer (InputError as it raises)."""
    space = problem.space
    return analyze_layer(
        MappedLayer(space.layer, written),
        problem.accelerator,
        network_name="",
        compat=space.compat,
        energy_table=problem.energy_table,
        previous_l1_accesses=0,
    ).stats


class SearchLog:
    """Scores batches for one problem and remembers the incumbent (mutable; one per search run)."""

    def __init__(self, problem: MappingProblem) -> None:
        self.problem = problem
        self.started = time.perf_counter()
        self.evaluated = 0
        self.best_value = float("inf")
        self.best_dataflow: tuple[Directive, ...] | None = None
        self.best_choice: MappingChoice | None = None
        self.invalid = 0
        self.violations: dict[str, int] = {}
        #: Whether a search skipped members unevaluated because their tiles cannot fit the buffers.
        self.skipped_unfit = False
        self.best_template: str | None = None
        self.best_template_value: float | None = None
        self._front_points = np.zeros((0, 2))
        self._front_dataflows: list[tuple[Directive, ...]] = []

    def evaluate(self, stats: MappingStats | ScalarStats) -> np.ndarray:
        """Record one evaluated batch; each mapping's objective value (+inf where infeasible)."""
        problem = self.problem
        metrics = {metric: metric_column(stats, metric) for metric in problem.objective.metrics}
        values = problem.objective.values(metrics) if stats.size else np.zeros(0)
        feasible = stats.valid.copy()
        for label, broken in problem.constraints.violations(stats, problem.accelerator).items():
            self.violations[label] = self.violations.get(label, 0) + int(broken.sum())
            feasible &= ~broken
        feasible &= np.isfinite(values)
        self.invalid += int((~stats.valid).sum())
        self.evaluated += stats.size
        values = np.where(feasible, values, np.inf)
        if stats.size and feasible.any():
            row = int(np.argmin(values))
            if values[row] < self.best_value:
                self.best_value = float(values[row])
                self.best_dataflow = stats.batch.dataflow_at(row)
                self.best_choice = None
            if problem.pareto:
                self._merge_front(stats, np.flatnonzero(feasible))
        return values

    def evaluate_batch(self, batch: MappingBatch) -> np.ndarray:
        """Record mappings sharing a skeleton: at least SCALAR_BELOW of them as one batch (evaluate_mappings),
        fewer mapping by mapping (analyze_layer, faster there; the two agree field for field). Their values."""
        problem = self.problem
        if batch.size < SCALAR_BELOW:
            return self.evaluate(ScalarStats.of(problem, [batch.dataflow_at(row) for row in range(batch.size)]))
        return self.evaluate(evaluate_mappings(batch, problem.accelerator, compat=problem.space.compat, energy_table=problem.energy_table))

    def evaluate_choices(self, choices: Sequence[MappingChoice]) -> np.ndarray:
        """Evaluate members of the space, grouped by skeleton (`evaluate_batch`); their values in the given order."""
        values = np.full(len(choices), np.inf)
        if not choices:
            return values
        space = self.problem.space
        before = self.best_value
        for batch, positions in mapping_batches(space.layer, [dataflow(space, choice) for choice in choices]):
            values[positions] = self.evaluate_batch(batch)
        if self.best_value < before:  # the incumbent came from these members: keep the member itself
            self.best_choice = choices[int(np.argmin(values))]
        return values

    def evaluate_starts(self, starts: Sequence[NamedStart]) -> np.ndarray:
        """Evaluate the warm starts, remember the best one as the best template; their values in order."""
        values = self.evaluate_choices([choice for _, choice in starts])
        if len(values) and np.isfinite(values).any():
            best = int(np.argmin(values))
            self.best_template, self.best_template_value = starts[best][0], float(values[best])
        return values

    def _merge_front(self, stats: MappingStats | ScalarStats, rows: np.ndarray) -> None:
        points = np.stack([metric_column(stats, "runtime_cycles")[rows], metric_column(stats, "energy_nj")[rows]], axis=1)
        merged = np.concatenate([self._front_points, points])
        keep = pareto_mask(merged)
        old = len(self._front_points)
        self._front_dataflows = [self._front_dataflows[i] for i in np.flatnonzero(keep[:old])] + [
            stats.batch.dataflow_at(int(rows[i - old])) for i in np.flatnonzero(keep[old:]) + old
        ]
        self._front_points = merged[keep]

    def no_feasible_mapping(self) -> InputError:
        """The error when no evaluated mapping is feasible: the constraint(s) that removed every mapping."""
        space = self.problem.space
        place = space.where if space.layer.name in space.where else f"{space.where}, layer {space.layer.name}"
        valid = self.evaluated - self.invalid
        skipped = "; the others were skipped: their tiles need more than the L1 or L2 capacity" if self.skipped_unfit else ""
        if not self.evaluated:
            if self.skipped_unfit:
                accelerator = self.problem.accelerator
                capacities = f"the L1 capacity ({accelerator.l1_size_elems} elements) or the L2 capacity ({accelerator.l2_size_elems} elements)"
                return InputError(f"no mapping fits: the tiles of every member need more than {capacities}", place)
            return InputError("the mapping space has no member to evaluate", place)
        every = [label for label, count in self.violations.items() if count == valid and valid]
        if every:
            return InputError(f"no mapping fits: every one of the {self.evaluated} mappings evaluated breaks {' and '.join(every)}{skipped}", place)
        broken = [label for label, count in self.violations.items() if count]
        reason = f"the constraints together ({', '.join(broken)})" if broken else "the engine rejected them"
        return InputError(f"no feasible mapping among the {self.evaluated} evaluated: {reason}{skipped}", place)

    def result(self, strategy: str, certified_optimal: bool, lower_bound: float | None) -> SearchResult:
        """The search's answer: the incumbent's member, directives and exact statistics (analyze_layer)."""
        problem = self.problem
        space = problem.space
        if self.best_dataflow is None:
            raise self.no_feasible_mapping()
        best = self.best_choice if self.best_choice is not None else choice_of(space, self.best_dataflow)
        written = dataflow(space, best)
        stats = mapping_stats(problem, written)
        value = float(problem.objective.values({m: np.array([stats_metric(stats, m)]) for m in problem.objective.metrics})[0])
        if lower_bound is not None and lower_bound >= value:  # the bound is reached: nothing can do better
            certified_optimal = True
        if certified_optimal:
            lower_bound = value
        front = None
        if problem.pareto:
            order = np.lexsort((self._front_points[:, 1], self._front_points[:, 0]))
            front = tuple(
                ParetoPoint(int(self._front_points[i, 0]), float(self._front_points[i, 1]), self._front_dataflows[i]) for i in order
            )
        return SearchResult(
            layer=space.layer.name,
            strategy=strategy,
            objective=problem.objective.name,
            best=best,
            dataflow=written,
            stats=stats,
            value=value,
            certified_optimal=certified_optimal,
            lower_bound=lower_bound,
            mappings_evaluated=self.evaluated,
            seconds=time.perf_counter() - self.started,
            best_template=self.best_template,
            best_template_value=self.best_template_value,
            pareto_front=front,
        )


def layer_objective_bound(problem: MappingProblem) -> float | None:
    """The objective's lower bound over every mapping of the layer (None when the bounds do not cover it)."""
    space = problem.space
    bound = layer_lower_bound(
        space.layer, problem.accelerator, compat=space.compat, energy_table=problem.energy_table, divisor_tiles=not space.imperfect, spill=problem.may_spill
    )
    return objective_bound(problem.objective, bound)
