"""A template's parameter columns built as arrays equal `mapping_batches` over `dataflow` at each point.

For every template, random convolution-like layers (strides above and below the window, Y'/X',
depthwise, grouped, a batch N) and random parameter columns (values repeated, parameters left out),
`template_batches` gives the same batches -- skeletons, numbers, point positions, order -- as building
each point's directive list with `dataflow` and grouping it; values `dataflow` rejects raise its error.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.analysis.batch import mapping_batches, template_batches
from mapscope.errors import InputError
from mapscope.mapping.template_columns import grid_columns
from mapscope.mapping.templates import TEMPLATES, DataflowTemplate, template
from mapscope.workload.layer import Layer, LayerType


@st.composite
def layers(draw: st.DrawFn) -> Layer:
    layer_type = draw(st.sampled_from([LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.NGCONV, LayerType.TRCONV]))
    dims = {"K": draw(st.integers(1, 70)), "C": draw(st.integers(1, 70)), "R": draw(st.integers(1, 4)), "S": draw(st.integers(1, 4))}
    if layer_type is LayerType.DSCONV:
        del dims["K"]
    if layer_type is LayerType.NGCONV:
        dims["G"] = draw(st.integers(1, 4))
    if draw(st.booleans()):
        dims["N"] = draw(st.integers(1, 3))
    strides = (("X", draw(st.sampled_from([1, 2, 3, 5]))), ("Y", draw(st.sampled_from([1, 2, 3, 5]))))
    if draw(st.booleans()):
        dims["Y'"], dims["X'"] = draw(st.integers(1, 30)), draw(st.integers(1, 30))
    else:
        dims["Y"] = draw(st.integers(dims["R"], 40))
        dims["X"] = draw(st.integers(dims["S"], 40))
    return Layer("L", layer_type, tuple(dims.items()), strides)


def _value(draw: st.DrawFn, dataflow_template: DataflowTemplate, name: str) -> object:
    parameter = dataflow_template.parameter(name)
    if parameter.choices is not None:
        return draw(st.sampled_from(parameter.choices))
    return draw(st.integers(1, 80))


def assert_same_batches(dataflow_template: DataflowTemplate, layer: Layer, num_pes: int, columns: dict[str, list]) -> None:
    count = len(next(iter(columns.values()))) if columns else 1
    points = [{name: column[i] for name, column in columns.items()} for i in range(count)]
    expected = mapping_batches(layer, [dataflow_template.dataflow(layer, num_pes, **point) for point in points])
    got = template_batches(dataflow_template, layer, num_pes, columns)
    assert [batch.skeleton for batch, _ in got] == [batch.skeleton for batch, _ in expected]
    for (left, left_positions), (right, right_positions) in zip(got, expected):
        assert left_positions.tolist() == right_positions.tolist()
        assert left.sizes.dtype == right.sizes.dtype == np.int64
        assert left.sizes.tolist() == right.sizes.tolist(), (layer, left.skeleton)
        assert left.offsets.tolist() == right.offsets.tolist(), (layer, left.skeleton)


@settings(max_examples=examples(200), deadline=None)
@given(layer=layers(), name=st.sampled_from(sorted(TEMPLATES)), num_pes=st.sampled_from([1, 3, 16, 64, 256]), data=st.data())
def test_template_batches_equal_dataflow_at_each_point(layer: Layer, name: str, num_pes: int, data: st.DataObject) -> None:
    dataflow_template = template(name)
    count = data.draw(st.integers(1, 12))
    names = [p.name for p in dataflow_template.parameters if data.draw(st.booleans())]
    columns = {n: [_value(data.draw, dataflow_template, n) for _ in range(count)] for n in names}
    if not columns:
        columns = {}
    assert_same_batches(dataflow_template, layer, num_pes, columns)


@settings(max_examples=examples(50), deadline=None)
@given(layer=layers(), num_pes=st.sampled_from([4, 256]), data=st.data())
def test_tiled_grid_as_numpy_columns(layer: Layer, num_pes: int, data: st.DataObject) -> None:
    tiled = template("tiled")
    grid = {
        "spatial_dimension": data.draw(st.lists(st.sampled_from(["K", "C", "Y", "X"]), min_size=1, max_size=3, unique=True)),
        "loop_order": data.draw(st.lists(st.sampled_from(["KCYX", "CKYX", "YXKC", "XYCK"]), min_size=1, max_size=2, unique=True)),
        "y_tile": data.draw(st.lists(st.integers(1, 20), min_size=1, max_size=3)),
        "x_tile": data.draw(st.lists(st.integers(1, 20), min_size=1, max_size=3)),
        "cluster_size": data.draw(st.lists(st.integers(1, 300), min_size=1, max_size=2)),
    }
    columns = grid_columns(grid)
    listed = {name: column.tolist() for name, column in columns.items()}
    assert listed == {name: [p[i] for p in itertools.product(*grid.values())] for i, name in enumerate(grid)}
    expected = template_batches(tiled, layer, num_pes, listed)
    got = template_batches(tiled, layer, num_pes, columns)
    for (left, left_positions), (right, right_positions) in zip(got, expected, strict=True):
        assert left.skeleton == right.skeleton and left_positions.tolist() == right_positions.tolist()
        assert left.sizes.tolist() == right.sizes.tolist() and left.offsets.tolist() == right.offsets.tolist()
    assert_same_batches(tiled, layer, num_pes, listed)


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("tiled", {"k_tile": [1, 0]}),
        ("tiled", {"k_tile": [2, True]}),
        ("tiled", {"c_tile": [2.0]}),
        ("tiled", {"loop_order": ["KCYX", "KKYX"]}),
        ("tiled", {"spatial_dimension": ["R"]}),
        ("tiled", {"bogus": [1]}),
        ("kcp_ws", {"cluster_size": [-3]}),
        ("rs", {"depthwise": ["diagonal"]}),
    ],
)
def test_rejected_values_raise_what_dataflow_raises(name: str, columns: dict[str, list]) -> None:
    dataflow_template = template(name)
    layer = Layer("L", LayerType.CONV, (("K", 4), ("C", 4), ("R", 3), ("S", 3), ("Y", 8), ("X", 8)), (("X", 1), ("Y", 1)))
    count = len(next(iter(columns.values())))
    with pytest.raises(InputError) as expected:
        for i in range(count):
            dataflow_template.dataflow(layer, 16, **{n: column[i] for n, column in columns.items()})
    with pytest.raises(InputError) as got:
        template_batches(dataflow_template, layer, 16, columns)
    assert str(got.value) == str(expected.value)


def test_layers_and_counts_dataflow_rejects() -> None:
    gemm = Layer("G", LayerType.GEMM, (("M", 4), ("N", 4), ("K", 4)), (("X", 1), ("Y", 1)))
    conv = Layer("L", LayerType.CONV, (("K", 4), ("C", 4), ("R", 1), ("S", 1), ("Y", 8), ("X", 8)), (("X", 1), ("Y", 1)))
    for layer, num_pes in ((gemm, 16), (conv, 0)):
        with pytest.raises(InputError) as expected:
            template("tiled").dataflow(layer, num_pes, k_tile=2)
        with pytest.raises(InputError) as got:
            template_batches(template("tiled"), layer, num_pes, {"k_tile": [2, 4]})
        assert str(got.value) == str(expected.value)
    with pytest.raises(InputError, match="one value per point"):
        template_batches(template("tiled"), conv, 16, {"k_tile": [2, 4], "c_tile": [1]})
