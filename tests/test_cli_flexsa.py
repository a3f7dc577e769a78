"""`mapscope flexsa` and `mapscope gemm`: tables, JSON/CSV/PNG outputs, and one-line exit-2 errors that write nothing."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run
from rich.console import Console

from mapscope.cli import main
from mapscope.formats.atomic_file import write_bytes_atomically
from mapscope.formats.trajectory_file import write_trajectory
from mapscope.report.progress import progress_bar
from mapscope.stats import SystolicGemmStats
from mapscope.workload.cnn_models import training_model
from mapscope.workload.pruning import synthetic_trajectory

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MACHINES = ("large", "split", "flexsa")
CLAIMS = (
    "utilization_gain_vs_large",
    "onchip_reuse_vs_split",
    "energy_vs_split",
    "large_utilization_loss_from_pruning",
)

#: A small, fast study: ResNet-56, two trajectory entries, 16x16 arrays, batch 2 (about a second).
SMALL_STUDY = ["flexsa", "--model", "resnet56", "--epochs", "10", "--interval-epochs", "5", "--array", "16", "--batch", "2"]


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*"))


# --- mapscope gemm ----------------------------------------------------------------------------------------


def test_gemm_reproduces_a_scalesim_reference_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json = tmp_path / "gemm.json"
    arguments = ["gemm", "100", "37", "93", "--array", "32x32", "--dataflow", "ws", "--convention", "scalesim"]
    status, out, err = run([*arguments, "--json", str(out_json)], capsys)
    assert status == 0, err
    document = json.loads(out_json.read_text())
    assert document["runtime_cycles"] == 1163  # the names `mapscope systolic` and every record use
    assert document["input_l2_read_elems"] == 18600
    assert document["filter_l2_read_elems"] == 3441
    assert document["output_l2_write_elems"] == 11100
    assert document["macs"] == 100 * 37 * 93
    assert document["utilization"] == pytest.approx(100 * 37 * 93 / (1163 * 32 * 32))
    assert "1,163" in out and "18,600" in out


def test_gemm_defaults_to_ws_in_mapscope_convention(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["gemm", "100", "37", "93", "--array", "32x32"], capsys)
    assert status == 0, err
    assert "ws dataflow (mapscope convention)" in out
    assert "1,164" in out  # a count of cycles, not SCALE-Sim's index of the last one


def test_gemm_on_flexsa_prints_the_chosen_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json = tmp_path / "plan.json"
    status, out, err = run(["gemm", "1000", "300", "700", "--array", "32x32", "--machine", "flexsa", "--json", str(out_json)], capsys)
    assert status == 0, err
    assert "Plan: " in out and "stationary" in out
    assert "tiles" in out and "Passes" in out and "Mode shares" in out
    document = json.loads(out_json.read_text())
    assert set(document) == set(SystolicGemmStats.field_names())
    assert document["machine"] == "flexsa"
    assert document["macs"] == 1000 * 300 * 700
    assert document["plan"].split("; ")[0] in out


@pytest.mark.parametrize(
    "arguments",
    [
        ["gemm", "0", "37", "93"],
        ["gemm", "100", "-5", "93"],
        ["gemm", "100", "37", "many"],
        ["gemm", "100", "37", "9.5"],
        ["gemm", "100", "37", "93", "--array", "0x4"],
        ["gemm", "100", "37", "93", "--array", "12"],
        ["gemm", "100", "37", "93", "--array", "8x"],
        ["gemm", "100", "37", "93", "--dataflow", "xs"],
        ["gemm", "100", "37", "93", "--machine", "huge"],
        ["gemm", "100", "37", "93", "--machine", "flexsa", "--dataflow", "ws"],
        ["gemm", "100", "37", "93", "--machine", "flexsa", "--convention", "scalesim"],
        ["gemm", "100", "37", "93", "--machine", "split", "--array", "15x15"],
    ],
)
def test_gemm_bad_input_is_one_line_exit_2(arguments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([*arguments, "--json", str(tmp_path / "out" / "gemm.json")], capsys)
    assert_one_line_error(status, err)
    assert out == ""
    assert files_under(tmp_path) == []


# --- mapscope flexsa --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyRun:
    status: int
    out: str
    err: str
    folder: Path


@pytest.fixture(scope="module")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> StudyRun:
    """The small study once, with every output requested (into folders that do not exist yet)."""
    folder = tmp_path_factory.mktemp("flexsa") / "results"
    outputs = ["--json", str(folder / "study.json"), "--csv", str(folder / "gemms.csv"), "--plots", str(folder / "plots")]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main([*SMALL_STUDY, *outputs])
    return StudyRun(status, out.getvalue(), err.getvalue(), folder)


def test_flexsa_prints_what_ran_the_machines_and_the_paper_comparison(small_study: StudyRun) -> None:
    assert small_study.status == 0, small_study.err
    first_line = small_study.out.splitlines()[0]
    assert first_line.startswith("resnet56 (cifar10), trajectory synthetic (seed 0")
    out = " ".join(small_study.out.split())
    assert "inference FLOPs -" in out and "training FLOPs -" in out and "batch 2" in out and "16x16" in out
    for machine in MACHINES:
        assert f"│ {machine} " in small_study.out
    assert "Energy" in out and "(mJ)" in out
    assert "mapscope vs the FlexSA paper" in out
    for paper_figure in ("+37%", "1.7x", "-28%", "up to 60%"):
        assert paper_figure in out
    assert "reconstruction" in out and "docs/flexsa.md" in out
    assert small_study.err == ""  # the progress bar draws only on a terminal


def test_flexsa_json_has_the_documented_keys(small_study: StudyRun) -> None:
    document = json.loads((small_study.folder / "study.json").read_text())
    assert document["model"] == "resnet56"
    assert document["batch"] == 2
    assert document["array"] == 16
    trajectory = document["trajectory"]
    assert trajectory["synthetic"] is True and trajectory["seed"] == 0 and trajectory["epochs"] == 10
    assert trajectory["inference_reduction"] == pytest.approx(0.53, abs=0.005)
    assert 0 < trajectory["training_flop_reduction"] < trajectory["inference_reduction"]
    assert set(document["machines"]) == set(MACHINES)
    for machine in MACHINES:
        totals = document["machines"][machine]
        for key in ("cycles", "utilization", "onchip_reuse", "energy_pj"):
            assert totals[key] > 0
        entries = document["per_epoch"][machine]
        assert [entry["epoch"] for entry in entries] == [0, 5]
        for entry in entries:
            assert {"epoch", "utilization", "onchip_reuse", "energy_pj"} <= set(entry)
        assert totals["cycles"] == sum(entry["cycles"] * entry["span_epochs"] for entry in entries)
    assert set(document["comparison"]) == set(CLAIMS)
    assert "Horowitz" in document["energy_table_source"]


def test_flexsa_csv_has_one_row_per_machine_epoch_and_gemm(small_study: StudyRun) -> None:
    with (small_study.folder / "gemms.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = tuple(rows[0]), rows[1:]
    assert header == SystolicGemmStats.field_names()
    machine, epoch = header.index("machine"), header.index("epoch")
    assert {row[machine] for row in body} == set(MACHINES)
    assert {row[epoch] for row in body} == {"0", "5"}
    gemms_per_group = Counter((row[machine], row[epoch]) for row in body)
    assert len(gemms_per_group) == 6 and len(set(gemms_per_group.values())) == 1  # every entry lowers to the same GEMMs
    assert all(len(row) == len(header) for row in body)


def test_flexsa_plots_are_two_pngs(small_study: StudyRun) -> None:
    plots = small_study.folder / "plots"
    names = sorted(path.name for path in plots.iterdir())
    assert names == ["energy_breakdown.png", "utilization_over_training.png"]
    for name in names:
        assert (plots / name).read_bytes().startswith(PNG_SIGNATURE)


def test_flexsa_reads_a_trajectory_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cnn = training_model("resnet56")
    trajectory_file = tmp_path / "pruning.csv"
    write_trajectory(synthetic_trajectory(cnn, 0.5, interval_epochs=4, total_epochs=8, seed=3), trajectory_file)
    out_json = tmp_path / "study.json"
    status, out, err = run(
        ["flexsa", "--model", "resnet56", "--trajectory", str(trajectory_file), "--array", "16", "--batch", "2", "--json", str(out_json)],
        capsys,
    )
    assert status == 0, err
    assert str(trajectory_file) in " ".join(out.split())
    trajectory = json.loads(out_json.read_text())["trajectory"]
    assert trajectory["file"] == str(trajectory_file)
    assert trajectory["seed"] is None
    assert trajectory["epochs"] == 8
    assert trajectory["inference_reduction"] == pytest.approx(0.5, abs=0.005)


BAD_TRAJECTORY = "# total_epochs: 10\nepoch,layer,in_channels,out_channels\n0,no_such_layer,3,16\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--model", "vgg16"], "unknown network"),
        (["--trajectory", "{tmp}/missing.csv"], "cannot read"),
        (["--trajectory", "{tmp}/bad.csv"], "no_such_layer"),
        (["--trajectory", "{tmp}/pruning.txt"], "cannot tell the format"),
        (["--trajectory", "{tmp}/bad.csv", "--seed", "1"], "cannot be combined"),
        (["--batch", "0"], "--batch"),
        (["--batch", "-4"], "--batch"),
        (["--array", "0"], "--array"),
        (["--array", "15"], "cannot be split"),
        (["--array", "-2"], "--array"),
        (["--target-reduction", "1.5"], "between 0 and 1"),
        (["--epochs", "3"], "no reconfiguration"),
    ],
)
def test_flexsa_bad_input_is_one_line_exit_2(
    arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.csv").write_text(BAD_TRAJECTORY)
    (tmp_path / "pruning.txt").write_text(BAD_TRAJECTORY)
    before = files_under(tmp_path)
    arguments = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    outputs = ["--json", str(tmp_path / "out" / "s.json"), "--csv", str(tmp_path / "out" / "s.csv"), "--plots", str(tmp_path / "plots")]
    status, out, err = run(["flexsa", *arguments, *outputs], capsys)
    assert_one_line_error(status, err)
    assert message in err
    assert out == ""
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("option", ["--json", "--csv", "--plots"])
def test_flexsa_output_that_cannot_be_created_is_exit_2_before_running(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("in the way")
    status, out, err = run([*SMALL_STUDY, option, str(blocker / "inside" / "output")], capsys)
    assert_one_line_error(status, err)
    assert option in err and "a_file" in err
    assert out == ""  # failed before the study ran
    assert files_under(tmp_path) == [blocker]


def test_flexsa_output_file_that_is_a_folder_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([*SMALL_STUDY, "--json", str(tmp_path)], capsys)
    assert_one_line_error(status, err)
    assert out == "" and files_under(tmp_path) == []


# --- helpers ----------------------------------------------------------------------------------------------


def test_progress_bar_draws_on_a_terminal_and_is_silent_otherwise() -> None:
    terminal = io.StringIO()
    with progress_bar("work", 4, Console(file=terminal, force_terminal=True, width=80)) as advance:
        for done in range(1, 5):
            advance(done, 4)
    assert "work" in terminal.getvalue()
    piped = io.StringIO()
    with progress_bar("work", 4, Console(file=piped, force_terminal=False)) as advance:
        advance(4, 4)
    assert piped.getvalue() == ""


def test_write_bytes_atomically_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "figure.png"
    target.write_bytes(b"old")
    write_bytes_atomically(target, PNG_SIGNATURE + b"new")
    assert target.read_bytes() == PNG_SIGNATURE + b"new"
    assert files_under(tmp_path) == [target]


@pytest.mark.slow
def test_flexsa_at_the_models_default_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json = tmp_path / "study.json"
    status, _, err = run([*SMALL_STUDY[:-2], "--json", str(out_json)], capsys)
    assert status == 0, err
    document = json.loads(out_json.read_text())
    assert document["batch"] == training_model("resnet56").default_batch
    flexsa, large = document["machines"]["flexsa"], document["machines"]["large"]
    assert flexsa["utilization"] >= large["utilization"]



def test_flexsa_cycle_tolerance_is_checked_and_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run([*SMALL_STUDY, "--cycle-tolerance", "-0.5"], capsys)
    assert_one_line_error(status, err)
    assert "--cycle-tolerance" in err
    out = tmp_path / "r.json"
    status, _, err = run([*SMALL_STUDY, "--cycle-tolerance", "0", "--json", str(out)], capsys)
    assert status == 0, err
    assert json.loads(out.read_text())["cycle_tolerance"] == 0
