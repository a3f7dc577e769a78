"""`mapscope report`: one self-contained HTML file from any JSON result a mapscope command wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report(
    result: Annotated[Path, typer.Argument(metavar="RESULT.json", help="JSON written by analyze, explore, flexsa or map (--json).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write (overwrites).")],
) -> None:
    """Write an interactive HTML report (charts, sortable tables; one file, no network) of a JSON result."""
    from mapscope import api
    from mapscope.formats.output_files import prepare_output_file
    from mapscope.formats.results.report_files import write_html_report

    target = prepare_output_file(out, "--out")
    write_html_report(api.report(result), target)
