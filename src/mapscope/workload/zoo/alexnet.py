"""AlexNet as torchvision builds it (single-tower, 64/192/384/256/256 channels), for 224x224x3.

This is torchvision's variant of Krizhevsky et al. 2012 (after "One weird trick", Krizhevsky 2014), not
the two-GPU original: an 11x11 stride-4 padding-2 convolution, 3x3 stride-2 max pools after the first,
second and fifth convolutions, an adaptive average pool to 6x6 (a 1x1 window at 224x224: it is kept
because torchvision and its ONNX export run it) and fully connected layers 9216 -> 4096 -> 4096 -> 1000.
ReLU is not an operator here: an accelerator fuses it into the layer it follows; dropout does nothing
at inference. Names are torchvision's module names (``features.0``, ``classifier.1``).
"""

from __future__ import annotations

from mapscope.workload.operators import Conv, MatMul, Model, Pool
from mapscope.workload.zoo.shapes import (
    IMAGENET_CLASSES,
    IMAGENET_SIDE_PIXELS,
    even_padding,
    square,
)

#: The side of the feature map the classifier reads (torchvision's AdaptiveAvgPool2d((6, 6))).
CLASSIFIER_SIDE_PIXELS = 6
FC_FEATURES = 4096


def alexnet(*, batch: int = 1) -> Model:
    """torchvision's AlexNet."""
    conv0 = Conv("features.0", 3, 64, square(IMAGENET_SIDE_PIXELS), square(11), stride=square(4), padding=even_padding(2), batch=batch)
    pool2 = Pool("features.2", "max", 64, conv0.output_hw, square(3), stride=square(2), batch=batch)
    conv3 = Conv("features.3", 64, 192, pool2.output_hw, square(5), padding=even_padding(2), batch=batch)
    pool5 = Pool("features.5", "max", 192, conv3.output_hw, square(3), stride=square(2), batch=batch)
    conv6 = Conv("features.6", 192, 384, pool5.output_hw, square(3), padding=even_padding(1), batch=batch)
    conv8 = Conv("features.8", 384, 256, conv6.output_hw, square(3), padding=even_padding(1), batch=batch)
    conv10 = Conv("features.10", 256, 256, conv8.output_hw, square(3), padding=even_padding(1), batch=batch)
    pool12 = Pool("features.12", "max", 256, conv10.output_hw, square(3), stride=square(2), batch=batch)
    hw = pool12.output_hw
    window = (hw[0] // CLASSIFIER_SIDE_PIXELS, hw[1] // CLASSIFIER_SIDE_PIXELS)
    avgpool = Pool("avgpool", "average", 256, hw, window, stride=window, batch=batch)
    flattened = 256 * CLASSIFIER_SIDE_PIXELS * CLASSIFIER_SIDE_PIXELS
    classifier = (
        MatMul("classifier.1", m=batch, k=flattened, n=FC_FEATURES),
        MatMul("classifier.4", m=batch, k=FC_FEATURES, n=FC_FEATURES),
        MatMul("classifier.6", m=batch, k=FC_FEATURES, n=IMAGENET_CLASSES),
    )
    features = (conv0, pool2, conv3, pool5, conv6, conv8, conv10, pool12, avgpool)
    return Model("alexnet", features + classifier, source="zoo alexnet (torchvision.models.alexnet)")
