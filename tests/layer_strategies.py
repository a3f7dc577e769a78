"""Small random layers for property tests: convolutions of a few elements per dimension (any stride,
optionally batched or grouped) and small GEMMs, shared by the engine's and the mapper's tests."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from mapscope.workload.layer import Layer, LayerType

#: The default mix: plain convolutions twice as often as each other type.
LAYER_TYPES = (LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.NGCONV, LayerType.GEMM)


@st.composite
def small_layers(
    draw: st.DrawFn,
    types: Sequence[LayerType] = LAYER_TYPES,
    max_channels: int = 6,
    max_gemm: int = 8,
    gemm_strides: bool = False,
) -> Layer:
    """A layer of one of `types`: K, C up to `max_channels`, R, S up to 3, Y, X up to 10 (at least the window),
    N up to 2 half the time, G up to 3 when grouped, stride 1 to 3 on X (and the same or 1 on Y); a GEMM's M,
    N, K up to `max_gemm` (with unit X and Y strides written out when `gemm_strides`)."""
    layer_type = draw(st.sampled_from(list(types)))
    if layer_type is LayerType.GEMM:
        dims = {"M": draw(st.integers(1, max_gemm)), "N": draw(st.integers(1, max_gemm)), "K": draw(st.integers(1, max_gemm))}
        return Layer("L", layer_type, tuple(dims.items()), (("X", 1), ("Y", 1)) if gemm_strides else ())
    dims = {"K": draw(st.integers(1, max_channels)), "C": draw(st.integers(1, max_channels)), "R": draw(st.integers(1, 3)), "S": draw(st.integers(1, 3))}
    if layer_type is LayerType.DSCONV:
        del dims["K"]
    if layer_type is LayerType.NGCONV:
        dims["G"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        dims["N"] = draw(st.integers(1, 2))
    dims["Y"] = draw(st.integers(dims["R"], 10))
    dims["X"] = draw(st.integers(dims["S"], 10))
    stride = draw(st.sampled_from([1, 1, 2, 3]))
    return Layer("L", layer_type, tuple(dims.items()), (("X", stride), ("Y", draw(st.sampled_from([1, stride])))))
