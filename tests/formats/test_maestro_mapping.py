"""MAESTRO mapping files (.m): the bundled inputs, the grammar's semantics and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats.maestro.mapping_file import (
    parse_directive,
    parse_mapping_text,
    read_mapping_file,
)
from mapscope.mapping import Cluster, SpatialMap, TemporalMap
from mapscope.workload.layer import LayerType

#: Layer counts of the bundled mapping files MAESTRO's parser accepts (counted from the files).
BUNDLED_LAYER_COUNTS = {
    "GEMM_Example.m": 1,
    "MobileNetV2_kcp_ws.m": 56,
    "MobileNetV2_xp_ws.m": 56,
    "MobileNetV2_yxp_os.m": 56,
    "ResNeXt50_kcp_ws.m": 50,
    "ResNeXt50_nlr.m": 50,
    "ResNeXt50_rs.m": 50,
    "ResNeXt50_xp_ws.m": 50,
    "ResNeXt50_yxp_os.m": 50,
    "Resnet50_kcp_ws.m": 66,
    "Resnet50_nlr.m": 66,
    "Resnet50_rs.m": 66,
    "Resnet50_xp_ws.m": 66,
    "Resnet50_yxp_os.m": 66,
    "Transformer_Complete.m": 288,
    "Transformer_Layers.m": 6,
    "UNet_RS.m": 23,
    "UNet_nlr.m": 23,
    "UNet_xp_ws.m": 23,
    "UNet_yxp_os.m": 23,
    "example.m": 1,
    "gnmt_nmk.m": 9,
    "googlenet_kcp_ws.m": 64,
    "googlenet_rs.m": 64,
    "googlenet_xp_ws.m": 64,
    "mnasnet_kcp_ws.m": 53,
    "mnasnet_rs.m": 53,
    "mnasnet_xp_ws.m": 53,
    "ncf_nmk.m": 12,
    "squeezenet1_0_kcp_ws.m": 26,
    "squeezenet1_0_rs.m": 26,
    "squeezenet1_0_xp_ws.m": 26,
    "vgg16_ckp_ws.m": 13,
    "vgg16_nlr.m": 13,
    "vgg16_rs.m": 13,
    "vgg16_xp_ws.m": 13,
    "vgg16_yxp_os.m": 13,
}
VALIDATION_LAYER_COUNTS = {"eyeriss/alexnet_rs_validation.m": 5, "maeri/vgg16_maeri.m": 13}

#: Bundled files MAESTRO rejects (exit 255) for a TemporalMap on R/S that does not cover the dimension:
#: file -> (line of the first offending directive, the directive as resolved, the layer's R).
REJECTED_BY_WHOLE_FILTER_RULE = {
    "googlenet_ykp_os.m": (32, "TemporalMap(1,7) R", 1),
    "mnasnet_ykp_os.m": (15, "TemporalMap(3,7) R", 3),
    "squeezenet1_0_ykp_os.m": (32, "TemporalMap(1,7) R", 1),
    "UNet_kcp_ws.m": (8, "TemporalMap(7,7) R", 3),
}


def test_the_bundled_file_lists_are_complete(maestro_data: Path) -> None:
    bundled = {path.name for path in (maestro_data / "data" / "mapping").glob("*.m")}
    assert bundled == set(BUNDLED_LAYER_COUNTS) | set(REJECTED_BY_WHOLE_FILTER_RULE)
    assert len(bundled) == 41


@pytest.mark.parametrize("name", sorted(BUNDLED_LAYER_COUNTS))
def test_bundled_mapping_files_parse(maestro_data: Path, name: str) -> None:
    path = maestro_data / "data" / "mapping" / name
    network = read_mapping_file(path)
    assert len(network.layers) == BUNDLED_LAYER_COUNTS[name]
    assert network.source == str(path)
    for mapped in network.layers:
        assert mapped.dataflow, mapped.layer.name
        assert mapped.source is not None and mapped.source.startswith(f"{path}:")


@pytest.mark.parametrize("name", sorted(VALIDATION_LAYER_COUNTS))
def test_validation_mapping_files_parse(maestro_data: Path, name: str) -> None:
    network = read_mapping_file(maestro_data / "validation" / name)
    assert len(network.layers) == VALIDATION_LAYER_COUNTS[name]


@pytest.mark.parametrize("name", sorted(REJECTED_BY_WHOLE_FILTER_RULE))
def test_bundled_files_with_partial_filter_maps_are_rejected(maestro_data: Path, name: str) -> None:
    line, directive, filter_height = REJECTED_BY_WHOLE_FILTER_RULE[name]
    path = maestro_data / "data" / "mapping" / name
    with pytest.raises(InputError) as caught:
        read_mapping_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.where is not None and caught.value.where.startswith(f"{path}:{line}: layer ")
    assert message.startswith(f"{path}:{line}: layer ")
    assert f"{directive}: MAESTRO requires a TemporalMap on R to cover the whole dimension" in message
    assert f"(size = offset = R = {filter_height})" in message


def test_gemm_example_resolves_constants_and_dimension_sizes(maestro_data: Path) -> None:
    network = read_mapping_file(maestro_data / "data" / "mapping" / "GEMM_Example.m")
    assert network.name == "BLAS3"
    (mapped,) = network.layers
    assert mapped.layer.name == "BLAS"
    assert mapped.layer.type is LayerType.GEMM
    assert mapped.layer.dimensions == (("K", 100), ("M", 100), ("N", 100))
    assert mapped.dataflow == (
        TemporalMap(1, 1, "N"),
        SpatialMap(1, 1, "M"),
        TemporalMap(100, 100, "K"),
        Cluster(100, "P"),
        TemporalMap(1, 1, "N"),
        TemporalMap(1, 1, "M"),
        SpatialMap(1, 1, "K"),
    )
    # the commented-out second network is not read; line numbers count the comment lines
    assert mapped.source is not None and mapped.source.endswith("GEMM_Example.m:19")
    assert mapped.dataflow[3].source is not None and mapped.dataflow[3].source.endswith("GEMM_Example.m:26")


def test_resnet50_first_layer(maestro_data: Path) -> None:
    network = read_mapping_file(maestro_data / "data" / "mapping" / "Resnet50_kcp_ws.m")
    assert network.name == "Resnet50"
    conv1 = network.layers[0]
    assert conv1.layer.name == "CONV1"
    assert conv1.layer.strides == (("X", 2), ("Y", 2))
    assert conv1.layer.dimensions == (("K", 64), ("C", 3), ("R", 7), ("S", 7), ("Y", 224), ("X", 224))
    assert conv1.dataflow[:7] == (
        SpatialMap(1, 1, "K"),
        TemporalMap(64, 64, "C"),
        TemporalMap(7, 7, "R"),
        TemporalMap(7, 7, "S"),
        TemporalMap(7, 1, "Y"),
        TemporalMap(7, 1, "X"),
        Cluster(64, "P"),
    )
    assert network.layers[1].dataflow[2] == TemporalMap(1, 1, "R")  # Sz(R) of the 1x1 layer


def test_multi_token_names_are_kept_as_written(maestro_data: Path) -> None:
    network = read_mapping_file(maestro_data / "data" / "mapping" / "googlenet_kcp_ws.m")
    assert network.name == "torchvision.models.googlenet"
    assert [mapped.layer.name for mapped in network.layers[:3]] == ["Conv2d-1", "Conv2d-2", "Conv2d-3"]


def test_output_centric_directives_and_validation_clusters(maestro_data: Path) -> None:
    vgg = read_mapping_file(maestro_data / "data" / "mapping" / "vgg16_ckp_ws.m")
    assert TemporalMap(1, 1, "Y'") in vgg.layers[0].dataflow
    maeri = read_mapping_file(maestro_data / "validation" / "maeri" / "vgg16_maeri.m")
    clusters = [d for d in maeri.layers[0].dataflow if isinstance(d, Cluster)]
    assert clusters == [Cluster(3, "P"), Cluster(3, "P")]


def test_a_repeated_identical_dimension_is_accepted(maestro_data: Path) -> None:
    # UNet_RS.m declares "N: 1, N: 1" in layer CONV3_2; MAESTRO accepts it.
    network = read_mapping_file(maestro_data / "data" / "mapping" / "UNet_RS.m")
    layer = next(m.layer for m in network.layers if m.layer.name == "CONV3_2")
    assert [name for name, _ in layer.dimensions].count("N") == 1


def test_layer_types(maestro_data: Path) -> None:
    types = {m.layer.type for m in read_mapping_file(maestro_data / "data" / "mapping" / "UNet_nlr.m").layers}
    assert LayerType.TRCONV in types
    ngconv = read_mapping_file(maestro_data / "data" / "mapping" / "ResNeXt50_kcp_ws.m")
    assert LayerType.NGCONV in {m.layer.type for m in ngconv.layers}


# ---- semantics on small texts ------------------------------------------------------------------------------
GOOD = """\
Constant Tile 4;
Network Small {
  Layer L1 {
    Type: CONV
    Stride { X: 2, Y: 2 }
    Dimensions { K: 8, C: 4, R: 3, S: 3, Y: 10, X: 10 }
    Dataflow {
      SpatialMap(1,1) K;
      TemporalMap(Tile,Tile) C;
      TemporalMap(Sz(R),Sz(R)) R;
      TemporalMap(Sz(S),Sz(S)) S;
      Cluster(4, P);
      SpatialMap(1,1) C;
    }
  }
  Layer L2 {
    Type: DSCONV
    Dimensions { K: 1, C: 4, R: 3, S: 3, Y: 10, X: 10 }
  }
}
"""


def test_a_layer_without_dataflow_inherits_the_previous_one() -> None:
    network = parse_mapping_text(GOOD, "small.m")
    first, second = network.layers
    assert second.dataflow == first.dataflow
    assert first.dataflow[1] == TemporalMap(4, 4, "C")
    assert second.layer.type is LayerType.DSCONV
    assert second.source == "small.m:16"


def test_an_empty_dataflow_block_also_inherits() -> None:
    text = GOOD.replace("Dimensions { K: 1, C: 4, R: 3, S: 3, Y: 10, X: 10 }", "Dimensions { K: 1, C: 4, R: 3, S: 3, Y: 10, X: 10 }\n    Dataflow { }")
    network = parse_mapping_text(text, "small.m")
    assert network.layers[1].dataflow == network.layers[0].dataflow


def test_an_inherited_filter_map_must_fit_the_inheriting_layer() -> None:
    text = GOOD.replace("K: 1, C: 4, R: 3", "K: 1, C: 4, R: 5")
    with pytest.raises(InputError) as caught:
        parse_mapping_text(text, "small.m")
    assert str(caught.value) == (
        "small.m:16: layer L2: TemporalMap(3,3) R (inherited from small.m:10): MAESTRO requires a TemporalMap "
        "on R to cover the whole dimension (size = offset = R = 5)"
    )


def test_stride_may_follow_dimensions() -> None:
    text = GOOD.replace("    Stride { X: 2, Y: 2 }\n", "").replace(
        "Y: 10, X: 10 }\n    Dataflow", "Y: 10, X: 10 }\n    Stride { X: 3, Y: 1 }\n    Dataflow", 1
    )
    layer = parse_mapping_text(text).layers[0].layer
    assert layer.stride("X") == 3 and layer.stride("Y") == 1


def test_equivalent_spellings_parse_to_the_same_network() -> None:
    terse = GOOD.replace("K: 8, C: 4", "K 8 C:4").replace("SpatialMap(1,1) K;", "SpatialMap 1 1 K")
    assert parse_mapping_text(terse).layers == parse_mapping_text(GOOD).layers


def test_cluster_without_type_defaults_to_physical() -> None:
    network = parse_mapping_text(GOOD.replace("Cluster(4, P)", "Cluster(4)"))
    assert Cluster(4, "P") in network.layers[0].dataflow
    assert Cluster(4, "L") in parse_mapping_text(GOOD.replace("Cluster(4, P)", "Cluster(4, L)")).layers[0].dataflow


def test_network_name_is_optional() -> None:
    assert parse_mapping_text(GOOD.replace("Network Small {", "Network {"), "dir/my_net.m").name == "my_net"


def test_parse_directive_resolves_constants_and_sizes() -> None:
    directive = parse_directive("TemporalMap(Sz(R),T) R", {"R": 3}, {"T": 3}, "x.yaml: layers[0].dataflow[0]")
    assert directive == TemporalMap(3, 3, "R")
    assert directive.source == "x.yaml: layers[0].dataflow[0]"


# ---- errors: each one line, naming file and line ---------------------------------------------------------
def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


BAD_MAPPINGS = {
    "truncated": (GOOD[: GOOD.index("      Cluster")], 11, "file ended at line 11; expected a directive or '}' closing the Dataflow block"),
    "missing final brace": (GOOD.rstrip()[:-1], 19, "file ended at line 19; expected Layer or '}' closing Network Small"),
    "unknown directive": (_replace("SpatialMap(1,1) K", "SpaceMap(1,1) K"), 8, "unknown directive 'SpaceMap'; expected TemporalMap, SpatialMap or Cluster"),
    "unknown map dimension": (_replace("SpatialMap(1,1) K", "SpatialMap(1,1) Q"), 8, "expected the dimension SpatialMap(1,1) maps (one of N, G, K, C, R, S, Y, X, Y', X', M), found 'Q'"),
    "unknown declared dimension": (_replace("K: 8,", "Z: 8,"), 6, "expected a dimension name or '}' (one of N, G, K, C, R, S, Y, X, Y', X', M), found 'Z'"),
    "zero size": (_replace("SpatialMap(1,1) K", "SpatialMap(0,1) K"), 8, "the size of SpatialMap must be a positive integer, found 0"),
    "negative size": (_replace("SpatialMap(1,1) K", "SpatialMap(-3,1) K"), 8, "the size of SpatialMap must be a positive integer, found -3"),
    "negative offset": (_replace("TemporalMap(Tile,Tile) C", "TemporalMap(Tile,-Tile) C"), 9, "the offset of TemporalMap must be a positive integer, found -Tile"),
    "zero cluster": (_replace("Cluster(4, P)", "Cluster(0, P)"), 12, "the size of Cluster must be a positive integer, found 0"),
    "zero dimension": (_replace("K: 8,", "K: 0,"), 6, "the size of dimension K must be a positive integer, found 0"),
    "negative dimension": (_replace("K: 8,", "K: -8,"), 6, "the size of dimension K must be a positive integer, found -8"),
    "word as size": (_replace("TemporalMap(Tile,Tile) C", "TemporalMap(Tyle,Tile) C"), 9, "expected the size of TemporalMap (an integer, a Constant or Sz(DIM)), found 'Tyle'"),
    "dimension as size": (_replace("TemporalMap(Sz(R),Sz(R)) R", "TemporalMap(R,R) R"), 10, "found 'R' (did you mean Sz(R)?)"),
    "missing dimensions": (_replace("    Dimensions { K: 8, C: 4, R: 3, S: 3, Y: 10, X: 10 }\n", "").replace("Sz(R),Sz(R)", "3,3").replace("Sz(S),Sz(S)", "3,3"), 3, "the layer has no Dimensions block"),
    "size before dimensions": (_replace("    Dimensions { K: 8, C: 4, R: 3, S: 3, Y: 10, X: 10 }\n", ""), 9, "Sz(R) is used before the layer's Dimensions block"),
    "size of absent dimension": (_replace("TemporalMap(Tile,Tile) C", "TemporalMap(Sz(N),1) C"), 9, "Sz(N): the layer has no dimension N (it declares K, C, R, S, Y, X)"),
    "missing type": (_replace("    Type: CONV\n", ""), 3, "the layer has no Type (e.g. 'Type: CONV')"),
    "unknown type": (_replace("Type: CONV", "Type: CONV3D"), 4, "unknown layer type 'CONV3D'; expected one of CONV, DSCONV, NGCONV, GEMM, TRCONV"),
    "FC": (_replace("Type: CONV", "Type: FC"), 4, "layer type FC is not supported by MAESTRO's model"),
    "POOL": (_replace("Type: CONV", "Type: POOL"), 4, "layer type POOL is not supported by MAESTRO's model"),
    "LSTM": (_replace("Type: CONV", "Type: LSTM"), 4, "layer type LSTM is not supported by MAESTRO's model"),
    "RESIDUAL_IDENTITY": (_replace("Type: CONV", "Type: RESIDUAL_IDENTITY"), 4, "layer type RESIDUAL_IDENTITY is not supported by MAESTRO's model"),
    "partial filter map": (_replace("TemporalMap(Sz(R),Sz(R)) R", "TemporalMap(7,7) R"), 10, "TemporalMap(7,7) R: MAESTRO requires a TemporalMap on R to cover the whole dimension (size = offset = R = 3)"),
    "filter map offset": (_replace("TemporalMap(Sz(S),Sz(S)) S", "TemporalMap(Sz(S),1) S"), 11, "TemporalMap(3,1) S: MAESTRO requires a TemporalMap on S to cover the whole dimension (size = offset = S = 3)"),
    "Y and Y'": (_replace("Y: 10, X: 10 }\n    Dataflow", "Y: 10, X: 10, Y': 8 }\n    Dataflow"), 3, "both Y and Y' are declared"),
    "empty network": ("Network Empty {\n}\n", 1, "Network Empty has no layers"),
    "no network": ("Constant A 3;\n", 1, "no Network block found"),
    "glued brace": (_replace("Dimensions {", "Dimensions{"), 6, "found 'Dimensions{' ('{' and '}' must be separated from words by a space)"),
    "stride on K": (_replace("Stride { X: 2", "Stride { K: 2"), 5, "a stride is given for X or Y (input width and height) only, found 'K'"),
    "cluster type": (_replace("Cluster(4, P)", "Cluster(4, Q)"), 12, "expected the cluster type P or L in Cluster(4, ...), found 'Q'"),
    "stray word": ("hello\n" + GOOD, 1, "expected Constant or Network, found 'hello'"),
    "second network": (GOOD + "Network Other {\n}\n", 21, "a second Network block; a file holds one network (the first starts at line 2)"),
    "constant inside network": (_replace("  Layer L2", "  Constant B 3\n  Layer L2"), 16, "(declare Constants before the Network block)"),
    "two dimensions blocks": (_replace("    Dataflow {\n      SpatialMap", "    Dimensions { K: 8 }\n    Dataflow {\n      SpatialMap"), 7, "a second Dimensions in the layer"),
    "conflicting repeated dimension": (_replace("K: 8,", "K: 8, K: 9,"), 6, "dimension K is declared twice with different sizes (8 and 9)"),
}


@pytest.mark.parametrize("case", sorted(BAD_MAPPINGS))
def test_bad_mapping_files_give_one_line_errors_naming_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, expected = BAD_MAPPINGS[case]
    path = tmp_path / "bad.m"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_mapping_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:"), message
    assert expected in message
