"""The layer's shape in LayerStats: every dimension for every layer type, Y/X and Y'/X' completed as analysed."""

from __future__ import annotations

import pytest
from shared_data import MAESTRO_REFERENCE

from mapscope.analysis.layer_shape import layer_shape_fields
from mapscope.api import analyze
from mapscope.stats import SHAPE_DIMENSIONS, shape_field
from mapscope.workload.layer import Layer, LayerType


def shape(layer_type: LayerType, dimensions: dict[str, int], strides: dict[str, int] | None = None, *, stride_aware: bool = True) -> dict[str, int]:
    layer = Layer("l", layer_type, tuple(dimensions.items()), tuple((strides or {}).items()))
    return layer_shape_fields(layer, stride_aware=stride_aware)


def test_field_names_of_the_letters() -> None:
    assert [shape_field(d) for d in SHAPE_DIMENSIONS] == [
        "dim_n", "dim_g", "dim_k", "dim_c", "dim_m", "dim_r", "dim_s", "dim_y", "dim_x", "dim_y_out", "dim_x_out"
    ]  # fmt: skip


def test_conv_declaring_outputs_gets_inputs_stride_aware_by_default_and_maestros_in_compat() -> None:
    dims = {"K": 8, "C": 4, "R": 3, "S": 3, "Y'": 10, "X'": 5}
    default = shape(LayerType.CONV, dims, {"Y": 2, "X": 1})
    assert (default["dim_y"], default["dim_x"], default["dim_y_out"], default["dim_x_out"]) == (21, 7, 10, 5)
    assert (default["stride_y"], default["stride_x"]) == (2, 1)
    compat = shape(LayerType.CONV, dims, {"Y": 2, "X": 1}, stride_aware=False)
    assert (compat["dim_y"], compat["dim_x"]) == (12, 7)  # MAESTRO: Y = Y' + R - 1 whatever the stride
    assert (default["dim_n"], default["dim_g"], default["dim_m"], default["dim_k"], default["dim_c"]) == (1, 1, 1, 8, 4)


def test_conv_declaring_inputs_gets_outputs() -> None:
    fields = shape(LayerType.CONV, {"N": 2, "K": 8, "C": 4, "R": 3, "S": 1, "Y": 9, "X": 9}, {"Y": 2, "X": 3})
    assert (fields["dim_n"], fields["dim_y_out"], fields["dim_x_out"]) == (2, 4, 3)


@pytest.mark.parametrize(
    ("layer_type", "dimensions", "expected"),
    [
        (LayerType.GEMM, {"M": 6, "N": 5, "K": 7}, {"dim_m": 6, "dim_n": 5, "dim_k": 7, "dim_c": 1, "dim_r": 1, "dim_y": 1, "dim_y_out": 1}),
        (LayerType.DSCONV, {"C": 16, "R": 3, "S": 3, "Y": 8, "X": 8}, {"dim_c": 16, "dim_k": 1, "dim_g": 1, "dim_y_out": 6}),
        (LayerType.NGCONV, {"G": 4, "K": 2, "C": 3, "R": 1, "S": 1, "Y": 5, "X": 5}, {"dim_g": 4, "dim_k": 2, "dim_c": 3, "dim_x_out": 5}),
    ],
)
def test_every_layer_type_has_every_dimension(layer_type: LayerType, dimensions: dict[str, int], expected: dict[str, int]) -> None:
    fields = shape(layer_type, dimensions)
    assert set(fields) == {shape_field(d) for d in SHAPE_DIMENSIONS} | {"stride_y", "stride_x"}
    assert all(isinstance(value, int) and value >= 1 for value in fields.values())
    assert {name: fields[name] for name in expected} == expected


@pytest.mark.skipif(not MAESTRO_REFERENCE.is_dir(), reason="../shared/reference is not beside the checkout")
@pytest.mark.parametrize("compat", [None, "maestro"])
def test_a_gemm_network_reports_its_shape(compat: str | None) -> None:
    mapping = MAESTRO_REFERENCE / "c15_gemm_example_simd4" / "inputs" / "GEMM_Example.m"
    stats = analyze(str(mapping), num_pes=256, compat=compat)
    for layer in stats.layers:
        assert layer.layer_type == "GEMM"
        assert layer.dim_m * layer.dim_n * layer.dim_k == layer.macs
        assert (layer.dim_r, layer.dim_s, layer.dim_y, layer.dim_x, layer.dim_g) == (1, 1, 1, 1, 1)
