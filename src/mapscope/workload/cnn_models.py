"""The CNNs of the FlexSA study, built from their published shapes, with residual channel groups.

Layer names follow the usual PyTorch module names (``layer2.0.conv2``, ``layer2.0.downsample.0``, ``fc``).
Group names: ``image`` and ``classes`` (fixed), ``conv1.out`` (the stem), ``layerN.residual`` (a stage's
residual node), and ``<layer>.out`` for a block's internal channels.
"""

from __future__ import annotations

from collections.abc import Callable

from mapscope.errors import InputError
from mapscope.workload.cnn import CNN, ConvLayer

IMAGE_GROUP = "image"
CLASSES_GROUP = "classes"


def _conv(
    name: str,
    in_channels: int,
    out_channels: int,
    kernel: int,
    input_size: int,
    stride: int,
    in_group: str,
    out_group: str,
    is_first: bool = False,
) -> ConvLayer:
    """A square conv with "same"-style padding (kernel // 2), as both ResNets use."""
    return ConvLayer(
        name=name,
        in_channels=in_channels,
        out_channels=out_channels,
        kernel_h=kernel,
        kernel_w=kernel,
        input_h=input_size,
        input_w=input_size,
        stride=stride,
        padding=kernel // 2,
        in_group=in_group,
        out_group=out_group,
        is_first=is_first,
    )


def _fc(in_features: int, classes: int, in_group: str) -> ConvLayer:
    """The classifier after global average pooling: a 1x1 conv on a 1x1 input."""
    return ConvLayer(
        name="fc",
        in_channels=in_features,
        out_channels=classes,
        kernel_h=1,
        kernel_w=1,
        input_h=1,
        input_w=1,
        stride=1,
        padding=0,
        in_group=in_group,
        out_group=CLASSES_GROUP,
        kind="fc",
    )


def resnet50_imagenet() -> CNN:
    """ResNet-50 v1.5 (torchvision) on 224x224 ImageNet: stride 2 on the 3x3 conv of stages 2-4.

    conv1 7x7/2 pad 3 (224 -> 112), a 3x3/2 max-pool (112 -> 56, no MACs), bottlenecks [3, 4, 6, 3] with a
    1x1 downsample conv in each stage's first block, global average pooling and fc 2048 -> 1000.
    """
    layers: list[ConvLayer] = [_conv("conv1", 3, 64, 7, 224, 2, IMAGE_GROUP, "conv1.out", is_first=True)]
    in_channels, in_group, size = 64, "conv1.out", 56
    for stage, (blocks, width) in enumerate(((3, 64), (4, 128), (6, 256), (3, 512)), start=1):
        residual = f"layer{stage}.residual"
        out_channels = 4 * width
        for block in range(blocks):
            prefix = f"layer{stage}.{block}"
            stride = 2 if block == 0 and stage > 1 else 1
            output_size = size // stride
            layers += [
                _conv(f"{prefix}.conv1", in_channels, width, 1, size, 1, in_group, f"{prefix}.conv1.out"),
                _conv(f"{prefix}.conv2", width, width, 3, size, stride, f"{prefix}.conv1.out", f"{prefix}.conv2.out"),
                _conv(f"{prefix}.conv3", width, out_channels, 1, output_size, 1, f"{prefix}.conv2.out", residual),
            ]
            if block == 0:
                layers.append(_conv(f"{prefix}.downsample.0", in_channels, out_channels, 1, size, stride, in_group, residual))
            in_channels, in_group, size = out_channels, residual, output_size
    layers.append(_fc(in_channels, 1000, in_group))
    return CNN("resnet50", "imagenet", tuple(layers), frozenset({IMAGE_GROUP, CLASSES_GROUP}), default_batch=32)


def resnet56_cifar() -> CNN:
    """ResNet-56 for CIFAR-10 (He et al. 2016): 3x3 conv 16, three stages of 9 basic blocks, fc 64 -> 10.

    Shortcuts are option A (identity; the first block of stages 2 and 3 subsamples and zero-pads channels),
    so there are no shortcut convs and each stage's residual node is a group of its own.
    """
    layers: list[ConvLayer] = [_conv("conv1", 3, 16, 3, 32, 1, IMAGE_GROUP, "layer1.residual", is_first=True)]
    in_channels, in_group, size = 16, "layer1.residual", 32
    for stage, width in enumerate((16, 32, 64), start=1):
        residual = f"layer{stage}.residual"
        for block in range(9):
            prefix = f"layer{stage}.{block}"
            stride = 2 if block == 0 and stage > 1 else 1
            output_size = size // stride
            layers += [
                _conv(f"{prefix}.conv1", in_channels, width, 3, size, stride, in_group, f"{prefix}.conv1.out"),
                _conv(f"{prefix}.conv2", width, width, 3, output_size, 1, f"{prefix}.conv1.out", residual),
            ]
            in_channels, in_group, size = width, residual, output_size
    layers.append(_fc(in_channels, 10, in_group))
    return CNN("resnet56", "cifar10", tuple(layers), frozenset({IMAGE_GROUP, CLASSES_GROUP}), default_batch=128)


#: The networks a training study can name.
TRAINING_MODELS: dict[str, Callable[[], CNN]] = {"resnet50": resnet50_imagenet, "resnet56": resnet56_cifar}


def training_model(name: str) -> CNN:
    """The network called `name` (a key of TRAINING_MODELS)."""
    try:
        return TRAINING_MODELS[name]()
    except KeyError:
        known = ", ".join(TRAINING_MODELS)
        raise InputError(f"unknown network {name!r}; known networks: {known}", "network") from None
