"""A better incumbent before the exhaustive search: steepest descent over the neighbours of the best member.

The exhaustive search prunes a spatial subspace only when its bound reaches the incumbent's value, so a
lower incumbent prunes more and leaves a smaller gap. The genetic search's best is often one move away
from a much better member (another spatial loop, another cluster size, one tile), so the search first
evaluates every neighbour of the incumbent, moves to the best one, and repeats until no neighbour is
better or the budget is spent. Every candidate is a member of the space evaluated by the engine, so the
descent can only lower the incumbent's value and never touches the certificate's soundness.
"""

from __future__ import annotations

from mapscope.mapper.counting import cluster_tuples
from mapscope.mapper.dimensions import tile_fits
from mapscope.mapper.genetic_operators import repaired
from mapscope.mapper.search_log import SearchLog
from mapscope.mapper.space import LevelChoice, MappingChoice, MappingSpace


def neighbours(space: MappingSpace, choice: MappingChoice) -> list[MappingChoice]:
    """The distinct members one move from `choice` (itself excluded), repaired as the genetic operators
    repair: per level every other fitting tile of each loop and every other allowed spatial loop; and every
    other allowed tuple of cluster sizes. (Swapping two loops of an order added nothing on ResNet-50's
    layers and many one-mapping skeletons, each analysed alone; it is left out.)"""
    found: list[MappingChoice | None] = []
    for index, level in enumerate(choice.levels):
        for bit, loop in enumerate(space.loops.loops):
            above = choice.levels[index - 1].tiles[bit] if index else loop.extent
            for tile in range(1, above + 1):
                if tile != level.tiles[bit] and tile_fits(loop, tile, above, space.imperfect):
                    tiles = level.tiles[:bit] + (tile,) + level.tiles[bit + 1 :]
                    found.append(repaired(space, choice.with_level(index, LevelChoice(level.spatial_dimension, level.loop_order, tiles))))
        for spatial in space.spatial_choices(index):
            found.append(repaired(space, choice.with_level(index, LevelChoice(spatial, level.loop_order, level.tiles))))
    # the cluster tuples the space allows for this level count; tiles and orders do not depend on them
    found.extend(MappingChoice(choice.levels, sizes) for sizes in cluster_tuples(space, len(choice.levels)))
    return [member for member in dict.fromkeys(found) if member is not None and member != choice]


def descend(log: SearchLog, start: MappingChoice, max_evaluations: int | None) -> None:
    """Steepest descent from member `start` (already evaluated in `log`): evaluate all its neighbours (at most
    `max_evaluations` in all), move to the best if it improves on the current value, repeat. The log keeps
    the incumbent; nothing is returned."""
    space = log.problem.space
    current, value = start, log.best_value
    spent = 0
    while max_evaluations is None or spent < max_evaluations:
        candidates = neighbours(space, current)
        if max_evaluations is not None:
            candidates = candidates[: max_evaluations - spent]
        if not candidates:
            return
        values = log.evaluate_choices(candidates)
        spent += len(candidates)
        best = int(values.argmin())
        if not values[best] < value:
            return
        current, value = candidates[best], float(values[best])
