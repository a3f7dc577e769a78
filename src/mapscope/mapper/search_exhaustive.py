"""Exhaustive search with sound pruning over spatial subspaces, returning a certificate.

The space is split into spatial subspaces: a level count, the cluster sizes and each level's spatial
loop. Each gets a lower bound on the objective (`mapper.bounds.subspace_lower_bound`, combined by
`objective_bound`); subspaces are visited in ascending bound order after the warm starts, and the first
whose bound is at least the incumbent's value ends the search: it and every later one are pruned, as
none of their members can do better. The rest are enumerated (`enumerate_batches` of the subspace) and
evaluated in batches. With every subspace enumerated or pruned the result is certified optimal over the
space; a budget that stops the search first leaves the smallest bound of the unvisited subspaces as the
lower bound. An objective the bounds do not cover prunes nothing (bound None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product
from math import prod

from mapscope.analysis.batch import evaluate_mappings
from mapscope.mapper.bounds import LowerBound, SpatialSubspace, energy_lower_bound_nj, layer_work, runtime_lower_bound_cycles
from mapscope.mapper.counting import cluster_tuples
from mapscope.mapper.enumeration import DEFAULT_BATCH_ROWS, enumerate_batches
from mapscope.mapper.mapping_objectives import objective_bound
from mapscope.mapper.search_log import SearchLog
from mapscope.mapper.search_result import MappingProblem, SearchResult
from mapscope.mapper.space import LevelRestriction, MappingChoice, MappingSpace


@dataclass(frozen=True)
class SubspaceEntry:
    """One spatial subspace of the space: its objective bound (None: unbounded), level count, cluster sizes
    and spatial loop per level."""

    bound: float | None
    levels: int
    cluster_sizes: tuple[int, ...]
    spatial_dimensions: tuple[str, ...]

    def space_within(self, space: MappingSpace) -> MappingSpace:
        """`space` narrowed to this subspace's level count and spatial loops (cluster sizes are filtered
        when enumerating); each level keeps its allowed orders."""
        levels = tuple(LevelRestriction((spatial,), space.restriction(level).loop_orders) for level, spatial in enumerate(self.spatial_dimensions))
        return replace(space, min_levels=self.levels, max_levels=self.levels, levels=levels)


def spatial_subspaces(problem: MappingProblem) -> list[SubspaceEntry]:
    """Every spatial subspace of the problem's space with its bound, in ascending bound order (unbounded
    ones first, then by level count, cluster sizes and spatial loops, as the space lists them)."""
    space, accelerator = problem.space, problem.accelerator
    work = layer_work(space.layer, space.compat)
    energy_nj = energy_lower_bound_nj(work, space.compat, problem.energy_table)
    bounds: dict[tuple[tuple[str, int], ...], float | None] = {}
    entries = []
    for levels in space.level_counts:
        spatial_choices = [space.spatial_choices(level) for level in range(levels)]
        for clusters in cluster_tuples(space, levels):
            for spatial in product(*spatial_choices):
                # the bound depends on which loop each level spreads over how many sub-clusters, not on the
                # levels' order (usable PEs multiply per loop), so subspaces that agree share it
                key = tuple(sorted(zip(spatial, (accelerator.num_pes // prod(clusters), *clusters))))
                if key not in bounds:
                    subspace = SpatialSubspace(tuple((name,) for name in spatial), clusters, divisor_tiles=not space.imperfect)
                    runtime_cycles = runtime_lower_bound_cycles(work, accelerator, space.compat, subspace)
                    bounds[key] = objective_bound(problem.objective, LowerBound(runtime_cycles, energy_nj))
                entries.append(SubspaceEntry(bounds[key], levels, clusters, spatial))
    return sorted(entries, key=lambda entry: float("-inf") if entry.bound is None else entry.bound)


def exhaustive_search(
    problem: MappingProblem,
    *,
    max_mappings: int | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    incumbents: Sequence[MappingChoice] = (),
) -> SearchResult:
    """The best feasible member of the space, certified optimal unless `max_mappings` (evaluations,
    warm starts included) stopped the search first; then `lower_bound` bounds the optimum from below.
    `incumbents` (members of the space, e.g. a genetic search's best) are evaluated after the warm starts
    so that pruning bites early; they are not templates."""
    log = SearchLog(problem)
    log.evaluate_starts(problem.warm_starts())
    log.evaluate_choices(list(incumbents))
    space = problem.space
    entries = spatial_subspaces(problem)
    stopped_at: int | None = None
    for index, entry in enumerate(entries):
        if entry.bound is not None and entry.bound >= log.best_value:
            break  # this and every later subspace are pruned (bounds ascend)
        if max_mappings is not None and log.evaluated >= max_mappings:
            stopped_at = index
            break
        within = entry.space_within(space)
        for batch in enumerate_batches(within, batch_rows, entry.cluster_sizes):
            if max_mappings is not None:
                remaining = max_mappings - log.evaluated
                if remaining <= 0:
                    stopped_at = index
                    break
                if batch.size > remaining:  # the budget ends inside this subspace
                    batch = batch.rows_at(slice(0, remaining))
                    stopped_at = index
            log.evaluate(evaluate_mappings(batch, problem.accelerator, compat=space.compat, energy_table=problem.energy_table))
            if stopped_at is not None:
                break
        if stopped_at is not None:
            break
    if stopped_at is None:
        return log.result("exhaustive", True, None)
    return log.result("exhaustive", False, entries[stopped_at].bound)
