"""MAESTRO's bundled model files (networks without dataflows): they read, convert to operators and back,
are mapped by every dataflow template and analyse with their true MAC count; written back as `.m` they
read to the same layers."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run
from shared_data import MAESTRO_DATA

from mapscope.api import analyze, build_accelerator
from mapscope.errors import InputError
from mapscope.formats import read_mapping_file
from mapscope.formats.maestro.mapping_file import parse_mapping_text
from mapscope.formats.maestro.network_writer import maestro_name, maestro_network_text
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.templates import TEMPLATES
from mapscope.workload.layer import Layer, LayerType, layer_macs
from mapscope.workload.operators import ConvTranspose
from mapscope.formats.sources import load_workload
from mapscope.mapping.mapped_workload import map_workload

MODEL_FILES = sorted((MAESTRO_DATA / "data" / "model").glob("*.m")) if MAESTRO_DATA.is_dir() else []
needs_models = pytest.mark.skipif(not MODEL_FILES, reason="../shared/maestro-data is not beside the checkout")


def true_macs(path: Path) -> int:
    """MAESTRO's own count for every layer but TRCONV, which counts as a transposed convolution (stride 2)."""
    total = 0
    for mapped in read_mapping_file(path).layers:
        layer = mapped.layer
        if layer.type is LayerType.TRCONV:
            dims = dict(layer.dimensions)
            total += ConvTranspose("t", dims["C"], dims["K"], (dims["Y"], dims["X"]), (dims["R"], dims["S"]), (2, 2)).macs
        else:
            total += layer_macs(layer)
    return total


@needs_models
def test_the_bundled_model_files_are_all_there() -> None:
    assert len(MODEL_FILES) == 13


@needs_models
@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda path: path.stem)
def test_a_model_file_reads_without_dataflows_and_needs_a_template(path: Path) -> None:
    network = read_mapping_file(path)
    assert all(not mapped.dataflow for mapped in network.layers)
    with pytest.raises(Exception, match="have no dataflow"):
        analyze(network, num_pes=64)


@needs_models
@pytest.mark.parametrize("template_name", sorted(TEMPLATES))
@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda path: path.stem)
def test_every_template_maps_every_model_file_with_its_true_macs(path: Path, template_name: str) -> None:
    accelerator = build_accelerator(None, {"num_pes": 256})
    mapped = map_workload(load_workload(str(path)), dataflow=template_name, num_pes=256)
    stats = analyze(mapped.network, accelerator)
    assert sum(layer.macs for layer in stats.layers) == true_macs(path)


@needs_models
@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda path: path.stem)
def test_compat_mode_maps_the_layers_as_written(path: Path) -> None:
    """With --compat maestro the template maps MAESTRO's own layers (TRCONV stays MAESTRO's plain conv)."""
    mapped = map_workload(load_workload(str(path)), dataflow="kcp_ws", num_pes=256, compat="maestro")
    written = read_mapping_file(path)
    assert [m.layer for m in mapped.network.layers] == [m.layer for m in written.layers]
    assert mapped.lowered is None


@needs_models
@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda path: path.stem)
def test_written_m_files_read_back_to_the_same_layers(path: Path) -> None:
    mapped = map_workload(load_workload(str(path)), dataflow="kcp_ws", num_pes=256)
    text = maestro_network_text(mapped.network, {mapped.network.layers[0].layer.name: "a note\non two lines"}, "header")
    back = parse_mapping_text(text, "back.m")
    assert [(m.layer.type, m.layer.dimensions, m.dataflow) for m in back.layers] == [
        (m.layer.type, m.layer.dimensions, m.dataflow) for m in mapped.network.layers
    ]
    assert [m.layer.name for m in back.layers] == [maestro_name(m.layer.name) for m in mapped.network.layers]


def test_names_are_made_maestro_safe() -> None:
    assert maestro_name("/layer1/conv:0 (a,b)") == "layer1_conv_0_a_b"
    assert maestro_name("layer1.0.conv1#2") == "layer1.0.conv1#2"
    assert maestro_name("//") == "unnamed"
    assert maestro_name("Dataflow") == "Dataflow_" and maestro_name("Network") == "Network_"  # keywords read as blocks


def test_layers_named_like_keywords_read_back() -> None:
    text = "Network Layer {\n Layer Type {\n Type: GEMM\n Dimensions { M: 2, N: 3, K: 4 }\n }\n}\n"
    with pytest.raises(InputError):
        parse_mapping_text(text, "keywords.m")
    network = MappedNetwork("Layer", (MappedLayer(Layer("Type", LayerType.GEMM, (("M", 2), ("N", 3), ("K", 4))), ()),))
    back = parse_mapping_text(maestro_network_text(network), "back.m")
    assert (back.name, [m.layer.name for m in back.layers]) == ("Layer_", ["Type_"])


@needs_models
def test_cli_analyses_and_converts_a_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(MODEL_FILES[0])
    status, out, err = run(["analyze", model, "--dataflow", "kcp_ws", "--num-pes", "256", "--json", str(tmp_path / "r.json")], capsys)
    assert status == 0, err
    assert "operators analysed as" in err
    status, _, err = run(["convert", model, str(tmp_path / "mapped.m"), "--dataflow", "yxp_os", "--num-pes", "128"], capsys)
    assert status == 0, err
    status, out, err = run(["analyze", str(tmp_path / "mapped.m"), "--num-pes", "128", "-q"], capsys)
    assert status == 0, err
    status, _, err = run(["convert", model, str(tmp_path / "model.yaml")], capsys)
    assert status == 0, err
    status, _, err = run(["analyze", str(tmp_path / "model.yaml"), "--num-pes", "64"], capsys)
    assert_one_line_error(status, err)
    assert "have no dataflow" in err and "--dataflow" in err


@needs_models
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dataflow", "eyeriss"], "unknown dataflow template 'eyeriss'"),
        (["--dataflow", "kcp_ws", "--param", "cluster_size"], "--param: expected NAME=VALUE"),
        (["--dataflow", "kcp_ws", "--param", "cluster_size=0"], "must be a positive integer"),
        (["--dataflow", "kcp_ws", "--param", "tile=3"], "unknown parameter 'tile'"),
        (["--param", "cluster_size=4"], "need a template"),
        (["--dataflow", "kcp_ws", "--dim", "batch=2"], "apply to ONNX models and zoo networks only"),
        (["--dataflow", "kcp_ws", "--dim", "batch=two"], "--dim: batch must be an integer"),
    ],
)
def test_bad_template_and_size_options_are_one_line_errors(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["analyze", str(MODEL_FILES[0]), "--num-pes", "64", *arguments], capsys)
    assert_one_line_error(status, err)
    assert message in err


def test_unknown_source_names_the_catalogues(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["analyze", "resnet9000", "--dataflow", "kcp_ws"], capsys)
    assert_one_line_error(status, err)
    assert "mapscope zoo" in err


def test_convert_rejects_an_unknown_output_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["convert", "resnet50_kcp_ws", str(tmp_path / "out.txt")], capsys)
    assert_one_line_error(status, err)
    assert not (tmp_path / "out.txt").exists()
