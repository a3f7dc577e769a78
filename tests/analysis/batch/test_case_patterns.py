"""Long batches are evaluated in chunks of mappings ordered by their iteration-state patterns.

`pattern_order` puts mappings whose directives take the same states next to each other (fewer union
cases per chunk); the results, put back in the batch's order, equal the unchunked evaluation.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest

from mapscope.analysis.batch import evaluate_mappings, mapping_stats, template_batches
from mapscope.analysis.batch.case_patterns import pattern_order
from mapscope.analysis.batch.table_arrays import Slot
from mapscope.analysis.corrections import CORRECTED
from mapscope.analysis.iteration import EDGE, INIT, STEADY
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapping.template_columns import grid_columns
from mapscope.mapping.templates import template
from mapscope.workload.layer import Layer, LayerType


def _slots(steady: list[bool], edge: list[bool]) -> tuple[Slot, Slot, Slot]:
    count = len(steady)
    one = np.ones(count, dtype=np.int64)

    def slot(position: int, exists: list[bool]) -> Slot:
        return Slot(position, np.array(exists, dtype=bool), one, False, False, False, position == EDGE)

    return slot(INIT, [True] * count), slot(STEADY, steady), slot(EDGE, edge)


def test_mappings_with_the_same_states_come_together_in_their_own_order() -> None:
    first = _slots([True, False, True, False, True], [False, False, True, True, False])
    second = _slots([False, True, False, True, False], [False, False, False, False, False])
    order = pattern_order([first, second], 5)
    patterns = [(bool(first[2].exists[i]), bool(first[1].exists[i]), bool(second[1].exists[i])) for i in order]
    assert patterns == sorted(patterns)  # the first directive's states sort first
    assert order.tolist() == [1, 0, 4, 3, 2]  # 0 and 4 share a pattern and keep their order
    assert sorted(order.tolist()) == list(range(5))


@pytest.mark.parametrize(
    "steady, edge, expected",
    [
        ([True] * 4, [True] * 4, [0, 1, 2, 3]),  # every mapping has every state: the order stays
        ([False] * 4, [False] * 4, [0, 1, 2, 3]),  # no mapping has a Steady or Edge state
        ([False, False, True, False], [False] * 4, [0, 1, 3, 2]),  # one mapping differs: it moves, the rest keep their order
    ],
)
def test_uniform_and_single_patterns(steady: list[bool], edge: list[bool], expected: list[int]) -> None:
    assert pattern_order([_slots(steady, edge)], 4).tolist() == expected


def test_a_level_without_directives_keeps_the_order() -> None:
    assert pattern_order([], 3).tolist() == [0, 1, 2]
    assert pattern_order([_slots([], [])], 0).tolist() == []


@pytest.mark.parametrize("compat", [None, "maestro"])
def test_reordered_chunks_equal_one_chunk(compat: str | None) -> None:
    layer = Layer("L", LayerType.CONV, (("K", 12), ("C", 6), ("R", 3), ("S", 3), ("Y", 9), ("X", 9)), (("X", 1), ("Y", 1)))
    accelerator = Accelerator(num_pes=16, noc_bandwidth_elems_per_cycle=4, offchip_bandwidth_elems_per_cycle=2, noc_latency_cycles=2)
    grid = {"spatial_dimension": ["K", "C"], "k_tile": [1, 4, 5], "c_tile": [1, 2, 4], "y_tile": [1, 2, 7], "x_tile": [1, 3], "cluster_size": [1, 4]}
    ((batch, _), *_) = template_batches(template("tiled"), layer, accelerator.num_pes, grid_columns(grid))
    previous = np.arange(batch.size, dtype=np.int64) * 7
    whole = evaluate_mappings(batch, accelerator, compat=compat, previous_l1_accesses=previous)
    assert whole.scalar_count == 0 and batch.size > 20
    with patch.object(mapping_stats, "CHUNK_MAPPINGS", 7):
        order = mapping_stats._evaluation_order(batch, accelerator.num_pes, CORRECTED)
        chunked = evaluate_mappings(batch, accelerator, compat=compat, previous_l1_accesses=previous)
    assert order.tolist() != list(range(batch.size))  # the chunks do take the mappings out of order
    assert np.array_equal(chunked.valid, whole.valid)
    for name in whole.fields:
        expected, got = whole.column(name), chunked.column(name)
        assert np.array_equal(got, expected, equal_nan=expected.dtype.kind == "f"), name
