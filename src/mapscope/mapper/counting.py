"""The size of a mapping space as a sum of products, and uniform sampling of one member.

With L levels, cluster-size tuples counted by `cluster_tuple_count`, and for each level l a set Sh_l of
loops whose tile shrinks there, the members number (docs/mapper.md, The size of the space)::

    |space| = sum over L of  clusters(L) * sum over (Sh_0 .. Sh_{L-1}) of
              prod_d chains_d(pattern_d) * prod_l sum_{s in S_l} orders_l(Sh_l | {s})

where pattern_d marks the levels whose Sh holds d, chains_d counts the tile chains with that pattern
(`mapper.dimensions.chain_count`), S_l are the loops allowed spatially at level l and orders_l(M) the
orders of the iterating loops M (|M|! unless restricted). (In compatibility mode the loops that iterate
whatever their tile, `space.always_iterating`, join every M at their level.) Without the symmetry reduction every loop
is ordered at every level: clusters(L) * prod_d chains_d * prod_l |S_l| * orders_l(all loops).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations, product

import numpy as np

from mapscope.errors import InputError
from mapscope.mapper.dimensions import chain_count, sample_chain
from mapscope.mapper.space import LevelChoice, MappingChoice, MappingSpace, always_iterating, canonical_order


def cluster_tuples(space: MappingSpace, levels: int) -> tuple[tuple[int, ...], ...]:
    """Every tuple of `levels - 1` allowed cluster sizes whose product fits the PEs, lexicographic."""
    return _cluster_tuples(space, levels)


@lru_cache(maxsize=256)
def _cluster_tuples(space: MappingSpace, levels: int) -> tuple[tuple[int, ...], ...]:
    sizes = space.allowed_cluster_sizes()
    tuples: list[tuple[int, ...]] = [()]
    for _ in range(levels - 1):
        tuples = [(*t, s) for t in tuples for s in sizes if _product(t) * s <= space.num_pes]
    return tuple(tuples)


def cluster_tuple_count(space: MappingSpace, levels: int) -> int:
    """len(cluster_tuples(space, levels)), counted over products (each size bounded by what remains)."""
    sizes = space.allowed_cluster_sizes()

    @lru_cache(maxsize=None)
    def count(remaining_pes: int, left: int) -> int:
        """Tuples of `left` sizes whose product is at most `remaining_pes`."""
        if left == 0:
            return 1
        return sum(count(remaining_pes // s, left - 1) for s in sizes[: bisect_right(sizes, remaining_pes)])

    return count(space.num_pes, levels - 1)


def _product(values: tuple[int, ...]) -> int:
    result = 1
    for value in values:
        result *= value
    return result


def level_orders(space: MappingSpace, level: int, moving_mask: int) -> list[tuple[str, ...]]:
    """The allowed orders of the loops in `moving_mask` (bits over the space's loops) at `level`, sorted."""
    return _level_orders(space, level, moving_mask)


@lru_cache(maxsize=65536)
def _level_orders(space: MappingSpace, level: int, moving_mask: int) -> list[tuple[str, ...]]:
    names = space.loops.names
    moving = tuple(name for bit, name in enumerate(names) if moving_mask >> bit & 1)
    allowed = space.restriction(level).loop_orders
    if allowed is None:
        return list(permutations(moving))
    return sorted({tuple(name for name in order if name in moving) for order in allowed})


def _spatial_bits(space: MappingSpace, level: int) -> list[int]:
    names = space.loops.names
    return [names.index(name) for name in space.spatial_choices(level)]


@dataclass(frozen=True)
class SpaceTerm:
    """One product of the size formula: `levels` levels whose loops shrink where `shrinking[l]` says (bit masks)."""

    levels: int
    shrinking: tuple[int, ...]  # per level, a bit per loop; empty without the reduction
    count: int


def iterating_mask(space: MappingSpace, level: int) -> int:
    """Bits of the loops that iterate at `level` whatever their tile (`space.always_iterating`)."""
    names = space.loops.names
    return sum(1 << names.index(name) for name in always_iterating(space, level))


def _order_weight(space: MappingSpace, level: int, shrinking_mask: int) -> int:
    """sum over the allowed spatial loops s of the orders of (Sh | {s} | F), F the loops that always iterate."""
    forced = shrinking_mask | iterating_mask(space, level)
    return sum(len(level_orders(space, level, forced | 1 << bit)) for bit in _spatial_bits(space, level))


def _chain_product(space: MappingSpace, levels: int, shrinking: tuple[int, ...]) -> int:
    total = 1
    for bit, loop in enumerate(space.loops.loops):
        pattern = sum(1 << level for level in range(levels) if shrinking[level] >> bit & 1)
        total *= chain_count(loop, pattern, levels, space.imperfect)
        if not total:
            return 0
    return total


def _all_chains(space: MappingSpace, levels: int) -> int:
    total = 1
    for loop in space.loops.loops:
        total *= sum(chain_count(loop, pattern, levels, space.imperfect) for pattern in range(1 << levels))
    return total


def space_terms(space: MappingSpace) -> tuple[SpaceTerm, ...]:
    """The nonzero terms of the size formula, in a fixed order (levels, then masks ascending)."""
    return _space_terms(space)


@lru_cache(maxsize=64)
def _space_terms(space: MappingSpace) -> tuple[SpaceTerm, ...]:
    loops = len(space.loops.loops)
    full = (1 << loops) - 1
    terms = []
    for levels in space.level_counts:
        clusters = cluster_tuple_count(space, levels)
        if not clusters:
            continue
        if not space.reduce_symmetric:
            orders = 1
            for level in range(levels):
                orders *= len(_spatial_bits(space, level)) * len(level_orders(space, level, full))
            count = clusters * orders * _all_chains(space, levels)
            if count:
                terms.append(SpaceTerm(levels, (), count))
            continue
        weights = [[_order_weight(space, level, mask) for mask in range(full + 1)] for level in range(levels)]
        for shrinking in product(range(full + 1), repeat=levels):
            weight = clusters
            for level, mask in enumerate(shrinking):
                weight *= weights[level][mask]
                if not weight:
                    break
            if weight:
                weight *= _chain_product(space, levels, shrinking)
            if weight:
                terms.append(SpaceTerm(levels, shrinking, weight))
    return tuple(terms)


def _factorial(value: int) -> int:
    result = 1
    for factor in range(2, value + 1):
        result *= factor
    return result


def _size_by_loops(space: MappingSpace, levels: int) -> int:
    """The reduced formula's sum for `levels` levels when no level restricts its orders, loop by loop.

    Unrestricted, orders_l(M) = |M|!, so a level's weight depends only on k = |M| and j = how many allowed
    spatial loops M holds: sum_s |Sh | {s}|! = j * k! + (|S_l| - j) * (k + 1)!. A pass over the loops
    accumulates, per (k_l, j_l) of every level, the sum of the chain-count products that lead there."""
    spatial = [set(_spatial_bits(space, level)) for level in range(levels)]
    always = [iterating_mask(space, level) for level in range(levels)]
    sums: dict[tuple[tuple[int, int], ...], int] = {((0, 0),) * levels: 1}
    for bit, loop in enumerate(space.loops.loops):
        counts = [chain_count(loop, pattern, levels, space.imperfect) for pattern in range(1 << levels)]
        grown: dict[tuple[tuple[int, int], ...], int] = {}
        for state, total in sums.items():
            for pattern, count in enumerate(counts):
                if not count:
                    continue
                key = []
                for level, (k, j) in enumerate(state):
                    inside = pattern >> level & 1 or always[level] >> bit & 1
                    key.append((k + 1, j + (bit in spatial[level])) if inside else (k, j))
                grown[tuple(key)] = grown.get(tuple(key), 0) + total * count
        sums = grown
    size = 0
    for state, total in sums.items():
        weight = total
        for level, (k, j) in enumerate(state):
            weight *= j * _factorial(k) + (len(spatial[level]) - j) * _factorial(k + 1)
        size += weight
    return size


def space_size(space: MappingSpace) -> int:
    """The exact number of members of `space`, from the size formula (nothing is enumerated)."""
    if not space.reduce_symmetric or any(space.restriction(level).loop_orders is not None for level in range(space.max_levels)):
        return sum(term.count for term in space_terms(space))
    return sum(cluster_tuple_count(space, levels) * _size_by_loops(space, levels) for levels in space.level_counts)


@lru_cache(maxsize=64)
def _cumulative_counts(space: MappingSpace) -> tuple[int, ...]:
    """Running totals of the terms' counts (a uniform index below the last picks a term by bisection)."""
    totals, running = [], 0
    for term in space_terms(space):
        running += term.count
        totals.append(running)
    return tuple(totals)


def _below(rng: np.random.Generator, bound: int) -> int:
    """A uniform integer in [0, bound) for any Python int `bound` (rejection over 62-bit draws)."""
    bits = max(1, (bound - 1).bit_length())
    while True:
        value, filled = 0, 0
        while filled < bits:
            value = value << 62 | int(rng.integers(0, 1 << 62))
            filled += 62
        value >>= filled - bits
        if value < bound:
            return value


def _pick(rng: np.random.Generator, weights: list[int]) -> int:
    """An index drawn with probability proportional to `weights` (Python ints)."""
    target = _below(rng, sum(weights))
    for index, weight in enumerate(weights):
        if target < weight:
            return index
        target -= weight
    raise AssertionError("weights changed while sampling")


def sample_mapping(space: MappingSpace, rng: np.random.Generator) -> MappingChoice:
    """One member drawn uniformly from `space` (every member equally likely), reproducible from `rng`."""
    terms = space_terms(space)
    if not terms:
        raise InputError("the mapping space is empty: no member satisfies its restrictions", space.where)
    bounds = _cumulative_counts(space)
    term = terms[bisect_right(bounds, _below(rng, bounds[-1]))]
    levels, loops, names = term.levels, space.loops.loops, space.loops.names
    choices = cluster_tuples(space, levels)
    clusters = choices[_below(rng, len(choices))]
    if space.reduce_symmetric:
        patterns = [sum(1 << level for level in range(levels) if term.shrinking[level] >> bit & 1) for bit in range(len(loops))]
    else:
        patterns = [_pick(rng, [chain_count(loop, p, levels, space.imperfect) for p in range(1 << levels)]) for loop in loops]
    chains = [sample_chain(loop, pattern, levels, space.imperfect, rng) for loop, pattern in zip(loops, patterns)]
    chosen = []
    full = (1 << len(loops)) - 1
    for level in range(levels):
        bits = _spatial_bits(space, level)
        if space.reduce_symmetric:
            shrinking = term.shrinking[level] | iterating_mask(space, level)
            spatial = bits[_pick(rng, [len(level_orders(space, level, shrinking | 1 << b)) for b in bits])]
            orders = level_orders(space, level, shrinking | 1 << spatial)
            order = canonical_order(space, orders[_below(rng, len(orders))])
        else:
            spatial = bits[_below(rng, len(bits))]
            orders = level_orders(space, level, full)
            order = orders[_below(rng, len(orders))]
        chosen.append(LevelChoice(names[spatial], order, tuple(chain[level] for chain in chains)))
    return MappingChoice(tuple(chosen), clusters)
