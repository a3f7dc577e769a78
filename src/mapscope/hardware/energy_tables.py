"""Energy and area reference tables: what each action of each component costs, row by row, with sources.

In the spirit of Accelergy's energy reference tables, a table lists *components* (mac, sram,
register_file, noc, dram, and MAESTRO's per-level l1_buffer/l2_buffer) and for each row the attributes
that select it (`word_bits`, `capacity_bytes`, `type`), the energy of its actions in pJ, the area in µm²
where known, and the `source` the numbers come from. `energy_lookup` prices an accelerator from a table;
docs/energy.md describes the model and the built-in tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from mapscope.errors import InputError
from mapscope.hardware.accelerator import MAX_WORD_BITS

#: A key path inside a table, as in its YAML file: ("sram", 2, "read_pj").
TablePath = tuple[str | int, ...]


class EnergyTableError(InputError):
    """A table that cannot price anything as written; `path` names the row and key (located in files)."""

    def __init__(self, message: str, path: TablePath, table_name: str) -> None:
        self.path = path
        dotted = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
        super().__init__(message, f"energy table {table_name!r}: {dotted}")


@dataclass(frozen=True)
class MacRow:
    """One multiply-accumulate of `word_bits`-bit operands."""

    word_bits: int
    energy_pj: float
    source: str
    area_um2: float | None = None


@dataclass(frozen=True)
class SramRow:
    """One access of `word_bits` bits to an SRAM of `capacity_bytes` (register files use the same row)."""

    capacity_bytes: int
    word_bits: int
    read_pj: float
    write_pj: float
    source: str
    area_um2: float | None = None


@dataclass(frozen=True)
class NocRow:
    """Moving one `word_bits`-bit word one hop on the on-chip network."""

    word_bits: int
    pj_per_word_per_hop: float
    source: str


@dataclass(frozen=True)
class DramRow:
    """Reading or writing one bit of off-chip DRAM of a given `type` (LPDDR4, DDR4, HBM2, ...)."""

    type: str
    pj_per_bit: float
    source: str


@dataclass(frozen=True)
class BufferLevelRow:
    """One element access of a whole buffer level at any capacity (MAESTRO's form: no size dependence)."""

    read_pj: float
    write_pj: float
    source: str


#: Component name -> the row type its rows have (l1_buffer and l2_buffer hold one row, or none).
COMPONENTS: dict[str, type] = {
    "mac": MacRow,
    "sram": SramRow,
    "register_file": SramRow,
    "noc": NocRow,
    "dram": DramRow,
    "l1_buffer": BufferLevelRow,
    "l2_buffer": BufferLevelRow,
}
#: The attribute that tells two rows of a component apart (interpolated over, or looked up by).
_ROW_KEYS = {"mac": "word_bits", "sram": "capacity_bytes", "register_file": "capacity_bytes", "noc": "word_bits", "dram": "type"}


@dataclass(frozen=True)
class EnergyAreaTable:
    """A named table of component rows (see the module docstring); checked when built."""

    name: str
    technology: str
    mac: tuple[MacRow, ...]
    sram: tuple[SramRow, ...] = ()
    register_file: tuple[SramRow, ...] = ()
    noc: tuple[NocRow, ...] = ()
    dram: tuple[DramRow, ...] = ()
    l1_buffer: BufferLevelRow | None = None
    l2_buffer: BufferLevelRow | None = None

    def __post_init__(self) -> None:
        problem = table_problem(self)
        if problem is not None:
            raise EnergyTableError(problem[1], problem[0], self.name)

    def rows(self, component: str) -> tuple[Any, ...]:
        """The rows of `component` (one or none for a buffer level)."""
        value = getattr(self, component)
        return value if isinstance(value, tuple) else (() if value is None else (value,))

    def dram_row(self, dram_type: str | None = None) -> DramRow | None:
        """The DRAM row of `dram_type` (None: the first row, the table's default); None if it has none."""
        if dram_type is None:
            return self.dram[0] if self.dram else None
        for row in self.dram:
            if row.type == dram_type:
                return row
        known = ", ".join(row.type for row in self.dram) or "none"
        raise InputError(f"no DRAM row of type {dram_type!r} in energy table {self.name!r}; it has: {known}")


def table_problem(table: EnergyAreaTable) -> tuple[TablePath, str] | None:
    """The first thing wrong with `table` (its key path and what), or None: what both builders check."""
    if not table.name.strip():
        return ("name",), "the table needs a name"
    if not table.mac:
        return ("mac",), "the table needs at least one mac row"
    if not table.sram and (table.l1_buffer is None or table.l2_buffer is None):
        return ("sram",), "the table needs sram rows (or both l1_buffer and l2_buffer) to price the buffers"
    for component in COMPONENTS:
        rows = table.rows(component)
        for index, row in enumerate(rows):
            path: TablePath = (component,) if component in ("l1_buffer", "l2_buffer") else (component, index)
            problem = _row_problem(row)
            if problem is not None:
                return (*path, problem[0]), problem[1]
        key = _ROW_KEYS.get(component)
        if key is not None:
            seen: dict[Any, int] = {}
            for index, row in enumerate(rows):
                value = getattr(row, key)
                if value in seen:
                    return (component, index, key), f"{key} {value!r} is also in row {seen[value]}; rows need distinct {key}"
                seen[value] = index
    return None


def _row_problem(row: Any) -> tuple[str, str] | None:
    """The first field of `row` that is out of range, and why."""
    for field in fields(row):
        value = getattr(row, field.name)
        name = field.name
        if name in ("source", "type"):
            if not isinstance(value, str) or not value.strip():
                return name, f"{name} must be a non-empty text"
        elif name in ("word_bits", "capacity_bytes"):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                return name, f"{name} must be a positive integer, got {value!r}"
            if name == "word_bits" and value > MAX_WORD_BITS:
                return name, f"word_bits must be at most {MAX_WORD_BITS}, got {value}"
        elif value is not None and not _non_negative(value):
            return name, f"{name} must be a finite, non-negative number, got {value!r}"
    return None


def _non_negative(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def row_keys(component: str) -> Sequence[str]:
    """The field names of a row of `component`, in order (what a table file writes)."""
    return [field.name for field in fields(COMPONENTS[component])]
