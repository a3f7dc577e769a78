"""A zoo of real networks written from their published shapes, by name: ``zoo_model("resnet50", batch=8)``.

Each entry builds a `Model` of framework-level operators (`workload.operators`) whose layer shapes are
those of the paper or reference implementation named in its description, so cost studies start from
networks people actually run rather than hand-typed layer lists.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mapscope.errors import InputError
from mapscope.workload.operators import Model
from mapscope.workload.zoo.alexnet import alexnet
from mapscope.workload.zoo.mobilenet import mobilenet_v2
from mapscope.workload.zoo.resnet import resnet18, resnet50
from mapscope.workload.zoo.transformer import bert_base_layer, gpt2_block
from mapscope.workload.zoo.unet import unet
from mapscope.workload.zoo.vgg import vgg16


@dataclass(frozen=True)
class ZooEntry:
    """One zoo network: its name, a one-line description, the size parameters `build` takes, the builder."""

    name: str
    description: str
    parameters: Mapping[str, int] = field(hash=False)  # keyword parameter -> default
    build: Callable[..., Model]


def _entry(name: str, description: str, build: Callable[..., Model]) -> ZooEntry:
    """An entry whose parameters are read from the builder's keyword-only defaults, so they cannot drift."""
    defaults = {p.name: p.default for p in inspect.signature(build).parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    return ZooEntry(name, description, MappingProxyType(defaults), build)


#: The networks, oldest image classifiers first, then segmentation, then transformer layers.
ZOO: dict[str, ZooEntry] = {
    entry.name: entry
    for entry in (
        _entry("alexnet", "AlexNet, 224x224x3 image, torchvision's single-tower variant (Krizhevsky 2014)", alexnet),
        _entry("vgg16", "VGG-16 (configuration D), 224x224x3 image, torchvision's vgg16 (Simonyan & Zisserman 2015)", vgg16),
        _entry("resnet18", "ResNet-18, 224x224x3 image, torchvision's resnet18 (He et al. 2016)", resnet18),
        _entry("resnet50", "ResNet-50 v1.5 (stride on the 3x3 conv), 224x224x3 image, torchvision's resnet50 (He et al. 2016)", resnet50),
        _entry("mobilenet_v2", "MobileNet-V2 width 1.0, 224x224x3 image, torchvision's mobilenet_v2 (Sandler et al. 2018)", mobilenet_v2),
        _entry("unet", "U-Net, 572x572x1 tile to a 388x388x2 map, valid convolutions (Ronneberger et al. 2015)", unet),
        _entry("bert_base_layer", "one BERT-base encoder layer (768 hidden, 12 heads, 3072 FFN), seq_len tokens (Devlin et al. 2019)", bert_base_layer),
        _entry("gpt2_block", "one GPT-2 small block (768 hidden, 12 heads, 3072 FFN, pre-LN), seq_len tokens (Radford et al. 2019)", gpt2_block),
    )
}


def zoo_model(name: str, **parameters: int) -> Model:
    """Build the zoo network `name` with its size parameters (defaults for those not given)."""
    entry = ZOO.get(name)
    if entry is None:
        raise InputError(f"unknown zoo model {name!r}; known models: {', '.join(ZOO)}")
    where = f"zoo model {name}"
    for parameter, value in parameters.items():
        if parameter not in entry.parameters:
            accepted = ", ".join(f"{p} (default {d})" for p, d in entry.parameters.items())
            raise InputError(f"unknown parameter {parameter!r}; {name} accepts: {accepted}", where)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InputError(f"{parameter} must be a positive integer, got {value!r}", where)
    try:
        return entry.build(**parameters)
    except InputError as error:  # a size the operators reject (above their largest size): say which model
        raise InputError(str(error), where) from error


__all__ = ["ZOO", "ZooEntry", "zoo_model"]
