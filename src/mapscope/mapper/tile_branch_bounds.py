"""The tile-prefix branches of a spatial subspace and their objective bounds, for the exhaustive search.

A subspace (`SubspaceEntry`) is branched on its top-level tile tuples, then refined level by level; each
prefix's bound combines `tile_bounds.TileBounds`' runtime bound with, when the objective reads energy,
`tile_energy_bounds.TileEnergyBounds`' energy bound, and is infinite where no member fits the buffers
(docs/mapper-bounds.md, Top-level tiles; Energy and EDP; Buffer requirements).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from math import prod

import numpy as np

from mapscope.mapper.mapping_objectives import bounds_energy, objective_bounds
from mapscope.mapper.search_log import SearchLog
from mapscope.mapper.search_result import MappingProblem
from mapscope.mapper.space import LevelRestriction, MappingSpace
from mapscope.mapper.tile_bounds import TileBounds
from mapscope.mapper.tile_energy_bounds import TileEnergyBounds


@dataclass(frozen=True)
class SubspaceEntry:
    """One spatial subspace of the space: its objective bound (None: unbounded), level count, cluster sizes
    and spatial loop per level; and its runtime bound, to combine with finer energy bounds (not compared)."""

    bound: float | None
    levels: int
    cluster_sizes: tuple[int, ...]
    spatial_dimensions: tuple[str, ...]
    runtime_cycles: int | None = field(default=None, compare=False)

    def space_within(self, space: MappingSpace) -> MappingSpace:
        """`space` narrowed to this subspace's level count and spatial loops (cluster sizes are filtered
        when enumerating); each level keeps its allowed orders."""
        levels = tuple(LevelRestriction((spatial,), space.restriction(level).loop_orders) for level, spatial in enumerate(self.spatial_dimensions))
        return replace(space, min_levels=self.levels, max_levels=self.levels, levels=levels)


#: Tile prefixes a subspace is refined to at most before its members are enumerated at the current depth.
MAX_BRANCH_ROWS = 200_000
#: Tile prefixes a subspace is refined to at most when it is opened (`tile_branches`); its chunks are refined
#: further, to whole chains, only as they are enumerated (`full_depth_prefixes`). Refining every opened
#: subspace to 200,000 prefixes took ResNet-50's conv1 (runtime) 21 of its 24 s at a budget of 1,000,
#: 286 subspaces opened; at 16,384 it takes 1.2 s, and 56 of 68 sampled layer searches certify against 57.
OPEN_BRANCH_ROWS = 16_384
#: Whole tile chains in the first piece `full_depth_prefixes` yields after a refinement; later ones double.
FIRST_PIECE_ROWS = 16


def tile_branches(
    problem: MappingProblem,
    bounds: TileBounds,
    entry: SubspaceEntry,
    energy_nj: float,
    incumbent: float,
    top_values: np.ndarray | None = None,
    log: SearchLog | None = None,
    tile_energy: TileEnergyBounds | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The tile prefixes of the subspace `entry` whose objective bound (the tile bound, never below the
    subspace's) is below `incumbent`, with those bounds, in ascending bound order. Top-level tile tuples are
    bounded first (or given: `top_values`, from `top_tile_bounds`); those below the incumbent are refined
    level by level (each prefix extended by every tile tuple of the next level) while at most
    MAX_BRANCH_ROWS prefixes would be, so that a branch is, at best, every loop order of one tile chain.
    `tile_energy`: the energy bound of each prefix's top-level tiles in place of the layer's `energy_nj`."""
    assert entry.bound is not None  # callers branch only bounded subspaces
    rows = bounds.top_tiles
    while True:
        if top_values is None:
            values = prefix_bounds(problem, bounds, entry, rows, energy_nj, tile_energy, incumbent, log)
        else:
            values, top_values = top_values, None
        below = values < incumbent
        rows, values = rows[below], values[below]
        if rows.shape[1] // len(bounds.names) >= entry.levels or not len(rows) or bounds.refined_count(rows) > OPEN_BRANCH_ROWS:
            break
        rows = bounds.refined(rows)
    order = np.argsort(values, kind="stable")
    return rows[order], values[order]


def prefix_bounds(
    problem: MappingProblem,
    bounds: TileBounds,
    entry: SubspaceEntry,
    rows: np.ndarray,
    energy_nj: float,
    tile_energy: TileEnergyBounds | None,
    incumbent: float,
    log: SearchLog | None,
) -> np.ndarray:
    """The objective bound of each tile prefix of `rows` (one depth) in the subspace `entry`: its runtime bound
    with, where the objective reads energy and the bound is below `incumbent`, its top-level tiles' energy
    bound; never below the subspace's bound; +inf where no member starting so fits the enforced buffers."""
    assert entry.bound is not None
    spatial = tuple(bounds.names.index(name) for name in entry.spatial_dimensions)
    sub_clusters = (problem.accelerator.num_pes // prod(entry.cluster_sizes), *entry.cluster_sizes)
    runtime = bounds.runtime_bounds_cycles(problem.accelerator, spatial, sub_clusters, rows)
    values = _prefix_bounds(problem, runtime, tile_energy, energy_nj, spatial, sub_clusters, rows, incumbent)
    return without_overflowing(problem, bounds, spatial, sub_clusters, rows, np.maximum(values, entry.bound), log)


def full_depth_prefixes(
    problem: MappingProblem,
    bounds: TileBounds,
    entry: SubspaceEntry,
    prefixes: np.ndarray,
    energy_nj: float,
    tile_energy: TileEnergyBounds | None,
    log: SearchLog,
) -> Iterator[np.ndarray]:
    """The whole tile chains (every level's tiles) that extend `prefixes` and whose bound is below the
    incumbent (`log.best_value`, read again before each piece): a depth-first refinement, one level at a
    time, each level's rows bounded and pruned and the lowest-bound ones refined first (at most
    MAX_BRANCH_ROWS rows refined at once), the chains yielded in pieces that double from FIRST_PIECE_ROWS.
    Prefixes already whole are yielded as given. A branch left at the top level (its subspace has too many
    chains to refine whole) is so enumerated only where a whole chain can still beat the incumbent:
    MobileNet-V2's features.3.conv.0.0 (runtime) found its optimum after 1,569 evaluations and then
    evaluated 4,431 members, every one of whose whole-chain bound was at least that optimum; it now
    certifies after 1,952 evaluations."""
    loops = len(bounds.names)
    pending: list[tuple[np.ndarray, np.ndarray | None]] = [(prefixes, None)]
    while pending:
        rows, values = pending.pop()
        if not len(rows):
            continue
        if rows.shape[1] // loops >= entry.levels:
            if values is None:
                yield rows
                continue
            start, size = 0, FIRST_PIECE_ROWS
            while start < len(rows):  # doubling pieces, each cut where the bounds reach the incumbent
                end = min(start + size, int(np.searchsorted(values, log.best_value, side="left")))
                if end <= start:
                    break
                yield rows[start:end]
                start, size = end, 2 * size
            continue
        if len(rows) > 1 and bounds.refined_count(rows) > MAX_BRANCH_ROWS:
            half = len(rows) // 2
            pending += [(rows[half:], None), (rows[:half], None)]  # the first half (lower bounds) is refined first
            continue
        rows = bounds.refined(rows)
        values = prefix_bounds(problem, bounds, entry, rows, energy_nj, tile_energy, log.best_value, log)
        below = values < log.best_value
        if below.any():
            order = np.argsort(values[below], kind="stable")
            pending.append((rows[below][order], values[below][order]))


def top_tile_bounds(
    problem: MappingProblem,
    bounds: TileBounds,
    entries: Sequence[SubspaceEntry],
    energy_nj: float,
    log: SearchLog | None = None,
    tile_energy: TileEnergyBounds | None = None,
    incumbent: float = float("inf"),
    known: Sequence[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Per bounded subspace of `entries`, the objective bound of each of its top-level tile tuples (never
    below the subspace's own), as `tile_branches` computes them: the subspaces with the same level count are
    bounded together, one row per (subspace, tuple) with its own spatial loops and sub-cluster counts, in
    one numpy pass instead of one call each (`tile_energy` as in `tile_branches`, computed only for the tuples
    whose bound with the layer's energy floor is below `incumbent`: the others are pruned either way).
    `known`: per entry, a bound per tuple already known (its group's relaxed one); only the tuples below
    `incumbent` there are bounded, the others keep it (they are pruned either way)."""
    top = bounds.top_tiles
    found: list[np.ndarray] = [np.zeros(0)] * len(entries)
    pes = problem.accelerator.num_pes
    groups: dict[int, list[int]] = {}
    for index, entry in enumerate(entries):
        groups.setdefault(entry.levels, []).append(index)
    every = np.arange(len(top))
    for group in groups.values():
        picks = [every if known is None else np.flatnonzero(known[i] < incumbent) for i in group]
        counts = np.array([len(pick) for pick in picks], dtype=np.int64)
        floors = np.array([entries[i].bound for i in group], dtype=np.float64)
        values = np.zeros(0)
        if counts.sum():
            spatial_rows = np.array([[bounds.names.index(name) for name in entries[i].spatial_dimensions] for i in group], dtype=np.int64)
            sub_clusters = np.array([(pes // prod(entries[i].cluster_sizes), *entries[i].cluster_sizes) for i in group], dtype=np.int64)
            if len(group) == 1:  # one subspace: one tuple of spatial loops and sub-clusters for every row, the cheaper path
                spatial: tuple[int, ...] | np.ndarray = tuple(spatial_rows[0].tolist())
                clusters: tuple[int, ...] | np.ndarray = tuple(sub_clusters[0].tolist())
            else:
                spatial, clusters = np.repeat(spatial_rows, counts, axis=0), np.repeat(sub_clusters, counts, axis=0)
            rows = top if known is None and len(group) == 1 else top[np.concatenate(picks)]
            runtime = bounds.runtime_bounds_cycles(problem.accelerator, spatial, clusters, rows)
            values = _prefix_bounds(problem, runtime, tile_energy, energy_nj, spatial, clusters, rows, incumbent)
            values = np.maximum(without_overflowing(problem, bounds, spatial, clusters, rows, values, log), np.repeat(floors, counts))
        for index, floor, pick, part in zip(group, floors.tolist(), picks, np.split(values, np.cumsum(counts)[:-1])):
            if known is None:
                found[index] = part
            else:  # the tuples not bounded keep the known bound; both are bounds, so the larger is one
                whole = np.maximum(np.asarray(known[index], dtype=np.float64), floor)
                whole[pick] = np.maximum(whole[pick], part)
                found[index] = whole
    return found


def _prefix_bounds(
    problem: MappingProblem,
    runtime: np.ndarray,
    tile_energy: TileEnergyBounds | None,
    energy_nj: float,
    spatial: tuple[int, ...] | np.ndarray,
    sub_clusters: tuple[int, ...] | np.ndarray,
    rows: np.ndarray,
    incumbent: float,
) -> np.ndarray:
    """The objective bound of each tile prefix from its runtime bound and, when the objective reads energy, its
    top-level tiles' energy bound (`TileEnergyBounds`, never below the layer's `energy_nj`). The finer energy
    is computed only where the bound with `energy_nj` is below `incumbent`: elsewhere that bound already
    prunes, and stays a valid (lower) bound."""
    values = objective_bounds(problem.objective, runtime, energy_nj)
    assert values is not None  # callers bound only objectives the bounds cover
    if tile_energy is None or not bounds_energy(problem.objective):
        return values
    wanted = np.flatnonzero(values < incumbent)
    if not len(wanted):
        return values
    spatial_array, clusters_array = np.asarray(spatial, dtype=np.int64), np.asarray(sub_clusters, dtype=np.int64)
    if spatial_array.ndim > 1:
        spatial_array, clusters_array = spatial_array[wanted], clusters_array[wanted]
    energy = np.maximum(tile_energy.energy_bounds_nj(problem.energy_table, problem.may_spill, spatial_array, clusters_array, rows[wanted]), energy_nj)
    finer = objective_bounds(problem.objective, runtime[wanted], energy)
    assert finer is not None
    values[wanted] = finer
    return values


def without_overflowing(
    problem: MappingProblem,
    bounds: TileBounds,
    spatial: tuple[int, ...] | np.ndarray,
    sub_clusters: tuple[int, ...] | np.ndarray,
    rows: np.ndarray,
    values: np.ndarray,
    log: SearchLog | None,
) -> np.ndarray:
    """`values` (the bounds of tile prefixes `rows`) with +inf where no member starting so fits the L1 or
    L2 capacity (`TileBounds.buffer_bounds_elems`), when the problem enforces them: such a prefix holds no
    feasible member, so it is pruned like any other whose bound reaches the incumbent (`log` notes it,
    for the message when nothing fits)."""
    if not problem.constraints.buffers_fit:
        return values
    l2, l1 = bounds.buffer_bounds_elems(spatial, sub_clusters, rows)
    fits = l2 <= problem.accelerator.l2_size_elems
    if l1 is not None:
        fits &= l1 <= problem.accelerator.l1_size_elems
    if log is not None and not bool(fits.all()):
        log.skipped_unfit = True
    return np.where(fits, values, np.inf)
