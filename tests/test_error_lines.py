"""Error lines stay short whatever the input: a huge name is elided in the middle, start and end kept."""

from __future__ import annotations

import pytest
from cli_helpers import assert_one_line_error, run

from mapscope.limits import MAX_ERROR_LINE_CHARS


def test_a_huge_source_name_gives_a_bounded_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    name = "a" * 5_000 + "-the-end"
    status, _, err = run(["analyze", name, "--num-pes", "4"], capsys)
    assert_one_line_error(status, err)
    line = err.rstrip("\n")
    assert len(line) <= len("error: ") + MAX_ERROR_LINE_CHARS
    assert line.startswith("error: aaaa") and "characters elided" in line
    assert "-the-end" in line[-200:]  # the end of the name, then the reason
