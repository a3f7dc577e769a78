"""Bad input through the command line: one line naming where and what, exit status 2, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mapscope.cli import main

GOOD_LAYER = """Network net {
Layer CONV1 {
Type: CONV
Dimensions { K: 4, C: 2, R: 3, S: 3, Y: 8, X: 8 }
Dataflow {
  SpatialMap(1,1) K;
  TemporalMap(2,2) C;
  TemporalMap(3,3) R;
  TemporalMap(3,3) S;
  TemporalMap(3,1) Y;
  TemporalMap(3,1) X;
}
}
}
"""

BAD_MAPPINGS = {
    "truncated": (GOOD_LAYER[: GOOD_LAYER.index("TemporalMap(3,1) Y")], ["bad.m:"]),
    "unknown directive": (GOOD_LAYER.replace("TemporalMap(2,2) C", "TileMap(2,2) C"), ["bad.m:7", "TileMap"]),
    "unknown dimension": (GOOD_LAYER.replace("TemporalMap(2,2) C", "TemporalMap(2,2) Q"), ["bad.m:7", "Q"]),
    "zero size": (GOOD_LAYER.replace("TemporalMap(2,2) C", "TemporalMap(0,2) C"), ["bad.m:7"]),
    "negative size": (GOOD_LAYER.replace("TemporalMap(2,2) C", "TemporalMap(-2,2) C"), ["bad.m:7"]),
    "zero dimension": (GOOD_LAYER.replace("K: 4", "K: 0"), ["bad.m:4", "K"]),
    "negative dimension": (GOOD_LAYER.replace("K: 4", "K: -4"), ["bad.m:4", "K"]),
    "missing Dataflow": (GOOD_LAYER[: GOOD_LAYER.index("Dataflow")] + "}\n}\n", ["bad.m", "no dataflow", "--dataflow"]),
    "missing Dimensions": (GOOD_LAYER.replace("Dimensions { K: 4, C: 2, R: 3, S: 3, Y: 8, X: 8 }\n", ""), ["bad.m"]),
    "unknown layer type": (GOOD_LAYER.replace("Type: CONV", "Type: POOL"), ["bad.m:3", "POOL"]),
    "cluster larger than PEs": (GOOD_LAYER.replace("  TemporalMap(3,1) X;\n", "  TemporalMap(3,1) X;\n  Cluster(64,P);\n  SpatialMap(1,1) C;\n"), ["bad.m:", "Cluster(64", "4"]),
    "no SpatialMap": (GOOD_LAYER.replace("SpatialMap(1,1) K", "TemporalMap(1,1) K"), ["bad.m:2", "CONV1", "SpatialMap"]),
    "three SpatialMaps": (GOOD_LAYER.replace("TemporalMap(2,2) C", "SpatialMap(2,2) C").replace("TemporalMap(3,1) Y", "SpatialMap(3,1) Y"), ["bad.m:2", "CONV1", "SpatialMap"]),
    "huge value": (GOOD_LAYER.replace("K: 4", "K: 99999999999999999999"), ["bad.m:4"]),
    "not a network": ("hello world\n", ["bad.m:1"]),
    "empty file": ("", ["bad.m"]),
}


def _run(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(arguments)
    return status, capsys.readouterr().err


@pytest.mark.parametrize("text, expected", BAD_MAPPINGS.values(), ids=BAD_MAPPINGS.keys())
def test_bad_mapping_is_one_line_exit_2(text: str, expected: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "bad.m"
    mapping.write_text(text)
    csv_path, json_path = tmp_path / "out.csv", tmp_path / "out.json"
    status, err = _run(["analyze", str(mapping), "--num-pes", "4", "--csv", str(csv_path), "--json", str(json_path)], capsys)
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in expected:
        assert fragment in err, err
    assert not csv_path.exists() and not json_path.exists()


@pytest.mark.parametrize(
    "hardware, fragment",
    [
        ("num_pes: 0\n", "num_pes"),
        ("num_pes: -8\n", "num_pes"),
        ("num_pes: 16\nbogus_key: 3\n", "bogus_key"),
        ("num_pes 16\nnoc_bw_cstr:\n", "noc_bw_cstr"),
    ],
)
def test_bad_hardware_file_is_one_line_exit_2(hardware: str, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping, hw = tmp_path / "good.m", tmp_path / "hw.m"
    mapping.write_text(GOOD_LAYER)
    hw.write_text(hardware)
    status, err = _run(["analyze", str(mapping), "--hw", str(hw)], capsys)
    assert status == 2 and err.count("\n") == 1 and fragment in err and "hw.m" in err


def test_unreadable_file_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = _run(["analyze", str(tmp_path), "--num-pes", "4"], capsys)  # a directory, not a file
    assert status == 2 and err.count("\n") == 1 and str(tmp_path) in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_permission_denied_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "secret.m"
    mapping.write_text(GOOD_LAYER)
    mapping.chmod(0)
    status, err = _run(["analyze", str(mapping), "--num-pes", "4"], capsys)
    assert status == 2 and "secret.m" in err


def test_not_utf8_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "binary.m"
    mapping.write_bytes(b"\xff\xfe\x00Network")
    status, err = _run(["analyze", str(mapping), "--num-pes", "4"], capsys)
    assert status == 2 and err.count("\n") == 1 and "binary.m" in err
