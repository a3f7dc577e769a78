"""The FlexSA study's files (JSON summary, per-GEMM CSV), rendered in memory; its figures are drawn by
`mapscope.report.flexsa_plots`, and `formats.output_files.write_files` writes them all."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mapscope.formats.csv_text import csv_text
from mapscope.formats.results.json_output import format_json_document
from mapscope.stats import SystolicGemmStats

if TYPE_CHECKING:
    from mapscope.systolic.flexsa_study import FlexsaStudy


def format_systolic_csv(rows: Sequence[SystolicGemmStats]) -> str:
    """One CSV line per GEMM under a header of `SystolicGemmStats` field names (floats at full precision)."""
    return csv_text(SystolicGemmStats.field_names(), (row.as_dict().values() for row in rows))


def render_study_files(study: FlexsaStudy, *, json_path: Path | None, csv_path: Path | None) -> dict[Path, bytes]:
    """The bytes of the requested JSON and CSV files, by path (nothing is written here; the caller adds the
    figures it asked `report` for)."""
    files: dict[Path, bytes] = {}
    if json_path is not None:
        files[json_path] = format_json_document(study.document()).encode("utf-8")
    if csv_path is not None:
        files[csv_path] = format_systolic_csv(study.rows()).encode("utf-8")
    return files
