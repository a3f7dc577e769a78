"""Output files of the commands: where they may go (checked before any work), what a failure to write one
says; and the FlexSA study's files (JSON summary, per-GEMM CSV; its figures are drawn by
`mapscope.report.flexsa_plots` and written here with `write_files`).

Output locations are checked (and their folders created) before a command runs; every file is then
rendered in memory first and written atomically, so a failure never leaves a half-written file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_bytes_atomically
from mapscope.formats.results.json_output import format_json_document
from mapscope.stats import SystolicGemmStats

if TYPE_CHECKING:
    from mapscope.systolic.flexsa_study import FlexsaStudy


def _make_folder(folder: Path, option: str) -> None:
    blocking = next((path for path in (folder, *folder.parents) if path.exists() and not path.is_dir()), None)
    if blocking is not None:
        raise InputError(f"cannot create the folder {folder}: {blocking} is a file", option)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the folder {folder}: {error.strerror or type(error).__name__}", option) from None


def prepare_output_file(path: str | Path, option: str) -> Path:
    """`path` made ready for writing: its folder created; an InputError if that fails or `path` is a folder."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target} is a folder, not a file", option)
    _make_folder(target.parent, option)
    return target


def prepare_output_folder(path: str | Path, option: str) -> Path:
    """The folder `path`, created if missing; an InputError if it cannot be."""
    folder = Path(path)
    _make_folder(folder, option)
    return folder


@contextmanager
def writing_output(path: str | Path) -> Iterator[None]:
    """Around the writing of the output file `path`: a failure of the file system (full disk, no permission,
    a read-only folder) becomes an InputError naming `path` (the atomic writer's temporary file, or no file
    at all, is what the OSError names). The previous version of `path`, if any, is left untouched."""
    try:
        yield
    except OSError as error:
        if isinstance(error, BrokenPipeError):  # stdout closed under us: not this file's failure
            raise
        reason = error.strerror or type(error).__name__
        raise InputError(f"cannot write the file: {reason}", str(path)) from None


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


def write_files(files: Mapping[Path, bytes]) -> None:
    """Write each file atomically (their folders must exist: see `prepare_output_file`)."""
    for path, data in files.items():
        with writing_output(path):
            write_bytes_atomically(path, data)
