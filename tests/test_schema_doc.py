"""docs/schema.md lists every LayerStats column and network total, in order, with units and MAESTRO's names."""

from __future__ import annotations

import re
from pathlib import Path

from mapscope.formats.maestro.csv_file import MAESTRO_CSV_COLUMNS
from mapscope.stats import LayerStats, NetworkStats

SCHEMA_PAGE = Path(__file__).resolve().parents[1] / "docs" / "schema.md"

#: The unit a column's name promises, by the end of its name; names without a unit suffix are left out.
UNIT_SUFFIXES = (
    ("_elems_per_cycle", "elements/cycle"),
    ("_cycles", "cycles"),
    ("_elems", "elements"),
    ("_nj", "nJ"),
    ("_pj", "pJ"),
    ("_um2", "µm²"),
    ("_mw", "mW"),
)


def table_rows(heading: str) -> list[list[str]]:
    """The cells of the table under `heading` (header and separator lines left out)."""
    section = SCHEMA_PAGE.read_text(encoding="utf-8").split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


def name(cell: str) -> str:
    (match,) = re.fullmatch(r"`([^`]+)`", cell).groups()  # type: ignore[union-attr]
    return match


def test_every_column_in_field_order() -> None:
    assert [name(row[0]) for row in table_rows("Per-layer columns")] == list(LayerStats.field_names())


def test_units_agree_with_the_names() -> None:
    for row in table_rows("Per-layer columns"):
        column, unit = name(row[0]), row[1]
        expected = next((unit_name for suffix, unit_name in UNIT_SUFFIXES if column.endswith(suffix)), None)
        if expected is not None:
            assert unit == expected, column
        if column.startswith(("dim_", "stride_")):
            assert unit == "count", column
        if LayerStats.field_types()[column] is str:
            assert unit == "—", column


def test_maestro_names_agree_with_the_maestro_csv_table() -> None:
    for row in table_rows("Per-layer columns"):
        column, listed = name(row[0]), re.findall(r"`([^`]+)`", row[2])
        assert listed == [c.maestro_header.strip() for c in MAESTRO_CSV_COLUMNS if c.field == column], column


def test_every_network_total() -> None:
    totals = NetworkStats("n", None, ()).totals()
    assert sorted(name(row[0]) for row in table_rows("Network totals")) == sorted(totals)
