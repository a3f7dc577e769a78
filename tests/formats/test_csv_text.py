"""CSV text reads back as the rows written, line breaks and quotes inside fields included."""

from __future__ import annotations

import csv
import io

import pandas
from hypothesis import given
from hypothesis import strategies as st

from mapscope.formats.csv_text import csv_text

cells = st.one_of(st.text(max_size=8), st.integers(-(10**6), 10**6))


@given(st.integers(1, 4).flatmap(lambda width: st.lists(st.lists(cells, min_size=width, max_size=width), max_size=5)))
def test_rows_read_back_as_written(rows: list[list[object]]) -> None:
    width = len(rows[0]) if rows else 1
    header = [f"c{index}" for index in range(width)]
    text = csv_text(header, rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read == [header, *([str(cell) for cell in row] for row in rows)]
    frame = pandas.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert frame.shape == (len(rows), width)


def test_a_carriage_return_is_quoted_and_only_that_row_changes() -> None:
    text = csv_text(["name", "macs"], [["conv1", 10], ["odd\rname", 20]])
    assert text == 'name,macs\nconv1,10\n"odd\rname",20\n'
