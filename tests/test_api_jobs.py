"""`mapscope.gemm`, `mapscope.flexsa` and `mapscope.explore` give the documents the CLI's `--json` writes
for the same settings, and refuse bad settings with the CLI's messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run

import mapscope
from mapscope import api
from mapscope.api import design_space, gemm_document
from mapscope.explore.summary import summary_document
from mapscope.formats.results.json_output import format_json_document
from mapscope.formats.trajectory_file import write_trajectory
from mapscope.workload.cnn_models import training_model
from mapscope.workload.pruning import synthetic_trajectory

sys.path.insert(0, str(Path(__file__).parent / "explore"))
from explore_spaces import write_space  # noqa: E402

#: test_cli_flexsa.py's small study: about a second.
STUDY: dict[str, Any] = {"model": "resnet56", "epochs": 10, "interval_epochs": 5, "array": 16, "batch": 2}
STUDY_ARGUMENTS = ["--model", "resnet56", "--epochs", "10", "--interval-epochs", "5", "--array", "16", "--batch", "2"]


def cli_json(arguments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    """The JSON file the command ARGUMENTS writes with `--json` (run in-process)."""
    path = tmp_path / "cli.json"
    status, _, err = run([*arguments, "--json", str(path)], capsys)
    assert status == 0, err
    return json.loads(path.read_text())


def as_written(document: dict[str, Any]) -> Any:
    """`document` as the CLI writes it to JSON."""
    return json.loads(format_json_document(document))


@pytest.mark.parametrize(
    ("keywords", "arguments"),
    [
        ({}, []),
        ({"array": "8x4", "dataflow": "os", "convention": "scalesim"}, ["--array", "8x4", "--dataflow", "os", "--convention", "scalesim"]),
        ({"array": (8, 8), "machine": "flexsa", "double_buffered": True}, ["--array", "8x8", "--machine", "flexsa", "--double-buffered"]),
    ],
)
def test_gemm_matches_the_command(keywords: dict[str, Any], arguments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = mapscope.gemm(64, 48, 32, **keywords)
    assert as_written(gemm_document(result)) == cli_json(["gemm", "64", "48", "32", *arguments], tmp_path, capsys)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"machine": "large", "dataflow": "ws"}, "cannot be combined"),
        ({"machine": "large", "convention": "scalesim"}, "applies to a single array"),
        ({"dataflow": "rs"}, "expected one of os, ws, is"),
        ({"machine": "huge"}, "expected one of large, split, flexsa"),
        ({"array": "12"}, "ROWSxCOLS"),
        ({"array": 0}, "between 1 and"),
    ],
)
def test_gemm_refuses_bad_settings(keywords: dict[str, Any], message: str) -> None:
    with pytest.raises(mapscope.InputError, match=message):
        mapscope.gemm(8, 8, 8, **keywords)


def test_flexsa_matches_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    steps: list[tuple[int, int]] = []
    study = mapscope.flexsa(**STUDY, progress=lambda done, total: steps.append((done, total)))
    assert as_written(study.document()) == cli_json(["flexsa", *STUDY_ARGUMENTS], tmp_path, capsys)
    assert steps[-1] == (study.setup.steps, study.setup.steps)


def test_flexsa_takes_a_trajectory_file_or_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trajectory = synthetic_trajectory(training_model("resnet56"), 0.5, interval_epochs=4, total_epochs=8, seed=3)
    path = tmp_path / "pruning.csv"
    write_trajectory(trajectory, path)
    settings = {"model": "resnet56", "array": 16, "batch": 2}
    from_file = mapscope.flexsa(**settings, trajectory=path)
    arguments = ["flexsa", "--model", "resnet56", "--trajectory", str(path), "--array", "16", "--batch", "2"]
    assert as_written(from_file.document()) == cli_json(arguments, tmp_path, capsys)
    from_object = mapscope.flexsa(**settings, trajectory=trajectory)
    assert from_object.document()["machines"] == from_file.document()["machines"]
    assert from_object.document()["trajectory"]["file"] is None


def test_flexsa_refuses_bad_settings_before_reading_the_file(tmp_path: Path) -> None:
    with pytest.raises(mapscope.InputError, match="cannot be combined with --trajectory"):
        mapscope.flexsa("resnet56", trajectory=tmp_path / "missing.csv", seed=1)
    with pytest.raises(mapscope.InputError, match="cannot be combined with --trajectory"):
        trajectory = synthetic_trajectory(training_model("resnet56"), 0.5, interval_epochs=4, total_epochs=8, seed=3)
        mapscope.flexsa("resnet56", trajectory=trajectory, epochs=4)
    with pytest.raises(mapscope.InputError, match="split into four"):
        mapscope.flexsa("resnet56", array=15)


def test_explore_matches_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    space = write_space(tmp_path)
    result = api.explore(space, workers=1, strategy="random", budget=12, seed=5)
    document = cli_json(["explore", str(space), "--workers", "1", "--strategy", "random", "--budget", "12", "--seed", "5"], tmp_path, capsys)
    assert as_written(summary_document(result)) == document
    assert len(result.records) == 12


def test_explore_takes_a_checked_space_and_a_store(tmp_path: Path) -> None:
    space = design_space(write_space(tmp_path), strategy="random", budget=6)
    store = tmp_path / "runs.sqlite"
    first = api.explore(space, store=store)
    again = api.explore(space, store=store, resume=True)
    assert [record.key for record in again.records] == [record.key for record in first.records]


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"strategy": "annealing"}, "unknown strategy"),
        ({"budget": 0}, "must be positive"),
        ({"seed": -1}, "must be non-negative"),
        ({"resume": True}, "give --store FILE"),
        ({"strategy": "evolve"}, "needs a budget"),
    ],
)
def test_explore_refuses_bad_settings(keywords: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(mapscope.InputError, match=message):
        api.explore(write_space(tmp_path), **keywords)
