"""VGG-16 (configuration D of Simonyan & Zisserman 2015) exactly as torchvision builds it, for 224x224x3.

Thirteen 3x3 convolutions with padding 1 in five blocks, each block closed by a 2x2 stride-2 max pool,
then torchvision's adaptive average pool to 7x7 (a 1x1 window at 224x224: it is kept because torchvision
and its ONNX export run it) and three fully connected layers 25088 -> 4096 -> 4096 -> 1000.
ReLU is not an operator here: an accelerator fuses it into the layer it follows; dropout does nothing
at inference. Names are torchvision's module names (``features.0``, ``features.4``, ``classifier.6``).
"""

from __future__ import annotations

from mapscope.workload.operators import Conv, MatMul, Model, Operator, Pool
from mapscope.workload.zoo.shapes import (
    IMAGENET_CLASSES,
    IMAGENET_SIDE_PIXELS,
    even_padding,
    square,
)

#: torchvision's ``cfgs["D"]``: output channels of each 3x3 convolution, ``0`` for a max pool.
MAX_POOL = 0
VGG16_FEATURES = (64, 64, MAX_POOL, 128, 128, MAX_POOL, 256, 256, 256, MAX_POOL, 512, 512, 512, MAX_POOL, 512, 512, 512, MAX_POOL)
#: The side of the feature map the classifier reads (torchvision's AdaptiveAvgPool2d((7, 7))).
CLASSIFIER_SIDE_PIXELS = 7
FC_FEATURES = 4096


def vgg16(*, batch: int = 1) -> Model:
    """torchvision's VGG-16 without batch normalisation."""
    operators: list[Operator] = []
    channels, hw = 3, square(IMAGENET_SIDE_PIXELS)
    index = 0  # torchvision's index in ``features``: each conv is followed by its ReLU, each pool stands alone
    for out_channels in VGG16_FEATURES:
        if out_channels == MAX_POOL:
            pool = Pool(f"features.{index}", "max", channels, hw, square(2), stride=square(2), batch=batch)
            operators.append(pool)
            hw, index = pool.output_hw, index + 1
        else:
            conv = Conv(f"features.{index}", channels, out_channels, hw, square(3), padding=even_padding(1), batch=batch)
            operators.append(conv)
            channels, hw, index = out_channels, conv.output_hw, index + 2
    window = (hw[0] // CLASSIFIER_SIDE_PIXELS, hw[1] // CLASSIFIER_SIDE_PIXELS)
    operators.append(Pool("avgpool", "average", channels, hw, window, stride=window, batch=batch))
    flattened = channels * CLASSIFIER_SIDE_PIXELS * CLASSIFIER_SIDE_PIXELS
    operators += [
        MatMul("classifier.0", m=batch, k=flattened, n=FC_FEATURES),
        MatMul("classifier.3", m=batch, k=FC_FEATURES, n=FC_FEATURES),
        MatMul("classifier.6", m=batch, k=FC_FEATURES, n=IMAGENET_CLASSES),
    ]
    return Model("vgg16", tuple(operators), source="zoo vgg16 (torchvision.models.vgg16)")
