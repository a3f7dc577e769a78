"""A user's restrictions of the mapping space (from a space file), applied to each layer.

Restrictions are written once for a whole network; `restricted_space` applies them to one layer: a loop
the layer lacks is ignored (a depthwise layer has no K), an order constrains only the loops it names.
`start_members` reads the dataflows of the templates a file starts from as members of that space.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

from mapscope.errors import InputError
from mapscope.formats.mapping_space_file import MappingSpaceFile
from mapscope.mapper.dimensions import DIMENSION_ORDER
from mapscope.mapper.members import choice_of
from mapscope.mapper.space import LevelRestriction, MappingChoice, MappingSpace
from mapscope.mapping.templates import template
from mapscope.workload.layer import Layer


@dataclass(frozen=True)
class LevelRule:
    """One level's restriction as written: allowed spatial loops and loop orders (None: any), and its place."""

    spatial: tuple[str, ...] | None
    orders: tuple[tuple[str, ...], ...] | None
    where: str


@dataclass(frozen=True)
class TemplateSeed:
    """A template (with parameter values) whose dataflow seeds a search."""

    name: str
    parameters: tuple[tuple[str, object], ...]
    where: str


@dataclass(frozen=True)
class SpaceRestrictions:
    """Everything a space file says, checked, independent of any layer."""

    min_levels: int = 1
    max_levels: int = 3
    imperfect: bool = False
    cluster_sizes: tuple[int, ...] | None = None
    max_cluster_size: int | None = None
    levels: tuple[LevelRule, ...] = ()
    start_from: tuple[TemplateSeed, ...] = ()
    where: str = "mapping space"


def _loop_names(text: str, where: str) -> tuple[str, ...]:
    """'KCYX' as ('K', 'C', 'Y', 'X'): known loop names, each once."""
    names = tuple(text)
    unknown = [name for name in names if name not in DIMENSION_ORDER]
    if unknown or not names:
        raise InputError(f"{text!r} is not a sequence of loop names ({', '.join(DIMENSION_ORDER)})", where)
    if len(set(names)) != len(names):
        raise InputError(f"{text!r} names a loop twice", where)
    return names


def space_restrictions(space_file: MappingSpaceFile) -> SpaceRestrictions:
    """The restrictions of a validated space file; InputError naming the key of the first contradiction."""
    document, where = space_file.document, space_file.where
    if document.min_levels > document.max_levels:
        raise InputError(f"min_levels {document.min_levels} is above max_levels {document.max_levels}", where(("min_levels",)))
    if len(document.levels) > document.max_levels:
        raise InputError(f"{len(document.levels)} level entries for at most {document.max_levels} levels", where(("levels",)))
    levels = []
    for index, section in enumerate(document.levels):
        spatial = None
        if section.spatial is not None:
            written = [section.spatial] if isinstance(section.spatial, str) else section.spatial
            spatial = tuple(name for text in written for name in _loop_names(text, where(("levels", index, "spatial"))))
        if section.loop_order is not None and section.loop_orders is not None:
            raise InputError("give loop_order (one) or loop_orders (several), not both", where(("levels", index, "loop_order")))
        orders = None
        if section.loop_order is not None:
            orders = (_loop_names(section.loop_order, where(("levels", index, "loop_order"))),)
        elif section.loop_orders is not None:
            orders = tuple(_loop_names(text, where(("levels", index, "loop_orders", i))) for i, text in enumerate(section.loop_orders))
        levels.append(LevelRule(spatial, orders, where(("levels", index, "spatial") if spatial else ("levels", index))))
    seeds = []
    for index, start in enumerate(document.start_from):
        place = where(("start_from", index))
        try:
            template(start.template).resolve(start.parameters)
        except InputError as error:
            raise InputError(error.message if not error.where else f"{error.where}: {error.message}", place) from None
        seeds.append(TemplateSeed(start.template, tuple(sorted(start.parameters.items())), place))
    if document.cluster_sizes is not None and document.max_cluster_size is not None:
        if all(size > document.max_cluster_size for size in document.cluster_sizes):
            raise InputError(f"every cluster size is above max_cluster_size {document.max_cluster_size}", where(("cluster_sizes",)))
    return SpaceRestrictions(
        document.min_levels,
        document.max_levels,
        document.imperfect,
        tuple(document.cluster_sizes) if document.cluster_sizes is not None else None,
        document.max_cluster_size,
        tuple(levels),
        tuple(seeds),
        space_file.path,
    )


def _full_orders(loops: tuple[str, ...], orders: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """Every order of `loops` that agrees with one of `orders` on the loops both name (sorted)."""
    allowed = set()
    for order in orders:
        named = tuple(name for name in order if name in loops)
        for candidate in permutations(loops):
            if tuple(name for name in candidate if name in named) == named:
                allowed.add(candidate)
    return tuple(sorted(allowed))


def restricted_space(restrictions: SpaceRestrictions, layer: Layer, num_pes: int, compat: str | None = None) -> MappingSpace:
    """The mapping space of `layer` on `num_pes` PEs under `restrictions` (InputError naming the rule that
    leaves a level of this layer with no spatial loop)."""
    loops = MappingSpace(layer, num_pes, compat=compat).loops.names
    levels = []
    for index, rule in enumerate(restrictions.levels):
        spatial = None
        if rule.spatial is not None:
            spatial = tuple(name for name in rule.spatial if name in loops)
            if not spatial:
                raise InputError(f"no loop of layer {layer.name} ({', '.join(loops)}) is allowed spatially at level {index}", rule.where)
        orders = _full_orders(loops, rule.orders) if rule.orders is not None else None
        levels.append(LevelRestriction(spatial, orders))
    return MappingSpace(
        layer,
        num_pes,
        min_levels=restrictions.min_levels,
        max_levels=restrictions.max_levels,
        levels=tuple(levels),
        cluster_sizes=restrictions.cluster_sizes,
        max_cluster_size=restrictions.max_cluster_size,
        imperfect=restrictions.imperfect,
        compat=compat,
        where=f"{restrictions.where}, layer {layer.name}",
    )


def start_members(restrictions: SpaceRestrictions, space: MappingSpace) -> tuple[MappingChoice, ...]:
    """The members the restrictions start from: each template's dataflow for the space's layer, read back
    (InputError naming the template and the first directive the space cannot hold)."""
    members = []
    for seed in restrictions.start_from:
        written = template(seed.name).dataflow(space.layer, space.num_pes, **dict(seed.parameters))
        try:
            members.append(choice_of(space, written))
        except InputError as error:
            raise InputError(f"template {seed.name} is not a member of the space for layer {space.layer.name}: {error.message}", seed.where) from None
    return tuple(members)
