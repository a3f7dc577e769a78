"""Running the CLI in-process in tests, and checking its one-line errors."""

from __future__ import annotations

import pytest

from mapscope.cli import main


def run(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit status, stdout, stderr)."""
    status = main(arguments)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status: int, err: str) -> None:
    """Exit status 2 and exactly one `error: ...` line, no traceback."""
    assert status == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
