"""Dataflow templates: they reproduce the bundled kcp_ws / yxp_os mappings with default parameters, and
every generated mapping, whatever the layer kind (CONV, TRCONV, DSCONV, NGCONV, 1x1 "matmul as conv",
batched products as NGCONV, strides above the window, a batch N, tiny and huge sizes), the parameter
values and the PE count, is analysed with the layer's exact MAC count (default, corrected mode).

Agreement with MAESTRO's own bundled mappings and reference cases: test_template_agreement.py."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.api import analyze, load_network
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.template_library import systolic_array_shape
from mapscope.mapping.templates import (
    LOOP_ORDERS,
    TEMPLATES,
    DataflowTemplate,
    TemplateParameter,
    apply_template,
    template,
)
from mapscope.workload.layer import Layer, LayerType
from mapscope.workload.network import Network

PE_COUNTS = (3, 16, 64, 100, 256, 1024)
#: PE counts for the property tests: tiny ones (below every cluster and array size), primes, non-powers of two.
RANDOM_PE_COUNTS = (1, 2, 3, 5, 7, 16, 63, 100, 256, 1000, 1024)
EXAMPLE_NETWORKS = ("resnet50", "vgg16")


def true_macs(layer: Layer) -> int:
    """K * C * R * S * Y' * X' (times N and G when declared; C alone for depthwise), stride-aware."""
    dims = dict(layer.dimensions)
    outputs = 1
    for reference, window in (("Y", "R"), ("X", "S")):
        if reference + "'" in dims:
            outputs *= dims[reference + "'"]
        else:
            outputs *= (dims[reference] - dims[window]) // layer.stride(reference) + 1
    channels = dims["C"] if layer.type is LayerType.DSCONV else dims.get("G", 1) * dims["K"] * dims["C"]
    return dims.get("N", 1) * channels * dims["R"] * dims["S"] * outputs


def described(dataflow: tuple[Directive, ...]) -> list[str]:
    """Kind, size, offset, dimension (or cluster size) of every directive, for readable comparisons."""
    return [str(directive) for directive in dataflow]


@pytest.fixture(scope="module")
def example_layers() -> Network:
    """Every distinct layer (type, sizes, strides) of the bundled ResNet-50 and VGG-16 networks."""
    distinct: dict[tuple, Layer] = {}
    for network in EXAMPLE_NETWORKS:
        for mapped in load_network(f"{network}_kcp_ws").layers:
            layer = mapped.layer
            distinct.setdefault((layer.type, layer.dimensions, layer.strides), layer)
    return Network("examples", tuple(distinct.values()))


def _layer(name: str, kind: LayerType, stride: int = 1, **dims: int) -> Layer:
    return Layer(name, kind, tuple(dims.items()), (("X", stride), ("Y", stride)))


#: One layer of every kind the rest of the system produces, including the awkward ones.
SPECIAL_LAYERS = (
    _layer("matmul", LayerType.CONV, K=96, C=200, R=1, S=1, Y=37, X=1),  # 1x1 "matmul as conv": K=n, C=k, Y=m
    _layer("batched_matmul", LayerType.NGCONV, G=12, K=64, C=50, R=1, S=1, Y=50, X=1),  # attention: G = batch
    _layer("depthwise_k1", LayerType.DSCONV, stride=2, K=1, C=96, R=3, S=3, Y=113, X=113),
    _layer("depthwise_no_k", LayerType.DSCONV, C=40, R=5, S=5, Y=19, X=19),
    _layer("grouped", LayerType.NGCONV, stride=2, G=32, K=8, C=8, R=3, S=3, Y=29, X=29),
    _layer("batched_conv", LayerType.CONV, N=4, K=24, C=10, R=3, S=3, Y=20, X=20),
    _layer("batched_grouped", LayerType.NGCONV, N=3, G=5, K=6, C=7, R=2, S=2, Y=9, X=9),
    _layer("stride_above_window", LayerType.CONV, stride=5, K=20, C=30, R=3, S=3, Y=40, X=40),
    _layer("strided_1x1", LayerType.CONV, stride=3, K=16, C=16, R=1, S=1, Y=29, X=29),
    _layer("transposed", LayerType.TRCONV, K=32, C=16, R=2, S=2, Y=28, X=28),
    _layer("tiny", LayerType.CONV, K=1, C=1, R=3, S=3, Y=3, X=3),
    _layer("all_ones", LayerType.CONV, K=1, C=1, R=1, S=1, Y=1, X=1),
    _layer("tiny_depthwise", LayerType.DSCONV, C=1, R=2, S=2, Y=2, X=2),
    _layer("tiny_grouped", LayerType.NGCONV, G=1, K=1, C=1, R=1, S=1, Y=1, X=1),
    _layer("huge", LayerType.CONV, K=4096, C=4096, R=1, S=1, Y=1, X=1),
    Layer("output_centric", LayerType.CONV, (("K", 9), ("C", 5), ("R", 3), ("S", 2), ("Y'", 7), ("X'", 4)), (("X", 2), ("Y", 3))),
)


@pytest.fixture(scope="module")
def coverage_layers(example_layers: Network) -> Network:
    """The bundled examples' distinct layers plus one of every special kind."""
    return Network("coverage", example_layers.layers + SPECIAL_LAYERS)


# --- reproducing the bundled mappings ---------------------------------------------------------------


@pytest.mark.parametrize("network", EXAMPLE_NETWORKS)
@pytest.mark.parametrize("template_name", ["kcp_ws", "yxp_os"])
def test_defaults_reproduce_the_bundled_mapping(network: str, template_name: str) -> None:
    bundled = load_network(f"{network}_{template_name}")
    for mapped in bundled.layers:
        generated = template(template_name).dataflow(mapped.layer, 256)
        assert described(generated) == described(mapped.dataflow), mapped.layer.name
        assert generated == mapped.dataflow, mapped.layer.name  # same classes, sizes, offsets, dimensions


def test_bundled_mappings_count_the_true_macs(example_layers: Network) -> None:
    """The reference the analysability tests rely on: the bundled mappings' MACs are the formula's."""
    for network in EXAMPLE_NETWORKS:
        for name in ("kcp_ws", "yxp_os"):
            mapped = load_network(f"{network}_{name}")
            stats = analyze(mapped, num_pes=256)
            assert [s.macs for s in stats.layers] == [true_macs(m.layer) for m in mapped.layers]


def test_apply_template_maps_every_layer_in_order() -> None:
    bundled = load_network("vgg16_yxp_os")
    mapped = apply_template(bundled.network, "yxp_os", 256)
    assert isinstance(mapped, MappedNetwork)
    assert mapped.name == bundled.name
    assert [m.layer for m in mapped.layers] == [m.layer for m in bundled.layers]
    assert [m.dataflow for m in mapped.layers] == [m.dataflow for m in bundled.layers]


# --- every generated mapping is analysable with the true MAC count ------------------------------------

AWKWARD_VALUES: dict[str, list[dict[str, int | str]]] = {
    "kcp_ws": [
        {},
        {"cluster_size": 2000},  # above every PE count
        {"cluster_size": 7, "k_tile": 3},  # PE counts not a multiple of it
        {"k_tile": 5000, "c_tile": 5000},  # tiles larger than any dimension
        {"cluster_size": 1},
        {"cluster_size": 33, "k_tile": 2, "c_tile": 100},
    ],
    "ckp_ws": [
        {},
        {"cluster_size": 2000},
        {"cluster_size": 7, "c_tile": 3},
        {"k_tile": 5000, "c_tile": 5000},
        {"cluster_size": 1, "k_tile": 1},
    ],
    "yxp_os": [
        {},
        {"cluster_size": 2000},
        {"x_tile": 1},
        {"x_tile": 1000},
        {"cluster_size": 3, "x_tile": 5},
        {"cluster_size": 16, "x_tile": 16},
    ],
    "xp_ws": [
        {},
        {"depthwise": "c_spatial"},
        {"k_tile": 5, "c_tile": 3},
        {"k_tile": 5000, "c_tile": 5000, "depthwise": "same"},
    ],
    "nlr": [
        {},
        {"k_tile": 7, "c_tile": 2},
        {"k_tile": 5000, "c_tile": 5000},
    ],
    "rs": [
        {},
        {"depthwise": "same"},
        {"k_tile": 1, "c_tile": 64},
        {"k_tile": 5000, "c_tile": 5000, "depthwise": "same"},
    ],
    "tpu": [
        {},
        {"array_rows": 16, "array_cols": 16},
        {"array_rows": 4, "array_cols": 4},  # several arrays on the larger PE counts
        {"array_rows": 1, "array_cols": 1},
        {"array_rows": 3, "array_cols": 2000},
        {"array_rows": 2000, "array_cols": 5},
    ],
    "tiled": [
        {},
        {"spatial_dimension": "C", "loop_order": "XYCK", "c_tile": 3, "k_tile": 5},
        {"spatial_dimension": "Y", "loop_order": "CYKX", "y_tile": 2, "x_tile": 7},
        {"spatial_dimension": "X", "loop_order": "YXKC", "x_tile": 3, "k_tile": 16, "c_tile": 16},
        {"spatial_dimension": "K", "k_tile": 1000, "c_tile": 1000, "y_tile": 1000, "x_tile": 1000},
        {"spatial_dimension": "Y", "y_tile": 1000, "cluster_size": 3},
        {"spatial_dimension": "K", "loop_order": "CKXY", "k_tile": 16, "c_tile": 16, "y_tile": 4, "x_tile": 4, "cluster_size": 8},
        {"spatial_dimension": "C", "loop_order": "YKXC", "c_tile": 64, "cluster_size": 3000},
        {"spatial_dimension": "X", "x_tile": 5, "c_tile": 2, "cluster_size": 2},
        {"spatial_dimension": "Y", "loop_order": "XCYK", "k_tile": 3, "c_tile": 7, "y_tile": 3, "x_tile": 9, "cluster_size": 7},
    ],
}
GRID = [
    (num_pes, name, values)
    for num_pes in PE_COUNTS
    for name, value_list in AWKWARD_VALUES.items()
    for values in value_list
]


def assert_true_macs(network: Network, template_name: str, num_pes: int, values: Mapping[str, int | str]) -> None:
    mapped = apply_template(network, template_name, num_pes, values)
    stats = analyze(mapped, Accelerator(num_pes=num_pes), compat=None)  # the corrected model
    assert [s.macs for s in stats.layers] == [true_macs(layer) for layer in network.layers], (template_name, num_pes, values)


def test_every_template_has_awkward_values() -> None:
    assert set(AWKWARD_VALUES) == set(TEMPLATES)


@pytest.mark.parametrize(("num_pes", "template_name", "values"), GRID, ids=str)
def test_generated_mappings_are_analysable(coverage_layers: Network, num_pes: int, template_name: str, values: dict) -> None:
    assert_true_macs(coverage_layers, template_name, num_pes, values)


def _exhaustive_grid() -> list[tuple[int, str, dict[str, int | str]]]:
    grid: list[tuple[int, str, dict[str, int | str]]] = []
    sizes = (1, 3, 8, 64, 5000)
    for num_pes in PE_COUNTS:
        for cluster_size, k_tile, c_tile in itertools.product((1, 7, 64, 2000), sizes, sizes):
            for name in ("kcp_ws", "ckp_ws"):
                grid.append((num_pes, name, {"cluster_size": cluster_size, "k_tile": k_tile, "c_tile": c_tile}))
        for cluster_size, x_tile in itertools.product((1, 3, 8, 2000), (1, 2, 7, 8, 9, 1000)):
            grid.append((num_pes, "yxp_os", {"cluster_size": cluster_size, "x_tile": x_tile}))
        for k_tile, c_tile in itertools.product(sizes, sizes):
            grid.append((num_pes, "nlr", {"k_tile": k_tile, "c_tile": c_tile}))
            for layout in ("same", "c_spatial"):
                for name in ("xp_ws", "rs"):
                    grid.append((num_pes, name, {"k_tile": k_tile, "c_tile": c_tile, "depthwise": layout}))
        for rows, cols in itertools.product((1, 3, 16, 128, 2000), (1, 5, 16, 128, 2000)):
            grid.append((num_pes, "tpu", {"array_rows": rows, "array_cols": cols}))
        tile_sets = ((1, 1, 1, 1), (3, 5, 2, 7), (16, 64, 4, 1000))
        for spatial, order, tiles, cluster_size in itertools.product("KCYX", LOOP_ORDERS, tile_sets, (1, 4, 3000)):
            k_tile, c_tile, y_tile, x_tile = tiles
            values: dict[str, int | str] = {
                "spatial_dimension": spatial,
                "loop_order": order,
                "k_tile": k_tile,
                "c_tile": c_tile,
                "y_tile": y_tile,
                "x_tile": x_tile,
                "cluster_size": cluster_size,
            }
            grid.append((num_pes, "tiled", values))
    return grid


@pytest.mark.slow
def test_generated_mappings_are_analysable_exhaustive(coverage_layers: Network) -> None:
    for num_pes, template_name, values in _exhaustive_grid():
        assert_true_macs(coverage_layers, template_name, num_pes, values)


LAYER_KINDS = ("conv", "depthwise", "grouped", "matmul", "batched_matmul", "tiny", "huge")


@st.composite
def _layers(draw: st.DrawFn) -> Layer:
    """Layers of every kind the templates accept: windows up to 7, strides up to 9 (often above the
    window), an optional batch N, groups, Y/X or Y'/X' declared, 1x1 products, tiny and huge sizes."""
    kind = draw(st.sampled_from(LAYER_KINDS))
    if kind in ("matmul", "batched_matmul"):  # workload.lowering's matrix products
        m, n, k = draw(st.integers(1, 300)), draw(st.integers(1, 300)), draw(st.integers(1, 300))
        if kind == "batched_matmul":
            return _layer("bmm", LayerType.NGCONV, G=draw(st.integers(1, 16)), K=n, C=k, R=1, S=1, Y=m, X=1)
        return _layer("mm", LayerType.CONV, K=n, C=k, R=1, S=1, Y=m, X=1)
    if kind == "huge":
        size = draw(st.sampled_from((1024, 4096)))
        return _layer("huge", LayerType.CONV, K=size, C=size, R=1, S=1, Y=1, X=1)
    r, s = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    stride_y, stride_x = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    strides = (("X", stride_x), ("Y", stride_y))
    if kind == "tiny":
        layer_type = draw(st.sampled_from([LayerType.CONV, LayerType.TRCONV, LayerType.DSCONV, LayerType.NGCONV]))
        groups = (("G", 1),) if layer_type is LayerType.NGCONV else ()
        return Layer("tiny", layer_type, (*groups, ("K", 1), ("C", 1), ("R", r), ("S", s), ("Y", r), ("X", s)), strides)
    dims: list[tuple[str, int]] = []
    if draw(st.booleans()):
        dims.append(("N", draw(st.integers(1, 4))))
    if kind == "conv":
        layer_type = draw(st.sampled_from([LayerType.CONV, LayerType.TRCONV]))
        dims.append(("K", draw(st.integers(1, 150))))
    elif kind == "depthwise":
        layer_type = LayerType.DSCONV
        if draw(st.booleans()):
            dims.append(("K", 1))  # workload.lowering and MAESTRO's files declare K: 1
    else:
        layer_type = LayerType.NGCONV
        dims += [("G", draw(st.integers(1, 8))), ("K", draw(st.integers(1, 40)))]
    dims += [("C", draw(st.integers(1, 150))), ("R", r), ("S", s)]
    y, x = draw(st.integers(r, r + 40)), draw(st.integers(s, s + 40))
    if draw(st.booleans()):
        dims += [("Y", y), ("X", x)]
    else:  # output-centric declaration
        dims += [("Y'", (y - r) // stride_y + 1), ("X'", (x - s) // stride_x + 1)]
    return Layer("random", layer_type, tuple(dims), strides)


def _values(chosen: DataflowTemplate) -> st.SearchStrategy[dict[str, int | str]]:
    entries = {}
    for parameter in chosen.parameters:
        if parameter.choices is not None:
            entries[parameter.name] = st.sampled_from(parameter.choices)
        else:
            entries[parameter.name] = st.sampled_from((1, 2, 3, 5, 8, 13, 64, 100, 2000))
    return st.fixed_dictionaries({}, optional=entries)


@st.composite
def _template_and_values(draw: st.DrawFn) -> tuple[str, dict[str, int | str]]:
    name = draw(st.sampled_from(sorted(TEMPLATES)))
    return name, draw(_values(TEMPLATES[name]))


def _check_any_layer(layer: Layer, chosen: tuple[str, dict[str, int | str]], num_pes: int) -> None:
    name, values = chosen
    assert_true_macs(Network("random", (layer,)), name, num_pes, values)


@settings(max_examples=examples(300), deadline=None)
@given(layer=_layers(), chosen=_template_and_values(), num_pes=st.sampled_from(RANDOM_PE_COUNTS))
def test_any_layer_any_values_give_the_true_macs(layer: Layer, chosen: tuple[str, dict[str, int | str]], num_pes: int) -> None:
    _check_any_layer(layer, chosen, num_pes)


@pytest.mark.slow
@settings(max_examples=examples(10_000), deadline=None)
@given(layer=_layers(), chosen=_template_and_values(), num_pes=st.sampled_from(RANDOM_PE_COUNTS))
def test_any_layer_any_values_give_the_true_macs_many(
    layer: Layer, chosen: tuple[str, dict[str, int | str]], num_pes: int
) -> None:
    _check_any_layer(layer, chosen, num_pes)


# --- how templates adapt to the layer and the PEs -------------------------------------------------


def conv(name: str = "conv", stride: int = 1, **dims: int) -> Layer:
    sizes = {"K": 16, "C": 8, "R": 3, "S": 3, "Y": 34, "X": 34, **dims}
    return Layer(name, LayerType.CONV, tuple(sizes.items()), (("X", stride), ("Y", stride)))


def clusters(dataflow: tuple[Directive, ...]) -> list[int]:
    return [d.size for d in dataflow if isinstance(d, Cluster)]


def test_cluster_size_is_clamped_to_the_pe_count() -> None:
    with_cluster_size = [name for name, chosen in TEMPLATES.items() if any(p.name == "cluster_size" for p in chosen.parameters)]
    assert with_cluster_size == ["kcp_ws", "ckp_ws", "yxp_os", "tiled"]
    for name in with_cluster_size:
        assert clusters(template(name).dataflow(conv(), 100, cluster_size=2000)) == [100]
    # rs: one PE per filter row, as many as there are PEs
    assert clusters(template("rs").dataflow(conv(R=7, Y=40), 100)) == [7]
    assert clusters(template("rs").dataflow(conv(R=7, Y=40), 5)) == [5]


def test_kcp_ws_c_tile_follows_cluster_size_unless_given() -> None:
    kcp_ws = template("kcp_ws")
    assert kcp_ws.dataflow(conv(), 256, cluster_size=32)[1] == TemporalMap(32, 32, "C")
    assert kcp_ws.dataflow(conv(), 256, cluster_size=32, c_tile=4)[1] == TemporalMap(4, 4, "C")
    assert kcp_ws.dataflow(conv(), 256, k_tile=4)[0] == SpatialMap(4, 4, "K")
    assert kcp_ws.resolve({"cluster_size": 16}) == {"cluster_size": 16, "k_tile": 1, "c_tile": 16}


def test_yxp_os_column_tiles() -> None:
    yxp_os = template("yxp_os")

    def column_tile(layer: Layer, **values: int) -> TemporalMap:
        tile = yxp_os.dataflow(layer, 256, **values)[3]
        assert isinstance(tile, TemporalMap) and tile.dimension == "X"
        return tile

    assert column_tile(conv(X=34)) == TemporalMap(10, 8, "X")  # 8 outputs of a 3-wide window
    assert column_tile(conv(X=34), x_tile=4) == TemporalMap(6, 4, "X")
    assert column_tile(conv(X=34, stride=2)) == TemporalMap(17, 16, "X")
    assert column_tile(conv(X=7)) == TemporalMap(7, 7, "X")  # 5 outputs: the tile is the whole row
    assert column_tile(conv(X=16, stride=2)) == TemporalMap(15, 14, "X")  # 7 outputs; column 15 is unused
    # a window narrower than the stride: the largest divisor of the output width (28) not above 8
    assert column_tile(conv(R=1, S=1, X=56, stride=2)) == TemporalMap(13, 14, "X")
    assert column_tile(conv(R=1, S=1, X=56, stride=2), x_tile=5) == TemporalMap(7, 8, "X")


def test_tiled_follows_loop_order_and_spatial_dimension() -> None:
    tiled = template("tiled")
    dataflow = tiled.dataflow(conv(), 64, spatial_dimension="Y", loop_order="XCYK", k_tile=4, c_tile=2, y_tile=3)
    assert described(dataflow) == [
        "TemporalMap(3,1) X",
        "TemporalMap(2,2) C",
        "SpatialMap(5,3) Y",
        "TemporalMap(4,4) K",
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
    ]
    two_level = tiled.dataflow(conv(), 64, spatial_dimension="K", c_tile=16, cluster_size=8)
    assert described(two_level)[6:] == [
        "Cluster(8,P)",
        "SpatialMap(1,1) C",
        "TemporalMap(3,1) Y",
        "TemporalMap(3,1) X",
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
    ]


def test_ckp_ws_swaps_the_roles_of_k_and_c() -> None:
    assert described(template("ckp_ws").dataflow(conv(), 256)) == [
        "SpatialMap(1,1) C",
        "TemporalMap(64,64) K",
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
        "TemporalMap(1,1) Y'",
        "TemporalMap(1,1) X'",
        "Cluster(64,P)",
        "SpatialMap(1,1) K",
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
    ]
    assert template("ckp_ws").resolve({"cluster_size": 16}) == {"cluster_size": 16, "c_tile": 1, "k_tile": 16}


def test_one_level_templates() -> None:
    assert described(template("xp_ws").dataflow(conv(S=5, X=20), 256, k_tile=4)) == [
        "TemporalMap(4,4) K",
        "TemporalMap(1,1) C",
        "TemporalMap(3,1) Y",
        "SpatialMap(5,1) X",
        "TemporalMap(3,3) R",
        "TemporalMap(5,5) S",
    ]
    assert described(template("nlr").dataflow(conv(), 7, c_tile=2)) == [
        "TemporalMap(1,1) K",
        "TemporalMap(3,1) Y",
        "TemporalMap(3,1) X",
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
        "SpatialMap(2,2) C",
    ]


def test_rs_is_eyeriss_row_stationary() -> None:
    dataflow = template("rs").dataflow(conv(R=5, S=3, Y=40), 256)
    assert described(dataflow) == [
        "SpatialMap(1,1) Y'",  # one output row per cluster
        "TemporalMap(1,1) X'",  # one output column per step
        "TemporalMap(1,1) C",
        "TemporalMap(16,16) K",
        "TemporalMap(5,5) R",
        "TemporalMap(3,3) S",
        "Cluster(5,P)",  # one PE per filter row
        "SpatialMap(1,1) Y",  # PE i: input row i ...
        "SpatialMap(1,1) R",  # ... and filter row i
        "TemporalMap(3,3) S",
    ]


def test_tpu_array_shape_adapts_to_the_pe_count() -> None:
    assert systolic_array_shape(128, 128, 256) == (16, 16)
    assert systolic_array_shape(128, 128, 1024) == (32, 32)
    assert systolic_array_shape(128, 128, 100) == (10, 10)
    assert systolic_array_shape(128, 128, 7) == (2, 3)
    assert systolic_array_shape(128, 128, 1) == (1, 1)
    assert systolic_array_shape(128, 128, 2**16) == (128, 128)
    assert systolic_array_shape(8, 32, 256) == (8, 32)  # fits as asked
    assert systolic_array_shape(8, 32, 64) == (4, 16)  # same aspect ratio
    assert systolic_array_shape(2000, 5, 256) == (256, 1)
    assert systolic_array_shape(3, 2000, 256) == (1, 256)
    for num_pes in RANDOM_PE_COUNTS:
        rows, cols = systolic_array_shape(128, 128, num_pes)
        assert 1 <= rows * cols <= num_pes


def test_tpu_layout() -> None:
    assert described(template("tpu").dataflow(conv(), 256)) == [
        "SpatialMap(16,16) K",  # each array: 16 output channels (one array on 256 PEs)
        "TemporalMap(16,16) C",  # a 16 x 16 weight tile per pass
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
        "TemporalMap(3,1) Y",  # output positions stream past, one per step
        "TemporalMap(3,1) X",
        "Cluster(16,P)",  # 16 columns ...
        "SpatialMap(1,1) K",  # ... one output channel each
        "Cluster(16,P)",  # 16 PEs per column ...
        "SpatialMap(1,1) C",  # ... one input channel each, summed down the column
        "TemporalMap(3,1) Y",
        "TemporalMap(3,1) X",
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
    ]
    several_arrays = template("tpu").dataflow(conv(), 256, array_rows=4, array_cols=8)
    assert clusters(several_arrays) == [8, 4] and several_arrays[0] == SpatialMap(8, 8, "K")


def test_grouped_layers_walk_one_group_at_a_time() -> None:
    grouped = _layer("grouped", LayerType.NGCONV, G=8, K=4, C=4, R=3, S=3, Y=12, X=12)
    for name in TEMPLATES:
        dataflow = template(name).dataflow(grouped, 64)
        assert dataflow[0] == TemporalMap(1, 1, "G"), name
        assert sum(1 for d in dataflow if not isinstance(d, Cluster) and d.dimension == "G") == 1
    missing = Layer("no_g", LayerType.NGCONV, (("K", 4), ("C", 4), ("R", 1), ("S", 1), ("Y", 4), ("X", 4)))
    with pytest.raises(InputError, match="layer no_g: the layer declares no G"):
        template("kcp_ws").dataflow(missing, 64)


def test_unmapped_groups_cost_the_same_time_but_all_groups_per_step() -> None:
    """Why G is mapped: left out, MAESTRO's completion gives every step all groups (G times the buffers)."""
    grouped = _layer("grouped", LayerType.NGCONV, G=32, K=4, C=4, R=3, S=3, Y=56, X=56)
    mapped = template("kcp_ws").dataflow(grouped, 256)
    with_g, without_g = (
        analyze(MappedNetwork("n", (MappedLayer(grouped, dataflow),)), num_pes=256).layers[0] for dataflow in (mapped, mapped[1:])
    )
    assert with_g.macs == without_g.macs == true_macs(grouped)
    assert with_g.runtime_cycles == without_g.runtime_cycles
    assert without_g.l1_size_req_elems == 32 * with_g.l1_size_req_elems


def test_depthwise_layouts() -> None:
    depthwise = _layer("dw", LayerType.DSCONV, K=1, C=32, R=3, S=3, Y=16, X=16)
    channel_per_pe = [
        "SpatialMap(1,1) C",
        "TemporalMap(3,1) Y",
        "TemporalMap(3,1) X",
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
    ]
    for name in ("kcp_ws", "ckp_ws", "tpu"):
        assert described(template(name).dataflow(depthwise, 256)) == channel_per_pe
    assert described(template("rs").dataflow(depthwise, 256)) == channel_per_pe
    assert described(template("xp_ws").dataflow(depthwise, 256, depthwise="c_spatial")) == channel_per_pe
    assert described(template("xp_ws").dataflow(depthwise, 256)) == [
        "TemporalMap(1,1) C",
        "TemporalMap(3,1) Y",
        "SpatialMap(3,1) X",
        "TemporalMap(3,3) R",
        "TemporalMap(3,3) S",
    ]
    assert described(template("rs").dataflow(depthwise, 256, depthwise="same"))[:4] == [
        "SpatialMap(1,1) Y'",
        "TemporalMap(1,1) X'",
        "TemporalMap(1,1) C",
        "TemporalMap(3,3) R",
    ]


def test_depthwise_layers_have_no_k_directive() -> None:
    depthwise = Layer("dw", LayerType.DSCONV, (("C", 32), ("R", 3), ("S", 3), ("Y", 16), ("X", 16)))
    cases: list[tuple[str, dict[str, int | str]]] = [(name, {}) for name in TEMPLATES]
    cases += [("tiled", {"spatial_dimension": "K", "cluster_size": 4}), ("xp_ws", {"depthwise": "c_spatial"})]
    cases.append(("rs", {"depthwise": "same"}))
    for name, values in cases:
        dataflow = template(name).dataflow(depthwise, 64, **values)
        assert all(isinstance(d, Cluster) or d.dimension != "K" for d in dataflow)
        stats = analyze(MappedNetwork("dw", (MappedLayer(depthwise, dataflow),)), num_pes=64)
        assert stats.layers[0].macs == true_macs(depthwise)


# --- rejected input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "values", "fragment"),
    [
        ("kcp_ws", {"tile": 3}, "unknown parameter 'tile'"),
        ("kcp_ws", {"k_tile": 0}, "parameter k_tile: must be a positive integer"),
        ("kcp_ws", {"c_tile": -4}, "parameter c_tile: must be a positive integer"),
        ("yxp_os", {"x_tile": "8"}, "parameter x_tile: must be a positive integer"),
        ("yxp_os", {"x_tile": 2.0}, "parameter x_tile: must be a positive integer"),
        ("yxp_os", {"cluster_size": True}, "parameter cluster_size: must be a positive integer"),
        ("tiled", {"spatial_dimension": "R"}, "parameter spatial_dimension: must be one of K, C, Y, X"),
        ("tiled", {"loop_order": "KCY"}, "parameter loop_order: must be one of"),
        ("tiled", {"loop_order": 1234}, "parameter loop_order: must be a string"),
        ("rs", {"depthwise": "diagonal"}, "parameter depthwise: must be one of same, c_spatial"),
        ("xp_ws", {"cluster_size": 8}, "unknown parameter 'cluster_size'; its parameters are k_tile, c_tile, depthwise"),
        ("tpu", {"array_rows": 0}, "parameter array_rows: must be a positive integer"),
    ],
)
def test_bad_values_name_the_template_and_parameter(name: str, values: dict, fragment: str) -> None:
    with pytest.raises(InputError) as error:
        template(name).dataflow(conv(), 256, **values)
    assert f"template {name}" in str(error.value)
    assert fragment in str(error.value)


def test_unknown_template_lists_the_known_ones() -> None:
    known = "kcp_ws, ckp_ws, yxp_os, xp_ws, nlr, rs, tpu, tiled"
    with pytest.raises(InputError, match=f"unknown dataflow template 'eyeriss'.*{known}"):
        template("eyeriss")
    with pytest.raises(InputError, match="unknown dataflow template"):
        apply_template(Network("n", (conv(),)), "eyeriss", 256)


@pytest.mark.parametrize("num_pes", [0, -1, 2.5, True])
def test_bad_pe_count_is_rejected(num_pes: object) -> None:
    with pytest.raises(InputError, match="template kcp_ws: the PE count must be a positive integer"):
        template("kcp_ws").dataflow(conv(), num_pes)  # type: ignore[arg-type]


def test_layers_without_a_sliding_window_are_rejected() -> None:
    gemm = Layer("matmul", LayerType.GEMM, (("M", 8), ("N", 8), ("K", 8)))
    for name in TEMPLATES:  # MAESTRO's native GEMM stays unsupported: lowered products are 1x1 CONVs
        with pytest.raises(InputError, match=f"template {name}, layer matmul: dataflow templates map convolution-like layers"):
            template(name).dataflow(gemm, 64)
    with pytest.raises(InputError, match=r"write the product as a 1x1 CONV \(K = N, C = K, R = S = 1, Y = M, X = 1\)"):
        template("kcp_ws").dataflow(gemm, 64)
    with pytest.raises(InputError, match=r"layer tiny: the filter window R = 5 is larger than the input Y = 3"):
        conv("tiny", R=5, Y=3)  # such a layer cannot even be built, so no template sees one


def test_template_descriptions_are_complete() -> None:
    for name, chosen in TEMPLATES.items():
        assert chosen.name == name and chosen.description
        for parameter in chosen.parameters:
            assert isinstance(parameter, TemplateParameter) and parameter.description
            if parameter.choices is not None:
                assert parameter.default in parameter.choices
    assert len(LOOP_ORDERS) == len(set(LOOP_ORDERS)) == 24
