"""Reading dataflows back as members: round trips, and the templates' dataflows as members of the space."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layer_strategies import small_layers
from mapper_strategies import differences, layer_stats, spaces
from property_settings import examples

from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingSpace, choice_of, dataflow, sample_mapping, space_size
from mapscope.mapping.templates import LOOP_ORDERS, template
from mapscope.workload.layer import Layer, LayerType

SETTINGS = settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: ResNet-50-like layers: the 7x7 stride-2 stem, a 3x3, a 1x1 and a depthwise layer.
LAYERS = [
    Layer("stem", LayerType.CONV, (("K", 64), ("C", 3), ("R", 7), ("S", 7), ("Y", 230), ("X", 230)), (("X", 2), ("Y", 2))),
    Layer("conv3x3", LayerType.CONV, (("K", 64), ("C", 64), ("R", 3), ("S", 3), ("Y", 58), ("X", 58))),
    Layer("conv1x1", LayerType.CONV, (("K", 256), ("C", 64), ("R", 1), ("S", 1), ("Y", 56), ("X", 56))),
    Layer("depthwise", LayerType.DSCONV, (("C", 32), ("R", 3), ("S", 3), ("Y", 114), ("X", 114))),
]
#: Templates whose default dataflow is a member on every layer above; rs is not (see test_rs_is_not_a_member).
MEMBER_TEMPLATES = ["kcp_ws", "ckp_ws", "yxp_os", "xp_ws", "nlr", "tpu", "tiled"]


@SETTINGS
@given(drawn=spaces(), seed=st.integers(0, 2**32 - 1))
def test_dataflow_reads_back_as_the_same_member(drawn, seed) -> None:
    space, _ = drawn
    if not space_size(space):
        return
    choice = sample_mapping(space, np.random.default_rng(seed))
    assert choice_of(space, dataflow(space, choice)) == choice


@pytest.mark.parametrize("name", MEMBER_TEMPLATES)
@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.name)
@pytest.mark.parametrize("compat", [None, "maestro"])
def test_template_defaults_are_members_with_the_same_stats(name: str, layer: Layer, compat: str | None) -> None:
    space = MappingSpace(layer, 256, compat=compat)
    written = template(name).dataflow(layer, 256)
    member = choice_of(space, written)
    accelerator = Accelerator(num_pes=256, noc_bandwidth_elems_per_cycle=64, noc_latency_cycles=1)
    assert not differences(layer_stats(layer, written, accelerator, compat), layer_stats(layer, dataflow(space, member), accelerator, compat))


def test_rs_is_not_a_member() -> None:
    """Row stationary maps Y and the filter rows R spatially one row per PE: two SpatialMaps in a level and a
    tile of R, neither of which the space has."""
    space = MappingSpace(LAYERS[1], 256)
    with pytest.raises(InputError, match="no complete window"):
        choice_of(space, template("rs").dataflow(LAYERS[1], 256))


@SETTINGS
@given(
    layer=small_layers(),
    pes=st.sampled_from([2, 4, 8]),
    compat=st.sampled_from([None, "maestro"]),
    spatial=st.sampled_from(["K", "C", "Y", "X"]),
    order=st.sampled_from(LOOP_ORDERS),
    tiles=st.tuples(*(st.integers(1, 12) for _ in range(4))),
    cluster_size=st.sampled_from([1, 2, 3, 16]),
)
def test_every_tiled_point_is_a_member_with_the_same_stats(layer, pes, compat, spatial, order, tiles, cluster_size) -> None:
    """The tiled template at any point is a member of the imperfect space with the same numbers, except in
    compatibility mode on a layer whose window is narrower than its stride (one level there, that axis whole).
    K and C tiles are kept within their dimension: the template writes a larger one as given, which reads
    back as the whole dimension with the same runtime and traffic but a smaller L1 requirement."""
    if layer.type is LayerType.GEMM:
        return
    sizes = dict(layer.dimensions)
    k_tile, c_tile = min(tiles[0], sizes.get("K", 1)), min(tiles[1], sizes["C"])
    values = dict(k_tile=k_tile, c_tile=c_tile, y_tile=tiles[2], x_tile=tiles[3], spatial_dimension=spatial, loop_order=order, cluster_size=cluster_size)
    written = template("tiled").dataflow(layer, pes, **values)
    space = MappingSpace(layer, pes, imperfect=True, compat=compat)
    if any(loop.whole_only for loop in space.loops.loops):  # compatibility mode's rule 5: one level, that axis whole
        try:
            member = choice_of(space, written)
        except InputError as error:
            assert "cluster levels" in str(error) or "divisor" in str(error)
            return
    else:
        member = choice_of(space, written)
    accelerator = Accelerator(num_pes=pes, noc_bandwidth_elems_per_cycle=4)
    assert not differences(layer_stats(layer, written, accelerator, compat), layer_stats(layer, dataflow(space, member), accelerator, compat))


def test_yxp_os_column_tiles_need_imperfect_tiles_where_they_do_not_divide() -> None:
    layer = Layer("res3a_branch2b", LayerType.CONV, (("K", 128), ("C", 128), ("R", 3), ("S", 3), ("Y", 30), ("X", 30)))
    written = template("yxp_os").dataflow(layer, 256)  # 8-column tiles of a 28-column output
    with pytest.raises(InputError, match="tile 8 of X must be a divisor of 28"):
        choice_of(MappingSpace(layer, 256), written)
    assert choice_of(MappingSpace(layer, 256, imperfect=True), written).levels[0].tiles[3] == 8
