"""Exhaustive search with sound pruning over spatial subspaces, returning a certificate.

The space is split into spatial subspaces: a level count, the cluster sizes and each level's spatial
loop. Each gets a lower bound on the objective (`mapper.bounds.subspace_lower_bound`, combined by
`objective_bound`), and they are listed in ascending bound order. Where tile bounds apply, a subspace is
branched on its tile prefixes (`tile_branch_bounds`): its top-level tile tuples are bounded, then refined
into prefixes enumerated in ascending bound order in doubling chunks. The search is best-first over all of
that work at once (`branch_queue`): the subspace to bound, the subspace to refine or the chunk to enumerate
with the least bound goes next, and the search ends, certified optimal over the space, when the least bound
left reaches the incumbent. Before that, the warm starts and incumbents are evaluated and the best one
improved by steepest descent (`incumbent_descent`), so that pruning bites early. A budget that stops the
search first leaves the least bound of what is unexplored as the lower bound. An objective the bounds do
not cover prunes nothing (bound None): its subspaces are enumerated whole in listing order.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from math import prod

import numpy as np

from mapscope.mapper.bounded_subspaces import Bounded, BoundedSubspaces
from mapscope.mapper.branch_queue import FIRST_CHUNK_ROWS, BranchQueue, OpenSubspace, Stage
from mapscope.mapper.bounds import LowerBound, axis_parallelism, energy_lower_bound_nj, runtime_bound_at_parallelism
from mapscope.mapper.layer_work import axis_of, layer_work
from mapscope.mapper.counting import cluster_tuples
from mapscope.mapper.incumbent_descent import descend
from mapscope.mapper.enumeration import DEFAULT_BATCH_ROWS, enumerate_batches
from mapscope.mapper.mapping_objectives import objective_bound
from mapscope.mapper.search_log import SearchLog
from mapscope.mapper.search_result import MappingProblem, SearchResult
from mapscope.mapper.space import MappingChoice, MappingSpace
from mapscope.mapper.tile_bounds import TileBounds
from mapscope.mapper.tile_branch_bounds import SubspaceEntry, full_depth_prefixes, tile_branches
from mapscope.mapper.tile_energy_bounds import TileEnergyBounds


def _axis_sub_clusters(space: MappingSpace, num_pes: int, levels: int, axes: list[str]) -> tuple[np.ndarray, list[tuple[str, ...]], tuple[tuple[int, ...], ...]]:
    """For every (cluster tuple, spatial loop per level) of `levels` levels, in listing order (cluster tuples
    slowest), the product of the sub-cluster counts of the levels spreading each of `axes`: an array of
    shape (tuples · assignments, len(axes)); with the assignments and the cluster tuples."""
    tuples = cluster_tuples(space, levels)
    assignments = list(product(*(space.spatial_choices(level) for level in range(levels))))
    sub_clusters = np.array([(num_pes // prod(t), *t) for t in tuples], dtype=np.int64).reshape(len(tuples), levels)
    spreads = np.zeros((len(assignments), levels, len(axes)), dtype=bool)
    for index, spatial in enumerate(assignments):
        for level, name in enumerate(spatial):
            spreads[index, level, axes.index(axis_of(name))] = True
    counts = np.where(spreads[None], sub_clusters[:, None, :, None], 1).prod(axis=2)
    return counts.reshape(len(tuples) * len(assignments), len(axes)), assignments, tuples


def spatial_subspaces(problem: MappingProblem) -> Iterator[SubspaceEntry]:
    """Every spatial subspace of the problem's space with its bound, in ascending bound order (ties, and all
    of them when the objective is unbounded, in the order the space lists them: level count, cluster
    sizes, spatial loops). Entries are built only as they are consumed.

    With one spatial loop per level, a subspace's runtime bound depends only on its effective parallelism
    (`bounds.effective_parallelism`), a function of how many sub-clusters spread each dimension (the
    product over the levels spreading it): those counts and parallelisms are computed for every subspace
    at once (`bounds.axis_parallelism`), and each distinct parallelism is bounded once."""
    space, accelerator = problem.space, problem.accelerator
    work = layer_work(space.layer, space.compat)
    energy_nj = energy_lower_bound_nj(work, space.compat, problem.energy_table, spill=problem.may_spill)
    axes = sorted({axis_of(name) for level in range(max(space.level_counts)) for name in space.spatial_choices(level)})
    blocks = [(levels, *_axis_sub_clusters(space, accelerator.num_pes, levels, axes)) for levels in space.level_counts]
    counts = np.concatenate([block[1] for block in blocks])
    if prod(work.spatial_extent(axis) for axis in axes) * accelerator.num_pes >= 2**62:  # Python integers: no overflow
        counts = counts.astype(object)
    busy, held = axis_parallelism(work, axes, counts)
    pes = accelerator.num_pes  # parallelism clamped to [1, P] as effective_parallelism does
    low, high = busy < held, busy > pes * held
    busy, held = np.where(low, 1, np.where(high, pes, busy)), np.where(low | high, 1, held)
    pairs, inverse = _distinct_pairs(busy, held)
    equal_tiles = not space.imperfect
    runtimes = [runtime_bound_at_parallelism(work, accelerator, space.compat, Fraction(int(b), int(h)), equal_tiles) for b, h in pairs]
    bounds = [objective_bound(problem.objective, LowerBound(runtime, energy_nj)) for runtime in runtimes]
    starts = np.cumsum([0] + [len(block[1]) for block in blocks])
    if any(bound is None for bound in bounds):  # the objective is not bounded: nothing is ordered or pruned
        order = np.arange(len(counts))
        bounds = [None] * len(bounds)
    else:
        order = np.argsort(np.asarray(bounds, dtype=np.float64)[inverse], kind="stable")
    for flat in order.tolist():
        block = int(np.searchsorted(starts, flat, side="right")) - 1
        levels, _, assignments, tuples = blocks[block]
        cluster_index, assignment_index = divmod(flat - int(starts[block]), len(assignments))
        pair = int(inverse[flat])
        yield SubspaceEntry(bounds[pair], levels, tuples[cluster_index], assignments[assignment_index], runtimes[pair])


def _distinct_pairs(first: np.ndarray, second: np.ndarray) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The distinct (first, second) pairs of two integer arrays and, per row, the index of its pair: each
    array is made distinct on its own (one-dimensional sorts, fast), then the pairs of their indices."""
    first_values, first_index = np.unique(first, return_inverse=True)
    second_values, second_index = np.unique(second, return_inverse=True)
    keys, inverse = np.unique(first_index.reshape(-1) * len(second_values) + second_index.reshape(-1), return_inverse=True)
    pairs = [(int(first_values[key // len(second_values)]), int(second_values[key % len(second_values)])) for key in keys.tolist()]
    return pairs, inverse.reshape(-1)


@dataclass(frozen=True)
class Branch:
    """Part of a spatial subspace to enumerate: its objective bound (None: unbounded) and the tile prefixes
    its members start with (rows of the tiles of levels 0..k-1; None: every member of the subspace)."""

    bound: float | None
    entry: SubspaceEntry
    tile_prefixes: np.ndarray | None = None


def exhaustive_search(
    problem: MappingProblem,
    *,
    max_mappings: int | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    incumbents: Sequence[MappingChoice] = (),
    descent_share: float = 0.25,
    branch_rows: int = 4096,
) -> SearchResult:
    """The best feasible member of the space, certified optimal unless `max_mappings` (evaluations,
    warm starts included) stopped the search first; then `lower_bound` bounds the optimum from below.
    `incumbents` (members of the space, e.g. a genetic search's best) are evaluated after the warm starts
    so that pruning bites early; they are not templates. The best of them is then improved by steepest
    descent over its neighbours (`incumbent_descent.descend`) within `descent_share` of the remaining
    budget (no limit without a budget; 0: no descent); the best-first search keeps the rest. Where
    `tile_bounds.TileBounds` applies, a subspace is enumerated by its tile prefixes in ascending bound
    order, in chunks of up to `branch_rows` prefixes, interleaved with the other subspaces' by their bounds
    (`branch_queue`); a chunk left above whole-chain depth is refined to whole chains below the incumbent
    as it is enumerated (`tile_branch_bounds.full_depth_prefixes`). A stopped search's lower bound is the
    least key it left (the chunk it stopped in was the least pending, and every subspace not yet queued has
    an own bound at least that), so it needs no scan."""
    log = SearchLog(problem)
    log.evaluate_starts(problem.warm_starts())
    log.evaluate_choices(list(incumbents))
    if descent_share > 0 and log.best_choice is not None:
        descend(log, log.best_choice, None if max_mappings is None else int(descent_share * (max_mappings - log.evaluated)))
    space = problem.space
    bounds = TileBounds.of(space)
    if bounds is not None and problem.constraints.buffers_fit and not _some_member_fits(problem, bounds):
        log.skipped_unfit = True
        return log.result("exhaustive", True, None)  # every member pruned; no feasible one: the error says which buffer
    work = layer_work(space.layer, space.compat)
    energy_nj = energy_lower_bound_nj(work, space.compat, problem.energy_table, spill=problem.may_spill)
    tile_energy = None if bounds is None else TileEnergyBounds(bounds, work)
    subspaces = BoundedSubspaces(problem, bounds, spatial_subspaces(problem), energy_nj, log, tile_energy)
    chains = None if bounds is None else ChainSource(bounds, energy_nj, tile_energy)
    following = next(subspaces, None)
    if following is not None and following[0].bound is None:
        return _in_listing_order(problem, log, following, subspaces, batch_rows, max_mappings)
    queue, position = BranchQueue.empty(), 0
    while True:
        while following is not None and following[0].bound is not None and following[0].bound < min(queue.least, log.best_value):
            _queue_subspace(queue, following, position, log.best_value)  # subspaces come in ascending own bound
            position += 1
            subspaces.ceiling = queue.least  # bound ahead only the subspaces wanted before what is queued
            following = next(subspaces, None)
        if queue.least >= log.best_value:
            return log.result("exhaustive", True, None)  # nothing left can beat the incumbent
        key, stage, listed, item = queue.pop()
        if stage is Stage.BOUND:  # with the deferred subspaces next in line: one numpy pass for all
            assert isinstance(item, SubspaceEntry)
            deferred = [(listed, item)] + queue.pop_run(Stage.BOUND, subspaces.most - 1)
            found = subspaces.bound_deferred([entry for _, entry in deferred])
            for (position, entry), top_values in zip(deferred, found):
                _queue_subspace(queue, (entry, top_values), position, log.best_value)
        elif stage is Stage.REFINE:
            assert isinstance(item, tuple) and bounds is not None
            entry, top_values = item
            tiles, values = tile_branches(problem, bounds, entry, energy_nj, log.best_value, top_values, log, tile_energy)
            if len(values):
                queue.push(float(values[0]), Stage.ENUMERATE, listed, OpenSubspace(entry, tiles, values, 0, min(FIRST_CHUNK_ROWS, branch_rows)))
        else:
            assert isinstance(item, OpenSubspace)
            end = min(item.start + item.size, item.cut(log.best_value))
            if end <= item.start:
                continue  # every remaining prefix's bound reaches the incumbent
            branch = Branch(key, item.entry, None if item.tiles is None else item.tiles[item.start : end])
            if _enumerate(problem, log, branch, batch_rows, max_mappings, chains):  # stopped: the least bound left unexplored
                unlisted = float("inf") if following is None or following[0].bound is None else following[0].bound
                return log.result("exhaustive", False, min(key, queue.least, unlisted))
            item.start, item.size = end, min(2 * item.size, branch_rows)
            if item.values is not None and item.start < item.cut(log.best_value):
                item.compact(log.best_value)
                queue.push(float(item.values[item.start]), Stage.ENUMERATE, listed, item)


def _some_member_fits(problem: MappingProblem, bounds: TileBounds) -> bool:
    """Whether the least L2 and L1 requirements over the space (`TileBounds.least_buffers_elems`) fit the
    accelerator's capacities."""
    l2, l1 = bounds.least_buffers_elems()
    return l2 <= problem.accelerator.l2_size_elems and l1 <= problem.accelerator.l1_size_elems


def _queue_subspace(queue: BranchQueue, bounded: Bounded, listed: int, incumbent: float) -> None:
    """Queue a subspace below `incumbent` by its least bound: to refine (its top-level tile bounds), to bound
    (deferred, with one bound for all its members) or, without tile bounds, to enumerate whole."""
    entry, top_values = bounded
    if top_values is None:
        assert entry.bound is not None
        if entry.bound < incumbent:
            queue.push(entry.bound, Stage.ENUMERATE, listed, OpenSubspace(entry, None, None, 0, 1))
    elif isinstance(top_values, np.ndarray):
        least = float(top_values.min())
        if least < incumbent:  # a subspace none of whose top-level tuples is below the incumbent costs no refining
            queue.push(least, Stage.REFINE, listed, (entry, top_values))
    elif top_values < incumbent:
        queue.push(float(top_values), Stage.BOUND, listed, entry)


def _in_listing_order(problem: MappingProblem, log: SearchLog, first: Bounded, subspaces: BoundedSubspaces, batch_rows: int, max_mappings: int | None) -> SearchResult:
    """An objective the bounds do not cover: every subspace enumerated whole in listing order, none pruned."""
    current: Bounded | None = first
    while current is not None:
        if _enumerate(problem, log, Branch(None, current[0]), batch_rows, max_mappings):
            return log.result("exhaustive", False, None)
        current = next(subspaces, None)
    return log.result("exhaustive", True, None)


def _enumerate(problem: MappingProblem, log: SearchLog, branch: Branch, batch_rows: int, max_mappings: int | None, chains: ChainSource | None = None) -> bool:
    """Evaluate every member of `branch` into `log` (with `chains`, only those of its whole tile chains still
    below the incumbent); True when the budget ran out first (members left)."""
    if max_mappings is not None and log.evaluated >= max_mappings:
        return True
    within = branch.entry.space_within(problem.space)
    if chains is None or branch.tile_prefixes is None:
        pieces: Iterator[np.ndarray | None] = iter((branch.tile_prefixes,))
    else:
        pieces = full_depth_prefixes(problem, chains.bounds, branch.entry, branch.tile_prefixes, chains.energy_nj, chains.tile_energy, log)
    for piece in pieces:
        if _enumerate_piece(problem, log, within, branch.entry.cluster_sizes, piece, batch_rows, max_mappings):
            return True
    return False


@dataclass(frozen=True)
class ChainSource:
    """What refining a branch's tile prefixes to whole chains reads (`tile_branch_bounds.full_depth_prefixes`)."""

    bounds: TileBounds
    energy_nj: float
    tile_energy: TileEnergyBounds | None


def _enumerate_piece(
    problem: MappingProblem, log: SearchLog, within: MappingSpace, cluster_sizes: tuple[int, ...], prefixes: np.ndarray | None, batch_rows: int, max_mappings: int | None
) -> bool:
    """Evaluate the members of `within` with `cluster_sizes` that start with a row of `prefixes` (all: None);
    True when the budget ran out first."""
    for batch in enumerate_batches(within, batch_rows, cluster_sizes, prefixes):
        stopped = False
        if max_mappings is not None:
            remaining = max_mappings - log.evaluated
            if remaining <= 0:
                return True
            if batch.size > remaining:  # the budget ends inside this branch
                batch = batch.rows_at(slice(0, remaining))
                stopped = True
        log.evaluate_batch(batch)
        if stopped:
            return True
    return False
