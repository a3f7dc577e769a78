"""Lowering a CNN's training step to GEMMs: forward, data gradient and weight gradient per layer.

Per conv group (g groups, Cg = C/g, Kg = K/g; P x Q the output, N the batch), after PruneTrain's cost
scripts:

- forward: M = N·P·Q, N = Kg, K = Cg·R·S;
- weight gradient: M = Cg·R·S, N = Kg, K = N·P·Q;
- data gradient (none for the first layer): M = N·H·W, N = Cg, K = Kg·R·S at stride 1. At stride s > 1
  the gradient is split into s² phases (input rows h ≡ a, columns w ≡ b mod s), each a dense GEMM over
  only the filter taps that reach those inputs, so no MAC multiplies an inserted zero.

Each GEMM is run `count` = g times (times the number of phases sharing one shape).
"""

from __future__ import annotations

from mapscope.errors import InputError
from mapscope.workload.cnn import CNN, ConvLayer
from mapscope.workload.gemm import Gemm, TrainingPass


def _check_batch(batch: int) -> None:
    if isinstance(batch, bool) or not isinstance(batch, int) or batch <= 0:
        raise InputError(f"the batch must be a positive integer, got {batch!r}", "batch")


def _phase_sizes(inputs: int, taps: int, stride: int, padding: int) -> list[tuple[int, int]]:
    """Per phase a = 0..stride-1: (inputs h in [0, inputs) with h ≡ a, filter taps r with a + padding ≡ r)."""
    sizes = []
    for phase in range(stride):
        phase_inputs = len(range(phase, inputs, stride))
        phase_taps = sum(1 for tap in range(taps) if (phase + padding - tap) % stride == 0)
        sizes.append((phase_inputs, phase_taps))
    return sizes


def _data_gradient(layer: ConvLayer, batch: int) -> tuple[Gemm, ...]:
    """The stride-phase GEMMs of the data gradient, phases of one shape merged (count summed)."""
    groups = layer.groups
    in_per_group, out_per_group = layer.in_channels // groups, layer.out_channels // groups
    counts: dict[tuple[int, int, int], int] = {}
    for rows, row_taps in _phase_sizes(layer.input_h, layer.kernel_h, layer.stride, layer.padding):
        for columns, column_taps in _phase_sizes(layer.input_w, layer.kernel_w, layer.stride, layer.padding):
            shape = (batch * rows * columns, in_per_group, out_per_group * row_taps * column_taps)
            if shape[0] and shape[2]:  # no inputs in this phase, or no tap reaches them (zero gradient)
                counts[shape] = counts.get(shape, 0) + groups
    base = f"{layer.name}/{TrainingPass.DATA_GRADIENT.value}"
    return tuple(
        Gemm(m, n, k, base if len(counts) == 1 else f"{base}/{index}", TrainingPass.DATA_GRADIENT, count)
        for index, ((m, n, k), count) in enumerate(counts.items())
    )


def lower_layer(layer: ConvLayer, batch: int) -> tuple[Gemm, ...]:
    """The training GEMMs of one layer: forward, weight gradient, then the data-gradient GEMM(s).

    Several data-gradient GEMMs (strided layers with phases of different shapes) are named
    ``<layer>/data_gradient/<i>``; otherwise names are ``<layer>/<pass>``.
    """
    _check_batch(batch)
    groups = layer.groups
    in_per_group, out_per_group = layer.in_channels // groups, layer.out_channels // groups
    outputs = batch * layer.output_h * layer.output_w
    window = in_per_group * layer.kernel_h * layer.kernel_w
    forward = Gemm(outputs, out_per_group, window, f"{layer.name}/{TrainingPass.FORWARD.value}", TrainingPass.FORWARD, groups)
    weight_gradient = Gemm(
        window, out_per_group, outputs, f"{layer.name}/{TrainingPass.WEIGHT_GRADIENT.value}", TrainingPass.WEIGHT_GRADIENT, groups
    )
    data_gradient = () if layer.is_first else _data_gradient(layer, batch)
    return (forward, weight_gradient, *data_gradient)


def lower_network(cnn: CNN, batch: int | None = None) -> tuple[Gemm, ...]:
    """Every training GEMM of one step of `cnn`, layer by layer (batch defaults to the network's)."""
    size = cnn.default_batch if batch is None else batch
    return tuple(gemm for layer in cnn.layers for gemm in lower_layer(layer, size))


def training_macs(cnn: CNN, batch: int | None = None) -> int:
    """Multiply-accumulates of one training step (all three passes) of `cnn`."""
    return sum(gemm.macs for gemm in lower_network(cnn, batch))
