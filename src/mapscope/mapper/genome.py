"""GAMMA's genome (Kao and Krishna, ICCAD 2020) to and from a member of a mapping space.

GAMMA encodes a mapping level by level: a *parallel gene* (the dimension spread over the level's
sub-units and how many sub-units the level has) and one (dimension, tile) gene per dimension of the
layer, ordered outermost first. Here a genome level lists every loop of the space and the filter
windows R and S; tiles of Y and X count output positions (GAMMA writes them on Y' and X'). The top
level's sub-unit count is the PE count divided by the cluster sizes below it, as MAESTRO derives it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.mapper.space import LevelChoice, MappingChoice, MappingSpace, canonical, check_member


@dataclass(frozen=True)
class GenomeLevel:
    """One level's genes: the parallel dimension, the level's sub-unit count, and (dimension, tile) pairs in loop order."""

    parallel_dimension: str
    sub_units: int
    tiles: tuple[tuple[str, int], ...]


Genome = tuple[GenomeLevel, ...]


def top_sub_units(num_pes: int, cluster_sizes: tuple[int, ...]) -> int:
    """Sub-clusters of the top level: the PEs over the product of the cluster sizes (MAESTRO's rule)."""
    product = 1
    for size in cluster_sizes:
        product *= size
    return num_pes // product


def genome_of(space: MappingSpace, choice: MappingChoice) -> Genome:
    """The genome of member `choice`: its loops in order, then R and S whole."""
    names = space.loops.names
    whole = tuple((dimension.name, dimension.size) for dimension in space.loops.whole)
    genome = []
    for index, level in enumerate(choice.levels):
        sub_units = top_sub_units(space.num_pes, choice.cluster_sizes) if index == 0 else choice.cluster_sizes[index - 1]
        pairs = tuple((name, level.tiles[names.index(name)]) for name in level.loop_order) + whole
        genome.append(GenomeLevel(level.spatial_dimension, sub_units, pairs))
    return tuple(genome)


def choice_of_genome(space: MappingSpace, genome: Genome) -> MappingChoice:
    """The member of `space` that `genome` encodes (canonical), or InputError naming the gene it cannot hold."""
    names = space.loops.names
    whole = {dimension.name: dimension.size for dimension in space.loops.whole}
    if not genome:
        raise InputError("a genome has at least one level", space.where)
    cluster_sizes = tuple(level.sub_units for level in genome[1:])
    levels = []
    for index, level in enumerate(genome):
        place = f"{space.where}, genome level {index}"
        dimensions = [name for name, _ in level.tiles]
        if sorted(dimensions) != sorted((*names, *whole)):
            raise InputError(f"genes on {', '.join(dimensions)}; a level has one gene per dimension of {', '.join((*names, *whole))}", place)
        for name, tile in level.tiles:
            if name in whole and tile != whole[name]:
                raise InputError(f"tile {tile} of {name}: the space maps the filter window whole ({whole[name]})", place)
        tiles = dict(level.tiles)
        order = tuple(name for name in dimensions if name in names)
        levels.append(LevelChoice(level.parallel_dimension, order, tuple(tiles[name] for name in names)))
    top = top_sub_units(space.num_pes, cluster_sizes)
    if genome[0].sub_units != top:
        raise InputError(f"the top level has {top} sub-units on {space.num_pes} PEs with clusters {cluster_sizes}, not {genome[0].sub_units}", f"{space.where}, genome level 0")
    choice = canonical(space, MappingChoice(tuple(levels), cluster_sizes))
    check_member(space, choice)
    return choice
