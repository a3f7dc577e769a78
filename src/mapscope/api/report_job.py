"""`mapscope.api.report`: the self-contained HTML report of a result, the job of `mapscope report`."""

from __future__ import annotations

import os
from typing import Any


def report(result: Any) -> str:
    """The HTML report of `result`: a JSON file a mapscope command wrote (path), its parsed document, or a
    result object (`analyze`'s, `explore`'s, `flexsa`'s, `map`'s). An InputError for anything else, and when
    the `mapscope[report]` extra (Plotly, Jinja2) is missing."""
    from mapscope.formats.results.report_files import read_result_document  # imported when a report is asked for
    from mapscope.report.html_page import require_report_libraries
    from mapscope.report.html_report import report_html

    where = os.fspath(result) if isinstance(result, str | os.PathLike) else "report"
    require_report_libraries(where)
    if isinstance(result, str | os.PathLike):
        result = read_result_document(result)
    return report_html(result, where)
