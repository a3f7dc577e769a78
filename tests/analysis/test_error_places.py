"""An analysis error names its place once (issue 11: ``vgg16_kcp_ws.m:29: <folder>/vgg16_kcp_ws.m:40: ...``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run

from mapscope.analysis.network_analysis import analyze_network
from mapscope.errors import InputError
from mapscope.formats.descriptions import parse_network_description
from mapscope.formats.maestro.mapping_file import parse_mapping_text
from mapscope.hardware.accelerator import Accelerator

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "mapscope" / "examples"


@pytest.mark.parametrize("spelling", ["absolute", "relative", "dot-relative"])
def test_a_directive_error_names_the_file_once(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, spelling: str) -> None:
    shutil.copy(EXAMPLES / "vgg16_kcp_ws.m", tmp_path / "vgg16_kcp_ws.m")
    monkeypatch.chdir(tmp_path)
    path = {"absolute": str(tmp_path / "vgg16_kcp_ws.m"), "relative": "vgg16_kcp_ws.m", "dot-relative": "./vgg16_kcp_ws.m"}[spelling]
    status, _, err = run(["analyze", path, "--num-pes", "32", "-q"], capsys)
    assert_one_line_error(status, err)
    assert err.count("vgg16_kcp_ws.m") == 1
    assert err.endswith(
        "vgg16_kcp_ws.m:40: layer conv1_1: directive Cluster(64,P): the Cluster sizes multiply to 64 PEs but the "
        "accelerator has only 32\n"
    )


def test_an_error_without_a_file_place_gets_the_layer_line() -> None:
    text = """Network N {
  Layer L {
    Type: CONV
    Dimensions { K: 16, C: 4, R: 3, S: 3, Y: 10, X: 10 }
    Dataflow { TemporalMap(1,1) K; }
  }
}
"""
    with pytest.raises(InputError) as error:
        analyze_network(parse_mapping_text(text, "n.m"), Accelerator(num_pes=4))
    assert str(error.value).startswith("n.m:2: layer L, cluster level 0: no SpatialMap")
    assert str(error.value).count("n.m") == 1


def test_a_description_error_names_the_file_once() -> None:
    text = "network: N\nlayers:\n  - name: L\n    type: CONV\n    dimensions: {K: 16, C: 4, R: 1, S: 1, Y: 4, X: 4}\n    dataflow:\n      - SpatialMap(1,1) K\n      - Cluster(64, P)\n      - SpatialMap(1,1) C\n"
    with pytest.raises(InputError) as error:
        analyze_network(parse_network_description(text, "net.yaml"), Accelerator(num_pes=16))
    assert str(error.value).count("net.yaml") == 1, str(error.value)
    assert "the Cluster sizes multiply to 64 PEs but the accelerator has only 16" in str(error.value)
