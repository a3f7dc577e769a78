"""A layer's mapping space: the data-centric dataflows a search may choose from, and its members.

A member (`MappingChoice`) has 1 to 3 cluster levels. Per level: the loop mapped spatially (one
SpatialMap), the loop order (every loop dimension once, outermost first) and a tile per loop (see
`mapper.dimensions`); between levels, the cluster sizes (``Cluster(c)``, c >= 2, their product at most
the PE count). The filter windows R and S are mapped whole after the loops of every level.

Symmetric duplicates are removed: a temporal loop whose tile equals the tile above (it runs once at that
level) has no place in the order that matters, so members list such loops outermost, in the space's
dimension order, and only the loops that iterate (and the spatial one) are ordered freely. Tests hold
the stats of every such rearrangement identical to the canonical one in both modes
(tests/mapper/test_mapper_acceptance.py). In compatibility mode a whole strided row still iterates at
the top level when MAESTRO's stride rewriting shortens it (`always_iterating`), so it stays ordered
there. `reduce_symmetric=False` keeps every order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from mapscope.errors import InputError
from mapscope.mapper.dimensions import LayerLoops, layer_loops, tile_fits, written_chain
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.workload.layer import Layer

#: Cluster levels a space allows at most (MAESTRO allows four; the mapper searches up to three).
MAX_LEVELS = 3


@dataclass(frozen=True)
class LevelRestriction:
    """What one level may use: the loops allowed spatially and the loop orders (None: any).

    An allowed order constrains the loops that iterate: a member's order is allowed when its iterating
    loops appear in the relative order of one of `loop_orders` (loops that run once have no order)."""

    spatial_dimensions: tuple[str, ...] | None = None
    loop_orders: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class MappingSpace:
    """The mappings of `layer` on `num_pes` PEs that a search may choose from (see the module docstring)."""

    layer: Layer
    num_pes: int
    min_levels: int = 1
    max_levels: int = MAX_LEVELS
    levels: tuple[LevelRestriction, ...] = ()  # per level index; missing levels are unrestricted
    cluster_sizes: tuple[int, ...] | None = None  # allowed Cluster sizes; None: 2 .. num_pes
    max_cluster_size: int | None = None
    imperfect: bool = False
    reduce_symmetric: bool = True
    compat: str | None = None  # the engine mode the space is for: "maestro" or None (validity and reduction follow it)
    where: str = field(default="mapping space", compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.min_levels <= self.max_levels <= MAX_LEVELS:
            raise InputError(f"levels must satisfy 1 <= min_levels <= max_levels <= {MAX_LEVELS}, got {self.min_levels} and {self.max_levels}", self.where)
        if self.num_pes < 1:
            raise InputError(f"the PE count must be positive, got {self.num_pes}", self.where)
        names = self.loops.names
        for index, restriction in enumerate(self.levels):
            for dimension in restriction.spatial_dimensions or ():
                if dimension not in names:
                    raise InputError(f"level {index}: spatial dimension {dimension} is not a loop of layer {self.layer.name} ({', '.join(names)})", self.where)
            for order in restriction.loop_orders or ():
                if sorted(order) != sorted(names):
                    raise InputError(f"level {index}: loop order {''.join(order)} is not an order of {', '.join(names)}", self.where)

    @cached_property
    def loops(self) -> LayerLoops:
        """The layer's loops and whole dimensions, with the mode's rules for strided rows."""
        return layer_loops(self.layer, self.compat)

    @property
    def level_counts(self) -> range:
        """The level counts members may have. In compatibility mode a layer with a window narrower than its
        stride gets one level: below the top, MAESTRO's touched-element tiles of that axis can leave a step
        with no fresh data, and MAESTRO terminates (tests/mapper/test_mapper_acceptance.py finds them)."""
        if self.compat == "maestro" and any(loop.whole_only for loop in self.loops.loops):
            return range(self.min_levels, min(self.max_levels, 1) + 1)
        return range(self.min_levels, self.max_levels + 1)

    def restriction(self, level: int) -> LevelRestriction:
        """What `level` may use (unrestricted beyond the levels given)."""
        return self.levels[level] if level < len(self.levels) else _UNRESTRICTED

    def spatial_choices(self, level: int) -> tuple[str, ...]:
        """The loops `level` may spread spatially, in the space's order."""
        return self._spatial_choices[level] if level < MAX_LEVELS else self._spatial_at(level)

    def _spatial_at(self, level: int) -> tuple[str, ...]:
        allowed = self.restriction(level).spatial_dimensions
        return tuple(name for name in self.loops.names if allowed is None or name in allowed)

    @cached_property
    def _spatial_choices(self) -> tuple[tuple[str, ...], ...]:
        """spatial_choices of every level a member may have (searches ask for them per candidate)."""
        return tuple(self._spatial_at(level) for level in range(MAX_LEVELS))

    def allowed_cluster_sizes(self) -> tuple[int, ...]:
        """The Cluster sizes allowed between levels, ascending."""
        return self._cluster_sizes

    @cached_property
    def _cluster_sizes(self) -> tuple[int, ...]:
        top = min(self.num_pes, self.max_cluster_size or self.num_pes)
        values = range(2, top + 1) if self.cluster_sizes is None else sorted(set(self.cluster_sizes))
        return tuple(v for v in values if 2 <= v <= top)

    @cached_property
    def extents(self) -> tuple[int, ...]:
        """The loops' extents in the space's order (the tiles above the top level)."""
        return tuple(loop.extent for loop in self.loops.loops)

    @cached_property
    def iterating_whole(self) -> tuple[str, ...]:
        """The loops that iterate at the top level even whole (see `always_iterating`)."""
        return tuple(loop.name for loop in self.loops.loops if loop.iterates_when_whole)

    @cached_property
    def cluster_size_set(self) -> frozenset[int]:
        """allowed_cluster_sizes as a set (membership tests of every candidate)."""
        return frozenset(self._cluster_sizes)


#: The restriction of a level the space does not restrict.
_UNRESTRICTED = LevelRestriction()


@dataclass(frozen=True)
class LevelChoice:
    """One level of a member: its spatial loop, its loop order (outermost first) and a tile per loop
    (in the space's loop order; Y and X in output positions)."""

    spatial_dimension: str
    loop_order: tuple[str, ...]
    tiles: tuple[int, ...]


@dataclass(frozen=True)
class MappingChoice:
    """A member of a mapping space: its levels (top first) and the Cluster sizes between them."""

    levels: tuple[LevelChoice, ...]
    cluster_sizes: tuple[int, ...]

    def with_level(self, index: int, level: LevelChoice) -> MappingChoice:
        """This member with level `index` replaced by `level` (a candidate: the caller checks or repairs it)."""
        return MappingChoice(self.levels[:index] + (level,) + self.levels[index + 1 :], self.cluster_sizes)


def iterating(space: MappingSpace, choice: MappingChoice, level: int) -> tuple[str, ...]:
    """The loops of `level` that iterate or are spatial, in the member's order (the others run once)."""
    current = choice.levels[level]
    above = choice.levels[level - 1].tiles if level else space.extents
    moving = {name for name, tile, up in zip(space.loops.names, current.tiles, above) if tile < up}
    moving.add(current.spatial_dimension)
    if level == 0:
        moving.update(space.iterating_whole)
    return tuple(name for name in current.loop_order if name in moving)


def always_iterating(space: MappingSpace, level: int) -> tuple[str, ...]:
    """Loops that iterate at `level` whatever their tile (compatibility mode's strided rows at the top level)."""
    return space.iterating_whole if level == 0 else ()


def canonical_order(space: MappingSpace, moving: tuple[str, ...]) -> tuple[str, ...]:
    """The loop order a member writes: loops that run once outermost in the space's order, then `moving`."""
    return tuple(name for name in space.loops.names if name not in moving) + moving


def canonical(space: MappingSpace, choice: MappingChoice) -> MappingChoice:
    """`choice` with every level's loops that run once moved to their canonical place (no-op without reduction)."""
    if not space.reduce_symmetric:
        return choice
    levels = tuple(
        LevelChoice(level.spatial_dimension, canonical_order(space, iterating(space, choice, index)), level.tiles)
        for index, level in enumerate(choice.levels)
    )
    return MappingChoice(levels, choice.cluster_sizes)


def order_allowed(space: MappingSpace, level: int, moving: tuple[str, ...]) -> bool:
    """Whether the iterating loops `moving` (in order) agree with one of the level's allowed orders."""
    allowed = space.restriction(level).loop_orders
    if allowed is None:
        return True
    chosen = set(moving)
    return any(tuple(name for name in order if name in chosen) == moving for order in allowed)


def check_member(space: MappingSpace, choice: MappingChoice) -> None:
    """InputError naming the first rule of the space that `choice` breaks; None for a member."""
    where = space.where
    count = len(choice.levels)
    if count not in space.level_counts:
        allowed = space.level_counts
        raise InputError(f"{count} cluster levels; the space allows {allowed.start} to {allowed.stop - 1}", where)
    if len(choice.cluster_sizes) != count - 1:
        raise InputError(f"{count} levels need {count - 1} cluster sizes, got {len(choice.cluster_sizes)}", where)
    allowed_sizes = space.cluster_size_set
    product = 1
    for size in choice.cluster_sizes:
        if size not in allowed_sizes:
            raise InputError(f"cluster size {size} is not allowed (2 to {space.num_pes}, within the space's limits)", where)
        product *= size
    if product > space.num_pes:
        raise InputError(f"the cluster sizes multiply to {product} PEs; the accelerator has {space.num_pes}", where)
    names = space.loops.names
    above = tuple(loop.extent for loop in space.loops.loops)
    for index, level in enumerate(choice.levels):
        place = f"{where}, level {index}"
        if level.spatial_dimension not in space.spatial_choices(index):
            raise InputError(f"spatial dimension {level.spatial_dimension} is not allowed (allowed: {', '.join(space.spatial_choices(index))})", place)
        if sorted(level.loop_order) != sorted(names):
            raise InputError(f"loop order {''.join(level.loop_order)} must name each of {', '.join(names)} once", place)
        if len(level.tiles) != len(names):
            raise InputError(f"{len(level.tiles)} tiles for {len(names)} loops", place)
        for loop, tile, up in zip(space.loops.loops, level.tiles, above):
            if not tile_fits(loop, tile, up, space.imperfect):
                rule = "a size from 1 to" if space.imperfect and not loop.divisors_only else "a divisor of"
                raise InputError(f"tile {tile} of {loop.name} must be {rule} {up} (the tile above)", place)
        moving = iterating(space, choice, index)
        if space.reduce_symmetric and level.loop_order != canonical_order(space, moving):
            raise InputError(f"loop order {''.join(level.loop_order)} is not canonical: loops that run once go first, in the order {''.join(names)}", place)
        ordered = moving if space.reduce_symmetric else level.loop_order  # unreduced: every loop has its place
        if not order_allowed(space, index, ordered):
            raise InputError(f"the loops {''.join(ordered)} are in no allowed loop order", place)
        above = level.tiles


def dataflow(space: MappingSpace, choice: MappingChoice) -> tuple[Directive, ...]:
    """The MAESTRO directives of member `choice` (written as `mapper.dimensions.written_tiles` says)."""
    loops = space.loops
    written = {loop.name: written_chain(loop, tuple(level.tiles[i] for level in choice.levels)) for i, loop in enumerate(loops.loops)}
    wholes = [TemporalMap(whole.size, whole.size, whole.name) for whole in loops.whole]
    directives: list[Directive] = []
    for index, level in enumerate(choice.levels):
        if index:
            directives.append(Cluster(choice.cluster_sizes[index - 1], "P"))
        for name in level.loop_order:
            size, offset = written[name][index]
            kind = SpatialMap if name == level.spatial_dimension else TemporalMap
            directives.append(kind(size, offset, name))
        directives += wholes
    return tuple(directives)
