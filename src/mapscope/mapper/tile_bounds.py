"""Lower bounds on a layer's runtime over the members of one spatial subspace that share their top-level tiles.

A spatial subspace's bound (`mapper.bounds`) sees no tiles, so it misses the pipeline fill (the first
step's ingress, added to its computation) and the fill every level below the top pays once per step of
the level above. Those depend on the top-level tiles and not on the loop orders or the lower tiles'
orders, so the exhaustive search branches a subspace on its top-level tile tuples: this module bounds
every tuple of a subspace at once with numpy (docs/mapper-bounds.md, Top-level tiles, has the
derivation). It applies to the default mode with dividing tiles on layers whose every loop splits the
MACs evenly (`TileBounds.of` returns None otherwise); the property tests in
tests/mapper/test_tile_bounds.py check each bound against `analyze_layer` on random small layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import product
from math import prod

import numpy as np

from mapscope.analysis.tensors import layer_tensors
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper.layer_work import layer_work
from mapscope.mapper.space import MappingSpace


@dataclass(frozen=True)
class TileBounds:
    """What the top-level tile bounds of one space need: per loop its extent and, for window axes, the
    window and stride; the MACs per unit of every loop; which loops index the input, the filter and the
    output, and the fixed factors (R, S, declared size-1 dimensions) of those tensors."""

    names: tuple[str, ...]
    extents: tuple[int, ...]
    windows: tuple[int, ...]  # 0 for a loop that is not a window axis
    strides: tuple[int, ...]
    macs_per_unit: int  # MACs / Π extents: every loop splits the MACs evenly
    input_loops: tuple[bool, ...]
    filter_loops: tuple[bool, ...]
    input_fixed_elems: int
    filter_fixed_elems: int
    output_loops: tuple[bool, ...]
    output_fixed_elems: int

    @classmethod
    def of(cls, space: MappingSpace) -> TileBounds | None:
        """The bounds' inputs for `space`, or None when they do not apply: compatibility mode, imperfect
        tiles, or a loop that does not split the MACs evenly (a depthwise layer's channels, say)."""
        if space.compat is not None or space.imperfect:
            return None
        layer, loops = space.layer, space.loops
        work = layer_work(layer, None)
        if any(loop.name not in work.even_axes for loop in loops.loops):
            return None
        extents = tuple(loop.extent for loop in loops.loops)
        if work.macs % prod(extents):
            return None
        tensors = layer_tensors(layer, True)
        sizes = dict(layer.dimensions)

        def fixed(coupled: tuple[str, ...]) -> int:
            return prod(sizes.get(d, 1) for d in coupled if d not in loops.names)

        return cls(
            loops.names,
            extents,
            tuple(loop.window for loop in loops.loops),
            tuple(loop.stride for loop in loops.loops),
            work.macs // prod(extents),
            tuple(name in tensors.input.coupled for name in loops.names),
            tuple(name in tensors.filter.coupled for name in loops.names),
            fixed(tensors.input.coupled),
            fixed(tensors.filter.coupled),
            tuple(name in tensors.output.coupled for name in loops.names),
            fixed(tensors.output.coupled),
        )

    @cached_property
    def top_tiles(self) -> np.ndarray:
        """Every top-level tile tuple of a dividing-tile space: per loop each divisor of its extent, as an
        int64 (tuples, loops) array (columns in loop order), built once (read-only)."""
        divisors = [[d for d in range(1, extent + 1) if extent % d == 0] for extent in self.extents]
        tiles = np.array(list(product(*divisors)), dtype=np.int64).reshape(-1, len(self.extents))
        tiles.flags.writeable = False
        return tiles

    def refined_count(self, rows: np.ndarray) -> int:
        """How many rows `refined(rows)` has: the product over loops of each last-level tile's divisor count."""
        last = rows[:, -len(self.extents) :]
        values, inverse = np.unique(last, return_inverse=True)
        counts = np.array([sum(1 for d in range(1, int(v) + 1) if v % d == 0) for v in values], dtype=np.int64)
        return int(counts[inverse.reshape(last.shape)].prod(axis=1).sum())

    def refined(self, rows: np.ndarray) -> np.ndarray:
        """Every row of tile prefixes (levels 0..k-1, level-major columns) extended by each tile tuple of
        level k that divides its level k-1 tiles: (rows', (k + 1)·loops), parents' order kept."""
        loops = len(self.extents)
        for column in range(rows.shape[1] - loops, rows.shape[1]):
            values, inverse = np.unique(rows[:, column], return_inverse=True)
            divisors = [np.array([d for d in range(1, int(v) + 1) if v % d == 0], dtype=np.int64) for v in values]
            lengths = np.array([len(d) for d in divisors], dtype=np.int64)
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            flat = np.concatenate(divisors)
            repeats = lengths[inverse.reshape(-1)]
            within = np.arange(int(repeats.sum()), dtype=np.int64) - np.repeat(np.cumsum(repeats) - repeats, repeats)
            chosen = flat[np.repeat(starts[inverse.reshape(-1)], repeats) + within]
            rows = np.column_stack((np.repeat(rows, repeats, axis=0), chosen))
        return rows

    def _inputs_of(self, tiles: np.ndarray, column: int, tight: bool) -> np.ndarray:
        """Input elements along loop `column` of tiles of that many units: window axes span
        `(q - 1)·stride + window` inputs (`tight`: `(q - 1)·min(stride, window) + window`, the ones some
        window touches), other loops their tile."""
        window, stride = self.windows[column], self.strides[column]
        if not window:
            return tiles
        return (tiles - 1) * (min(stride, window) if tight else stride) + window

    def _operand_elems(self, tiles: np.ndarray, spread: np.ndarray | None, active: np.ndarray, tight: bool) -> np.ndarray:
        """Input plus filter elements of one tile per row (`tight`: inputs some window touches); with
        `spread` (one for every row, or per row) the loop a SpatialMap splits over `active` sub-clusters, each
        tensor it indexes counts `active` whole tiles: in the all-Init step every busy sub-cluster receives its
        whole mapped volume, so the halo a window axis's neighbouring tiles share is sent to each of them."""
        total = np.zeros(len(tiles), dtype=np.int64)
        for loops, fixed in ((self.input_loops, self.input_fixed_elems), (self.filter_loops, self.filter_fixed_elems)):
            volume = np.full(len(tiles), fixed, dtype=np.int64)
            for column, indexed in enumerate(loops):
                if not indexed:
                    continue
                along = self._inputs_of(tiles[:, column], column, tight) if loops is self.input_loops else tiles[:, column]
                if spread is not None and (spread.ndim or spread == column):
                    spread_along = active * along
                    along = np.where(spread == column, spread_along, along) if spread.ndim else spread_along
                volume = volume * along
            total = total + volume
        return total

    def least_buffers_elems(self) -> tuple[int, int]:
        """Lower bounds on the L2 and L1 requirements of every member: `buffer_bounds_elems` of tiles of one
        unit per loop on one busy sub-cluster, the least any prefix can have (tiles and busy sub-clusters only
        add to them). A space none of whose members can fit is so found without bounding its prefixes one
        by one (with an L1 too small, every whole tile chain would be refined and pruned before the search
        could stop: no member is evaluated, so no budget ends it)."""
        ones = np.ones((1, len(self.extents)), dtype=np.int64)
        one = np.ones(1, dtype=np.int64)
        l2 = 2 * (self._operand_elems(ones, None, one, tight=False) + self._output_elems(ones))
        l1 = 2 * (self._operand_elems(ones, None, one, tight=True) + self._output_elems(ones))
        return int(l2[0]), int(l1[0])

    def buffer_bounds_elems(
        self, spatial: tuple[int, ...] | np.ndarray, sub_clusters: tuple[int, ...] | np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Per row of tile prefixes (as `runtime_bounds_cycles` takes them), lower bounds on the L2 and L1
        requirements of every member that starts so, to prune prefixes no member of which fits the buffers
        (docs/mapper-bounds.md, Buffer requirements). L2: twice the top level's first fold of operands (its
        first case's ingress) plus twice its outputs (a tile per busy sub-cluster when the spatial loop
        indexes the output); L1 (None unless the prefix holds every level's tiles): twice one innermost
        tile of each tensor, counting only the inputs some window touches."""
        rows = np.asarray(rows, dtype=np.int64)
        loops = len(self.extents)
        spatial_loops, clusters = np.asarray(spatial, dtype=np.int64), np.asarray(sub_clusters, dtype=np.int64)
        top = rows[:, :loops]
        here = spatial_loops[..., 0]
        counts = np.asarray(self.extents, dtype=np.int64)[None, :] // top
        spread_counts = counts[:, int(here)] if here.ndim == 0 else counts[np.arange(len(rows)), here]
        active = np.minimum(spread_counts, clusters[..., 0])
        outputs = self._output_elems(top)
        spread_output = np.asarray(self.output_loops)[here]
        l2 = 2 * (self._operand_elems(top, here, active, tight=False) + np.where(spread_output, active * outputs, outputs))
        if rows.shape[1] // loops < spatial_loops.shape[-1]:
            return l2, None
        inner = rows[:, -loops:]
        l1 = 2 * (self._operand_elems(inner, None, np.ones(len(rows), dtype=np.int64), tight=True) + self._output_elems(inner))
        return l2, l1

    def _output_elems(self, tiles: np.ndarray) -> np.ndarray:
        """Output elements of one tile per row (window axes in output positions)."""
        volume = np.full(len(tiles), self.output_fixed_elems, dtype=np.int64)
        for column, indexed in enumerate(self.output_loops):
            if indexed:
                volume = volume * tiles[:, column]
        return volume

    def runtime_bounds_cycles(
        self, accelerator: Accelerator, spatial: tuple[int, ...] | np.ndarray, sub_clusters: tuple[int, ...] | np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        """Per row of tile prefixes (the tiles of levels 0..k-1, level-major, loop order within a level), a
        lower bound on the runtime of every member of the subspace with per-level spatial loops `spatial`
        (loop indices) and sub-cluster counts `sub_clusters` (level 0 first) whose tiles start so; both are
        one tuple for every row or a (rows, levels) array, one subspace per row, so that many subspaces of
        one level count are bounded in one numpy pass.

        A known level with S steps lasts at least `(S − 1)·max(c, f, eg) + max(c + in_0, f)`: every step at
        least its computation c (and, at the top, the off-chip term f), every step but the first its
        egress delay eg, the first (all directives Init) its computation plus its ingress delay
        `in_0 = L + ⌈x_0/B⌉ − 1` (docs/model.md, Runtime; NoC delay), x_0 the fold's operands; every tile is full (tiles divide). At the innermost level c is
        the tile's MACs over the SIMD lanes; above it, the same bound on the level below for the tile, or,
        where that level's tiles are not known, the MACs of the busiest PE below plus one NoC latency per
        lower level (each pays its fill at least once), or the tile's operands over B
        (docs/mapper-bounds.md, Top-level tiles).
        """
        rows = np.asarray(rows, dtype=np.int64)
        loops = len(self.extents)
        known = rows.shape[1] // loops
        above = np.broadcast_to(np.asarray(self.extents, dtype=np.int64), (len(rows), loops))
        spatial_loops, clusters = np.asarray(spatial, dtype=np.int64), np.asarray(sub_clusters, dtype=np.int64)
        return self._level_bound(accelerator, spatial_loops, clusters, rows, known, 0, above)

    def top_bounds_over_lower_levels(
        self, accelerator: Accelerator, levels: int, spatial: np.ndarray, sub_clusters: np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        """Per row of top-level tiles, with the top level's spatial loop and sub-cluster count N_0 per row
        (arrays), a lower bound on the runtime of every member of every `levels`-level subspace that shares
        them, whatever its lower levels: as `runtime_bounds_cycles` with only the top tiles known, except that
        the busiest PE below computes at least the tile's MACs over the ⌊P / N_0⌋ PEs a top-level
        sub-cluster can hold (its lower levels' cluster sizes multiply to at most that), so few rows stand for
        many subspaces (the screening floors of `bounded_subspaces.BoundedSubspaces.group_floors`)."""
        rows = np.asarray(rows, dtype=np.int64)
        spatial_rows = np.zeros((len(rows), levels), dtype=np.int64)
        clusters = np.ones((len(rows), levels), dtype=np.int64)
        spatial_rows[:, 0], clusters[:, 0] = spatial, sub_clusters
        above = np.broadcast_to(np.asarray(self.extents, dtype=np.int64), (len(rows), len(self.extents)))
        lower_pes = accelerator.num_pes // np.asarray(sub_clusters, dtype=np.int64) if levels > 1 else None
        return self._level_bound(accelerator, spatial_rows, clusters, rows, 1, 0, above, lower_pes)

    def _level_bound(
        self,
        accelerator: Accelerator,
        spatial: np.ndarray,
        sub_clusters: np.ndarray,
        rows: np.ndarray,
        known: int,
        level: int,
        above: np.ndarray,
        lower_pes: np.ndarray | None = None,
    ) -> np.ndarray:
        """The bound on one run of `level` (its tiles known) on tiles `above`, per row (spatial loops and
        sub-cluster counts: (levels,) for every row, or (rows, levels)). `lower_pes` (per row): the levels
        below are unknown but hold at most that many PEs, and the busiest of them computes at least its share
        of the tile (`top_bounds_over_lower_levels`)."""
        loops, levels = len(self.extents), spatial.shape[-1]
        tiles = rows[:, level * loops : (level + 1) * loops]
        counts = above // tiles
        here, clusters_here = spatial[..., level], sub_clusters[..., level]
        if here.ndim == 0:  # one subspace: the spread loop's column, as before
            spread_counts = counts[:, int(here)]
            others = np.prod(np.delete(counts, int(here), axis=1), axis=1)
        else:
            spread_counts = counts[np.arange(len(rows)), here]
            others = np.where(np.arange(loops)[None, :] == here[:, None], 1, counts).prod(axis=1)
        folds = -(-spread_counts // clusters_here)
        steps = others * folds
        active = np.minimum(spread_counts, clusters_here)
        latency, bandwidth, simd = accelerator.noc_latency_cycles, accelerator.noc_bandwidth_elems_per_cycle, accelerator.simd_lanes
        fill_elems = self._operand_elems(tiles, here, active, tight=False)
        fill = latency + -(-fill_elems // bandwidth) - 1
        if level == levels - 1:
            compute = -(-(self.macs_per_unit * np.prod(tiles, axis=1)) // simd)
        elif level + 1 < known:
            compute = self._level_bound(accelerator, spatial, sub_clusters, rows, known, level + 1, tiles)
        else:
            if lower_pes is not None:
                busiest = -(-(self.macs_per_unit * np.prod(tiles, axis=1)) // lower_pes)
            else:
                busiest = np.full(len(rows), self.macs_per_unit, dtype=np.int64)
                lower_spatial, lower_clusters = spatial[..., level + 1 :], sub_clusters[..., level + 1 :]
                for column in range(loops):
                    split = np.where(lower_spatial == column, lower_clusters, 1).prod(axis=-1)
                    busiest = busiest * -(-tiles[:, column] // split)
            compute = -(-busiest // simd) + latency * (levels - 1 - level)
            traffic = self._operand_elems(tiles, None, active, tight=True)
            noc = -(-traffic // bandwidth) if latency >= 1 else -(-traffic // (2 * bandwidth))
            compute = np.maximum(compute, noc)
        # every step but the first (the only all-Init one) lasts at least its egress: the outputs of the
        # fold's busy sub-clusters (once when the spatial loop reduces), fewest in the last fold
        last_active = spread_counts - (folds - 1) * clusters_here
        outputs = self._output_elems(tiles)
        spread_output = np.asarray(self.output_loops)[here]
        offchip = np.zeros(len(rows), dtype=np.int64)
        if level == 0:  # the operands' and the output's L2 requirements over the off-chip bandwidth, each halved
            offchip_bandwidth = accelerator.offchip_bandwidth_elems_per_cycle
            first_outputs = np.where(spread_output, active * outputs, outputs)
            offchip = np.maximum(2 * fill_elems // offchip_bandwidth, 2 * first_outputs // offchip_bandwidth) // 2
        egress = latency + -(-np.where(spread_output, last_active * outputs, outputs) // bandwidth) - 1
        steady = np.maximum(np.maximum(compute, offchip), egress)
        return (steps - 1) * steady + np.maximum(compute + fill, offchip)
