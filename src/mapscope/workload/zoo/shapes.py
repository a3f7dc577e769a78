"""Small shape helpers shared by the zoo's families, so each network reads like its paper's table."""

from __future__ import annotations

from mapscope.workload.operators import Padding, Pair

#: The ImageNet classifiers' input side (224x224 pixels) and class count.
IMAGENET_SIDE_PIXELS = 224
IMAGENET_CLASSES = 1000


def square(size: int) -> Pair:
    """A (height, width) pair of equal sides: kernels, strides and square feature maps."""
    return (size, size)


def even_padding(pixels: int) -> Padding:
    """The same padding on all four sides (top, bottom, left, right), as every network here uses."""
    return (pixels, pixels, pixels, pixels)


def feature_map(batch: int, channels: int, hw: Pair) -> tuple[int, int, int, int]:
    """An NCHW activation shape, for element-wise operators on convolution outputs."""
    return (batch, channels, hw[0], hw[1])
