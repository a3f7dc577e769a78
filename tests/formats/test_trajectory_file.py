"""Trajectory files: round trips and every bad input as a located one-line InputError."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats.trajectory_file import read_trajectory, write_trajectory
from mapscope.workload.cnn_models import resnet56_cifar
from mapscope.workload.pruning import synthetic_trajectory

CNN56 = resnet56_cifar()
HEADER = "epoch,layer,in_channels,out_channels\n"


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".yaml", ".yml"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    trajectory = synthetic_trajectory(CNN56, seed=2)
    path = tmp_path / f"trajectory{suffix}"
    write_trajectory(trajectory, path)
    assert read_trajectory(path, CNN56) == trajectory
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # atomic write left no temporary


def test_csv_missing_layers_keep_previous_counts(tmp_path: Path) -> None:
    text = "# total_epochs: 20\n# a free comment\n" + HEADER + "0,conv1,3,14\n\n5,layer1.0.conv1,14,12\n10,conv1,3,13\n"
    trajectory = read_trajectory(_write(tmp_path, "t.csv", text), CNN56)
    assert trajectory.epochs == (0, 5, 10) and trajectory.total_epochs == 20 and not trajectory.synthetic
    entries = [dict((name, (c, k)) for name, c, k in entry) for entry in trajectory.channels]
    assert entries[0]["conv1"] == (3, 14) and entries[0]["layer1.0.conv1"] == (16, 16)  # dense unless given
    assert entries[1]["conv1"] == (3, 14) and entries[1]["layer1.0.conv1"] == (14, 12)
    assert entries[2]["conv1"] == (3, 13) and entries[2]["layer1.0.conv1"] == (14, 12)
    assert all(len(entry) == len(CNN56.layers) for entry in entries)
    assert len(trajectory.networks(CNN56)) == 3  # user counts need not respect residual groups


def test_yaml_reading(tmp_path: Path) -> None:
    text = (
        "network: resnet56\ntotal_epochs: 30\nepochs:\n"
        "  - {epoch: 0}\n"
        "  - epoch: 10\n    layers: {conv1: [3, 12], fc: [60, 10]}\n"
    )
    trajectory = read_trajectory(_write(tmp_path, "t.yml", text), CNN56)
    assert trajectory.epochs == (0, 10)
    assert dict((name, (c, k)) for name, c, k in trajectory.channels[1])["fc"] == (60, 10)


CSV_ERRORS = [
    ("# total_epochs: 9\nepoch,layer,C,K\n", "t.csv:2: expected the header epoch,layer,in_channels,out_channels"),
    ("# total_epochs: 9\n" + HEADER + "0,conv1,three,16\n", "t.csv:3: in_channels must be an integer, found 'three'"),
    ("# total_epochs: 9\n" + HEADER + "0,conv1,3\n", "t.csv:3: expected 4 fields"),
    ("# total_epochs: 9\n" + HEADER + "0,conv1,3,16\n2,conv7,3,16\n", "t.csv:4: unknown layer 'conv7' at epoch 2"),
    ("# total_epochs: 9\n" + HEADER, "t.csv: the trajectory is empty"),
    ("# total_epochs: 9\n" + HEADER + "0,conv1,3,16\n0,conv1,3,15\n", "t.csv:4: layer 'conv1' is given twice for epoch 0"),
    ("# total_epochs: 9\n" + HEADER + "0,conv1,3,0\n", "t.csv:3: out_channels must be positive, found 0"),
    ("# total_epochs: 9\n" + HEADER + "0,conv1,3,20\n", "t.csv:3: out_channels = 20 of layer 'conv1' is above the dense count 16"),
    ("# total_epochs: 9\n" + HEADER + "0,conv1,3,16\n9,conv1,3,15\n", "t.csv:4: epoch 9 is outside 0..8"),
    ("# total_epochs: 9\n" + HEADER + "3,conv1,3,16\n", "t.csv: the first entry must be at epoch 0, found epoch 3"),
    (HEADER + "0,conv1,3,16\n", "t.csv: missing the '# total_epochs: N' line"),
    ("# total_epochs: many\n" + HEADER + "0,conv1,3,16\n", "t.csv:1: total_epochs must be an integer"),
    ("# network: resnet50\n# total_epochs: 9\n" + HEADER + "0,conv1,3,16\n", "for network 'resnet50', not 'resnet56'"),
    ("", "t.csv: no header line"),
]


@pytest.mark.parametrize(("text", "message"), CSV_ERRORS)
def test_csv_errors(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "t.csv", text)
    with pytest.raises(InputError) as caught:
        read_trajectory(path, CNN56)
    diagnosis = str(caught.value)
    assert "\n" not in diagnosis
    assert diagnosis.startswith(str(tmp_path)) and message in diagnosis, diagnosis


YAML_START = "network: resnet56\ntotal_epochs: 9\nepochs:\n"
YAML_ERRORS = [
    (YAML_START + "  - {epoch: 0, layers: {conv1: [3, x]}}\n", "t.yaml:4: epochs[0].layers.conv1[1]: should be an integer, found 'x'"),
    (YAML_START + "  - {epoch: 0, layers: {conv7: [3, 4]}}\n", "t.yaml:4: epochs[0].layers.conv7: unknown layer 'conv7'"),
    (YAML_START + "  - epoch: 0\n    layers:\n      conv1: [3, 4]\n      conv1: [3, 5]\n", "t.yaml:7: epochs[0].layers.conv1: key 'conv1' appears twice"),
    (YAML_START + "  - {epoch: 0, layers: {conv1: [3, 4]}}\n  - {epoch: 0}\n", "t.yaml:5: epochs[1].epoch: epoch 0 appears twice"),
    ("network: resnet56\ntotal_epochs: 9\nepochs: []\n", "t.yaml:3: epochs: the trajectory is empty"),
    (YAML_START + "  - {epoch: 3}\n", "t.yaml: the first entry must be at epoch 0, found epoch 3"),
    (YAML_START + "  - {epoch: 0}\n  - {epoch: 9}\n", "t.yaml:5: epochs[1].epoch: epoch 9 is outside 0..8"),
    ("network: resnet56\nepochs: []\n", "t.yaml: required key 'total_epochs' is missing"),
    (YAML_START + "  - {epoch: 0, layers: {conv1: [3]}}\n", "epochs[0].layers.conv1: expected [in_channels, out_channels]"),
    (YAML_START + "  - {epoch: 0, layer: {}}\n", "epochs[0].layer: unknown key 'layer'"),
    ("network: resnet56\ntotal_epochs: 9\nepochs: [\n", "invalid YAML"),
    ("", "t.yaml: expected a mapping"),
]


@pytest.mark.parametrize(("text", "message"), YAML_ERRORS)
def test_yaml_errors(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "t.yaml", text)
    with pytest.raises(InputError) as caught:
        read_trajectory(path, CNN56)
    diagnosis = str(caught.value)
    assert "\n" not in diagnosis and message in diagnosis, diagnosis


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read .*missing.csv"):
        read_trajectory(tmp_path / "missing.csv", CNN56)
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_trajectory(_write(tmp_path, "bad.csv", b"\xff\xfe0,conv1\n"), CNN56)
    with pytest.raises(InputError, match="cannot tell the format of trajectory file"):
        read_trajectory(_write(tmp_path, "t.txt", "x"), CNN56)
    with pytest.raises(InputError, match="cannot write"):
        write_trajectory(synthetic_trajectory(CNN56), tmp_path / "no" / "such" / "dir.csv")
