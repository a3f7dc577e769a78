"""`mapscope map`'s choice of where layers run (--workers, --scheduler: the same result on a Dask cluster as in
this process) and of the accelerator (analyze's hardware flags reach the mapper)."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run
from processes import child_pids, wait_until_ended
from test_cli_map import HARDWARE, NETWORK

import mapscope
from mapscope.cli.hardware_flags import HARDWARE_FLAGS
from mapscope.formats.sources import build_accelerator
from mapscope.hardware.accelerator import Accelerator


@pytest.fixture()
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "small.m").write_text(NETWORK)
    (tmp_path / "hw.m").write_text(HARDWARE)
    return tmp_path / "small.m", tmp_path / "hw.m"


def without_seconds(value: object) -> object:
    """A result document without its timings (the only part that differs between runs)."""
    if isinstance(value, dict):
        return {key: without_seconds(item) for key, item in value.items() if key != "seconds"}
    if isinstance(value, list):
        return [without_seconds(item) for item in value]
    return value


def test_a_dask_cluster_maps_as_this_process_does(inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    distributed = pytest.importorskip("distributed")
    network, hardware = inputs
    arguments = ["map", str(network), "--hw", str(hardware), "--strategy", "random", "--budget-per-layer", "30", "--seed", "5", "-q"]
    status, _, err = run([*arguments, "--json", str(tmp_path / "local.json")], capsys)
    assert status == 0, err
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        status, _, err = run([*arguments, "--scheduler", cluster.scheduler_address, "--json", str(tmp_path / "dask.json")], capsys)
        assert status == 0, err
        with distributed.Client(cluster) as client:  # the API takes a client as well as an address
            calls: list[tuple[int, int]] = []
            result = mapscope.map(network, hardware, strategy="random", budget_per_layer=30, seed=5, scheduler=client, progress=lambda *call: calls.append(call))
            assert client.status == "running"  # a given client stays open
    local = without_seconds(json.loads((tmp_path / "local.json").read_text()))
    assert without_seconds(json.loads((tmp_path / "dask.json").read_text())) == local
    assert without_seconds(json.loads(json.dumps(result.document()))) == local
    assert calls == [(0, 2), (1, 2), (2, 2)]  # one step per distinct layer


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "either --workers or --scheduler"),
        (["--scheduler", "nonsense://scheduler"], "cannot reach the Dask scheduler"),
    ],
)
def test_bad_scheduler_options_are_one_line_and_exit_2(
    inputs: tuple[Path, Path], tmp_path: Path, arguments: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    status, out, err = run(["map", str(inputs[0]), "--hw", str(inputs[1]), "--json", str(tmp_path / "r.json"), *arguments], capsys)
    assert_one_line_error(status, err)
    assert words in err and out == "" and not (tmp_path / "r.json").exists()


def test_workers_and_a_scheduler_are_refused_by_the_api(inputs: tuple[Path, Path]) -> None:
    with pytest.raises(mapscope.InputError, match="either --workers or --scheduler"):
        mapscope.map(inputs[0], inputs[1], workers=2, scheduler="tcp://127.0.0.1:8786")


def _killing_search(search: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_is_one_line_and_exit_1(inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mapscope.mapper.layer_searches.run_search", _killing_search)  # the forked workers inherit it
    before = child_pids(os.getpid())
    status, out, err = run(["map", str(inputs[0]), "--hw", str(inputs[1]), "--workers", "2"], capsys)
    assert status == 1 and out == "" and err == "error: a worker process died (killed, or out of memory)\n"
    assert wait_until_ended(child_pids(os.getpid()) - before, 10.0) == set()


def test_a_tiny_l1_flag_leaves_no_mapping_and_names_the_layer(inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["map", str(inputs[0]), "--hw", str(inputs[1]), "--l1-size", "1", "--budget-per-layer", "20"], capsys)
    assert_one_line_error(status, err)
    assert "layer conv_a" in err and "L1 capacity (1 elements)" in err


@pytest.mark.parametrize("flag", list(HARDWARE_FLAGS))
def test_each_hardware_flag_wins_over_the_file(flag: str, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Accelerator] = []

    def recording(source: object, hardware: Accelerator, **options: object) -> None:
        seen.append(hardware)
        raise mapscope.InputError("recorded")

    monkeypatch.setattr("mapscope.api.map", recording)
    status, _, err = run(["map", str(inputs[0]), "--hw", str(inputs[1]), flag, "3"], capsys)
    assert status == 2 and err == "error: recorded\n"
    from_file = build_accelerator(str(inputs[1]))
    assert seen == [replace(from_file, **{HARDWARE_FLAGS[flag]: 3})] and getattr(from_file, HARDWARE_FLAGS[flag]) != 3


def test_flags_alone_describe_the_accelerator(inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    written = tmp_path / "mapped.m"
    status, _, err = run(["map", str(inputs[0]), "--num-pes", "4", "--l1-size", "512", "--budget-per-layer", "20", "--out", str(written), "-q"], capsys)
    assert status == 0 and err == ""
    assert "4 PEs" in written.read_text().splitlines()[0]
    status, _, err = run(["map", str(inputs[0]), "--budget-per-layer", "20", "-q"], capsys)
    assert status == 0 and "no --hw or --num-pes given: using MAESTRO's default accelerator" in err
