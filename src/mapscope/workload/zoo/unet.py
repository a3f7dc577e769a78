"""U-Net as published by Ronneberger, Fischer & Brox 2015 (Figure 1): a 572x572x1 tile to a 388x388x2 map.

Four encoder levels of two valid (unpadded) 3x3 convolutions (64, 128, 256, 512 channels) each followed
by a 2x2 stride-2 max pool, two 3x3 convolutions with 1024 channels at the bottom, then four decoder
levels: a 2x2 stride-2 up-convolution halving the channels, the concatenation with the encoder level's
output cropped to the same size, and two valid 3x3 convolutions; a final 1x1 convolution maps the 64
features to the 2 classes. ReLU is not an operator here: an accelerator fuses it into the convolution.

The crop is not an operator (it only selects a window); the concatenation is an ``Elementwise`` of
kind ``concat`` whose shape is the concatenated output, read once: it counts the cropped skip and the
up-convolution output each read once and the joined map written once, never the cropped-away border.
Names: ``encoderN.conv1/conv2/pool``, ``bottom.conv1/conv2``, ``decoderN.upconv/concat/conv1/conv2``
(decoder N joins encoder N, so they run 4 to 1), ``classifier``.
"""

from __future__ import annotations

from mapscope.workload.operators import (
    Conv,
    ConvTranspose,
    Elementwise,
    Model,
    Operator,
    Pair,
    Pool,
)
from mapscope.workload.zoo.shapes import feature_map, square

INPUT_SIDE_PIXELS = 572
INPUT_CHANNELS = 1
CLASSES = 2
#: Channels of the encoder levels 1 to 4; the bottom level has twice the last.
LEVEL_CHANNELS = (64, 128, 256, 512)


def _double_conv(prefix: str, in_channels: int, out_channels: int, input_hw: Pair, batch: int) -> tuple[Conv, Conv]:
    """Two valid 3x3 convolutions: each trims one pixel from every border."""
    conv1 = Conv(f"{prefix}.conv1", in_channels, out_channels, input_hw, square(3), batch=batch)
    conv2 = Conv(f"{prefix}.conv2", out_channels, out_channels, conv1.output_hw, square(3), batch=batch)
    return conv1, conv2


def unet(*, batch: int = 1) -> Model:
    """The original U-Net, valid convolutions throughout."""
    operators: list[Operator] = []
    channels, hw = INPUT_CHANNELS, square(INPUT_SIDE_PIXELS)
    skips: list[Conv] = []
    for level, out_channels in enumerate(LEVEL_CHANNELS, start=1):
        conv1, conv2 = _double_conv(f"encoder{level}", channels, out_channels, hw, batch)
        pool = Pool(f"encoder{level}.pool", "max", out_channels, conv2.output_hw, square(2), stride=square(2), batch=batch)
        operators += [conv1, conv2, pool]
        skips.append(conv2)
        channels, hw = out_channels, pool.output_hw
    bottom = _double_conv("bottom", channels, 2 * channels, hw, batch)
    operators += bottom
    channels, hw = 2 * channels, bottom[1].output_hw
    for level in range(len(LEVEL_CHANNELS), 0, -1):
        skip = skips[level - 1]
        upconv = ConvTranspose(f"decoder{level}.upconv", channels, channels // 2, hw, square(2), stride=square(2), batch=batch)
        concat_channels = skip.out_channels + upconv.out_channels
        concat = Elementwise(f"decoder{level}.concat", "concat", feature_map(batch, concat_channels, upconv.output_hw))
        conv1, conv2 = _double_conv(f"decoder{level}", concat_channels, skip.out_channels, upconv.output_hw, batch)
        operators += [upconv, concat, conv1, conv2]
        channels, hw = skip.out_channels, conv2.output_hw
    operators.append(Conv("classifier", channels, CLASSES, hw, square(1), batch=batch))
    return Model("unet", tuple(operators), source="zoo unet (Ronneberger et al. 2015)")
