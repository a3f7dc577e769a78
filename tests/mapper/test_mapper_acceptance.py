"""The engine accepts every member of a space, the batched engine agrees with it, and the symmetry reduction is exact.

Members are drawn uniformly from random small spaces (both modes, perfect and imperfect tiles, 1 to 3
levels). For each, analyze_layer must not raise in the space's mode; on a batch of the enumeration,
evaluate_mappings equals analyze_layer field for field; and moving a loop that runs once to any place in
its level's order leaves every statistic unchanged (the reduction of mapper.space).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mapper_strategies import differences, layer_stats, spaces
from property_settings import examples

from mapscope.analysis.batch import evaluate_mappings
from mapscope.mapper import LevelChoice, MappingChoice, MappingSpace, dataflow, enumerate_batches, sample_mapping, space_size
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper.space import iterating
from mapscope.workload.layer import Layer, LayerType

SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(drawn=spaces(), seed=st.integers(0, 2**32 - 1))
def test_analyze_layer_accepts_every_sampled_member(drawn, seed) -> None:
    space, accelerator = drawn
    if not space_size(space):
        return
    rng = np.random.default_rng(seed)
    for _ in range(4):
        choice = sample_mapping(space, rng)
        layer_stats(space.layer, dataflow(space, choice), accelerator, space.compat)  # raises on a rejected mapping


@SETTINGS
@given(drawn=spaces(max_levels=2), start=st.integers(0, 10_000))
def test_enumerated_batches_are_accepted_and_equal_the_scalar_engine(drawn, start) -> None:
    space, accelerator = drawn
    size = space_size(space)
    if not size:
        return
    skip = start % size
    for batch in enumerate_batches(space, 24):
        if skip >= batch.size:
            skip -= batch.size
            continue
        result = evaluate_mappings(batch, accelerator, network_name="n", compat=space.compat)
        for row in range(batch.size):
            expected = layer_stats(space.layer, batch.dataflow_at(row), accelerator, space.compat)
            assert result.valid[row], result.error_at(row)
            assert not differences(expected, result.stats_at(row))
        return


@SETTINGS
@given(drawn=spaces(), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_loops_that_run_once_have_no_place_in_the_order(drawn, seed, data) -> None:
    space, accelerator = drawn
    if not space_size(space):
        return
    choice = sample_mapping(space, np.random.default_rng(seed))
    expected = layer_stats(space.layer, dataflow(space, choice), accelerator, space.compat)
    unreduced = MappingSpace(space.layer, space.num_pes, imperfect=space.imperfect, reduce_symmetric=False, compat=space.compat)
    levels = list(choice.levels)
    for index, level in enumerate(choice.levels):
        moving = list(iterating(space, choice, index))
        order = list(moving)
        for name in level.loop_order:
            if name not in moving:
                order.insert(data.draw(st.integers(0, len(order)), label=f"place of {name}"), name)
        levels[index] = LevelChoice(level.spatial_dimension, tuple(order), level.tiles)
    shuffled = MappingChoice(tuple(levels), choice.cluster_sizes)
    got = layer_stats(space.layer, dataflow(unreduced, shuffled), accelerator, space.compat)
    assert not differences(expected, got)


NARROW_WINDOW_LAYERS = [
    Layer("dw", LayerType.DSCONV, (("C", 1), ("R", 1), ("S", 2), ("Y", 4), ("X", 8)), (("X", 3), ("Y", 3))),
    Layer("conv", LayerType.CONV, (("K", 5), ("C", 5), ("R", 3), ("S", 1), ("Y", 10), ("X", 10)), (("X", 3), ("Y", 1))),
    Layer("shortcut", LayerType.CONV, (("K", 2), ("C", 4), ("R", 1), ("S", 1), ("Y", 3), ("X", 7)), (("X", 2), ("Y", 2))),
]


@pytest.mark.parametrize("layer", NARROW_WINDOW_LAYERS, ids=lambda layer: layer.name)
@pytest.mark.parametrize("compat", [None, "maestro"])
def test_windows_narrower_than_their_stride_are_accepted(layer: Layer, compat: str | None) -> None:
    """The compatibility-mode rule for such axes (one level, the axis whole): without it these layers give
    mappings MAESTRO terminates on (no fresh data along the axis)."""
    space = MappingSpace(layer, 8, imperfect=True, compat=compat)
    accelerator = Accelerator(num_pes=8)
    rng = np.random.default_rng(11)
    for _ in range(150):
        layer_stats(layer, dataflow(space, sample_mapping(space, rng)), accelerator, compat)
