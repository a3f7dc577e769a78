"""The settings of a co-search (`mapping: search` in a space file): how every design's mappings are searched.

`mapping_search` checks the space file's `mapping.search` section (strategy, budget per distinct layer,
objective, seed, mapping-space restrictions inline or in a mapper space file) before any design is
evaluated; `explore.searched_mappings` runs the searches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from mapscope.errors import InputError
from mapscope.formats.mapping_space_file import inline_mapping_space, read_mapping_space_file
from mapscope.formats.space_file import MappingSearchSection
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper.layer_searches import check_strategy
from mapscope.mapper.mapping_objectives import MappingConstraints, mapping_objective
from mapscope.mapper.network_search import DEFAULT_BUDGET_PER_LAYER, DEFAULT_STRATEGY, layer_problem
from mapscope.mapper.restrictions import SpaceRestrictions, space_restrictions
from mapscope.optimization.objectives import Objective
from mapscope.workload.network import Network

Where = Callable[[tuple[str | int, ...]], str]

#: Designs per batch of a co-search unless `search.batch_size` says otherwise: a searched design costs
#: seconds, so batches stay small (each design is its own chunk; a batch's last designs leave few workers idle).
SEARCHED_BATCH_SIZE = 32

#: The space objectives whose metric the mapper can minimise per layer, by the mapper's name for it.
_MAPPER_OBJECTIVES = {"runtime_cycles": "runtime", "energy_nj": "energy", "edp_nj_cycles": "edp"}


@dataclass(frozen=True)
class MappingSearch:
    """How each design's mappings are searched: the mapper's strategy, budget per distinct layer, seed,
    objective, the restrictions of its mapping space, and whether the buffers constrain the mappings."""

    strategy: str
    budget_per_layer: int
    seed: int
    objective: Objective
    restrictions: SpaceRestrictions | None
    constraints: MappingConstraints
    l1_fits: bool = False  # buffers_fit: l1: each design's L1 bounds its mappings' L1 requirement (L2 may spill)


def default_objective(space_objectives: tuple[Objective, ...]) -> str:
    """The mapper objective a co-search uses when the space names none: the space's first objective when it
    is runtime, energy or EDP alone, else edp."""
    terms = space_objectives[0].terms if space_objectives else ()
    if len(terms) == 1 and terms[0][1] > 0 and terms[0][0] in _MAPPER_OBJECTIVES:
        return _MAPPER_OBJECTIVES[terms[0][0]]
    return "edp"


def _restrictions(section: MappingSearchSection, directory: Path, where: Where) -> SpaceRestrictions | None:
    """The mapping space's restrictions: inline (errors located in the space file) or a mapper space file."""
    if section.space is None:
        return None
    if isinstance(section.space, str):
        place = where(("mapping", "search", "space"))
        candidate = directory / section.space
        try:
            return space_restrictions(read_mapping_space_file(candidate if candidate.is_file() else section.space))
        except OSError as error:
            raise InputError(f"cannot read the mapping space {section.space!r}: {error.strerror}", place) from None
    inline = inline_mapping_space(section.space, where(("mapping", "search", "space")), lambda loc: where(("mapping", "search", "space", *loc)))
    return space_restrictions(inline)


def mapping_search(
    section: MappingSearchSection,
    space_objectives: tuple[Objective, ...],
    buffers_fit: bool | str,
    network: Network,
    num_pes: int,
    compat: str | None,
    directory: Path,
    where: Where,
) -> MappingSearch:
    """The checked settings of `mapping.search`; a restriction no layer of `network` can meet is refused
    here (checked on `num_pes` PEs), before any design is evaluated."""
    strategy = section.strategy or DEFAULT_STRATEGY
    budget = section.budget_per_layer or DEFAULT_BUDGET_PER_LAYER
    check_strategy(strategy, budget)
    objective = mapping_objective(section.objective or default_objective(space_objectives))
    restrictions = _restrictions(section, directory, where)
    constraints = MappingConstraints(buffers_fit=buffers_fit is True)
    if restrictions is not None:
        accelerator = Accelerator(num_pes=num_pes)
        for layer in {(layer.type, layer.dimensions, layer.strides): layer for layer in network.layers}.values():
            layer_problem(layer, accelerator, objective, restrictions, constraints, compat, None)
    return MappingSearch(strategy, budget, section.seed, objective, restrictions, constraints, l1_fits=buffers_fit == "l1")


def search_identity(search: MappingSearch) -> str:
    """What a design's searched mappings depend on, without the places errors name (file paths and lines),
    so a moved space file keeps its store."""
    restrictions = search.restrictions
    if restrictions is not None:
        restrictions = replace(
            restrictions,
            where="",
            levels=tuple(replace(level, where="") for level in restrictions.levels),
            start_from=tuple(replace(seed, where="") for seed in restrictions.start_from),
        )
    return repr(replace(search, restrictions=restrictions))
