"""The files of `mapscope systolic`: a JSON document, a CSV and a Parquet table of the per-layer records.

All three carry the `SystolicLayerStats` field names as they are, in field order, with the same values:
integers stay integers, floats keep full precision, a missing value (a GEMM row's conv shape, an
undefined utilisation) is null in JSON and Parquet and an empty cell in CSV. Files are rendered in
memory first (`render_topology_files`), then written atomically by the caller.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Sequence
from pathlib import Path

from mapscope.formats.csv_text import csv_text
from mapscope.formats.results.json_output import format_json_document
from mapscope.formats.results.parquet import TypedColumn, parquet_bytes, parquet_type
from mapscope.systolic.topology_run import SystolicLayerStats, TopologyRun



def format_topology_json(run: TopologyRun) -> str:
    """The JSON text of a run: settings, per-layer records, totals and notes (sorted keys, final newline)."""
    return format_json_document(run.document())


def format_topology_csv(layers: Sequence[SystolicLayerStats]) -> str:
    """One CSV line per layer under a header of `SystolicLayerStats` field names; None is an empty cell."""
    return csv_text(SystolicLayerStats.field_names(), (layer.as_dict().values() for layer in layers))


def topology_parquet_bytes(layers: Sequence[SystolicLayerStats], where: str) -> bytes:
    """The Parquet bytes of the per-layer records, one typed column per field (needs pyarrow)."""
    hints = typing.get_type_hints(SystolicLayerStats)
    rows = [layer.as_dict() for layer in layers]
    columns = [
        TypedColumn(name, parquet_type(hints[name]), [row[name] for row in rows]) for name in SystolicLayerStats.field_names()
    ]
    return parquet_bytes(columns, where)


def render_topology_files(
    run: TopologyRun, *, json_path: Path | None = None, csv_path: Path | None = None, parquet_path: Path | None = None
) -> dict[Path, bytes]:
    """The bytes of every requested file, by path (nothing is written here, so a failure writes nothing)."""
    files: dict[Path, bytes] = {}
    if json_path is not None:
        files[json_path] = format_topology_json(run).encode("utf-8")
    if csv_path is not None:
        files[csv_path] = format_topology_csv(run.layers).encode("utf-8")
    if parquet_path is not None:
        files[parquet_path] = topology_parquet_bytes(run.layers, os.fspath(parquet_path))
    return files

