"""Lower bounds on a layer's energy over the members of one spatial subspace that share their top-level tiles.

The reported counts are the top level's (docs/model.md, Counts and buffer sizes), so with the top-level
tiles, spatial loop and sub-cluster count known, only the top level's loop order is left: the output's L2
writes (one egress per step) do not depend on it, and the operands' L2 reads (= their L1 writes = their NoC
transfers) are counted exactly for every order and minimised over all of them, vectorised over the rows
(docs/mapper-bounds.md, Energy and EDP). The tiles must divide (every tile full, no temporal edge), as for
`tile_bounds.TileBounds`, whose fields these bounds read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import permutations

import numpy as np

from mapscope.hardware.energy import MAESTRO_ENERGY, EnergyTable
from mapscope.mapper.bounds import PJ_PER_NJ
from mapscope.mapper.layer_work import LayerWork
from mapscope.mapper.tile_bounds import TileBounds


#: (orders x rows) cells the operand-read count handles per numpy pass (memory stays in tens of MB).
ORDER_ROW_CELLS = 1 << 18


@dataclass(frozen=True)
class TileEnergyBounds:
    """The energy bound of top-level tile tuples: the tile geometry (`tiles`) and the layer's fixed counts (`work`);
    the counts of the top-level tuples are kept per (spatial loop, sub-cluster count) as they are computed."""

    tiles: TileBounds
    work: LayerWork
    _counts: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, init=False, compare=False, repr=False)

    @cached_property
    def orders(self) -> tuple[tuple[int, ...], ...]:
        """Every top-level loop order that can count differently (loop indices, outermost first): the loops of
        extent 1 never move, so they are placed innermost once instead of everywhere."""
        moving = [loop for loop, extent in enumerate(self.tiles.extents) if extent > 1]
        still = tuple(loop for loop, extent in enumerate(self.tiles.extents) if extent == 1)
        return tuple(order + still for order in permutations(moving))

    def _operand_geometry(self, top: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, tuple[bool, ...]]]:
        """Per operand (input, filter): its elements along each loop in one tile (M, (rows, loops)), the
        fresh ones when the loop slides by one step (U: a window axis advancing q·stride keeps the overlap),
        the tile's whole volume, and which loops index it."""
        bounds = self.tiles
        found = []
        for loops, fixed in ((bounds.input_loops, bounds.input_fixed_elems), (bounds.filter_loops, bounds.filter_fixed_elems)):
            along = np.ones_like(top)
            fresh = np.ones_like(top)
            for column, indexed in enumerate(loops):
                if not indexed:
                    continue
                if loops is bounds.input_loops and bounds.windows[column]:
                    along[:, column] = (top[:, column] - 1) * bounds.strides[column] + bounds.windows[column]
                    fresh[:, column] = np.minimum(along[:, column], top[:, column] * bounds.strides[column])
                else:
                    along[:, column] = top[:, column]
                    fresh[:, column] = top[:, column]
            found.append((along, fresh, fixed * along.prod(axis=1), loops))
        return found

    def operand_reads_elems(
        self, spatial: int | np.ndarray, sub_clusters: int | np.ndarray, top: np.ndarray, order: tuple[int, ...] | None = None
    ) -> np.ndarray:
        """Per row of top-level tiles (spatial loop index and level-0 sub-cluster count: one for every row or
        one per row), the input plus filter L2 reads of a top level walking its loops in `order`, or the
        least over every order (None). The model's spatial ingress summed over its steps (docs/model.md,
        Per-case volumes): the first step loads a tile per busy sub-cluster; a step whose innermost moving
        loop does not index the tensor loads none of it; otherwise the whole tile, or only the fresh slice
        along that loop when no inner loop over the tensor restarts; a SpatialMap'ed loop gives the
        sub-clusters after the first only their fresh slice while it sits inside the moving loop."""
        top = np.asarray(top, dtype=np.int64)
        rows = len(top)
        spatial_loops = np.broadcast_to(np.asarray(spatial, dtype=np.int64), (rows,))
        clusters = np.broadcast_to(np.asarray(sub_clusters, dtype=np.int64), (rows,))
        walks = np.asarray(self.orders if order is None else (order,), dtype=np.int64).reshape(-1, len(self.tiles.extents))
        chunk = max(1, ORDER_ROW_CELLS // len(walks))
        return np.concatenate(
            [self._least_reads(walks, spatial_loops[at : at + chunk], clusters[at : at + chunk], top[at : at + chunk]) for at in range(0, rows, chunk)]
        ) if rows else np.zeros(0, dtype=np.int64)

    def _least_reads(self, walks: np.ndarray, spatial: np.ndarray, clusters: np.ndarray, top: np.ndarray) -> np.ndarray:
        """`operand_reads_elems` of a few rows for the loop orders `walks` (orders, loops), as (orders, rows) arrays, least over the orders."""
        rows = len(top)
        index = np.arange(rows)
        counts = np.asarray(self.tiles.extents, dtype=np.int64)[None, :] // top
        spread = counts[index, spatial]
        folds = -(-spread // clusters)
        steps = counts.copy()  # how many values each loop takes: folds for the spatial loop
        steps[index, spatial] = folds
        first_busy = np.minimum(spread, clusters)
        position = np.argsort(walks, axis=1)  # (orders, loops): where each loop sits in each order
        spatial_position = position[:, spatial]  # (orders, rows)
        total = np.zeros((len(walks), rows), dtype=np.int64)
        for along, fresh, volume, indexed in self._operand_geometry(top):
            total += self._tensor_reads(walks, along, fresh, volume, np.asarray(indexed, dtype=bool), spatial, spatial_position, clusters, spread, folds, steps, first_busy)
        return total.min(axis=0)

    @staticmethod
    def _tensor_reads(
        walks: np.ndarray,
        along: np.ndarray,
        fresh: np.ndarray,
        volume: np.ndarray,
        indexed: np.ndarray,
        spatial: np.ndarray,
        spatial_position: np.ndarray,
        clusters: np.ndarray,
        spread: np.ndarray,
        folds: np.ndarray,
        steps: np.ndarray,
        first_busy: np.ndarray,
    ) -> np.ndarray:
        """One operand's L2 reads per (order, row) over a top level walking its loops in each of `walks`
        (see `operand_reads_elems`)."""
        rows = len(volume)
        index = np.arange(rows)
        partitioned = indexed[spatial]
        spatial_along = np.where(partitioned, along[index, spatial], 1)
        spatial_fresh = np.where(partitioned, fresh[index, spatial], 1)
        temporal = volume // spatial_along  # the tile's volume without the spatial loop's factor
        loops = walks.shape[1]
        moving = (steps > 1).T  # (loops, rows)
        # restarts[at]: some loop inside position `at` indexes the tensor and takes several values (whole tiles then)
        restarts = [np.zeros((len(walks), rows), dtype=bool)] * loops
        for at in range(loops - 2, -1, -1):
            later = walks[:, at + 1]
            restarts[at] = restarts[at + 1] | (indexed[later][:, None] & moving[later])
        reads = np.broadcast_to(volume * np.where(partitioned, first_busy, 1), (len(walks), rows)).copy()  # the first step
        outer = np.ones((len(walks), rows), dtype=np.int64)  # combinations of the loops outside the current position
        along_t, fresh_t, steps_t = along.T, fresh.T, steps.T
        for at in range(loops):
            loop = walks[:, at]
            loop_steps = steps_t[loop]
            if indexed[loop].any():
                moves = loop_steps - 1
                is_spatial = spatial[None, :] == loop[:, None]
                restart = restarts[at]
                slid = np.where(restart | is_spatial, temporal, temporal // along_t[loop] * fresh_t[loop])
                new = np.where(restart, spatial_along, spatial_fresh)  # what a later sub-cluster gets when the spatial loop moves
                per_outer = np.where(
                    is_spatial,
                    (folds - 1) * spatial_along + np.maximum(spread - clusters - (folds - 1), 0) * new,
                    moves * np.where(spatial_position > at, spatial_along + (first_busy - 1) * spatial_fresh, spatial_along),
                )
                outer_weight = np.where(partitioned & (spatial_position < at), outer // folds * spread, outer)
                step_reads = np.where(partitioned, outer_weight * per_outer * slid, outer * moves * slid)
                reads += np.where(indexed[loop][:, None], step_reads, 0)
            outer = outer * loop_steps
        return reads

    def output_writes_elems(self, spatial: int | np.ndarray, sub_clusters: int | np.ndarray, top: np.ndarray) -> np.ndarray:
        """Per row, the output's L2 writes: every step sends up one output tile per busy sub-cluster when the
        spatial loop indexes the output, else one (spatial reduction is free); whatever the loop order."""
        top = np.asarray(top, dtype=np.int64)
        rows = len(top)
        spatial_loops = np.broadcast_to(np.asarray(spatial, dtype=np.int64), (rows,))
        clusters = np.broadcast_to(np.asarray(sub_clusters, dtype=np.int64), (rows,))
        index = np.arange(rows)
        counts = np.asarray(self.tiles.extents, dtype=np.int64)[None, :] // top
        spread = counts[index, spatial_loops]
        others = counts.prod(axis=1) // spread
        partitioned = np.asarray(self.tiles.output_loops, dtype=bool)[spatial_loops]
        tile = np.full(rows, self.tiles.output_fixed_elems, dtype=np.int64)
        for column, indexed in enumerate(self.tiles.output_loops):
            if indexed:
                tile = tile * top[:, column]
        return others * np.where(partitioned, spread, -(-spread // clusters)) * tile

    def energy_bounds_nj(
        self,
        energy_table: EnergyTable | None,
        spill: bool,
        spatial: tuple[int, ...] | np.ndarray,
        sub_clusters: tuple[int, ...] | np.ndarray,
        rows: np.ndarray,
    ) -> np.ndarray:
        """Per row of tile prefixes (as `TileBounds.runtime_bounds_cycles` takes them; only the top level's
        tiles, spatial loop and sub-cluster count matter), a lower bound on the `energy_nj` of every member
        that starts so: `bounds.energy_lower_bound_nj`'s formula with the operands' L2 reads and the output's
        L2 writes of these tiles in place of the layer's floors (`spill` as there)."""
        rows = np.asarray(rows, dtype=np.int64)
        tuples = self._tuple_index(rows[:, : len(self.tiles.extents)])
        spatial_top = np.broadcast_to(np.asarray(spatial, dtype=np.int64)[..., 0], (len(rows),))
        clusters_top = np.broadcast_to(np.asarray(sub_clusters, dtype=np.int64)[..., 0], (len(rows),))
        reads = np.zeros(len(rows), dtype=np.int64)
        writes = np.zeros(len(rows), dtype=np.int64)
        loops = len(self.tiles.extents)
        for key in np.unique(clusters_top * loops + spatial_top).tolist():  # one (spatial loop, sub-clusters) pair at a time
            chosen = clusters_top * loops + spatial_top == key
            tuple_reads, tuple_writes = self.top_counts(key % loops, key // loops, tuples[chosen])
            reads[chosen], writes[chosen] = tuple_reads[tuples[chosen]], tuple_writes[tuples[chosen]]
        work = self.work
        table = energy_table or MAESTRO_ENERGY
        reads_f, writes_f = reads.astype(np.float64), writes.astype(np.float64)
        if spill:  # as energy_lower_bound_nj: operands bypassed cost nothing in L2, the output the lesser of held and bypassed
            l2_pj = np.minimum(table.l2_access_pj * (writes_f + work.output_elems), table.dram_access_pj * np.maximum(writes_f - work.output_elems, 0.0))
        else:
            l2_pj = table.l2_access_pj * (work.input_elems + work.filter_elems + reads_f + writes_f + work.output_elems)
        pj = l2_pj + table.l1_access_pj * (4 * work.macs + reads_f) + table.mac_pj * work.macs
        dram = work.input_elems + work.filter_elems + work.output_elems
        energy = (pj + table.noc_transfer_pj * (reads_f + writes_f) + table.dram_access_pj * dram) / PJ_PER_NJ
        return energy

    def top_counts(self, spatial: int, sub_clusters: int, wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The operand L2 reads (least over the orders) and output L2 writes of the top-level tile tuples
        (`TileBounds.top_tiles` order) for one spatial loop and sub-cluster count, each at least the layer's
        floor. The reads (every loop order of a tuple) are computed for the `wanted` tuple indices (all:
        None) not yet known, and kept per pair: the exhaustive search asks for the same pairs from many
        subspaces, mostly for the few tuples below its incumbent. Entries not computed yet hold -1."""
        key = (spatial, sub_clusters)
        top, work = self.tiles.top_tiles, self.work
        if key not in self._counts:
            writes = np.maximum(self.output_writes_elems(spatial, sub_clusters, top), work.computed_output_elems)
            writes.flags.writeable = False
            self._counts[key] = (np.full(len(top), -1, dtype=np.int64), writes)
        reads, writes = self._counts[key]
        missing = np.arange(len(top)) if wanted is None else np.unique(wanted)
        missing = missing[reads[missing] < 0]
        if len(missing):
            reads[missing] = np.maximum(self.operand_reads_elems(spatial, sub_clusters, top[missing]), work.input_touched_elems + work.filter_elems)
        view = reads.view()
        view.flags.writeable = False
        return view, writes

    @cached_property
    def _tuple_digits(self) -> tuple[tuple[np.ndarray, int], ...]:
        """Per loop, each tile's rank among its extent's divisors (indexed by the tile) and the loop's weight in
        `TileBounds.top_tiles`' order (product of divisor counts, last loop fastest)."""
        found: list[tuple[np.ndarray, int]] = []
        weight = 1
        for extent in reversed(self.tiles.extents):
            divisors = [d for d in range(1, extent + 1) if extent % d == 0]
            rank = np.zeros(extent + 1, dtype=np.int64)
            rank[divisors] = np.arange(len(divisors))
            found.append((rank, weight))
            weight *= len(divisors)
        return tuple(reversed(found))

    def _tuple_index(self, top: np.ndarray) -> np.ndarray:
        """The row of `TileBounds.top_tiles` holding each row of top-level tiles."""
        index = np.zeros(len(top), dtype=np.int64)
        for column, (rank, weight) in enumerate(self._tuple_digits):
            index += rank[top[:, column]] * weight
        return index
