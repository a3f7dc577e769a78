"""Reading a directive list back as a member of a mapping space (templates, batches, files).

`choice_of(space, dataflow)` undoes `space.dataflow`: it accepts any dataflow the space can express --
loops left out of a level (inherited from the level above, or completed whole at the top), output-
centric Y'/X', tiles larger than their dimension, a window axis written sliding one output per step
(``TemporalMap(Sz(R),1) Y``) -- and raises InputError naming the first directive the space cannot hold.
"""

from __future__ import annotations

from collections.abc import Sequence

from mapscope.errors import InputError
from mapscope.mapper.dimensions import LoopDimension
from mapscope.mapper.space import LevelChoice, MappingChoice, MappingSpace, canonical, check_member
from mapscope.mapping.directives import Cluster, Directive, MapDirective, SpatialMap

_OUTPUT_CENTRIC = {"Y'": "Y", "X'": "X"}


def _levels(dataflow: Sequence[Directive]) -> tuple[list[list[MapDirective]], tuple[int, ...]]:
    groups: list[list[MapDirective]] = [[]]
    clusters = []
    for directive in dataflow:
        if isinstance(directive, Cluster):
            clusters.append(directive.size)
            groups.append([])
        else:
            groups[-1].append(directive)
    return groups, tuple(clusters)


def _tile(loop: LoopDimension, directive: MapDirective, above: int, output_centric: bool) -> int:
    """The tile (outputs for a window axis) that `directive` gives `loop`, under a tile of `above` above it."""
    size, offset = directive.size, directive.offset
    if output_centric or not loop.is_window_axis:
        if size >= above:
            return above
        if offset != size:
            raise InputError(f"tiles of {size} advancing by {offset} do not partition {loop.name}")
        return size
    if size < loop.window:
        raise InputError(f"a tile of {size} input(s) of {loop.name} holds no complete window of {loop.window}")
    outputs = (size - loop.window) // loop.stride + 1
    if outputs >= above:
        return above
    if size != (outputs - 1) * loop.stride + loop.window or (loop.stride == 1 and offset != outputs):
        raise InputError(f"{directive} is not a tile of whole output positions advancing by its own width")
    return outputs


def choice_of(space: MappingSpace, dataflow: Sequence[Directive]) -> MappingChoice:
    """The member of `space` that `dataflow` writes (canonical), or InputError naming what does not fit."""
    groups, clusters = _levels(dataflow)
    loops = space.loops
    names = loops.names
    whole = {dimension.name: dimension.size for dimension in loops.whole}
    above = [loop.extent for loop in loops.loops]
    previous_order: tuple[str, ...] = ()
    levels = []
    for index, group in enumerate(groups):
        place = f"{space.where}, level {index}"
        tiles = list(above)
        mapped: list[str] = []
        spatial = []
        for directive in group:
            dimension = _OUTPUT_CENTRIC.get(directive.dimension, directive.dimension)
            try:
                if dimension in whole:
                    if directive.size < whole[dimension]:
                        raise InputError(f"the space maps {dimension} whole (size {whole[dimension]}), not in tiles of {directive.size}")
                    continue
                if dimension not in names or dimension in mapped:
                    raise InputError(f"{dimension} is not a loop of the space or is mapped twice in the level")
                bit = names.index(dimension)
                tiles[bit] = _tile(loops.loops[bit], directive, above[bit], directive.dimension in _OUTPUT_CENTRIC)
            except InputError as error:
                raise InputError(f"{directive}: {error.message}", place) from None
            mapped.append(dimension)
            if isinstance(directive, SpatialMap):
                spatial.append(dimension)
        if len(spatial) != 1:
            raise InputError(f"{len(spatial)} SpatialMaps on loops; a member has exactly one per level", place)
        if index == 0:
            order = tuple(mapped) + tuple(n for n in names if n not in mapped)
        else:  # inherited loops go to the front, the last one inherited first (as the engine inserts them)
            inherited = [n for n in previous_order if n not in mapped]
            order = tuple(reversed(inherited)) + tuple(mapped)
        levels.append(LevelChoice(spatial[0], order, tuple(tiles)))
        above, previous_order = tiles, order
    choice = canonical(space, MappingChoice(tuple(levels), clusters))
    check_member(space, choice)
    return choice
