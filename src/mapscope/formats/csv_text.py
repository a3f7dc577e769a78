"""CSV text as every mapscope table writes it: "\\n" line ends, and any field holding a line break quoted.

Python's csv writer quotes only the characters of its line terminator, so with "\\n" a carriage return in a
name (a layer or parameter value) went out bare and readers such as pandas split the row there.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from itertools import chain


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The header line, then one line per row; a row with a carriage return in a text field has its text
    fields quoted (numbers stay bare), so it reads back as one row."""
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    for row in chain([header], rows):  # one row at a time: a row may be a generator over its loop's variable
        cells = list(row)
        has_return = any(isinstance(cell, str) and "\r" in cell for cell in cells)
        (quoted if has_return else plain).writerow(cells)
    return buffer.getvalue()
