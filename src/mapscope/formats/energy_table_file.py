"""Energy/area tables as YAML or JSON files (docs/energy.md), validated with one-line errors; and by name.

A table file, in the spirit of Accelergy's energy reference tables::

    name: my28nm                        # required
    technology: 28 nm, 0.9 V            # required (free text)
    components:
      mac:                              # required: rows by word_bits (interpolated log-log between rows)
        - {word_bits: 8, energy_pj: 0.2, area_um2: 300, source: "..."}
      sram:                             # rows by capacity_bytes (interpolated log-log between rows)
        - {capacity_bytes: 8192, word_bits: 64, read_pj: 10, write_pj: 11, area_um2: 30000, source: "..."}
      register_file: [...]              # optional, rows as sram; the first row is a PE's register file
      noc:                              # optional: pJ to move one word one hop
        - {word_bits: 16, pj_per_word_per_hop: 0.8, source: "..."}
      dram:                             # required: pJ per bit by DRAM type; the first row is the default
        - {type: LPDDR4, pj_per_bit: 4.0, source: "..."}
      l1_buffer: {read_pj: 0.4, write_pj: 0.4, source: "..."}   # optional: one level at any capacity

Every row needs a `source`. Unknown keys, negative or non-finite energies, repeated attributes, a missing
component and every other problem is an InputError located ``FILE:LINE: components.sram[1].read_pj``.
Writing a table and reading it back gives an equal table.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError

from mapscope.errors import InputError
from mapscope.formats.atomic_file import cannot_write, write_text_atomically
from mapscope.formats.descriptions import DESCRIPTION_SUFFIXES, _describe, _Strict, _validate
from mapscope.formats.documents import Document
from mapscope.formats.maestro.tokens import read_text_file
from mapscope.hardware.accelerator import MAX_WORD_BITS
from mapscope.hardware.energy_builtin import BUILTIN_TABLES
from mapscope.hardware.energy_tables import (
    COMPONENTS,
    BufferLevelRow,
    DramRow,
    EnergyAreaTable,
    EnergyTableError,
    MacRow,
    NocRow,
    SramRow,
    row_keys,
)
from mapscope.limits import quoted

PicoJoules = Annotated[float, Field(ge=0)]
Area = Annotated[float, Field(ge=0)]
Source = Annotated[str, Field(min_length=1)]
WordBits = Annotated[int, Field(gt=0, le=MAX_WORD_BITS)]
Capacity = Annotated[int, Field(gt=0)]


class MacEntry(_Strict):
    """A `mac` row: one MAC of `word_bits`-bit operands."""

    word_bits: WordBits
    energy_pj: PicoJoules
    source: Source
    area_um2: Area | None = None


class SramEntry(_Strict):
    """An `sram` or `register_file` row: one access of `word_bits` bits to `capacity_bytes`."""

    capacity_bytes: Capacity
    word_bits: WordBits
    read_pj: PicoJoules
    write_pj: PicoJoules
    source: Source
    area_um2: Area | None = None


class NocEntry(_Strict):
    """A `noc` row: one `word_bits`-bit word moved one hop."""

    word_bits: WordBits
    pj_per_word_per_hop: PicoJoules
    source: Source


class DramEntry(_Strict):
    """A `dram` row: one bit read or written, by DRAM type."""

    type: Annotated[str, Field(min_length=1)]
    pj_per_bit: PicoJoules
    source: Source


class BufferLevelEntry(_Strict):
    """An `l1_buffer` or `l2_buffer`: one element access of that level at any capacity."""

    read_pj: PicoJoules
    write_pj: PicoJoules
    source: Source


class ComponentsEntry(_Strict):
    """The components of a table file; mac and dram are required, sram or both buffer levels too."""

    mac: Annotated[list[MacEntry], Field(min_length=1)]
    sram: list[SramEntry] = []
    register_file: list[SramEntry] = []
    noc: list[NocEntry] = []
    dram: Annotated[list[DramEntry], Field(min_length=1)]
    l1_buffer: BufferLevelEntry | None = None
    l2_buffer: BufferLevelEntry | None = None


class EnergyTableDocument(_Strict):
    """A whole table file."""

    name: Annotated[str, Field(min_length=1)]
    technology: str
    components: ComponentsEntry


_ROW_TYPES = {MacEntry: MacRow, SramEntry: SramRow, NocEntry: NocRow, DramEntry: DramRow, BufferLevelEntry: BufferLevelRow}


def _row(entry: _Strict) -> Any:
    return _ROW_TYPES[type(entry)](**entry.model_dump())


def parse_energy_table(text: str, source: str = "<string>.yaml") -> EnergyAreaTable:
    """The table a YAML (or, by suffix, JSON) document describes; every problem is a located InputError."""
    document = Document(source, text)
    model = _validated(document)
    components = model.components
    rows: dict[str, Any] = {}
    for name in COMPONENTS:
        value = getattr(components, name)
        rows[name] = tuple(_row(entry) for entry in value) if isinstance(value, list) else (None if value is None else _row(value))
    try:
        return EnergyAreaTable(name=model.name, technology=model.technology, **rows)
    except EnergyTableError as error:
        raise InputError(error.message, document.where(("components", *error.path) if error.path[0] in COMPONENTS else error.path)) from None


def _validated(document: Document) -> EnergyTableDocument:
    """The validated document; an unknown key is reported before the keys it leaves missing (a typo's cause)."""
    data = document.data
    if not isinstance(data, dict):
        found = "an empty document" if data is None else type(data).__name__
        raise InputError(f"expected an energy table: a mapping with keys {', '.join(EnergyTableDocument.model_fields)}, found {found}", document.path)
    try:
        return EnergyTableDocument.model_validate(document.data)
    except ValidationError as error:
        problems = error.errors(include_url=False)
        unknown = [problem for problem in problems if problem["type"] == "extra_forbidden"]
        if not unknown:
            return _validate(EnergyTableDocument, document.data, document, "energy table")  # raises, located
        first = unknown[0]
        raise InputError(_describe(EnergyTableDocument, first), document.where(tuple(first["loc"]))) from None


def read_energy_table(path: str | os.PathLike[str]) -> EnergyAreaTable:
    """Read a table file (.yaml, .yml or .json)."""
    _check_suffix(path)
    return parse_energy_table(read_text_file(path), str(path))


def energy_table_document(table: EnergyAreaTable) -> dict[str, Any]:
    """`table` as plain data in the file's layout (absent optional values left out)."""
    components: dict[str, Any] = {}
    for name in COMPONENTS:
        rows = table.rows(name)
        entries = [{key: getattr(row, key) for key in row_keys(name) if getattr(row, key) is not None} for row in rows]
        if name in ("l1_buffer", "l2_buffer"):
            if entries:
                components[name] = entries[0]
        elif entries:
            components[name] = entries
    return {"name": table.name, "technology": table.technology, "components": components}


def format_energy_table(table: EnergyAreaTable, json_format: bool = False) -> str:
    """The text of a table file: YAML, or JSON when `json_format`."""
    document = energy_table_document(table)
    if json_format:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def write_energy_table(table: EnergyAreaTable, path: str | os.PathLike[str]) -> None:
    """Write `table` as YAML or JSON (by suffix); reading the file back gives an equal table."""
    _check_suffix(path)
    try:
        write_text_atomically(path, format_energy_table(table, Path(path).suffix.lower() == ".json"))
    except OSError as error:
        raise cannot_write(path, error) from None


def load_energy_table(name_or_path: str | os.PathLike[str]) -> EnergyAreaTable:
    """A built-in table by name (maestro, horowitz45) or a table file."""
    text = os.fspath(name_or_path)
    if text in BUILTIN_TABLES:
        return BUILTIN_TABLES[text]
    if Path(text).suffix.lower() not in DESCRIPTION_SUFFIXES:
        raise InputError(f"{quoted(text)} is neither a built-in energy table ({', '.join(BUILTIN_TABLES)}) nor a .yaml/.json file")
    return read_energy_table(text)


def _check_suffix(path: str | os.PathLike[str]) -> None:
    if Path(path).suffix.lower() not in DESCRIPTION_SUFFIXES:
        raise InputError(f"cannot tell the format of {path}: expected a .yaml, .yml or .json file")
