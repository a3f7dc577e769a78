"""`mapscope explore` from the command line: outputs, --resume, and one-line errors for bad input (stopping a
run from outside: test_cli_stop.py)."""

from __future__ import annotations

import copy
import csv
import json
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run

sys.path.insert(0, str(Path(__file__).parent / "explore"))
from explore_spaces import TINY_SPACE, write_space  # noqa: E402


def test_explore_prints_the_best_designs_and_writes_summary_plot_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    space = write_space(tmp_path)
    outputs = [tmp_path / "out" / name for name in ("summary.json", "front.png", "designs.csv")]
    status, out, err = run(
        ["explore", str(space), "--workers", "1", "--json", str(outputs[0]), "--plot", str(outputs[1]), "--export", str(outputs[2])], capsys
    )
    assert status == 0, err
    assert "tiny" in out and "Pareto" in out
    summary = json.loads(outputs[0].read_text())
    assert summary["counts"]["designs"] == 2 * 2 * 2 * 3 * 2 * 2 * 3 * 2 * 2
    assert 0 < summary["counts"]["feasible"] < summary["counts"]["designs"]
    assert outputs[1].read_bytes().startswith(b"\x89PNG")
    with outputs[2].open() as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == summary["counts"]["designs"]


def _changed(**changes: object) -> dict:
    document = copy.deepcopy(TINY_SPACE)
    document.update(changes)
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_changed(hardware={}), "sweeps nothing"),
        (_changed(hardware={"num_pes": []}), "no candidate values"),
        (_changed(hardware={"num_pes": [8], "noc_bw": [4]}), "unknown hardware parameter 'noc_bw'"),
        (_changed(constraints={"area_mm2": {"min": 2, "max": 1}}), "contradictory bounds"),
        (_changed(constraints={"num_pes": {"max": 4}}), "constraint num_pes <= 4 removes every design"),
        (_changed(constraints={"area_mm2": {"max": 0.01}}), "constraint area_mm2 <= 0.01 removes every design: the cheapest one"),
        (_changed(constraints={"runtime_cycles": {"max": 10}}), "no feasible design among"),
        (_changed(objectives=[]), "objectives"),
        (_changed(search={"strategy": "evolve"}), "needs a budget"),
    ],
)
def test_bad_spaces_exit_2_with_one_line_and_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict, message: str
) -> None:
    space = write_space(tmp_path, document)
    store = tmp_path / "results.db"
    status, out, err = run(["explore", str(space), "--workers", "1", "--store", str(store)], capsys)
    assert_one_line_error(status, err)
    assert message in err
    if "no feasible design" not in message:
        assert not store.exists()


def test_resume_with_a_store_of_another_space_is_refused_and_the_store_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write_space(tmp_path, name="first.yaml")
    store = tmp_path / "results.db"
    assert run(["explore", str(first), "--workers", "1", "--store", str(store)], capsys)[0] == 0
    other = write_space(tmp_path, _changed(hardware={**TINY_SPACE["hardware"], "num_pes": [8, 32]}), name="other.yaml")
    before = (store.read_bytes(), store.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir()))
    status, _, err = run(["explore", str(other), "--workers", "1", "--store", str(store), "--resume"], capsys)
    assert_one_line_error(status, err)
    assert "different design space" in err
    assert (store.read_bytes(), store.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir())) == before
    status, _, err = run(["explore", str(first), "--workers", "1", "--store", str(store)], capsys)
    assert_one_line_error(status, err)
    assert "--resume" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--resume"], "--store"),
        (["--plot", "front.gif"], ".png or .svg"),
        (["--export", "designs.xlsx"], ".csv"),
        (["--strategy", "annealing"], "unknown strategy"),
        (["--budget", "0"], "must be positive"),
        (["--workers", "0"], "at least one worker"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str) -> None:
    space = write_space(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    status, _, err = run(["explore", str(space), *options], capsys)
    assert_one_line_error(status, err)
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_missing_space_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["explore", str(tmp_path / "nope.yaml")], capsys)
    assert_one_line_error(status, err)
    assert "nope.yaml" in err


def test_scheduler_address_runs_on_a_dask_cluster_with_the_local_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    distributed = pytest.importorskip("distributed")
    space = write_space(tmp_path)
    local, on_dask = tmp_path / "local.json", tmp_path / "dask.json"
    assert run(["explore", str(space), "--workers", "1", "--json", str(local)], capsys)[0] == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        status, _, err = run(["explore", str(space), "--scheduler", cluster.scheduler_address, "--json", str(on_dask)], capsys)
    assert status == 0, err
    assert json.loads(on_dask.read_text()) == json.loads(local.read_text())
