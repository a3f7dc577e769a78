"""Dataflow templates: they reproduce the bundled kcp_ws / yxp_os mappings with default parameters, and
every generated mapping, whatever the parameter values and PE count, is analysed with the layer's exact
MAC count (default, corrected mode)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapscope.api import analyze, load_network
from mapscope.errors import InputError
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
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

PE_COUNTS = (16, 64, 100, 256, 1024)
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
    "yxp_os": [
        {},
        {"cluster_size": 2000},
        {"x_tile": 1},
        {"x_tile": 1000},
        {"cluster_size": 3, "x_tile": 5},
        {"cluster_size": 16, "x_tile": 16},
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
    stats = analyze(mapped, num_pes=num_pes)  # compat=None: the corrected model
    assert [s.macs for s in stats.layers] == [true_macs(layer) for layer in network.layers], (template_name, num_pes, values)


@pytest.mark.parametrize(("num_pes", "template_name", "values"), GRID, ids=str)
def test_generated_mappings_are_analysable(example_layers: Network, num_pes: int, template_name: str, values: dict) -> None:
    assert_true_macs(example_layers, template_name, num_pes, values)


def _exhaustive_grid() -> list[tuple[int, str, dict[str, int | str]]]:
    grid: list[tuple[int, str, dict[str, int | str]]] = []
    sizes = (1, 3, 8, 64, 5000)
    for num_pes in PE_COUNTS:
        for cluster_size, k_tile, c_tile in itertools.product((1, 7, 64, 2000), sizes, sizes):
            grid.append((num_pes, "kcp_ws", {"cluster_size": cluster_size, "k_tile": k_tile, "c_tile": c_tile}))
        for cluster_size, x_tile in itertools.product((1, 3, 8, 2000), (1, 2, 7, 8, 9, 1000)):
            grid.append((num_pes, "yxp_os", {"cluster_size": cluster_size, "x_tile": x_tile}))
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
def test_generated_mappings_are_analysable_exhaustive(example_layers: Network) -> None:
    for num_pes, template_name, values in _exhaustive_grid():
        assert_true_macs(example_layers, template_name, num_pes, values)


def _layers() -> st.SearchStrategy[Layer]:
    """Small convolution-like layers of every kind the templates accept, strides up to 4."""

    @st.composite
    def build(draw: st.DrawFn) -> Layer:
        layer_type = draw(st.sampled_from([LayerType.CONV, LayerType.TRCONV, LayerType.DSCONV, LayerType.NGCONV]))
        r, s = draw(st.integers(1, 7)), draw(st.integers(1, 7))
        stride_y, stride_x = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        y, x = draw(st.integers(r, r + 30)), draw(st.integers(s, s + 30))
        dims: list[tuple[str, int]] = []
        if draw(st.booleans()):
            dims.append(("N", draw(st.integers(1, 3))))
        if layer_type is LayerType.NGCONV:
            dims.append(("G", draw(st.integers(1, 4))))
        if layer_type is not LayerType.DSCONV or draw(st.booleans()):
            dims.append(("K", draw(st.integers(1, 70))))
        dims += [("C", draw(st.integers(1, 70))), ("R", r), ("S", s)]
        if draw(st.booleans()):
            dims += [("Y", y), ("X", x)]
        else:  # output-centric declaration
            dims += [("Y'", (y - r) // stride_y + 1), ("X'", (x - s) // stride_x + 1)]
        return Layer("random", layer_type, tuple(dims), (("X", stride_x), ("Y", stride_y)))

    return build()


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


@settings(max_examples=200, deadline=None)
@given(layer=_layers(), chosen=_template_and_values(), num_pes=st.sampled_from((1, 2, 3, 7, 16, 100, 256, 1024)))
def test_any_layer_any_values_give_the_true_macs(layer: Layer, chosen: tuple[str, dict[str, int | str]], num_pes: int) -> None:
    name, values = chosen
    assert_true_macs(Network("random", (layer,)), name, num_pes, values)


# --- how templates adapt to the layer and the PEs -------------------------------------------------


def conv(name: str = "conv", stride: int = 1, **dims: int) -> Layer:
    sizes = {"K": 16, "C": 8, "R": 3, "S": 3, "Y": 34, "X": 34, **dims}
    return Layer(name, LayerType.CONV, tuple(sizes.items()), (("X", stride), ("Y", stride)))


def clusters(dataflow: tuple[Directive, ...]) -> list[int]:
    return [d.size for d in dataflow if isinstance(d, Cluster)]


def test_cluster_size_is_clamped_to_the_pe_count() -> None:
    for name in TEMPLATES:
        assert clusters(template(name).dataflow(conv(), 100, cluster_size=2000)) == [100]


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


def test_depthwise_layers_have_no_k_directive() -> None:
    depthwise = Layer("dw", LayerType.DSCONV, (("C", 32), ("R", 3), ("S", 3), ("Y", 16), ("X", 16)))
    cases: list[tuple[str, dict[str, int | str]]] = [(name, {}) for name in TEMPLATES]
    cases.append(("tiled", {"spatial_dimension": "K", "cluster_size": 4}))
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
    ],
)
def test_bad_values_name_the_template_and_parameter(name: str, values: dict, fragment: str) -> None:
    with pytest.raises(InputError) as error:
        template(name).dataflow(conv(), 256, **values)
    assert f"template {name}" in str(error.value)
    assert fragment in str(error.value)


def test_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown dataflow template 'eyeriss'.*kcp_ws, yxp_os, tiled"):
        template("eyeriss")
    with pytest.raises(InputError, match="unknown dataflow template"):
        apply_template(Network("n", (conv(),)), "eyeriss", 256)


@pytest.mark.parametrize("num_pes", [0, -1, 2.5, True])
def test_bad_pe_count_is_rejected(num_pes: object) -> None:
    with pytest.raises(InputError, match="template kcp_ws: the PE count must be a positive integer"):
        template("kcp_ws").dataflow(conv(), num_pes)  # type: ignore[arg-type]


def test_layers_without_a_sliding_window_are_rejected() -> None:
    gemm = Layer("matmul", LayerType.GEMM, (("M", 8), ("N", 8), ("K", 8)))
    with pytest.raises(InputError, match="template tiled, layer matmul: dataflow templates map convolution-like layers"):
        template("tiled").dataflow(gemm, 64)
    too_small = conv("tiny", R=5, Y=3)
    with pytest.raises(InputError, match=r"template yxp_os, layer tiny: the filter \(R = 5\) is larger than the input"):
        template("yxp_os").dataflow(too_small, 64)


def test_template_descriptions_are_complete() -> None:
    for name, chosen in TEMPLATES.items():
        assert chosen.name == name and chosen.description
        for parameter in chosen.parameters:
            assert isinstance(parameter, TemplateParameter) and parameter.description
            if parameter.choices is not None:
                assert parameter.default in parameter.choices
    assert len(LOOP_ORDERS) == len(set(LOOP_ORDERS)) == 24
