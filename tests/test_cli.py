"""The `mapscope` command: examples, analyze (our flags and MAESTRO's), output files, one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run
from shared_data import MAESTRO_REFERENCE as REFERENCE_DIR
from shared_data import REFERENCE_CASES as CASES

from mapscope.examples import list_examples
from mapscope.formats.maestro.csv_file import MAESTRO_CSV_COLUMNS, read_maestro_csv
from mapscope.stats import LayerStats

#: One CONV layer with a one-level, output-stationary-in-X mapping: runs on any number of PEs.
TINY_MAPPING = """Network tiny {
Layer CONV1 {
Type: CONV
Dimensions { K: 4, C: 3, R: 3, S: 3, Y: 8, X: 8 }
Dataflow {
  TemporalMap(1,1) K;
  TemporalMap(1,1) C;
  TemporalMap(3,1) Y;
  SpatialMap(3,1) X;
  TemporalMap(3,3) R;
  TemporalMap(3,3) S;
}
}
}
"""


@pytest.fixture
def tiny_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.m"
    path.write_text(TINY_MAPPING)
    return path


def test_examples_lists_every_shipped_example(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["examples"], capsys)
    assert status == 0
    for example in list_examples():
        assert example.name in out
        assert example.kind in out


def test_no_arguments_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([], capsys)
    assert status == 0
    assert "analyze" in out and "examples" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--version"], capsys)
    assert status == 0
    assert out.startswith("mapscope ")


def test_missing_mapping_file_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["analyze", str(tmp_path / "nothere.m"), "--num-pes", "4"], capsys)
    assert_one_line_error(status, err)
    assert "nothere.m" in err
    assert out == ""


def test_missing_mapping_with_maestro_spelling(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["--Mapping_file=nothere.m", "--num_pes=4"], capsys)
    assert_one_line_error(status, err)


@pytest.mark.parametrize(
    "arguments",
    [
        ["analyze", "resnet50_kcp_ws", "--bogus"],
        ["analyze", "resnet50_kcp_ws", "--num-pes", "many"],
        ["analyze", "resnet50_kcp_ws", "--print=true"],
        ["analyze", "resnet50_kcp_ws", "--num_pes=4", "--num_pes=5"],
        ["analyze", "resnet50_kcp_ws", "--num-pes", "0"],
        ["analyze", "resnet50_kcp_ws", "--compat", "timeloop"],
        ["analyze", "resnet50_kcp_ws", "--hw", "no_such_hardware"],
        ["--noc=3"],
        ["frobnicate"],
    ],
)
def test_usage_errors_are_one_line_exit_2(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(arguments, capsys)
    assert_one_line_error(status, err)


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("mapscope")
    command = [str(script)] if script.exists() else [shutil.which("mapscope") or "mapscope"]
    completed = subprocess.run(
        [*command, "analyze", str(tmp_path / "missing.m")], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: ") and completed.stderr.count("\n") == 1


# --- end-to-end analyses (need the engine) ---------------------------------------------------------------


def test_analyze_example_writes_csv_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path, json_path = tmp_path / "out" / "r.csv", tmp_path / "out" / "r.json"
    status, out, err = run(
        ["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "--csv", str(csv_path), "--json", str(json_path)],
        capsys,
    )
    assert status == 0, err
    rows = read_maestro_csv(csv_path)
    assert len(rows) == 16
    assert list(rows[0]) == list(LayerStats.field_names())
    document = json.loads(json_path.read_text())
    assert document["mode"] == "default"
    assert document["accelerator"]["num_pes"] == 256
    assert len(document["layers"]) == 16
    assert "Totals" in out
    assert rows[0]["layer"] in out
    assert "Buffer Analysis:" not in out  # MAESTRO's summary only with MAESTRO's spellings


def test_compat_option_writes_maestro_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "r.csv"
    status, _, err = run(
        ["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "--compat", "maestro", "--csv", str(csv_path), "-q"],
        capsys,
    )
    assert status == 0, err
    header = csv_path.read_text().splitlines()[0]
    assert header == ",".join(column.maestro_header for column in MAESTRO_CSV_COLUMNS)


def test_quiet_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "--quiet"], capsys)
    assert status == 0
    assert out == ""


def test_hardware_file_wins_over_flags_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    json_path = tmp_path / "r.json"
    status, _, err = run(
        ["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "--num-pes", "512", "--simd", "2",
         "--json", str(json_path), "-q"],
        capsys,
    )  # fmt: skip
    assert status == 0
    accelerator = json.loads(json_path.read_text())["accelerator"]
    assert accelerator["num_pes"] == 256  # the file's value
    assert accelerator["simd_lanes"] == 2  # a MAESTRO hardware file does not set SIMD lanes
    assert "warning: --num-pes 512 is overridden" in err
    assert err.count("warning") == 1


def test_maestro_defaults_are_announced(
    tiny_mapping: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path = tmp_path / "r.json"
    status, _, err = run(["analyze", str(tiny_mapping), "--json", str(json_path), "-q"], capsys)
    assert status == 0, err
    assert "note: no --hw or --num-pes given" in err and "7 PEs" in err
    assert json.loads(json_path.read_text())["accelerator"]["num_pes"] == 7


def test_csv_is_overwritten_not_appended(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "r.csv"
    arguments = ["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "--csv", str(csv_path), "-q"]
    assert run(arguments, capsys)[0] == 0
    first = csv_path.read_bytes()
    assert run(arguments, capsys)[0] == 0
    assert csv_path.read_bytes() == first


def test_tiny_mapping_analyses(tiny_mapping: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["analyze", str(tiny_mapping), "--num-pes", "3"], capsys)
    assert status == 0, err
    assert "CONV1" in out


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated: a parse error
        lambda text: text.replace("Cluster", "").replace("SpatialMap(3,1) X;", "Cluster(16, P); SpatialMap(3,1) X;"),
    ],
    ids=["truncated", "cluster-larger-than-pes"],
)
def test_failed_analysis_writes_no_file(
    damage: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.m"
    broken.write_text(damage(TINY_MAPPING))  # type: ignore[operator]
    csv_path, json_path = tmp_path / "r.csv", tmp_path / "r.json"
    status, _, err = run(["analyze", str(broken), "--num-pes", "4", "--csv", str(csv_path), "--json", str(json_path)],
                         capsys)  # fmt: skip
    assert_one_line_error(status, err)
    assert not csv_path.exists() and not json_path.exists()


def test_unwritable_output_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    status, _, err = run(["analyze", "vgg16_kcp_ws", "--num-pes", "8", "-q", "--csv", str(blocker / "r.csv")], capsys)
    assert_one_line_error(status, err)


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_maestro_command_reproduces_reference_case(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each reference command, run with `mapscope` in place of `maestro`: same CSV bytes, same summary."""
    shutil.copytree(case / "inputs", tmp_path / "inputs")
    monkeypatch.chdir(tmp_path)
    arguments = (case / "command.txt").read_text().split("&& maestro ", 1)[1].split()
    status, out, err = run(arguments, capsys)
    assert status == 0, err
    (reference_csv,) = (case / "outputs").glob("*.csv")
    assert (tmp_path / reference_csv.name).read_bytes() == reference_csv.read_bytes()
    summary = (case / "outputs" / "console_summary.txt").read_text().splitlines()
    assert out.splitlines()[-len(summary) :] == summary
    assert "Traceback" not in err


def test_maestro_spelling_with_print_res_false(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = REFERENCE_DIR / "c15_gemm_example_simd4"
    shutil.copytree(case / "inputs", tmp_path / "inputs")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(
        ["analyze", "--Mapping_file=inputs/GEMM_Example.m", "--print_res=false", "--num_pes=256",
         "--noc_bw=32", "--num_simd=4", "--noc_hop_latency=1"],
        capsys,
    )  # fmt: skip
    assert status == 0
    summary = (case / "outputs" / "console_summary.txt").read_text().splitlines()
    assert out.splitlines() == summary[5:]  # only the BW Analysis block, as MAESTRO prints
    assert (tmp_path / "GEMM_Example.csv").exists()


def test_maestro_spelling_without_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = REFERENCE_DIR / "c15_gemm_example_simd4"
    shutil.copytree(case / "inputs", tmp_path / "inputs")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(
        ["--Mapping_file=inputs/GEMM_Example.m", "--print_res_csv_file=false", "--num_pes=256", "--noc_bw=32"],
        capsys,
    )
    assert status == 0
    assert not list(tmp_path.glob("*.csv"))
    assert "BW Analysis:" not in out
    assert "Buffer Analysis:" in out


def test_maestro_spelling_with_explicit_default_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = REFERENCE_DIR / "c15_gemm_example_simd4"
    shutil.copytree(case / "inputs", tmp_path / "inputs")
    monkeypatch.chdir(tmp_path)
    status, _, _ = run(["--Mapping_file=inputs/GEMM_Example.m", "--num_pes=256", "--compat", "none", "-q"], capsys)
    assert status == 0
    header = (tmp_path / "GEMM_Example.csv").read_text().splitlines()[0]
    assert header == ",".join(column.maestro_header for column in MAESTRO_CSV_COLUMNS)  # MAESTRO's format with its flags
