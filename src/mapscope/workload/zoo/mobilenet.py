"""MobileNet-V2 (width multiplier 1.0) exactly as torchvision builds it, for 224x224x3.

Shapes follow Sandler et al. 2018, Table 2, as implemented by ``torchvision.models.mobilenet_v2``: a 3x3
stride-2 stem to 32 channels, seventeen inverted residual blocks (1x1 expansion by t, 3x3 depthwise,
linear 1x1 projection; a residual addition when the block keeps stride 1 and its channel count), a 1x1
convolution to 1280 channels, a global average pool and a 1280 -> 1000 classifier. BatchNorm and ReLU6
are not operators here: an accelerator fuses them into the convolution they follow; dropout does
nothing at inference. Names are torchvision's module names (``features.2.conv.1.0`` is the depthwise
convolution of block 2), plus ``features.N.add`` for each residual addition.
"""

from __future__ import annotations

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

#: torchvision's ``inverted_residual_setting``: (expansion t, output channels c, blocks n, first stride s).
INVERTED_RESIDUAL_SETTING = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
STEM_CHANNELS = 32
LAST_CHANNELS = 1280


def inverted_residual(prefix: str, in_channels: int, out_channels: int, input_hw: Pair, stride: int, expansion: int, batch: int) -> tuple[list[Operator], Pair]:
    """One block's operators (named as torchvision's ``conv`` Sequential) and its output size."""
    hidden = in_channels * expansion
    operators: list[Operator] = []
    if expansion != 1:
        operators.append(Conv(f"{prefix}.conv.0.0", in_channels, hidden, input_hw, square(1), batch=batch))
    depthwise_index = len(operators)
    depthwise = Conv(
        f"{prefix}.conv.{depthwise_index}.0", hidden, hidden, input_hw, square(3),
        stride=square(stride), padding=even_padding(1), groups=hidden, batch=batch,
    )
    project = Conv(f"{prefix}.conv.{depthwise_index + 1}", hidden, out_channels, depthwise.output_hw, square(1), batch=batch)
    operators += [depthwise, project]
    if stride == 1 and in_channels == out_channels:
        operators.append(Elementwise(f"{prefix}.add", "add", feature_map(batch, out_channels, project.output_hw), inputs=2))
    return operators, project.output_hw


def mobilenet_v2(*, batch: int = 1) -> Model:
    """torchvision's MobileNet-V2 at width 1.0 (every channel count is already a multiple of 8)."""
    stem = Conv("features.0.0", 3, STEM_CHANNELS, square(IMAGENET_SIDE_PIXELS), square(3), stride=square(2), padding=even_padding(1), batch=batch)
    operators: list[Operator] = [stem]
    channels, hw, index = STEM_CHANNELS, stem.output_hw, 1
    for expansion, out_channels, blocks, first_stride in INVERTED_RESIDUAL_SETTING:
        for block in range(blocks):
            stride = first_stride if block == 0 else 1
            block_operators, hw = inverted_residual(f"features.{index}", channels, out_channels, hw, stride, expansion, batch)
            operators += block_operators
            channels, index = out_channels, index + 1
    operators.append(Conv(f"features.{index}.0", channels, LAST_CHANNELS, hw, square(1), batch=batch))
    operators.append(Pool("avgpool", "average", LAST_CHANNELS, hw, hw, batch=batch))
    operators.append(MatMul("classifier.1", m=batch, k=LAST_CHANNELS, n=IMAGENET_CLASSES))
    return Model("mobilenet_v2", tuple(operators), source="zoo mobilenet_v2 (torchvision.models.mobilenet_v2)")
