"""MAESTRO's per-layer CSV format: written byte-identical to MAESTRO in compat mode, and read back.

mapscope writes this format in compat mode, when MAESTRO's flag spellings are used, and on request
(`--csv-format maestro`); otherwise the per-layer CSV has the `LayerStats` schema (formats/results/layer_table).
One column table (`MAESTRO_CSV_COLUMNS`) drives the writer, the reader and the row-to-`LayerStats` converter.
MAESTRO's CSV quirks are reproduced (docs/formats.md, MAESTRO's CSV file): its header text with odd spacing (a double space before
"L2 SRAM Size Req (Bytes)" and "Egress Delay (Avg)", no space after the reuse-factor and average-delay
columns), the second "Compute Delay (Min)" that really is the maximum, values 0-25 each followed by ","
and values 26-51 joined by ", ", floats in C++ ostream default format (6 significant digits, like ``%g``).
Unlike MAESTRO, the file is always overwritten (never appended to) and written atomically.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import numbers
import os
from collections.abc import Mapping
from typing import Literal, NamedTuple

from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_text_atomically
from mapscope.formats.maestro.tokens import maestro_display_name
from mapscope.stats import LayerStats, NetworkStats

ValueKind = Literal["text", "int", "float"]


class CsvColumn(NamedTuple):
    """One CSV column: MAESTRO's header token (exact spacing), the `LayerStats` field, its kind, and the key
    `read_maestro_csv` gives it when that is not the stripped header (MAESTRO's mislabelled column)."""

    maestro_header: str
    field: str
    kind: ValueKind
    key: str = ""


def _tensor_columns(tensor: str, maestro_prefix: str) -> list[CsvColumn]:
    """The five per-tensor columns (L1/L2 reads and writes, reuse factor) of one tensor."""
    return [
        CsvColumn(f"{maestro_prefix}{tensor} l1 read", f"{tensor}_l1_read_elems", "int"),
        CsvColumn(f" {tensor} l1 write", f"{tensor}_l1_write_elems", "int"),
        CsvColumn(f" {tensor} l2 read", f"{tensor}_l2_read_elems", "int"),
        CsvColumn(f" {tensor} l2 write", f"{tensor}_l2_write_elems", "int"),
        CsvColumn(f" {tensor} reuse factor", f"{tensor}_reuse_factor", "float"),
    ]


#: The 52 columns in MAESTRO's order. `maestro_header` is the token between commas in MAESTRO's header line,
#: leading spaces included, so ``",".join(maestro_header ...)`` is that line byte for byte.
MAESTRO_CSV_COLUMNS: tuple[CsvColumn, ...] = (
    CsvColumn("Neural Network Name", "network", "text"),
    CsvColumn(" Layer Number", "layer", "text"),
    CsvColumn(" NumPEs", "num_pes", "int"),
    CsvColumn(" Runtime (Cycles)", "runtime_cycles", "int"),
    CsvColumn(" Activity count-based Energy (nJ)", "energy_nj", "float"),
    CsvColumn(" Throughput (MACs/Cycle)", "throughput_macs_per_cycle", "float"),
    CsvColumn(" Throughput Per Energy (GMACs/s*J)", "throughput_per_energy_gmacs_per_s_j", "float"),
    CsvColumn(" Area", "area_um2", "float"),
    CsvColumn(" Power", "power_mw", "float"),
    CsvColumn(" NoC BW Req (Elements/cycle)", "peak_noc_bw_elems_per_cycle", "int"),
    CsvColumn(" Avg BW Req", "avg_noc_bw_elems_per_cycle", "float"),
    CsvColumn(" Peak BW Req", "peak_noc_bw_elems_per_cycle", "int"),
    CsvColumn(" Vector Width", "simd_lanes", "int"),
    CsvColumn(" Offchip BW Req (Elements/cycle)", "offchip_bw_req_elems_per_cycle", "int"),
    CsvColumn("  L2 SRAM Size Req (Bytes)", "l2_size_req_elems", "int"),
    CsvColumn(" L1 SRAM Size Req (Bytes)", "l1_size_req_elems", "int"),
    CsvColumn(" Multicasting Factor (Weight)", "multicast_factor_weight", "float"),
    CsvColumn(" Multicasting Factor (Input)", "multicast_factor_input", "float"),
    CsvColumn(" Num Total Input Pixels", "input_tensor_elems", "int"),
    CsvColumn(" Num Total Weight Pixels", "filter_tensor_elems", "int"),
    CsvColumn(" Ops/J", "ops_per_joule", "float"),
    CsvColumn(" Num MACs", "macs", "int"),
    CsvColumn(" PE power", "pe_power_mw", "float"),
    CsvColumn(" L1 power", "l1_power_mw", "float"),
    CsvColumn(" L2 power", "l2_power_mw", "float"),
    CsvColumn(" NOC power", "noc_power_mw", "float"),
    *_tensor_columns("input", " "),
    *_tensor_columns("filter", ""),
    *_tensor_columns("output", ""),
    CsvColumn("Ingress Delay (Min)", "ingress_delay_min_cycles", "int"),
    CsvColumn(" Ingress Delay (Max)", "ingress_delay_max_cycles", "int"),
    CsvColumn(" Ingress Delay (Avg)", "ingress_delay_avg_cycles", "int"),
    CsvColumn(" Egress Delay (Min)", "egress_delay_min_cycles", "int"),
    CsvColumn(" Egress Delay (Max)", "egress_delay_max_cycles", "int"),
    CsvColumn("  Egress Delay (Avg)", "egress_delay_avg_cycles", "int"),
    CsvColumn("Compute Delay (Min)", "compute_delay_min_cycles", "int"),
    CsvColumn(" Compute Delay (Min)", "compute_delay_max_cycles", "int", "Compute Delay (Max)"),  # MAESTRO's typo
    CsvColumn(" Compute Delay (Avg)", "compute_delay_avg_cycles", "int"),
    CsvColumn("Avg number of utilized PEs", "avg_utilized_pes", "float"),
    CsvColumn(" Arithmetic Intensity", "arithmetic_intensity_macs_per_elem", "float"),
)

#: MAESTRO writes values 0..25 each followed by ",", then joins values 26..51 with ", " (docs/formats.md, MAESTRO's CSV file).
MAESTRO_SPACED_FROM_COLUMN = 26


def _reader_keys(headers: list[str]) -> list[str]:
    """Dictionary keys for a header row: stripped names, MAESTRO's repeated "Compute Delay (Min)" as its `key`."""
    keys: list[str] = []
    for position, raw in enumerate(headers):
        key = raw.strip()
        if key in keys:
            column = MAESTRO_CSV_COLUMNS[position] if position < len(MAESTRO_CSV_COLUMNS) else None
            if column is None or not column.key or column.maestro_header.strip() != key or column.key in keys:
                raise InputError(f"column {position + 1} repeats the header {key!r}")
            key = column.key
        keys.append(key)
    return keys


#: The key `read_maestro_csv` gives each column of a MAESTRO CSV (MAESTRO's names, stripped, typo fixed).
MAESTRO_CSV_KEYS: tuple[str, ...] = tuple(_reader_keys([c.maestro_header for c in MAESTRO_CSV_COLUMNS]))


def format_cpp_float(value: float) -> str:
    """A float as C++ `ostream << double` prints it by default: 6 significant digits, like C's ``%g``."""
    number = float(value)
    if math.isnan(number):
        return "-nan" if math.copysign(1.0, number) < 0 else "nan"
    return f"{number:g}"  # Python's "g" follows C's %g: precision 6, trailing zeros dropped, e+XX


def _integer(value: object, column: CsvColumn) -> int:
    """`value` as an int for an integer column; an integral float is accepted, anything else is a bug upstream."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(float(value))
    raise ValueError(f"CSV column {column.field!r}: expected an integer, got {value!r}")


def _format_value(value: object, column: CsvColumn, *, compat: bool) -> str:
    """One cell as MAESTRO prints it: text as is (names cut to their last token in compat mode), integers
    in decimal, floats in C++'s default format."""
    if column.kind == "text":
        return maestro_display_name(str(value)) if compat else str(value)
    if column.kind == "int":
        return str(_integer(value, column))
    return format_cpp_float(value)  # type: ignore[arg-type]


def format_maestro_csv(stats: NetworkStats, *, compat: bool) -> str:
    """The whole CSV text for `stats` in MAESTRO's format: MAESTRO's bytes in compat mode; otherwise the same
    layout with layer names kept as written (MAESTRO keeps only a name's last token)."""
    lines = [",".join(column.maestro_header for column in MAESTRO_CSV_COLUMNS)]
    for layer in stats.layers:
        cells = [_format_value(getattr(layer, c.field), c, compat=compat) for c in MAESTRO_CSV_COLUMNS]
        head = "".join(cell + "," for cell in cells[:MAESTRO_SPACED_FROM_COLUMN])
        lines.append(head + ", ".join(cells[MAESTRO_SPACED_FROM_COLUMN:]))
    return "".join(line + "\n" for line in lines)


def write_maestro_csv(stats: NetworkStats, path: str | os.PathLike[str], *, compat: bool) -> None:
    """Write one row per layer to `path` in MAESTRO's format, replacing any existing file (MAESTRO would append)."""
    write_text_atomically(path, format_maestro_csv(stats, compat=compat))


def read_maestro_csv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Rows of a CSV as dicts keyed by the stripped header names (made for MAESTRO's, reads any plain CSV).

    MAESTRO's second "Compute Delay (Min)" column (really the maximum) is keyed "Compute Delay (Max)".
    """
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, skipinitialspace=True))
    except OSError as error:
        raise InputError(f"cannot read CSV: {error.strerror}", str(path)) from error
    if not rows:
        raise InputError("empty CSV file (no header)", str(path))
    try:
        keys = _reader_keys(rows[0])
    except InputError as error:
        raise InputError(error.message, str(path)) from error
    records: list[dict[str, str]] = []
    for line_number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(keys):
            raise InputError(f"{len(row)} values for {len(keys)} columns", f"{path}:{line_number}")
        records.append(dict(zip(keys, (value.strip() for value in row), strict=True)))
    return records


def layer_stats_from_csv_row(row: Mapping[str, str]) -> LayerStats:
    """A `LayerStats` from one `read_maestro_csv` row of a MAESTRO CSV; the fields MAESTRO's CSV lacks (the
    layer's type and shape, the MAC/L1/L2 energy split, ...) are 0 or ""."""
    values: dict[str, object] = {}
    for column, maestro_key in zip(MAESTRO_CSV_COLUMNS, MAESTRO_CSV_KEYS, strict=True):
        text = row.get(maestro_key)
        if text is None:
            raise InputError(f"CSV row has no column {maestro_key!r}")
        try:
            if column.kind == "int":
                values[column.field] = int(text)
            elif column.kind == "float":
                values[column.field] = float(text)
            else:
                values[column.field] = text
        except ValueError:
            raise InputError(f"column {maestro_key!r}: {text!r} is not a number") from None
    for stats_field in dataclasses.fields(LayerStats):
        values.setdefault(stats_field.name, "" if stats_field.type in ("str", str) else 0)
    return LayerStats(**values)  # type: ignore[arg-type]


def maestro_csv_file_name(mapping_argument: str) -> str:
    """The CSV name MAESTRO derives from its --Mapping_file value (docs/formats.md, MAESTRO's CSV file), relative to the working directory.

    MAESTRO drops everything up to the first "/" twice, then cuts at the first "." and appends ".csv":
    ``data/mapping/X.m`` → ``X.csv``, ``inputs/X.m`` → ``X.csv``, ``a/b/c/X.m`` → ``c/X.csv``.
    """
    name = mapping_argument
    for _ in range(2):
        name = name[name.find("/") + 1 :]  # find() is -1 when absent: keeps the whole string, like MAESTRO
    dot = name.find(".")
    return (name if dot < 0 else name[:dot]) + ".csv"
