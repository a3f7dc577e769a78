"""`mapscope.analyze` takes every source the CLI takes, and its result gives the CLI's `--json` document:
a zoo name, an ONNX file, a MAESTRO `.m` example, a YAML description, a Model, a MappedNetwork and a
PyTorch module (against the CLI on its ONNX export)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run

import mapscope
from mapscope.api import load_network
from mapscope.formats.results.json_output import network_stats_document
from mapscope.workload.zoo import zoo_model

HARDWARE = "accelerator_256pe"


def cli_document(arguments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The JSON document `mapscope analyze ARGUMENTS --json FILE -q` writes (in-process)."""
    path = tmp_path / "cli.json"
    status, _, err = run(["analyze", *arguments, "--json", str(path), "-q"], capsys)
    assert status == 0, err
    return json.loads(path.read_text())


def api_document(stats: mapscope.NetworkStats) -> dict[str, Any]:
    """The document of an api result, through JSON text as the CLI writes it."""
    return json.loads(json.dumps(network_stats_document(stats)))


def test_zoo_name_with_a_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats = mapscope.analyze("alexnet", HARDWARE, dataflow="kcp_ws", params={"cluster_size": 32}, dims={"batch": 2})
    arguments = ["alexnet", "--hw", HARDWARE, "--dataflow", "kcp_ws", "--param", "cluster_size=32", "--dim", "batch=2"]
    document = cli_document(arguments, tmp_path, capsys)
    assert api_document(stats) == document
    assert document["source"] == "zoo:alexnet" and document["workload"]["dataflow"] == "kcp_ws"
    assert stats.accelerator is not None and stats.accelerator.num_pes == 256


def test_maestro_example_in_both_modes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for compat in ("maestro", "none"):
        stats = mapscope.analyze("vgg16_kcp_ws", HARDWARE, compat=compat)
        document = cli_document(["vgg16_kcp_ws", "--hw", HARDWARE, "--compat", compat], tmp_path, capsys)
        assert api_document(stats) == document
        assert "workload" not in document


def test_hardware_overrides_and_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats = mapscope.analyze("vgg16_kcp_ws", num_pes=64, noc_bandwidth_elems_per_cycle=32)
    assert api_document(stats) == cli_document(["vgg16_kcp_ws", "--num-pes", "64", "--noc-bw", "32"], tmp_path, capsys)


def test_yaml_description(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    description = tmp_path / "resnet18.yaml"
    assert run(["convert", "resnet18", str(description)], capsys)[0] == 0
    stats = mapscope.analyze(description, HARDWARE, dataflow="rs")
    assert api_document(stats) == cli_document([str(description), "--hw", HARDWARE, "--dataflow", "rs"], tmp_path, capsys)


def test_objects_give_the_numbers_of_their_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Model or a MappedNetwork gives the CLI's document on the name it came from; only `source` may differ."""
    for source, name, dataflow in ((zoo_model("resnet18"), "resnet18", "kcp_ws"), (load_network("vgg16_kcp_ws"), "vgg16_kcp_ws", None)):
        stats = mapscope.analyze(source, mapscope.Accelerator(num_pes=256, l1_size_elems=512, l2_size_elems=108000), dataflow=dataflow)
        arguments = [name, "--num-pes", "256", "--l1-size", "512", "--l2-size", "108000", *(["--dataflow", dataflow] if dataflow else [])]
        document = cli_document(arguments, tmp_path, capsys)
        mine = api_document(stats)
        assert mine.pop("source") is not None
        document.pop("source")
        assert mine == document


def _tiny_onnx(path: Path) -> None:
    """A convolution, a pooling and a fully connected layer with a dynamic batch, written with onnx.helper."""
    onnx = pytest.importorskip("onnx")
    import numpy as np

    helper, tensor = onnx.helper, onnx.TensorProto
    weights = {
        "w": np.ones((8, 3, 3, 3), dtype=np.float32),
        "fc": np.ones((8 * 4 * 4, 10), dtype=np.float32),
        "shape": np.array([0, -1], dtype=np.int64),
    }
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu1"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Reshape", ["p", "shape"], ["f"], name="flatten"),
        helper.make_node("MatMul", ["f", "fc"], ["y"], name="fc1"),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", tensor.FLOAT, ["batch", 3, 8, 8])],
        [helper.make_tensor_value_info("y", tensor.FLOAT, None)],
        [onnx.numpy_helper.from_array(array, name) for name, array in weights.items()],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))


def test_onnx_file_with_a_dynamic_dimension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "tiny.onnx"
    _tiny_onnx(model)
    stats = mapscope.analyze(str(model), HARDWARE, dataflow="kcp_ws", dims={"batch": 4})
    document = cli_document([str(model), "--hw", HARDWARE, "--dataflow", "kcp_ws", "--dim", "batch=4"], tmp_path, capsys)
    assert api_document(stats) == document
    assert stats.layers and all(layer.macs > 0 for layer in stats.layers)


def test_torch_module_matches_its_onnx_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same numbers from the module (PyTorch importer) and from the CLI on its ONNX export; layer names
    differ between the two importers, so the comparison is of the figures."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 8 * 8, 10)
    ).eval()
    example = torch.zeros(2, 3, 8, 8)
    stats = mapscope.analyze(module, HARDWARE, dataflow="kcp_ws", example_inputs=example)
    exported = tmp_path / "module.onnx"
    with warnings.catch_warnings():  # the legacy exporter says it is legacy
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(exported), dynamo=False)
    document = cli_document([str(exported), "--hw", HARDWARE, "--dataflow", "kcp_ws"], tmp_path, capsys)
    mine = api_document(stats)
    assert mine["totals"] == document["totals"]
    assert [_figures(layer) for layer in mine["layers"]] == [_figures(layer) for layer in document["layers"]]
    assert mine["accelerator"] == document["accelerator"]


def _figures(layer: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in layer.items() if name not in ("layer", "network")}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"dataflow": "no_such_template"}, "no_such_template"),
        ({"pes": 8}, "unknown hardware parameter"),
        ({"dataflow_name": "kcp_ws"}, "unknown hardware parameter"),
        ({"params": {"cluster_size": 8}}, "template parameters need a template"),
        ({"compat": "timeloop"}, "compat"),
        ({"dims": {"batch": 0}}, "positive"),
        ({"example_inputs": 3}, "torch.nn.Module"),
    ],
)
def test_errors_are_input_errors(arguments: dict[str, Any], message: str) -> None:
    source = "vgg16_kcp_ws" if "dims" not in arguments else "alexnet"
    with pytest.raises(mapscope.InputError, match=message):
        mapscope.analyze(source, HARDWARE, **arguments)


def test_a_model_needs_a_dataflow_as_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(mapscope.InputError) as raised:
        mapscope.analyze("alexnet", HARDWARE)
    status, _, err = run(["analyze", "alexnet", "--hw", HARDWARE], capsys)
    assert status == 2 and err == f"error: {raised.value}\n"


def test_unknown_sources_are_input_errors() -> None:
    with pytest.raises(mapscope.InputError, match="no such file, shipped example or zoo network"):
        mapscope.analyze("no_such_network", HARDWARE)
    with pytest.raises(mapscope.InputError, match="cannot analyse a int"):
        mapscope.analyze(3, HARDWARE)  # type: ignore[arg-type]
