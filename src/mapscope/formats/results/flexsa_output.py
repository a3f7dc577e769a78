"""The FlexSA study's files (JSON summary, per-GEMM CSV), rendered in memory; its figures are drawn by
`mapscope.report.flexsa_plots`, and `formats.output_files.write_files` writes them all."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mapscope.formats.results.json_output import format_json_document
from mapscope.stats import SystolicGemmStats

if TYPE_CHECKING:
    from mapscope.systolic.flexsa_study import FlexsaStudy


def format_systolic_csv(rows: Sequence[SystolicGemmStats]) -> str:
    """One CSV line per GEMM under a header of `SystolicGemmStats` field names (floats at full precision)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SystolicGemmStats.field_names())
    for row in rows:
        writer.writerow(row.as_dict().values())
    return buffer.getvalue()


def render_study_files(study: FlexsaStudy, *, json_path: Path | None, csv_path: Path | None) -> dict[Path, bytes]:
    """The bytes of the requested JSON and CSV files, by path (nothing is written here; the caller adds the
    figures it asked `report` for)."""
    files: dict[Path, bytes] = {}
    if json_path is not None:
        files[json_path] = format_json_document(study.document()).encode("utf-8")
    if csv_path is not None:
        files[csv_path] = format_systolic_csv(study.rows()).encode("utf-8")
    return files
