"""Every member of a mapping space, as MappingBatches of at most N rows built with numpy.

Members are grouped by what fixes the skeleton: the level count, per level the loops that iterate
(M_l), the spatial loop and the order of M_l. Within a group the rows are every cluster-size tuple times
every combination of the loops' tile chains (a mixed-radix count over their indices), so a chunk of rows
is a few array gathers, never one directive tuple per mapping. The order is fixed: levels ascending,
then M masks, spatial loops and orders ascending, then rows (clusters slowest, the last loop fastest).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from math import prod

import numpy as np

from mapscope.analysis.batch import MappingBatch
from mapscope.analysis.batch.mapping_batch import CLUSTER_ENTRY, SPATIAL_ENTRY, TEMPORAL_ENTRY
from mapscope.errors import InputError
from mapscope.mapper.counting import cluster_tuples, iterating_mask, level_orders
from mapscope.mapper.dimensions import tile_chains, written_tiles
from mapscope.mapper.space import MappingSpace, canonical_order

#: Rows per batch unless asked otherwise (the batched engine evaluates 3072 at a time).
DEFAULT_BATCH_ROWS = 3072
#: A group with this many rows or more cannot be counted through with int64 indices.
MAX_GROUP_ROWS = 2**62


def _chains(space: MappingSpace, bit: int, levels: int, free: int, forced: int) -> np.ndarray:
    """The chains of loop `bit` whose pattern has the `forced` bits set, any of the `free` bits, no others."""
    loop = space.loops.loops[bit]
    patterns = [p for p in range(1 << levels) if p & ~free == forced]
    parts = [tile_chains(loop, p, levels, space.imperfect) for p in sorted(patterns)]
    return np.concatenate(parts) if parts else np.zeros((0, levels), dtype=np.int64)


def _groups(space: MappingSpace, levels: int) -> Iterator[tuple[tuple[int, ...], tuple[tuple[str, ...], ...], list[np.ndarray]]]:
    """(spatial loop per level, order per level, chains per loop) of every group with `levels` levels."""
    loops = len(space.loops.loops)
    full = (1 << loops) - 1
    names = space.loops.names
    spatial_bits = [[names.index(n) for n in space.spatial_choices(level)] for level in range(levels)]
    if not space.reduce_symmetric:
        chains = [_chains(space, bit, levels, (1 << levels) - 1, 0) for bit in range(loops)]
        orders = [level_orders(space, level, full) for level in range(levels)]
        for spatial in product(*spatial_bits):
            for order in product(*orders):
                yield spatial, order, chains
        return
    always = [iterating_mask(space, level) for level in range(levels)]
    for moving in product(range(1, full + 1), repeat=levels):
        if any(mask & always[level] != always[level] for level, mask in enumerate(moving)):
            continue
        choices = [[b for b in spatial_bits[level] if moving[level] >> b & 1] for level in range(levels)]
        for spatial in product(*choices):
            chains = []
            for bit in range(loops):
                free = sum(1 << level for level in range(levels) if spatial[level] == bit or always[level] >> bit & 1)
                forced = sum(1 << level for level in range(levels) if moving[level] >> bit & 1 and not free >> level & 1)
                chains.append(_chains(space, bit, levels, free, forced))
                if not len(chains[-1]):
                    break
            else:
                orders = [level_orders(space, level, moving[level]) for level in range(levels)]
                for order in product(*orders):
                    yield spatial, tuple(canonical_order(space, o) for o in order), chains


def enumerate_batches(
    space: MappingSpace, max_rows: int = DEFAULT_BATCH_ROWS, cluster_sizes: tuple[int, ...] | None = None, tile_prefixes: np.ndarray | None = None
) -> Iterator[MappingBatch]:
    """Every member of `space` exactly once, in a fixed order, as batches of at most `max_rows` mappings
    sharing a skeleton (memory stays bounded however large the space); `cluster_sizes` keeps only the
    members with exactly those Cluster sizes (one spatial subspace, for the exhaustive search), and
    `tile_prefixes` (rows of the tiles of levels 0..k-1, level-major, loop order within a level) only those
    whose first k levels' tiles are one of its rows (the exhaustive search's tile branches)."""
    if max_rows < 1:
        raise InputError(f"a batch holds at least one mapping, got max_rows={max_rows}", space.where)
    loops = len(space.loops.loops)
    wanted = None if tile_prefixes is None else _TileRows(np.asarray(tile_prefixes, dtype=np.int64).reshape(len(tile_prefixes), -1), loops)
    names = space.loops.names
    whole = space.loops.whole
    for levels in space.level_counts:
        if wanted is not None and levels < wanted.known:
            continue
        tuples = cluster_tuples(space, levels)
        if cluster_sizes is not None:
            tuples = tuple(t for t in tuples if t == cluster_sizes)
        if not tuples:
            continue
        clusters = np.array(tuples, dtype=np.int64).reshape(len(tuples), levels - 1)
        given: list[np.ndarray] | None = None  # _groups yields one chain list for every order of a mask and spatial loop
        for spatial, orders, chains in _groups(space, levels):
            if wanted is not None:
                if chains is not given:
                    given, narrowed = chains, wanted.narrowed(chains)
                chains = narrowed
                if not all(len(chain) for chain in chains):
                    continue
            written = [written_tiles(loop, chain) for loop, chain in zip(space.loops.loops, chains)]
            skeleton: list[tuple[str, str]] = []
            columns: list[tuple[str, int, int]] = []  # (source, index, level): "cluster", "loop" or "whole"
            for level in range(levels):
                if level:
                    skeleton.append((CLUSTER_ENTRY, ""))
                    columns.append(("cluster", level - 1, level))
                for name in orders[level]:
                    bit = names.index(name)
                    skeleton.append((SPATIAL_ENTRY if bit == spatial[level] else TEMPORAL_ENTRY, name))
                    columns.append(("loop", bit, level))
                for index, dimension in enumerate(whole):
                    skeleton.append((TEMPORAL_ENTRY, dimension.name))
                    columns.append(("whole", index, level))
            shape = (len(clusters), *(len(chain) for chain in chains))
            total = 1
            for extent in shape:
                total *= extent
            if total >= MAX_GROUP_ROWS:
                raise InputError(f"a group of {total:,} mappings is too large to enumerate; restrict the space", space.where)
            for digits in _row_digits(shape, total, max_rows, chains, wanted):
                sizes, offsets = [], []
                for source, index, level in columns:
                    if source == "cluster":
                        value = clusters[digits[0], index]
                        sizes.append(value)
                        offsets.append(np.ones_like(value))
                    elif source == "loop":
                        sizes.append(written[index][0][level][digits[index + 1]])
                        offsets.append(written[index][1][level][digits[index + 1]])
                    else:
                        value = np.full(len(digits[0]), whole[index].size, dtype=np.int64)
                        sizes.append(value)
                        offsets.append(value)
                yield MappingBatch(space.layer, tuple(skeleton), np.stack(sizes, axis=1), np.stack(offsets, axis=1))


#: Rows of a group tested against the wanted tile prefixes at a time, in batches' worth (memory stays bounded).
SCAN_BATCHES = 64


def _row_digits(shape: tuple[int, ...], total: int, max_rows: int, chains: list[np.ndarray], wanted: _TileRows | None) -> Iterator[tuple[np.ndarray, ...]]:
    """The digits (cluster tuple, then one per loop) of a group's rows in order, at most `max_rows` at a
    time; with `wanted`, only the rows starting with a wanted tile prefix, gathered across the group so
    that a batch is full unless it is the group's last (few members per prefix make many rows fail)."""
    if wanted is None:
        for start in range(0, total, max_rows):
            yield np.unravel_index(np.arange(start, min(start + max_rows, total), dtype=np.int64), shape)
        return
    pending: list[tuple[np.ndarray, ...]] = []
    held = 0
    scan = max_rows * SCAN_BATCHES
    for start in range(0, total, scan):
        digits = wanted.kept(chains, np.unravel_index(np.arange(start, min(start + scan, total), dtype=np.int64), shape))
        if not len(digits[0]):
            continue
        pending.append(digits)
        held += len(digits[0])
        while held >= max_rows:
            merged = tuple(np.concatenate(parts) for parts in zip(*pending))
            yield tuple(d[:max_rows] for d in merged)
            pending, held = [tuple(d[max_rows:] for d in merged)], held - max_rows
    if held:
        yield tuple(np.concatenate(parts) for parts in zip(*pending))


class _TileRows:
    """A set of tile prefixes (the tiles of levels 0..k-1 of every loop, level-major columns), to narrow a
    group's tile chains to the members that start with one of them."""

    def __init__(self, rows: np.ndarray, loops: int) -> None:
        self.loops = loops
        self.known = rows.shape[1] // loops
        self.radix = int(rows.max(initial=0)) + 1
        # per loop, its prefixes as integers (radix: the largest tile + 1) and their distinct sorted values
        self.prefixes = [self._prefix(rows[:, bit::loops]) for bit in range(loops)]
        self.distinct = [np.unique(p) for p in self.prefixes]
        ranks = [np.searchsorted(d, p) for d, p in zip(self.distinct, self.prefixes)]
        self.wide = prod(len(d) for d in self.distinct) >= 2**62
        self.keys = set(zip(*(r.tolist() for r in ranks))) if self.wide else np.unique(self._combined(ranks))

    def _prefix(self, tiles: np.ndarray) -> np.ndarray:
        key = np.zeros(len(tiles), dtype=np.int64)
        for level in range(self.known):
            key = key * self.radix + tiles[:, level]
        return key

    def _combined(self, ranks: list[np.ndarray]) -> np.ndarray:
        key = np.zeros(len(ranks[0]), dtype=np.int64)
        for rank, distinct in zip(ranks, self.distinct):
            key = key * len(distinct) + rank
        return key

    def narrowed(self, chains: list[np.ndarray]) -> list[np.ndarray]:
        """Each loop's chains whose prefix some row has for that loop (a superset of the members wanted)."""
        return [chain[np.isin(self._prefix(chain), distinct)] for chain, distinct in zip(chains, self.distinct)]

    def kept(self, chains: list[np.ndarray], digits: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """The row digits (cluster tuple first, then one per loop) whose prefixes form a wanted row."""
        ranks = [np.searchsorted(distinct, self._prefix(chain[index])) for chain, index, distinct in zip(chains, digits[1:], self.distinct)]
        if self.wide:
            keep = np.array([key in self.keys for key in zip(*(r.tolist() for r in ranks))], dtype=bool)
        else:
            keep = np.isin(self._combined(ranks), self.keys)
        return tuple(d[keep] for d in digits)
