"""YAML/JSON descriptions: the schema, one-line errors with file, line and field, and round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.errors import InputError
from mapscope.formats.descriptions import (
    parse_hardware_description,
    parse_network_description,
    read_hardware_description,
    read_network_description,
    write_network_description,
)
from mapscope.formats.maestro.mapping_file import read_mapping_file
from mapscope.mapping import (
    Cluster,
    Directive,
    MappedLayer,
    MappedNetwork,
    SpatialMap,
    TemporalMap,
)
from mapscope.workload.layer import Layer, LayerType

NETWORK_YAML = """\
network: ResNet50
constants: {Tile: 16}
layers:
  - name: CONV1
    type: CONV
    stride: {X: 2, Y: 2}
    dimensions: {K: 64, C: 3, R: 7, S: 7, Y: 230, X: 230}
    dataflow:
      - SpatialMap(1,1) K
      - TemporalMap(Tile,Tile) C
      - TemporalMap(Sz(R),Sz(R)) R
      - TemporalMap(Sz(S),Sz(S)) S
      - Cluster(64, P)
      - SpatialMap(1,1) C
  - name: CONV2
    type: CONV
    dimensions: {K: 64, C: 64, R: 7, S: 7, Y: Tile, X: 56}
"""


def content(network: MappedNetwork) -> tuple[str, list[tuple[Layer, tuple[Directive, ...]]]]:
    """What a round trip must keep: everything but the `source` fields (which name the file read)."""
    return network.name, [(mapped.layer, mapped.dataflow) for mapped in network.layers]


def test_network_description() -> None:
    network = parse_network_description(NETWORK_YAML, "net.yaml")
    assert network.name == "ResNet50"
    first, second = network.layers
    assert first.layer == Layer("CONV1", LayerType.CONV, (("K", 64), ("C", 3), ("R", 7), ("S", 7), ("Y", 230), ("X", 230)), (("X", 2), ("Y", 2)))
    assert first.dataflow == (
        SpatialMap(1, 1, "K"),
        TemporalMap(16, 16, "C"),
        TemporalMap(7, 7, "R"),
        TemporalMap(7, 7, "S"),
        Cluster(64, "P"),
        SpatialMap(1, 1, "C"),
    )
    assert first.dataflow[1].source == "net.yaml:10: layers[0].dataflow[1]"
    assert second.layer.size("Y") == 16  # a constant as a dimension size
    assert second.dataflow == first.dataflow  # inherited
    assert second.source == "net.yaml:15: layers[1]"


def test_json_description_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(yaml.safe_load(NETWORK_YAML), indent=2))
    assert content(read_network_description(path)) == content(parse_network_description(NETWORK_YAML))


def _edit(old: str, new: str) -> str:
    assert old in NETWORK_YAML
    return NETWORK_YAML.replace(old, new, 1)


BAD_NETWORKS = {
    "float size": (_edit("K: 64, C: 3", "K: 6.5, C: 3"), 7, "layers[0].dimensions.K: should be an integer or a constant name, found 6.5 (float)"),
    "boolean size": (_edit("K: 64, C: 3", "K: true, C: 3"), 7, "layers[0].dimensions.K: should be an integer or a constant name, found True (bool)"),
    "quoted number": (_edit("K: 64, C: 3", "K: '64', C: 3"), 7, "layers[0].dimensions.K: '64' is neither an integer nor a declared constant"),
    "string stride": (_edit("{X: 2, Y: 2}", "{X: '2', Y: 2}"), 6, "layers[0].stride.X: should be a valid integer, found '2' (str)"),
    "dataflow not a list": (_edit("    dataflow:\n      - SpatialMap(1,1) K", "    dataflow: SpatialMap(1,1) K\n    unused:\n      - SpatialMap(1,1) K"), 8, "layers[0].dataflow: should be a valid list"),
    "unknown layer key": (_edit("    stride:", "    strides:"), 6, "layers[0].strides: unknown key 'strides'; accepted keys: name, type, stride, dimensions, dataflow"),
    "unknown top key": (NETWORK_YAML + "hardware: {}\n", 18, "hardware: unknown key 'hardware'; accepted keys: network, constants, layers"),
    "missing dimensions": (_edit("    dimensions: {K: 64, C: 64, R: 7, S: 7, Y: Tile, X: 56}\n", ""), 15, "layers[1].dimensions: required key is missing"),
    "missing name": (_edit("network: ResNet50\n", ""), 1, "network: required key is missing"),
    "no layers": ("network: X\nlayers: []\n", 2, "layers: needs at least 1 entry"),
    "unknown dimension": (_edit("K: 64, C: 3", "Q: 64, C: 3"), 7, "layers[0].dimensions.Q: expected a dimension name (one of N, G, K, C, R, S, Y, X, Y', X', M), found 'Q'"),
    "zero dimension": (_edit("K: 64, C: 3", "K: 0, C: 3"), 7, "the size of dimension K must be a positive integer, found 0"),
    "stride on K": (_edit("{X: 2, Y: 2}", "{K: 2}"), 6, "layers[0].stride.K: a stride is given for X or Y"),
    "bad directive": (_edit("SpatialMap(1,1) K", "SpatialMap(1,1) Q"), 9, "layers[0].dataflow[0]: expected the dimension SpatialMap(1,1) maps"),
    "negative directive size": (_edit("SpatialMap(1,1) K", "SpatialMap(-1,1) K"), 9, "the size of SpatialMap must be a positive integer, found -1"),
    "two directives in one entry": (_edit("SpatialMap(1,1) K", "SpatialMap(1,1) K; TemporalMap(1,1) C"), 9, "expected one directive, found 'TemporalMap' after SpatialMap(1,1) K"),
    "partial filter map": (_edit("TemporalMap(Sz(R),Sz(R)) R", "TemporalMap(3,3) R"), 11, "TemporalMap(3,3) R: MAESTRO requires a TemporalMap on R to cover the whole dimension (size = offset = R = 7)"),
    "unsupported type": (_edit("type: CONV\n    stride", "type: FC\n    stride"), 5, "layer type FC is not supported by MAESTRO's model"),
    "duplicate key": (_edit("K: 64, C: 3", "K: 64, K: 3"), 7, "key 'K' appears twice in one mapping"),
    "negative constant": (_edit("Tile: 16", "Tile: -16"), 2, "constants.Tile: should be greater than 0, found -16 (int)"),
    "unusable constant name": (_edit("Tile: 16", "my-tile: 16"), 2, "constant name 'my-tile' cannot be used in a directive"),
    "YAML syntax": (_edit("layers:", "layers: ["), 4, "invalid YAML:"),
    "not a mapping": ("- just\n- a list\n", None, "expected a network description mapping with keys network, constants, layers, found list"),
}


@pytest.mark.parametrize("case", sorted(BAD_NETWORKS))
def test_bad_network_descriptions_give_one_line_errors(tmp_path: Path, case: str) -> None:
    text, line, expected = BAD_NETWORKS[case]
    path = tmp_path / "net.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_network_description(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:" if line is not None else f"{path}:"), message
    assert expected in message


def test_bad_json_gives_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text('{\n  "network": "x",\n  "layers": [\n    {"name": "a", "type": "CONV", "dimensions": {"K": 1.5}}\n  ]\n}\n')
    with pytest.raises(InputError) as caught:
        read_network_description(path)
    assert str(caught.value).startswith(f"{path}:4: layers[0].dimensions.K: should be an integer or a constant name")
    path.write_text('{"network": "x",\n "layers": [}')
    with pytest.raises(InputError, match=r"net\.json:2: invalid JSON: "):
        read_network_description(path)
    path.write_text('{"network": "x", "network": "y", "layers": []}')
    with pytest.raises(InputError, match="key 'network' appears twice in one object"):
        read_network_description(path)


# ---- hardware ------------------------------------------------------------------------------------------
def test_hardware_description_returns_only_the_keys_given() -> None:
    assert parse_hardware_description("num_pes: 256\nnoc_latency_cycles: 0\n") == {"num_pes": 256, "noc_latency_cycles": 0}


def test_hardware_description_accepts_maestro_spellings(tmp_path: Path) -> None:
    path = tmp_path / "hw.json"
    path.write_text(json.dumps({"num_pes": 64, "l1_size_cstr": 100, "l2_size_cstr": 3000, "noc_bw_cstr": 1000,
                                "offchip_bw_cstr": 50, "num_simd_lanes": 4, "noc_hop_latency": 2}))
    assert read_hardware_description(path) == {
        "num_pes": 64,
        "simd_lanes": 4,
        "noc_bandwidth_elems_per_cycle": 1000,
        "noc_latency_cycles": 2,
        "offchip_bandwidth_elems_per_cycle": 50,
        "l1_size_elems": 100,
        "l2_size_elems": 3000,
    }


BAD_HARDWARE = {
    "unknown key": ("num_pes: 4\nnum_pe: 8\n", 2, "num_pe: unknown hardware key 'num_pe'; accepted keys: num_pes, simd_lanes,"),
    "two spellings": ("l1_size_cstr: 4\nl1_size_elems: 8\n", 2, "l1_size_cstr and l1_size_elems both set l1_size_elems"),
    "zero": ("num_pes: 0\n", 1, "num_pes: should be greater than 0, found 0 (int)"),
    "string": ("noc_bw_cstr: '64'\n", 1, "noc_bw_cstr: should be a valid integer, found '64' (str)"),
    "float": ("simd_lanes: 2.5\n", 1, "simd_lanes: should be a valid integer, found 2.5 (float)"),
    "negative latency": ("noc_latency_cycles: -1\n", 1, "noc_latency_cycles: should be greater than or equal to 0"),
    "not a mapping": ("[1, 2]\n", None, "expected a mapping of hardware parameters, found list"),
}


@pytest.mark.parametrize("case", sorted(BAD_HARDWARE))
def test_bad_hardware_descriptions_give_one_line_errors(tmp_path: Path, case: str) -> None:
    text, line, expected = BAD_HARDWARE[case]
    path = tmp_path / "hw.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_hardware_description(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:" if line is not None else f"{path}:"), message
    assert expected in message


# ---- writing and round trips ---------------------------------------------------------------------------
def test_writing_to_an_impossible_place(tmp_path: Path) -> None:
    network = parse_network_description(NETWORK_YAML)
    with pytest.raises(InputError, match=r"^cannot write .*missing_dir/net\.yaml: No such file or directory$"):
        write_network_description(network, tmp_path / "missing_dir" / "net.yaml")
    with pytest.raises(InputError, match=r"expected a \.yaml, \.yml or \.json file"):
        write_network_description(network, tmp_path / "net.txt")


def test_bundled_networks_round_trip(maestro_data: Path, tmp_path: Path) -> None:
    paths = sorted((maestro_data / "data" / "mapping").glob("*.m")) + sorted(maestro_data.glob("validation/*/*.m"))
    rejected = 0
    for source in paths:
        try:
            network = read_mapping_file(source)
        except InputError:
            rejected += 1  # the four files MAESTRO rejects too (see test_maestro_mapping)
            continue
        for suffix in (".yaml", ".json"):
            path = tmp_path / f"{source.stem}{suffix}"
            write_network_description(network, path)
            assert content(read_network_description(path)) == content(network), path
    assert (len(paths), rejected) == (43, 4)


NAME_TEXT = st.text(st.characters(categories=("L", "N", "Pc", "Pd", "Po", "Zs")), min_size=1, max_size=12)
SIZES = st.integers(min_value=1, max_value=2**31 - 1)
OPTIONAL_DIMENSIONS = ("N", "G", "K", "C", "R", "S", "M")


@st.composite
def mapped_layers(draw: st.DrawFn, name: str) -> MappedLayer:
    names = [d for d in OPTIONAL_DIMENSIONS if draw(st.booleans())]
    for axis in ("Y", "X"):
        choice = draw(st.sampled_from([None, axis, axis + "'"]))
        if choice is not None:
            names.append(choice)
    if not names:
        names = ["K"]
    names = draw(st.permutations(names))
    sizes = {dimension: draw(SIZES) for dimension in names}
    for reference, window in (("Y", "R"), ("X", "S")):  # a window must fit its input (Layer refuses it otherwise)
        if reference in sizes and window in sizes and sizes[window] > sizes[reference]:
            sizes[reference], sizes[window] = sizes[window], sizes[reference]
    dimensions = tuple(sizes.items())
    strides = tuple((axis, draw(st.integers(1, 8))) for axis in ("X", "Y") if draw(st.booleans()))
    layer = Layer(name, draw(st.sampled_from(list(LayerType))), dimensions, strides)
    dataflow: list[Directive] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["TemporalMap", "SpatialMap", "Cluster"]))
        if kind == "Cluster":
            dataflow.append(Cluster(draw(SIZES), draw(st.sampled_from(["P", "L"]))))
            continue
        dimension = draw(st.sampled_from(["N", "G", "K", "C", "R", "S", "Y", "X", "Y'", "X'", "M"]))
        size, offset = draw(SIZES), draw(SIZES)
        if kind == "TemporalMap" and dimension in ("R", "S") and layer.has(dimension):
            size = offset = layer.size(dimension)  # MAESTRO's whole-filter rule
        dataflow.append((TemporalMap if kind == "TemporalMap" else SpatialMap)(size, offset, dimension))
    return MappedLayer(layer, tuple(dataflow))


@st.composite
def mapped_networks(draw: st.DrawFn) -> MappedNetwork:
    layer_names = draw(st.lists(NAME_TEXT, min_size=1, max_size=4))
    return MappedNetwork(draw(NAME_TEXT), tuple(draw(mapped_layers(name)) for name in layer_names))


@settings(max_examples=examples(60), deadline=None)
@given(network=mapped_networks(), suffix=st.sampled_from([".yaml", ".yml", ".json"]))
def test_descriptions_round_trip(tmp_path_factory: pytest.TempPathFactory, network: MappedNetwork, suffix: str) -> None:
    path = tmp_path_factory.mktemp("round_trip") / f"network{suffix}"
    write_network_description(network, path)
    assert content(read_network_description(path)) == content(network)
