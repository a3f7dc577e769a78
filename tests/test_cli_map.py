"""`mapscope map`: the table and files of a run on small networks, the written network read back by
`analyze` (and run by MAESTRO when its binary runs here) with the numbers the mapper reported, the API's
document equal to the JSON, and bad input as one line with exit status 2."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run
from shared_data import SHARED_DIR

import mapscope

NETWORK = """Network small {
	Layer conv_a {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 16, C: 8, R: 3, S: 3, Y: 10, X: 10 }
	}
	Layer conv_b {
		Type: CONV
		Stride { X: 2, Y: 2 }
		Dimensions { K: 32, C: 16, R: 1, S: 1, Y: 9, X: 9 }
	}
	Layer conv_c {
		Type: CONV
		Stride { X: 1, Y: 1 }
		Dimensions { K: 16, C: 8, R: 3, S: 3, Y: 10, X: 10 }
	}
}
"""
HARDWARE = "num_pes: 16\nl1_size_cstr: 512\nl2_size_cstr: 65536\nnoc_bw_cstr: 16\noffchip_bw_cstr: 16\n"
LAYER_KEYS = {"name", "objective", "value", "certified_optimal", "lower_bound", "mappings_evaluated", "seconds", "best_template", "best_template_value"}
MAESTRO = SHARED_DIR / "peers" / "maestro"


@pytest.fixture()
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "small.m").write_text(NETWORK)
    (tmp_path / "hw.m").write_text(HARDWARE)
    return tmp_path / "small.m", tmp_path / "hw.m"


def test_table_and_json_of_a_small_network(inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    network, hardware = inputs
    status, out, err = run(["map", str(network), "--hw", str(hardware), "--budget-per-layer", "40", "--json", str(tmp_path / "r.json")], capsys)
    assert status == 0, err
    document = json.loads((tmp_path / "r.json").read_text())
    assert [layer["name"] for layer in document["layers"]] == ["conv_a", "conv_b", "conv_c"]
    for layer in document["layers"]:
        assert LAYER_KEYS <= set(layer) and layer["objective"] == "edp" and layer["mappings_evaluated"] <= 40
        assert layer["best_template_value"] is None or layer["value"] <= layer["best_template_value"]
    assert document["layers"][2]["searched_as"] == "conv_a" and document["layers"][2]["value"] == document["layers"][0]["value"]
    totals = document["totals"]
    assert totals["distinct_layers"] == 2 and totals["layers"] == 3
    assert totals["runtime_cycles"] == sum(layer["runtime_cycles"] for layer in document["layers"])
    assert totals["value"] == pytest.approx(totals["runtime_cycles"] * totals["energy_nj"])
    assert totals["per_layer_best_template"]["value"] >= totals["value"]
    for name in ("conv_a", "conv_b", "conv_c", "as conv_a", "improvement over the best single template", "2 distinct of 3 layers"):
        assert name in out
    assert err == ""  # no progress bar off a terminal


@pytest.mark.parametrize("compat", ["none", "maestro"])
@pytest.mark.parametrize("suffix", [".m", ".yaml"])
def test_the_written_network_gives_the_reported_numbers(inputs: tuple[Path, Path], tmp_path: Path, compat: str, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    network, hardware = inputs
    written, report = tmp_path / f"mapped{suffix}", tmp_path / "r.json"
    status, _, err = run(["map", str(network), "--hw", str(hardware), "--budget-per-layer", "40", "--objective", "runtime", "--compat", compat, "--out", str(written), "--json", str(report), "-q"], capsys)
    assert status == 0, err
    layers = json.loads(report.read_text())["layers"]
    stats = mapscope.analyze(written, hardware, compat=compat)
    assert [s.layer for s in stats.layers] == [layer["name"] for layer in layers]
    for layer, analysed in zip(layers, stats.layers):
        assert analysed.runtime_cycles == layer["runtime_cycles"] == layer["value"]
        assert analysed.energy_nj == pytest.approx(layer["energy_nj"], rel=1e-12)


@pytest.mark.skipif(not MAESTRO.is_file() or shutil.which("ldd") is None, reason="needs the MAESTRO binary in ../shared/peers")
def test_maestro_runs_the_written_file(inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    network, hardware = inputs
    if "not found" in subprocess.run(["ldd", str(MAESTRO)], capture_output=True, text=True).stdout:
        pytest.skip("MAESTRO's shared libraries are not installed")
    status, _, err = run(["map", str(network), "--hw", str(hardware), "--budget-per-layer", "40", "--compat", "maestro", "--out", str(tmp_path / "mapped.m"), "--json", str(tmp_path / "r.json"), "-q"], capsys)
    assert status == 0, err
    done = subprocess.run(
        [str(MAESTRO), f"--HW_file={hardware}", "--Mapping_file=mapped.m", "--print_res=false", "--print_res_csv_file=true", "--print_log_file=false"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "mapped.csv", newline="") as file:
        rows = [{key.strip(): value.strip() for key, value in row.items() if key} for row in csv.DictReader(file)]
    layers = json.loads((tmp_path / "r.json").read_text())["layers"]
    assert [row["Layer Number"] for row in rows] == [layer["name"] for layer in layers]
    for row, layer in zip(rows, layers):
        assert int(row["Runtime (Cycles)"]) == layer["runtime_cycles"]
        assert float(row["Activity count-based Energy (nJ)"]) == pytest.approx(layer["energy_nj"], rel=1e-5)


def test_the_api_returns_the_document_the_cli_writes(inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    network, hardware = inputs
    arguments = ["--objective", "energy", "--strategy", "random", "--budget-per-layer", "30", "--seed", "7"]
    status, _, err = run(["map", str(network), "--hw", str(hardware), *arguments, "--json", str(tmp_path / "r.json"), "-q"], capsys)
    assert status == 0, err
    written = json.loads((tmp_path / "r.json").read_text())
    result = mapscope.map(network, hardware, objective="energy", strategy="random", budget_per_layer=30, seed=7)
    document = json.loads(json.dumps(result.document()))

    def without_seconds(value: object) -> object:
        if isinstance(value, dict):
            return {key: without_seconds(item) for key, item in value.items() if key != "seconds"}
        if isinstance(value, list):
            return [without_seconds(item) for item in value]
        return value

    assert without_seconds(document) == without_seconds(written)


def test_a_space_file_restricts_every_layer(inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    network, hardware = inputs
    (tmp_path / "space.yaml").write_text("max_levels: 1\nlevels:\n  - spatial: K\n")
    status, _, err = run(["map", str(network), "--hw", str(hardware), "--space", str(tmp_path / "space.yaml"), "--budget-per-layer", "30", "--json", str(tmp_path / "r.json"), "-q"], capsys)
    assert status == 0, err
    for layer in json.loads((tmp_path / "r.json").read_text())["layers"]:
        assert [directive for directive in layer["dataflow"] if directive.startswith("SpatialMap")] == [next(d for d in layer["dataflow"] if d.startswith("SpatialMap"))]
        assert next(d for d in layer["dataflow"] if d.startswith("SpatialMap")).endswith(" K")
        assert not any(directive.startswith("Cluster") for directive in layer["dataflow"])


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--objective", "latency"], "--objective"),
        (["--strategy", "annealing"], "--strategy"),
        (["--budget-per-layer", "-3"], "--budget-per-layer"),
        (["--budget-per-layer", "0"], "--budget-per-layer"),
        (["--workers", "0"], "--workers"),
        (["--space", "missing.yaml"], "missing.yaml"),
        (["--out", "mapped.txt"], "mapped.txt"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(inputs: tuple[Path, Path], tmp_path: Path, arguments: list[str], words: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    network, hardware = inputs
    status, out, err = run(["map", str(network), "--hw", str(hardware), "--json", "r.json", *arguments], capsys)
    assert_one_line_error(status, err)
    assert words in err and out == "" and not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("source", ["missing.m", "no_such_zoo_network"])
def test_missing_inputs_are_one_line_and_exit_2(source: str, inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = run(["map", source, "--hw", str(inputs[1])], capsys)
    assert_one_line_error(status, err)
    status, _, err = run(["map", str(inputs[0]), "--hw", "missing_hw.m"], capsys)
    assert_one_line_error(status, err)
    assert "missing_hw.m" in err


def test_a_layer_no_mapping_fits_is_one_line_naming_it(inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "tiny_l1.m").write_text(HARDWARE.replace("l1_size_cstr: 512", "l1_size_cstr: 1"))
    status, _, err = run(["map", str(inputs[0]), "--hw", str(tmp_path / "tiny_l1.m"), "--budget-per-layer", "20"], capsys)
    assert_one_line_error(status, err)
    assert "layer conv_a" in err and "L1 capacity" in err


@pytest.mark.slow
def test_resnet50_at_the_default_budget_beats_the_templates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["map", "resnet50_kcp_ws", "--hw", "accelerator_256pe", "--json", str(tmp_path / "r.json"), "-q"], capsys)
    assert status == 0, err
    totals = json.loads((tmp_path / "r.json").read_text())["totals"]
    assert totals["distinct_layers"] == 24 and totals["improvement_over_per_layer_best_template"] > 1


def test_map_is_a_lazy_name_of_the_package() -> None:
    import mapscope.api

    assert mapscope.map is mapscope.api.map and "map" in mapscope.__all__
