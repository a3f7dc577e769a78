"""`--html OUT.html`, shared by the commands that can write their result as an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

HtmlOption = Annotated[
    Path | None, typer.Option("--html", help="Write an interactive HTML report (one self-contained file; needs mapscope[report]).")
]


def prepare_html(path: Path | None) -> Path | None:
    """The report's path made ready before any work: its folder created and the report libraries present."""
    if path is None:
        return None
    from mapscope.formats.output_files import prepare_output_file
    from mapscope.report.html_page import require_report_libraries

    require_report_libraries("--html")
    return prepare_output_file(path, "--html")


def write_html(result: Any, path: Path | None) -> None:
    """Write the HTML report of `result` to `path` (nothing when no report was asked for)."""
    if path is None:
        return
    from mapscope.formats.results.report_files import write_html_report
    from mapscope.report.html_report import report_html

    write_html_report(report_html(result, "--html"), path)
