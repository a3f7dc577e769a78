"""A design whose objective is not a finite number cannot be ranked: it is infeasible, and the report says why
(weights of 1e308 made every objective inf, an empty Pareto front and a traceback; found by the fuzz suite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run
from explore_spaces import TINY_SPACE, write_space


def test_overflowing_weights_make_designs_unranked_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    space = dict(TINY_SPACE, constraints={"buffers_fit": False}, objectives=[{"weighted_sum": {"runtime": 1e308, "energy": 1e308}}, "area"])
    path = write_space(tmp_path, space)
    status, _, err = run(["explore", str(path), "--budget", "3", "--workers", "1"], capsys)
    assert_one_line_error(status, err)
    assert "weighted(1e+308*runtime + 1e+308*energy) is not a finite number for 3 (weights too large?)" in err


def test_finite_objectives_are_unaffected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    space = dict(TINY_SPACE, constraints={"buffers_fit": False}, objectives=[{"weighted_sum": {"runtime": 1.0, "energy": 2.0}}, "area"])
    status, out, err = run(["explore", str(write_space(tmp_path, space)), "--budget", "3", "--workers", "1"], capsys)
    assert status == 0 and "Pareto front" in out
