"""ResNet-18 and ResNet-50 exactly as torchvision builds them, for a 224x224x3 image.

Shapes follow He et al. 2016 as implemented by ``torchvision.models.resnet18/resnet50`` (v1.5: a
bottleneck strides on its 3x3 convolution, not its first 1x1). BatchNorm and ReLU are not operators
here: an accelerator fuses them into the convolution they follow. Names are torchvision's module names,
except that a projection shortcut is ``layerN.B.downsample`` (torchvision: ``downsample.0``) and each
residual addition is ``layerN.B.add``.
"""

from __future__ import annotations

from collections.abc import Callable

from mapscope.workload.operators import (
    Conv,
    Elementwise,
    MatMul,
    Model,
    Operator,
    Pair,
    Pool,
)
from mapscope.workload.zoo.shapes import (
    IMAGENET_CLASSES,
    IMAGENET_SIDE_PIXELS,
    even_padding,
    feature_map,
    square,
)

#: Base width (channels of the 3x3 convolutions) of the four stages.
STAGE_WIDTHS = (64, 128, 256, 512)

#: Builds one residual block: (name prefix, input channels, width, input size, stride, batch) ->
#: (its operators, its output size).
BlockBuilder = Callable[[str, int, int, Pair, int, int], tuple[list[Operator], Pair]]


def _shortcut(prefix: str, in_channels: int, out_channels: int, input_hw: Pair, stride: int, output_hw: Pair, batch: int) -> list[Operator]:
    """The residual path: a strided 1x1 projection when the shape changes, then the addition."""
    operators: list[Operator] = []
    if stride != 1 or in_channels != out_channels:
        operators.append(Conv(f"{prefix}.downsample", in_channels, out_channels, input_hw, square(1), stride=square(stride), batch=batch))
    operators.append(Elementwise(f"{prefix}.add", "add", feature_map(batch, out_channels, output_hw), inputs=2))
    return operators


def basic_block(prefix: str, in_channels: int, width: int, input_hw: Pair, stride: int, batch: int) -> tuple[list[Operator], Pair]:
    """Two 3x3 convolutions (the first strides) and the shortcut: ResNet-18/34's block, expansion 1."""
    conv1 = Conv(f"{prefix}.conv1", in_channels, width, input_hw, square(3), stride=square(stride), padding=even_padding(1), batch=batch)
    conv2 = Conv(f"{prefix}.conv2", width, width, conv1.output_hw, square(3), padding=even_padding(1), batch=batch)
    return [conv1, conv2, *_shortcut(prefix, in_channels, width, input_hw, stride, conv2.output_hw, batch)], conv2.output_hw


def bottleneck(prefix: str, in_channels: int, width: int, input_hw: Pair, stride: int, batch: int) -> tuple[list[Operator], Pair]:
    """1x1 reduce, strided 3x3, 1x1 expand to 4x width, and the shortcut: ResNet-50's v1.5 block."""
    out_channels = 4 * width
    conv1 = Conv(f"{prefix}.conv1", in_channels, width, input_hw, square(1), batch=batch)
    conv2 = Conv(f"{prefix}.conv2", width, width, input_hw, square(3), stride=square(stride), padding=even_padding(1), batch=batch)
    conv3 = Conv(f"{prefix}.conv3", width, out_channels, conv2.output_hw, square(1), batch=batch)
    shortcut = _shortcut(prefix, in_channels, out_channels, input_hw, stride, conv3.output_hw, batch)
    return [conv1, conv2, conv3, *shortcut], conv3.output_hw


def _resnet(name: str, block: BlockBuilder, expansion: int, blocks_per_stage: tuple[int, ...], batch: int) -> Model:
    """The stem, four stages (the first block of stages 2-4 strides by 2), global pool and classifier."""
    conv1 = Conv("conv1", 3, 64, square(IMAGENET_SIDE_PIXELS), square(7), stride=square(2), padding=even_padding(3), batch=batch)
    maxpool = Pool("maxpool", "max", 64, conv1.output_hw, square(3), stride=square(2), padding=even_padding(1), batch=batch)
    operators: list[Operator] = [conv1, maxpool]
    channels, hw = 64, maxpool.output_hw
    for stage, (width, blocks) in enumerate(zip(STAGE_WIDTHS, blocks_per_stage, strict=True), start=1):
        for index in range(blocks):
            stride = 2 if stage > 1 and index == 0 else 1
            block_operators, hw = block(f"layer{stage}.{index}", channels, width, hw, stride, batch)
            operators += block_operators
            channels = width * expansion
    operators.append(Pool("avgpool", "average", channels, hw, hw, batch=batch))
    operators.append(MatMul("fc", m=batch, k=channels, n=IMAGENET_CLASSES))
    return Model(name, tuple(operators), source=f"zoo {name} (torchvision.models.{name})")


def resnet18(*, batch: int = 1) -> Model:
    """torchvision's ResNet-18: basic blocks, [2, 2, 2, 2] per stage, 512 features."""
    return _resnet("resnet18", basic_block, 1, (2, 2, 2, 2), batch)


def resnet50(*, batch: int = 1) -> Model:
    """torchvision's ResNet-50 (v1.5): bottlenecks, [3, 4, 6, 3] per stage, 2048 features."""
    return _resnet("resnet50", bottleneck, 4, (3, 4, 6, 3), batch)
