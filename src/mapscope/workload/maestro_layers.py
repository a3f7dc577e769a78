"""MAESTRO layers -> operators: the way back from a `.m` network to what it computes.

The way there is `workload.lowering`. What MAESTRO's layer form cannot express, and what the lowering
does about it:

* padding: folded into the input size, so a `.m` file cannot tell padding from a larger input (read
  back, the layer is an unpadded convolution over the padded input; same MACs and traffic);
* dilation: becomes dense phase convolutions whose phases are folded into the batch N;
* transposed convolution: TRCONV is analysed by MAESTRO as a plain convolution and has no stride, so
  it is lowered to sub-pixel convolutions instead; read back, a TRCONV becomes a transposed
  convolution with its declared stride, or 2 (the up-sampling of the networks that use it) if none;
* pooling and element-wise operators: no layer type (POOL is parsed but never built), so they are
  reported, not analysed;
* batched products of two activations: NGCONV with G = batch (MAESTRO itself would count the outputs
  once per input channel; the corrected model does not).
"""

from __future__ import annotations

from dataclasses import replace

from mapscope.errors import InputError
from mapscope.workload.layer import Layer, LayerType
from mapscope.workload.network import Network
from mapscope.workload.operators import Conv, ConvTranspose, MatMul, Model, Operator

#: MAESTRO's TRCONV carries no stride; its bundled U-Net up-samples by 2.
DEFAULT_TRANSPOSED_STRIDE = 2


def _input_size(layer: Layer, axis: str, window: str) -> int:
    """The layer's input size along `axis`, from Y (X) or from the output-centric Y' (X')."""
    if layer.has(axis):
        return layer.size(axis)
    if layer.has(axis + "'"):
        return (layer.size(axis + "'") - 1) * layer.stride(axis) + layer.size(window)
    raise InputError(f"the layer declares neither {axis} nor {axis}'", f"layer {layer.name}")


def operator_from_layer(layer: Layer) -> tuple[Operator, str | None]:
    """The operator a MAESTRO layer computes, and a note when the reading is an interpretation."""
    dims = dict(layer.dimensions)
    try:
        if layer.type is LayerType.GEMM:
            return MatMul(layer.name, dims["M"], dims["K"], dims["N"]), None
        batch = dims.get("N", 1)
        window = (dims["R"], dims["S"])
        input_hw = (_input_size(layer, "Y", "R"), _input_size(layer, "X", "S"))
        stride = (layer.stride("Y"), layer.stride("X"))
        if layer.type is LayerType.TRCONV:
            declared = any(name in ("Y", "X") for name, _ in layer.strides)
            up = stride if declared else (DEFAULT_TRANSPOSED_STRIDE, DEFAULT_TRANSPOSED_STRIDE)
            note = None if declared else f"TRCONV has no stride in MAESTRO; read as a transposed convolution with stride {up}"
            return ConvTranspose(layer.name, dims["C"], dims["K"], input_hw, window, up, batch=batch), note
        if layer.type is LayerType.DSCONV:
            channels = dims["C"]
            return Conv(layer.name, channels, channels, input_hw, window, stride, groups=channels, batch=batch), None
        groups = dims.get("G", 1) if layer.type is LayerType.NGCONV else 1
        in_channels, out_channels = groups * dims["C"], groups * dims["K"]
        return Conv(layer.name, in_channels, out_channels, input_hw, window, stride, groups=groups, batch=batch), None
    except KeyError as missing:
        raise InputError(f"a {layer.type} layer needs dimension {missing.args[0]}, which is not declared", f"layer {layer.name}") from None


def model_from_network(network: Network, source: str | None = None) -> tuple[Model, tuple[str, ...]]:
    """Every layer of a MAESTRO network as an operator, with the notes on layers read by interpretation."""
    operators: list[Operator] = []
    notes = []
    seen: dict[str, int] = {}
    for layer in network.layers:
        operator, note = operator_from_layer(layer)
        seen[layer.name] = seen.get(layer.name, 0) + 1
        if seen[layer.name] > 1:  # MAESTRO files may repeat a name; operators need unique ones
            operator = replace(operator, name=f"{layer.name}#{seen[layer.name]}")
            notes.append(f"{operator.name}: a second layer named {layer.name}, renamed")
        operators.append(operator)
        if note:
            notes.append(f"{operator.name}: {note}")
    return Model(network.name, tuple(operators), source), tuple(notes)
