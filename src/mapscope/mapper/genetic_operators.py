"""GAMMA-style genetic operators on members of a mapping space, each returning a member.

GAMMA (Kao and Krishna, ICCAD 2020) evolves genomes of per-level parallel genes and (dimension, tile)
genes; here the same moves act on `MappingChoice` (which `mapper.genome` writes as such a genome):
mutate a level's parallel (spatial) dimension, mutate a tile, mutate a cluster size, reorder two loops,
grow or shrink the levels, and cross two parents over level by level. Every child is repaired (tiles
below a changed tile shrink to the nearest size that fits, loops that run once go to their canonical
place) and validated (`check_member`); a move that cannot give a member returns its input unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mapscope.errors import InputError
from mapscope.mapper.counting import cluster_tuples
from mapscope.mapper.dimensions import tile_fits
from mapscope.mapper.space import LevelChoice, MappingChoice, MappingSpace, canonical, check_member

Operator = Callable[[MappingSpace, MappingChoice, np.random.Generator], MappingChoice]


def repaired(space: MappingSpace, choice: MappingChoice) -> MappingChoice | None:
    """`choice` with every tile chain made to fit (each tile the largest size <= it that fits the tile
    above) and its orders canonical; None when it is still not a member (e.g. an order not allowed)."""
    levels = [list(level.tiles) for level in choice.levels]
    for bit, loop in enumerate(space.loops.loops):
        above = loop.extent
        for tiles in levels:
            tile = min(tiles[bit], above)
            while tile > 1 and not tile_fits(loop, tile, above, space.imperfect):
                tile -= 1
            tiles[bit] = tile
            above = tile
    fixed = MappingChoice(
        tuple(LevelChoice(level.spatial_dimension, level.loop_order, tuple(tiles)) for level, tiles in zip(choice.levels, levels)),
        choice.cluster_sizes,
    )
    fixed = canonical(space, fixed)
    try:
        check_member(space, fixed)
    except InputError:
        return None
    return fixed


def _or_parent(space: MappingSpace, child: MappingChoice, parent: MappingChoice) -> MappingChoice:
    fixed = repaired(space, child)
    return parent if fixed is None else fixed


def mutate_spatial(space: MappingSpace, choice: MappingChoice, rng: np.random.Generator) -> MappingChoice:
    """A random level spreads another allowed loop over its sub-clusters (GAMMA's parallel-dimension mutation)."""
    index = int(rng.integers(len(choice.levels)))
    allowed = space.spatial_choices(index)
    level = choice.levels[index]
    spatial = allowed[int(rng.integers(len(allowed)))]
    return _or_parent(space, choice.with_level(index, LevelChoice(spatial, level.loop_order, level.tiles)), choice)


def mutate_tile(space: MappingSpace, choice: MappingChoice, rng: np.random.Generator) -> MappingChoice:
    """A random loop at a random level takes another tile that fits the tile above; tiles below are repaired."""
    index = int(rng.integers(len(choice.levels)))
    bit = int(rng.integers(len(space.loops.loops)))
    loop = space.loops.loops[bit]
    above = choice.levels[index - 1].tiles[bit] if index else loop.extent
    sizes = [tile for tile in range(1, above + 1) if tile_fits(loop, tile, above, space.imperfect)]
    level = choice.levels[index]
    tiles = list(level.tiles)
    tiles[bit] = sizes[int(rng.integers(len(sizes)))]
    return _or_parent(space, choice.with_level(index, LevelChoice(level.spatial_dimension, level.loop_order, tuple(tiles))), choice)


def mutate_cluster(space: MappingSpace, choice: MappingChoice, rng: np.random.Generator) -> MappingChoice:
    """Another allowed tuple of cluster sizes for the same level count."""
    tuples = cluster_tuples(space, len(choice.levels))
    if len(tuples) < 2:
        return choice
    clusters = tuples[int(rng.integers(len(tuples)))]
    return _or_parent(space, MappingChoice(choice.levels, clusters), choice)


def reorder(space: MappingSpace, choice: MappingChoice, rng: np.random.Generator) -> MappingChoice:
    """Two loops of a random level swap places in its order (GAMMA's reorder)."""
    index = int(rng.integers(len(choice.levels)))
    level = choice.levels[index]
    order = list(level.loop_order)
    first, second = (int(v) for v in rng.choice(len(order), size=2, replace=False)) if len(order) > 1 else (0, 0)
    order[first], order[second] = order[second], order[first]
    return _or_parent(space, choice.with_level(index, LevelChoice(level.spatial_dimension, tuple(order), level.tiles)), choice)


def grow_or_shrink(space: MappingSpace, choice: MappingChoice, rng: np.random.Generator) -> MappingChoice:
    """Add a cluster level below the last (its tiles those above: it starts by spreading one loop over a
    new cluster size) or drop the last level (GAMMA's grow and aging moves), whichever the space allows."""
    count = len(choice.levels)
    used = int(np.prod(choice.cluster_sizes)) if choice.cluster_sizes else 1
    sizes = [size for size in space.allowed_cluster_sizes() if used * size <= space.num_pes]
    can_grow = count + 1 in space.level_counts and bool(sizes)
    can_shrink = count - 1 in space.level_counts
    if not can_grow and not can_shrink:
        return choice
    if can_grow and (not can_shrink or rng.random() < 0.5):
        bottom = choice.levels[-1]
        allowed = space.spatial_choices(count)
        level = LevelChoice(allowed[int(rng.integers(len(allowed)))], bottom.loop_order, bottom.tiles)
        grown = MappingChoice(choice.levels + (level,), choice.cluster_sizes + (sizes[int(rng.integers(len(sizes)))],))
        return _or_parent(space, grown, choice)
    return _or_parent(space, MappingChoice(choice.levels[:-1], choice.cluster_sizes[:-1]), choice)


def crossover(space: MappingSpace, first: MappingChoice, second: MappingChoice, rng: np.random.Generator) -> MappingChoice:
    """A child of two parents with the same level count: per level the spatial loop and order of one
    parent and each loop's tile from either; each cluster size from either (the first parent when the
    levels differ or the child is no member)."""
    if len(first.levels) != len(second.levels):
        return first
    levels = []
    for one, other in zip(first.levels, second.levels):
        head = one if rng.random() < 0.5 else other
        picks = rng.random(len(one.tiles)) < 0.5
        tiles = tuple(a if pick else b for a, b, pick in zip(one.tiles, other.tiles, picks))
        levels.append(LevelChoice(head.spatial_dimension, head.loop_order, tiles))
    clusters = tuple(a if rng.random() < 0.5 else b for a, b in zip(first.cluster_sizes, second.cluster_sizes))
    if int(np.prod(clusters)) > space.num_pes:
        clusters = first.cluster_sizes
    return _or_parent(space, MappingChoice(tuple(levels), clusters), first)


#: The mutations, in the order a child meets them.
MUTATIONS: tuple[Operator, ...] = (mutate_spatial, mutate_tile, mutate_cluster, reorder, grow_or_shrink)
