"""The same network three ways: the zoo (written from published shapes), the PyTorch importer on an
independently written `nn.Module`, and the ONNX importer on that module's ONNX export. Their compute
operators (every convolution and matrix product, in order, all sizes) and MAC totals must agree."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

import torch_networks as networks
from torch_networks import one_thread  # noqa: F401  (the fixture, used by pytestmark)

from mapscope.formats.importers.onnx_model import read_onnx_model
from mapscope.formats.importers.torch_model import model_from_torch
from mapscope.workload.operators import Model
from mapscope.workload.zoo import zoo_model

pytestmark = [
    pytest.mark.usefixtures("one_thread"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]  # torch's legacy exporter warns it is legacy

#: zoo name -> (module factory, example input factory); the input sizes are the zoo's defaults.
TORCH_NETWORKS: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "alexnet": (networks.AlexNet, networks.imagenet_input),
    "vgg16": (networks.vgg16, networks.imagenet_input),
    "resnet18": (networks.resnet18, networks.imagenet_input),
    "resnet50": (networks.resnet50, networks.imagenet_input),
    "mobilenet_v2": (networks.MobileNetV2, networks.imagenet_input),
    "unet": (networks.UNet, networks.unet_input),
    "bert_base_layer": (networks.BertLayer, networks.bert_input),
    "gpt2_block": (networks.GPT2Block, networks.gpt2_input),
}
#: Exported to ONNX in the default run (the others in the slow one): export costs 1-10 s each.
#: (The U-Net at 572x572 takes 4 s even in PyTorch, so it is checked in the slow run only.)
FAST_ONNX = ("resnet18", "mobilenet_v2", "bert_base_layer")


def compute_shapes(model: Model) -> list[tuple[Any, ...]]:
    """Every compute operator without its name: kind and all sizes, in execution order."""
    return [(type(op).__name__, *dataclasses.astuple(dataclasses.replace(op, name=""))[1:]) for op in model.compute_operators]


def torch_model(name: str) -> Model:
    factory, example = TORCH_NETWORKS[name]
    model, _ = model_from_torch(factory(), example(), name=name)
    return model


@pytest.mark.parametrize("name", [n if n != "unet" else pytest.param(n, marks=pytest.mark.slow) for n in sorted(TORCH_NETWORKS)])
def test_pytorch_import_agrees_with_the_zoo(name: str) -> None:
    zoo, imported = zoo_model(name), torch_model(name)
    assert compute_shapes(imported) == compute_shapes(zoo)
    assert imported.macs == zoo.macs


def onnx_export(name: str, folder: Path) -> Path:
    factory, example = TORCH_NETWORKS[name]
    path = folder / f"{name}.onnx"
    with torch.no_grad():
        torch.onnx.export(factory().eval(), (example(),), str(path), dynamo=False, input_names=["x"])
    return path


@pytest.mark.parametrize(
    "name", [n if n in FAST_ONNX else pytest.param(n, marks=pytest.mark.slow) for n in sorted(TORCH_NETWORKS)]
)
def test_onnx_import_of_the_exported_module_agrees_with_the_zoo(name: str, tmp_path: Path) -> None:
    imported, _ = read_onnx_model(onnx_export(name, tmp_path))
    zoo = zoo_model(name)
    assert compute_shapes(imported) == compute_shapes(zoo)
    assert imported.macs == zoo.macs
