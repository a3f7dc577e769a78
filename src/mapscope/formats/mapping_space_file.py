"""The mapper's space file (YAML or JSON): how a user restricts the per-layer mapping space.

Every key is optional; an empty document is the default space (docs/mapper.md, The space file)::

    min_levels: 1
    max_levels: 2                  # cluster levels, 1 to 3
    imperfect: false               # true: any tile size, with edge tiles (default: divisors)
    cluster_sizes: [4, 8, 16, 32]  # allowed Cluster sizes (default: 2 to the PE count)
    max_cluster_size: 64
    levels:                        # per cluster level, top first
      - spatial: K                 # or a list: [K, C]
        loop_orders: [KCYX, CKYX]  # or loop_order: KCYX (fixed); loops a layer lacks are ignored
      - spatial: C
    start_from:                    # templates whose dataflow seeds a search (each must be a member)
      - {template: kcp_ws, parameters: {cluster_size: 32}}

`mapper.restrictions.space_restrictions` turns the validated document into `SpaceRestrictions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError

from mapscope.errors import InputError
from mapscope.formats.descriptions import DESCRIPTION_SUFFIXES, _describe, _Strict, _validate
from mapscope.formats.documents import Document
from mapscope.formats.maestro.tokens import read_text_file

PositiveInt = Annotated[int, Field(gt=0)]
LevelCount = Annotated[int, Field(ge=1, le=3)]


class LevelSection(_Strict):
    """What one cluster level may use."""

    spatial: str | list[str] | None = None
    """The loop (or loops) allowed to be spread over this level's sub-clusters."""
    loop_order: str | None = None
    """One fixed order of the iterating loops, outermost first (e.g. KCYX)."""
    loop_orders: Annotated[list[str], Field(min_length=1)] | None = None
    """Allowed orders of the iterating loops."""


class TemplateStart(_Strict):
    """A template whose dataflow seeds a search; it must be a member of the space."""

    template: Annotated[str, Field(min_length=1)]
    parameters: dict[str, Any] = {}


class MappingSpaceDocument(_Strict):
    """The whole space file."""

    min_levels: LevelCount = 1
    max_levels: LevelCount = 3
    imperfect: bool = False
    cluster_sizes: Annotated[list[PositiveInt], Field(min_length=1)] | None = None
    max_cluster_size: PositiveInt | None = None
    levels: Annotated[list[LevelSection], Field(max_length=3)] = []
    start_from: list[TemplateStart] = []


@dataclass(frozen=True)
class MappingSpaceFile:
    """A validated space file and a function naming the place of a field in it (file, line and key)."""

    document: MappingSpaceDocument
    path: str
    where: Callable[[tuple[str | int, ...]], str]


def read_mapping_space_file(path: str | PathLike[str]) -> MappingSpaceFile:
    """Read and validate a mapper space file (.yaml, .yml or .json)."""
    name = str(path)
    if Path(name).suffix.lower() not in DESCRIPTION_SUFFIXES:
        raise InputError(f"a mapping space is a YAML or JSON file ({', '.join(DESCRIPTION_SUFFIXES)})", name)
    return parse_mapping_space_text(read_text_file(path), name)


def parse_mapping_space_text(text: str, source: str = "<space>.yaml") -> MappingSpaceFile:
    """Validate a space document given as text (`source` names it in errors; an empty text is the default space)."""
    document = Document(source, text)
    data = {} if document.data is None else document.data
    model: MappingSpaceDocument = _validate(MappingSpaceDocument, data, document, "mapping space")
    return MappingSpaceFile(model, source, document.where)


def inline_mapping_space(data: dict[str, Any], source: str, where: Callable[[tuple[str | int, ...]], str]) -> MappingSpaceFile:
    """Validate a space written inside another document (a design space's `mapping.search.space`): `where`
    locates its keys in that document, `source` names it."""
    try:
        model = MappingSpaceDocument.model_validate(data)
    except ValidationError as error:
        problems = error.errors(include_url=False)
        others = len(problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        raise InputError(_describe(MappingSpaceDocument, problems[0]) + more, where(tuple(problems[0]["loc"]))) from None
    return MappingSpaceFile(model, source, where)
