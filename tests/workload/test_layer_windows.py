"""A filter window larger than its input is refused in every way a layer is made (issue 11: it used to
analyse to 0 MACs, NaN throughputs and a negative output L2 read count)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run

from mapscope.errors import InputError
from mapscope.formats.descriptions import parse_network_description
from mapscope.formats.maestro.mapping_file import parse_mapping_text
from mapscope.limits import MAX_NAME_CHARS
from mapscope.workload.layer import Layer, LayerType, layer_macs
from mapscope.workload.operators import Conv

WINDOW_OVER_INPUT = """Network N {
  Layer Small {
    Type: CONV
    Dimensions { K: 4, C: 4, R: 9, S: 3, Y: 7, X: 7 }
    Dataflow { SpatialMap(1,1) K; TemporalMap(Sz(R),Sz(R)) R; TemporalMap(Sz(S),Sz(S)) S; }
  }
}
"""


@pytest.mark.parametrize("layer_type", [LayerType.CONV, LayerType.DSCONV, LayerType.NGCONV, LayerType.TRCONV])
@pytest.mark.parametrize("axis", [("Y", "R"), ("X", "S")])
def test_a_window_larger_than_its_input_is_refused(layer_type: LayerType, axis: tuple[str, str]) -> None:
    reference, window = axis
    sizes = {"G": 2, "K": 4, "C": 4, "R": 3, "S": 3, "Y": 7, "X": 7, window: 9}
    with pytest.raises(InputError, match=rf"^layer L: the filter window {window} = 9 is larger than the input {reference} = 7"):
        Layer("L", layer_type, tuple(sizes.items()))


def test_a_window_as_large_as_its_input_and_output_centric_sizes_are_fine() -> None:
    assert layer_macs(Layer("L", LayerType.CONV, (("K", 1), ("C", 1), ("R", 7), ("S", 7), ("Y", 7), ("X", 7)))) == 49
    assert layer_macs(Layer("L", LayerType.CONV, (("K", 1), ("C", 1), ("R", 9), ("S", 9), ("Y'", 1), ("X'", 1)))) == 81
    assert layer_macs(Layer("G", LayerType.GEMM, (("M", 2), ("N", 3), ("K", 4)))) == 24  # no window


def test_the_mapping_reader_names_file_line_and_layer() -> None:
    with pytest.raises(InputError, match=r"^net\.m:2: layer Small: the filter window R = 9 is larger than the input Y = 7"):
        parse_mapping_text(WINDOW_OVER_INPUT, "net.m")


def test_a_description_names_file_line_and_layer() -> None:
    text = "network: N\nlayers:\n  - name: Small\n    type: CONV\n    dimensions: {K: 4, C: 4, R: 3, S: 9, Y: 7, X: 7}\n"
    with pytest.raises(InputError, match=r"^net\.yaml:3.*layer Small.*the filter window S = 9 is larger than the input X = 7"):
        parse_network_description(text, "net.yaml")


def test_operators_refuse_a_kernel_that_does_not_fit_before_lowering() -> None:
    with pytest.raises(InputError, match=r"operator c: the 9x3 kernel does not fit"):
        Conv("c", 4, 4, (7, 7), (9, 3))


@pytest.mark.parametrize("compat", ["maestro", "none"])
def test_the_command_line_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], compat: str) -> None:
    path = tmp_path / "small.m"
    path.write_text(WINDOW_OVER_INPUT)
    status, out, err = run(["analyze", str(path), "--num-pes", "16", "--compat", compat, "-q"], capsys)
    assert_one_line_error(status, err)
    assert "small.m:2: layer Small: the filter window R = 9" in err


def test_over_long_layer_names_are_refused() -> None:
    Layer("n" * MAX_NAME_CHARS, LayerType.GEMM, (("M", 1), ("N", 1), ("K", 1)))
    with pytest.raises(InputError, match=f"a layer name is longer than {MAX_NAME_CHARS:,} characters") as error:
        Layer("n" * 1_000_000, LayerType.GEMM, (("M", 1), ("N", 1), ("K", 1)))
    assert len(str(error.value)) < 200
