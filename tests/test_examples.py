"""The shipped example inputs: registry, and the layer shapes against the published architectures."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from mapscope.errors import InputError
from mapscope.examples import EXAMPLES, Example, example_path, list_examples
from mapscope.hardware import Accelerator
from mapscope.mapping import Cluster, SpatialMap, TemporalMap

# Published layer shapes, written out by hand (not derived from the example files):
# name: (K out channels, C in channels, R = S filter size, stride, unpadded input size, padding, output size).
# ResNet-50 v1.5 (He et al. 2016, Table 1; stride 2 in the 3x3 conv as in torchvision), 224x224 input.
RESNET50_V15 = {
    "conv1": (64, 3, 7, 2, 224, 3, 112),
    "res2a_branch2a": (64, 64, 1, 1, 56, 0, 56),
    "res2a_branch2b": (64, 64, 3, 1, 56, 1, 56),
    "res2a_branch2c": (256, 64, 1, 1, 56, 0, 56),
    "res2a_branch1": (256, 64, 1, 1, 56, 0, 56),
    "res2b_branch2a": (64, 256, 1, 1, 56, 0, 56),
    "res2b_branch2b": (64, 64, 3, 1, 56, 1, 56),
    "res2b_branch2c": (256, 64, 1, 1, 56, 0, 56),
    "res2c_branch2a": (64, 256, 1, 1, 56, 0, 56),
    "res2c_branch2b": (64, 64, 3, 1, 56, 1, 56),
    "res2c_branch2c": (256, 64, 1, 1, 56, 0, 56),
    "res3a_branch2a": (128, 256, 1, 1, 56, 0, 56),
    "res3a_branch2b": (128, 128, 3, 2, 56, 1, 28),
    "res3a_branch2c": (512, 128, 1, 1, 28, 0, 28),
    "res3a_branch1": (512, 256, 1, 2, 56, 0, 28),
    "res3b_branch2a": (128, 512, 1, 1, 28, 0, 28),
    "res3b_branch2b": (128, 128, 3, 1, 28, 1, 28),
    "res3b_branch2c": (512, 128, 1, 1, 28, 0, 28),
    "res3c_branch2a": (128, 512, 1, 1, 28, 0, 28),
    "res3c_branch2b": (128, 128, 3, 1, 28, 1, 28),
    "res3c_branch2c": (512, 128, 1, 1, 28, 0, 28),
    "res3d_branch2a": (128, 512, 1, 1, 28, 0, 28),
    "res3d_branch2b": (128, 128, 3, 1, 28, 1, 28),
    "res3d_branch2c": (512, 128, 1, 1, 28, 0, 28),
    "res4a_branch2a": (256, 512, 1, 1, 28, 0, 28),
    "res4a_branch2b": (256, 256, 3, 2, 28, 1, 14),
    "res4a_branch2c": (1024, 256, 1, 1, 14, 0, 14),
    "res4a_branch1": (1024, 512, 1, 2, 28, 0, 14),
    "res4b_branch2a": (256, 1024, 1, 1, 14, 0, 14),
    "res4b_branch2b": (256, 256, 3, 1, 14, 1, 14),
    "res4b_branch2c": (1024, 256, 1, 1, 14, 0, 14),
    "res4c_branch2a": (256, 1024, 1, 1, 14, 0, 14),
    "res4c_branch2b": (256, 256, 3, 1, 14, 1, 14),
    "res4c_branch2c": (1024, 256, 1, 1, 14, 0, 14),
    "res4d_branch2a": (256, 1024, 1, 1, 14, 0, 14),
    "res4d_branch2b": (256, 256, 3, 1, 14, 1, 14),
    "res4d_branch2c": (1024, 256, 1, 1, 14, 0, 14),
    "res4e_branch2a": (256, 1024, 1, 1, 14, 0, 14),
    "res4e_branch2b": (256, 256, 3, 1, 14, 1, 14),
    "res4e_branch2c": (1024, 256, 1, 1, 14, 0, 14),
    "res4f_branch2a": (256, 1024, 1, 1, 14, 0, 14),
    "res4f_branch2b": (256, 256, 3, 1, 14, 1, 14),
    "res4f_branch2c": (1024, 256, 1, 1, 14, 0, 14),
    "res5a_branch2a": (512, 1024, 1, 1, 14, 0, 14),
    "res5a_branch2b": (512, 512, 3, 2, 14, 1, 7),
    "res5a_branch2c": (2048, 512, 1, 1, 7, 0, 7),
    "res5a_branch1": (2048, 1024, 1, 2, 14, 0, 7),
    "res5b_branch2a": (512, 2048, 1, 1, 7, 0, 7),
    "res5b_branch2b": (512, 512, 3, 1, 7, 1, 7),
    "res5b_branch2c": (2048, 512, 1, 1, 7, 0, 7),
    "res5c_branch2a": (512, 2048, 1, 1, 7, 0, 7),
    "res5c_branch2b": (512, 512, 3, 1, 7, 1, 7),
    "res5c_branch2c": (2048, 512, 1, 1, 7, 0, 7),
    "fc1000": (1000, 2048, 1, 1, 1, 0, 1),
}
RESNET50_V15_MACS = 4_089_184_256  # torchvision's well-known "4.1 GFLOPs", which count multiply-accumulates

# VGG-16 configuration D (Simonyan & Zisserman 2015, Table 1), 224x224 input; fc6 is a 7x7 conv over 7x7x512.
VGG16_D = {
    "conv1_1": (64, 3, 3, 1, 224, 1, 224),
    "conv1_2": (64, 64, 3, 1, 224, 1, 224),
    "conv2_1": (128, 64, 3, 1, 112, 1, 112),
    "conv2_2": (128, 128, 3, 1, 112, 1, 112),
    "conv3_1": (256, 128, 3, 1, 56, 1, 56),
    "conv3_2": (256, 256, 3, 1, 56, 1, 56),
    "conv3_3": (256, 256, 3, 1, 56, 1, 56),
    "conv4_1": (512, 256, 3, 1, 28, 1, 28),
    "conv4_2": (512, 512, 3, 1, 28, 1, 28),
    "conv4_3": (512, 512, 3, 1, 28, 1, 28),
    "conv5_1": (512, 512, 3, 1, 14, 1, 14),
    "conv5_2": (512, 512, 3, 1, 14, 1, 14),
    "conv5_3": (512, 512, 3, 1, 14, 1, 14),
    "fc6": (4096, 512, 7, 1, 7, 0, 1),
    "fc7": (4096, 4096, 1, 1, 1, 0, 1),
    "fc8": (1000, 4096, 1, 1, 1, 0, 1),
}
VGG16_D_MACS = 15_470_264_320  # the well-known 15.5 G multiply-accumulates of VGG-16

PUBLISHED = {
    "resnet50_kcp_ws": (RESNET50_V15, RESNET50_V15_MACS),
    "resnet50_yxp_os": (RESNET50_V15, RESNET50_V15_MACS),
    "vgg16_kcp_ws": (VGG16_D, VGG16_D_MACS),
    "vgg16_yxp_os": (VGG16_D, VGG16_D_MACS),
}

MAPPING_EXAMPLES = [example.name for example in list_examples() if example.kind == "mapping"]


def table_macs(row: tuple[int, ...]) -> int:
    k, c, r, _stride, _size, _pad, out = row
    return k * c * r * r * out * out


def _published_macs(table: dict[str, tuple[int, ...]]) -> int:
    return sum(table_macs(row) for row in table.values())


def _read_mapping(name: str):
    from mapscope.formats.maestro.mapping_file import read_mapping_file

    return read_mapping_file(example_path(name))


# ---------------------------------------------------------------- registry


def test_every_example_exists_and_is_listed() -> None:
    listed = list_examples()
    assert [example.name for example in listed] == list(EXAMPLES)
    for example in listed:
        assert isinstance(example, Example)
        assert example.kind in ("mapping", "hardware", "design space")
        assert example.description
        path = example_path(example.name)
        assert path.is_file(), path
        assert path.name == example.filename
        assert example_path(example.filename) == path


def test_every_shipped_input_file_is_registered() -> None:
    shipped = {
        entry.name
        for entry in resources.files("mapscope.examples").iterdir()
        if entry.name.endswith((".m", ".yaml"))
    }
    assert shipped == {example.filename for example in list_examples()}


def test_unknown_example_is_an_input_error_naming_the_known_ones() -> None:
    with pytest.raises(InputError, match="resnet50_kcp_ws") as caught:
        example_path("alexnet")
    assert "alexnet" in str(caught.value)
    assert isinstance(caught.value, ValueError)


# ---------------------------------------------------------------- hardware


def _maestro_hardware_values(text: str) -> dict[str, int]:
    values = {}
    for line in text.splitlines():
        line = line.split("//", 1)[0].strip()
        if line:
            key, value = (part.strip() for part in line.split(":"))
            values[key] = int(value)
    return values


def test_hardware_examples_describe_the_same_accelerator() -> None:
    from_yaml = yaml.safe_load(example_path("accelerator_256pe.yaml").read_text())
    accelerator = Accelerator(**from_yaml)  # every key is a mapscope field name
    maestro = _maestro_hardware_values(example_path("accelerator_256pe.m").read_text())
    assert maestro == {
        "num_pes": accelerator.num_pes,
        "l1_size_cstr": accelerator.l1_size_elems,
        "l2_size_cstr": accelerator.l2_size_elems,
        "noc_bw_cstr": accelerator.noc_bandwidth_elems_per_cycle,
        "offchip_bw_cstr": accelerator.offchip_bandwidth_elems_per_cycle,
        "NoC_NumHops": accelerator.noc_latency_cycles,
    }
    assert accelerator.num_pes == 256 and accelerator.simd_lanes == 1
    # The shipped mappings use Cluster(64) and Cluster(8): no PE may be left over.
    assert accelerator.num_pes % 64 == 0


# ---------------------------------------------------------------- mappings


def test_published_tables_give_the_well_known_totals() -> None:
    assert len(RESNET50_V15) == 54 and len(VGG16_D) == 16
    assert _published_macs(RESNET50_V15) == RESNET50_V15_MACS
    assert _published_macs(VGG16_D) == VGG16_D_MACS
    for table in (RESNET50_V15, VGG16_D):
        for _k, _c, r, stride, size, pad, out in table.values():
            assert (size + 2 * pad - r) // stride + 1 == out


@pytest.mark.parametrize("name", MAPPING_EXAMPLES)
def test_mapping_layers_have_the_published_shapes(name: str) -> None:
    table, total_macs = PUBLISHED[name]
    network = _read_mapping(name)
    assert [mapped.layer.name for mapped in network.layers] == list(table)
    file_macs = 0
    for mapped in network.layers:
        layer = mapped.layer
        k, c, r, stride, size, pad, out = table[layer.name]
        assert str(layer.type) == "CONV", layer.name
        shape = tuple(layer.size(dim) for dim in ("K", "C", "R", "S"))
        assert shape == (k, c, r, r), layer.name
        assert layer.stride("Y") == layer.stride("X") == stride, layer.name
        # MAESTRO has no padding: the declared input is the padded one.
        assert layer.size("Y") == layer.size("X") == size + 2 * pad, layer.name
        out_y = (layer.size("Y") - layer.size("R")) // layer.stride("Y") + 1
        out_x = (layer.size("X") - layer.size("S")) // layer.stride("X") + 1
        assert out_y == out_x == out, layer.name
        layer_macs = k * c * r * r * out_y * out_x
        assert layer_macs == table_macs(table[layer.name]), layer.name
        file_macs += layer_macs
    assert file_macs == total_macs


@pytest.mark.parametrize("name", MAPPING_EXAMPLES)
def test_mapping_dataflows_are_valid(name: str) -> None:
    network = _read_mapping(name)
    for mapped in network.layers:
        layer = mapped.layer
        where = f"{name} {layer.name}"
        assert mapped.dataflow, where
        maps = [d for d in mapped.dataflow if isinstance(d, (TemporalMap, SpatialMap))]
        clusters = [d for d in mapped.dataflow if isinstance(d, Cluster)]
        assert len(clusters) == 1, where
        assert clusters[0].size in (8, 64), where
        for directive in maps:
            assert directive.size >= 1 and directive.offset >= 1, where
            if isinstance(directive, TemporalMap) and directive.dimension in ("R", "S"):
                # MAESTRO rejects any other R/S temporal tile.
                assert directive.size == directive.offset == layer.size(directive.dimension), where
            if directive.dimension in ("Y", "X"):
                window = layer.size("R" if directive.dimension == "Y" else "S")
                # Every Y/X tile holds at least one filter window and fits inside the padded input.
                assert window <= directive.size <= layer.size(directive.dimension), where
        # Each cluster level has at least one SpatialMap.
        index = mapped.dataflow.index(clusters[0])
        assert any(isinstance(d, SpatialMap) for d in mapped.dataflow[:index]), where
        assert any(isinstance(d, SpatialMap) for d in mapped.dataflow[index + 1 :]), where
