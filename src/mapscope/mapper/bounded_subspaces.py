"""The exhaustive search's spatial subspaces with their top-level tile bounds, bounded ahead in windows and
screened by group floors (docs/mapper-search.md, Exhaustive search and its certificate)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from functools import cached_property
from math import prod

import numpy as np

from mapscope.mapper.bounds import LowerBound
from mapscope.mapper.counting import cluster_tuples
from mapscope.mapper.mapping_objectives import bounds_energy, objective_bound, objective_bounds
from mapscope.mapper.search_log import SearchLog
from mapscope.mapper.search_result import MappingProblem
from mapscope.mapper.tile_bounds import TileBounds
from mapscope.mapper.tile_branch_bounds import SubspaceEntry, top_tile_bounds, without_overflowing
from mapscope.mapper.tile_energy_bounds import TileEnergyBounds


#: Rows (subspaces × top-level tile tuples) `BoundedSubspaces` bounds in one numpy pass at most.
WINDOW_ROWS = 1 << 16
#: Subspaces with more top-level tile tuples are bounded one at a time: per-row sub-cluster columns cost
#: more than a call then (measured on ResNet-50: 192 tuples, 0.17x the time in windows; 1,400, 1.4x).
MAX_WINDOW_TUPLES = 1024


#: What `BoundedSubspaces` gives per subspace: its top-level tile bounds; a float, one bound on all its
#: members when bounding its tuples was deferred (it reaches the ceiling or the incumbent); or None, where
#: tile bounds do not apply.
Bounded = tuple[SubspaceEntry, "np.ndarray | float | None"]


class BoundedSubspaces:
    """The spatial subspaces in order, each with its top-level tile bounds (`top_tile_bounds`; None where
    tile bounds do not apply), bounded in windows of subspaces that double up to WINDOW_ROWS rows (one at a
    time above MAX_WINDOW_TUPLES top-level tuples). A window closes at the first subspace whose own bound
    reaches `ceiling` or the incumbent (nothing from there on is wanted now), so at most one subspace is
    bounded in vain. A subspace whose group floor or least tile energy bound reaches them is not bounded
    tuple by tuple: it comes with that one bound (a float), and `bound_deferred` bounds it if it is wanted later.
    Tile energy is computed for the tuples below the incumbent."""

    def __init__(
        self,
        problem: MappingProblem,
        bounds: TileBounds | None,
        entries: Iterator[SubspaceEntry],
        energy_nj: float,
        log: SearchLog,
        tile_energy: TileEnergyBounds | None = None,
    ) -> None:
        self.problem, self.bounds, self.entries, self.energy_nj, self.log = problem, bounds, entries, energy_nj, log
        self.tile_energy = tile_energy if bounds_energy(problem.objective) else None
        self.least_energy_nj: dict[tuple[int, int], float] = {}  # per (level-0 spatial loop, sub-clusters)
        self.energy_floors: dict[tuple[int, str, int], float] = {}  # group floors with the tiles' energy (`group_floor`)
        self.tiled = bounds is not None and objective_bounds(problem.objective, np.zeros(1), energy_nj) is not None
        tuples = 0 if bounds is None else len(bounds.top_tiles)
        self.most = max(1, WINDOW_ROWS // tuples) if 0 < tuples <= MAX_WINDOW_TUPLES else 1
        self.size = 1
        self.ready: deque[Bounded] = deque()
        #: Subspaces whose own bound reaches this are not wanted bounded now (lowered by the caller).
        self.ceiling = float("inf")
        #: Screening: a subspace whose group floor reaches the ceiling or the incumbent is passed on with the
        #: larger of that floor and its own bound instead of its tile bounds, which do not matter now
        #: (MobileNet-V2's classifier.1, for runtime, bounded 29,000 subspaces' tuples one by one without
        #: it: 8.9 s to certify, 2.3 s with).
        self.screening = self.tiled

    @property
    def group_floors(self) -> dict[tuple[int, str, int], float]:
        """Per (level count, top-level spatial loop, top-level sub-cluster count N_0), a lower bound on the
        objective of every member of the subspaces sharing them: the least over the top-level tile tuples of
        `TileBounds.top_bounds_over_lower_levels`, with the layer's energy floor (a few hundred rows per level
        count, not one per subspace); `group_floor` adds the tiles' energy where it is wanted, from the
        per-tuple runtime bounds kept in `group_runtimes`."""
        return self._groups[0]

    @property
    def group_runtimes(self) -> dict[tuple[int, str, int], np.ndarray]:
        """Per group (as `group_floors`), each top-level tuple's runtime bound."""
        return self._groups[1]

    def relaxed(self, entry: SubspaceEntry) -> np.ndarray:
        """The objective bound of each top-level tuple of `entry`'s group (`group_floors`, before the tiles'
        energy), which bounds the tuple in every subspace of the group: a subspace's tuples at or above the
        incumbent there need no bounding of their own (on MobileNet-V2's features.5.conv.1.0, at its optimum,
        one tuple in 504 of each subspace of the six groups below it is below)."""
        return self._groups[2][self._group_key(entry)]

    @cached_property
    def _groups(self) -> tuple[dict[tuple[int, str, int], float], dict[tuple[int, str, int], np.ndarray], dict[tuple[int, str, int], np.ndarray]]:
        """Per group, its floor, each top-level tuple's runtime bound and its objective bound."""
        assert self.bounds is not None
        space, pes, top = self.problem.space, self.problem.accelerator.num_pes, self.bounds.top_tiles
        floors: dict[tuple[int, str, int], float] = {}
        runtimes: dict[tuple[int, str, int], np.ndarray] = {}
        objective_values: dict[tuple[int, str, int], np.ndarray] = {}
        for levels in space.level_counts:
            groups = sorted({(name, pes // prod(t)) for name in space.spatial_choices(0) for t in cluster_tuples(space, levels)})
            spatial = np.repeat(np.array([self.bounds.names.index(name) for name, _ in groups], dtype=np.int64), len(top))
            sub_clusters = np.repeat(np.array([count for _, count in groups], dtype=np.int64), len(top))
            runtime = self.bounds.top_bounds_over_lower_levels(self.problem.accelerator, levels, spatial, sub_clusters, np.tile(top, (len(groups), 1)))
            values = objective_bounds(self.problem.objective, runtime, self.energy_nj)
            assert values is not None  # only tiled objectives reach here
            for index, ((name, count), least) in enumerate(zip(groups, values.reshape(len(groups), len(top)).min(axis=1).tolist())):
                part = slice(index * len(top), (index + 1) * len(top))
                floors[(levels, name, count)], runtimes[(levels, name, count)], objective_values[(levels, name, count)] = least, runtime[part], values[part]
        return floors, runtimes, objective_values

    def _group_key(self, entry: SubspaceEntry) -> tuple[int, str, int]:
        """The group of `entry`: its level count, top-level spatial loop and top-level sub-cluster count."""
        return (entry.levels, entry.spatial_dimensions[0], self.problem.accelerator.num_pes // prod(entry.cluster_sizes))

    def group_floor(self, entry: SubspaceEntry, threshold: float = float("inf")) -> float:
        """The relaxed floor of `entry`'s group (`group_floors`), raised by the top-level tiles' energy bound
        when the objective reads energy and the plain floor is below `threshold`. That bound costs every
        loop order of every top-level tuple of the group's (spatial loop, N_0), so it is computed only for
        the groups screening asks about (VGG-16's features.5, EDP: 7.1 s for every group's up front, of an
        8.5 s search that refined one subspace)."""
        key = self._group_key(entry)
        floor = self.group_floors[key]
        if self.tile_energy is None or floor >= threshold:
            return floor
        if key not in self.energy_floors:
            assert self.bounds is not None
            runtime, plain = self.group_runtimes[key], self._groups[2][key]
            below = plain < threshold  # a tuple at or above it stays at its plain bound: its energy cannot matter
            spatial = self.bounds.names.index(key[1])
            top = self.bounds.top_tiles[below]
            energy = np.maximum(self.tile_energy.energy_bounds_nj(self.problem.energy_table, self.problem.may_spill, (spatial,), (key[2],), top), self.energy_nj)
            values = objective_bounds(self.problem.objective, runtime[below], energy)
            assert values is not None
            least = min(float(values.min()), float(plain[~below].min(initial=np.inf)))
            self.energy_floors[key] = max(floor, least)
        return self.energy_floors[key]

    def __iter__(self) -> BoundedSubspaces:
        return self

    def __next__(self) -> Bounded:
        if not self.ready:
            self._fill()
        if not self.ready:
            raise StopIteration
        return self.ready.popleft()

    def _fill(self) -> None:
        window: list[SubspaceEntry] = []
        unbounded: SubspaceEntry | None = None
        for entry in self.entries:
            if not self.tiled or entry.bound is None:
                unbounded = entry
                break
            window.append(entry)
            if len(window) >= self.size or entry.bound >= min(self.ceiling, self.log.best_value):
                break
        if window:
            assert self.bounds is not None
            threshold = min(self.ceiling, self.log.best_value)
            screened = [self.screening and self.group_floor(entry, threshold) >= threshold for entry in window]
            least = [max(entry.bound, self.group_floor(entry, threshold)) if out else self._least_bound(entry) for entry, out in zip(window, screened)]
            kept = [entry for entry, out, bound in zip(window, screened, least) if not out and bound < threshold]
            found = iter(self._top_tile_bounds(kept) if kept else ())
            self.ready.extend((entry, bound if out or bound >= threshold else next(found)) for entry, out, bound in zip(window, screened, least))
            self.size = min(2 * self.size, self.most)
        if unbounded is not None:
            self.ready.append((unbounded, None))

    def bound_deferred(self, entries: list[SubspaceEntry]) -> list[np.ndarray]:
        """The top-level tile bounds of subspaces whose bounding was deferred, in one numpy pass (at most
        `most` of them; tile energy below the incumbent)."""
        assert len(entries) <= self.most
        return self._top_tile_bounds(entries)

    def _top_tile_bounds(self, entries: list[SubspaceEntry]) -> list[np.ndarray]:
        """`top_tile_bounds` of `entries` below the incumbent, each tuple's group bound (`relaxed`) known."""
        assert self.bounds is not None
        known = [self.relaxed(entry) for entry in entries] if self.screening else None
        return top_tile_bounds(self.problem, self.bounds, entries, self.energy_nj, self.log, self.tile_energy, self.log.best_value, known)

    def _least_bound(self, entry: SubspaceEntry) -> float:
        """A bound on every top-level tile tuple of `entry`: its runtime bound with the least tile energy bound of
        the tuples of its level-0 spatial loop and sub-cluster count that fit the buffers (when enforced; the L2
        requirement depends on those alone, the L1 one on a one-level subspace's tuples), or its own bound
        without tile energy. A subspace whose bound reaches the incumbent so is pruned without bounding its
        tuples one by one."""
        assert entry.bound is not None and self.bounds is not None
        if self.tile_energy is None or entry.runtime_cycles is None:
            return entry.bound
        problem, top = self.problem, self.bounds.top_tiles
        spatial = tuple(self.bounds.names.index(name) for name in entry.spatial_dimensions)
        sub_clusters = (problem.accelerator.num_pes // prod(entry.cluster_sizes), *entry.cluster_sizes)
        key = (spatial[0], sub_clusters[0], entry.levels == 1)
        if key not in self.least_energy_nj:
            energy = self.tile_energy.energy_bounds_nj(problem.energy_table, problem.may_spill, spatial, sub_clusters, top)
            energy = without_overflowing(problem, self.bounds, spatial, sub_clusters, top, energy, self.log)
            self.least_energy_nj[key] = max(float(energy.min()), self.energy_nj)
        bound = objective_bound(self.problem.objective, LowerBound(entry.runtime_cycles, self.least_energy_nj[key]))
        assert bound is not None
        return max(bound, entry.bound)
