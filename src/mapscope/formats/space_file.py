"""The design-space file of `mapscope explore` (YAML or JSON), validated with pydantic, errors with lines.

A space names a network, the hardware and mapping parameters to sweep (lists, or integer ranges with
a step or powers of two), constraints as bounds on metrics, objectives and the search to run::

    name: resnet50-area-budget
    network: resnet50_kcp_ws          # a shipped example or a .m/.yaml file (relative to this file)
    mapping: {template: kcp_ws, parameters: {cluster_size: [16, 32, 64]}}
    hardware:
      num_pes: {range: [64, 1024], scale: log2}
      noc_bandwidth_elems_per_cycle: [16, 32, 64]
    constraints: {area_mm2: {max: 30}, buffers_fit: true}
    objectives: [runtime_cycles, energy_nj]
    energy_table: horowitz45          # price each design's energy and SRAM area by its buffer sizes (optional)
    search: {strategy: grid}

A co-search replaces the template by a per-layer mapping search on every design
(`mapping: search`, or `mapping: {search: {strategy: genetic, budget_per_layer: 200, ...}}`).

`explore.space.design_space` turns the validated document into a `DesignSpace`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from mapscope.errors import InputError
from mapscope.formats.descriptions import DESCRIPTION_SUFFIXES, _Strict, _validate
from mapscope.formats.documents import Document
from mapscope.formats.maestro.tokens import read_text_file

Scalar = int | float | str | bool


class ValueRange(_Strict):
    """Integers from `range[0]` to `range[1]` inclusive: every `step`-th, or the powers of two (log2)."""

    range: Annotated[list[int], Field(min_length=2, max_length=2)]
    step: Annotated[int, Field(gt=0)] | None = None
    scale: Literal["linear", "log2"] = "linear"


#: A parameter's candidates as written: a list of values, a ValueRange mapping, or one value. Checked
#: by `explore.space.expand_values`, which words its errors for this use rather than pydantic's unions.
ValueSpec = Any


class MappingSearchSection(_Strict):
    """`mapping.search`: every design's layers get mappings searched on its hardware (co-search).

    None means the mapper's default (strategy, budget) or the space's first objective when it is runtime,
    energy or EDP (else edp); `space` restricts the mapping space, inline or as a mapper space file."""

    strategy: Literal["genetic", "random", "exhaustive", "auto"] | None = None
    budget_per_layer: Annotated[int, Field(gt=0)] | None = None
    objective: Literal["runtime", "energy", "edp"] | None = None
    seed: Annotated[int, Field(ge=0)] = 0
    space: Annotated[str, Field(min_length=1)] | dict[str, Any] | None = None  # a file, or its keys inline


class MappingSection(_Strict):
    template: str | None = None  # None (and no search): the network file's own dataflows
    parameters: dict[str, ValueSpec] = {}
    search: MappingSearchSection | None = None


class Bound(_Strict):
    min: int | float | None = None
    max: int | float | None = None


class WeightedSum(_Strict):
    weighted_sum: dict[str, int | float]


class SearchSection(_Strict):
    strategy: Literal["grid", "random", "evolve"] = "grid"
    budget: Annotated[int, Field(gt=0)] | None = None
    seed: Annotated[int, Field(ge=0)] = 0
    population: Annotated[int, Field(ge=2)] = 64
    batch_size: Annotated[int, Field(gt=0)] | None = None  # None: explore.space's default for the space


class SpaceDocument(_Strict):
    name: Annotated[str, Field(min_length=1)]
    engine: Literal["maestro", "systolic"] = "maestro"
    network: Annotated[str, Field(min_length=1)]
    base_hardware: str | None = None
    compat: Literal["maestro"] | None = None
    energy_table: Annotated[str, Field(min_length=1)] | None = None  # maestro: a built-in table or a table file
    batch: Annotated[int, Field(gt=0)] = 1
    passes: Literal["inference", "training"] = "inference"
    layers: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | None = None  # None: all
    mapping: MappingSection = MappingSection()
    hardware: dict[str, ValueSpec]
    constraints: dict[str, Bound | bool | str] = {}  # buffers_fit: true, false or l1 (L2 may spill; explore.engines checks)
    objectives: Annotated[list[str | WeightedSum], Field(min_length=1)]
    search: SearchSection = SearchSection()

    @field_validator("mapping", mode="before")
    @classmethod
    def _short_search(cls, value: Any) -> Any:
        """`mapping: search` is the co-search with every setting at its default."""
        if value == "search":
            return {"search": {}}
        if isinstance(value, str):
            raise ValueError("mapping is `search` or a mapping with template/parameters or search")
        return value


@dataclass(frozen=True)
class SpaceFile:
    """A validated space document, its text (kept in the result store) and where its fields are."""

    document: SpaceDocument
    text: str
    path: str
    directory: Path  # relative paths in the document are taken from here
    where: Callable[[tuple[str | int, ...]], str]


def read_space_file(path: str | PathLike[str]) -> SpaceFile:
    """Read and validate a design-space file (.yaml, .yml or .json)."""
    name = str(path)
    if Path(name).suffix.lower() not in DESCRIPTION_SUFFIXES:
        raise InputError(f"a design space is a YAML or JSON file ({', '.join(DESCRIPTION_SUFFIXES)})", name)
    text = read_text_file(path)
    return parse_space_text(text, name, Path(name).resolve().parent)


def parse_space_text(text: str, source: str = "<space>.yaml", directory: Path | None = None) -> SpaceFile:
    """Validate a design-space document given as text (`source` names it in errors)."""
    document = Document(source, text)
    model: SpaceDocument = _validate(SpaceDocument, document.data, document, "design space")
    return SpaceFile(model, text, source, directory or Path.cwd(), document.where)
