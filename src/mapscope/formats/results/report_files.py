"""The files of `mapscope report`: a result document read back (any JSON a mapscope command writes), and
an HTML report written atomically (nothing half-written on failure)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mapscope.formats.atomic_file import write_text_atomically
from mapscope.formats.documents import Document
from mapscope.formats.maestro.tokens import read_text_file
from mapscope.formats.output_files import writing_output


def read_result_document(path: str | os.PathLike[str]) -> Any:
    """The parsed JSON (or YAML) result at `path`, within the input limits; its kind is for the caller to tell."""
    return Document(os.fspath(path), read_text_file(path)).data


def write_html_report(html: str, path: str | os.PathLike[str]) -> None:
    """Write the report `html` to `path` (UTF-8, replacing it atomically); an InputError if it cannot be."""
    with writing_output(path):
        write_text_atomically(Path(path), html)
