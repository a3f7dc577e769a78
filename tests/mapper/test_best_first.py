"""The exhaustive search's best-first order (`mapper.branch_queue`): it never enumerates a branch whose bound
exceeds the optimum (a stopped search's lower bound, the least key left, is tested against brute force at
several budgets in test_tile_branching), ties pop in the documented order, and on a
MobileNet-V2 layer whose prefixes tie at the optimum it certifies where visiting subspaces one after the
other ran out of budget."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_tile_branching import MAX_BRUTE_FORCE, SETTINGS, branching_spaces, brute_force

from mapscope.formats.sources import build_accelerator, load_workload
from mapscope.mapper import MappingSpace, space_size
from mapscope.mapper import search_exhaustive
from mapscope.mapper.branch_queue import BranchQueue, OpenSubspace, Stage
from mapscope.mapper.mapping_objectives import mapping_objective
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.mapper.search_result import MappingProblem
from mapscope.mapper.tile_bounds import TileBounds
from mapscope.mapper.tile_branch_bounds import SubspaceEntry
from mapscope.mapping.workload_source import template_input


@SETTINGS
@given(drawn=branching_spaces(), objective=st.sampled_from(("runtime", "edp", "energy")))
def test_no_branch_bounded_above_the_optimum_is_enumerated(drawn, objective) -> None:
    """Best-first: when a chunk is popped, every member not yet evaluated lies in something queued at a key
    no larger, so no chunk whose bound exceeds the optimum is ever enumerated (visiting subspaces in order
    of their own bounds did: MobileNet-V2's features.1.conv.0.0 enumerated branches bounded above it)."""
    space, accelerator = drawn
    assume(TileBounds.of(space) is not None and 0 < space_size(space) <= MAX_BRUTE_FORCE)
    problem = MappingProblem(space, accelerator, mapping_objective(objective))
    optimum = min(brute_force(problem, objective), default=math.inf)
    assume(optimum < math.inf)
    enumerated: list[float] = []
    original = search_exhaustive._enumerate

    def recording(problem, log, branch, batch_rows, max_mappings, chains=None):  # type: ignore[no-untyped-def]
        enumerated.append(branch.bound)
        return original(problem, log, branch, batch_rows, max_mappings, chains)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_exhaustive, "_enumerate", recording)
        result = exhaustive_search(problem, batch_rows=5, branch_rows=3, descent_share=0)
    assert result.certified_optimal and result.value == pytest.approx(optimum, rel=1e-12)
    assert all(bound <= optimum * (1 + 1e-12) for bound in enumerated)


def test_ties_pop_the_smallest_chunk_then_refining_then_bounding_then_the_first_listed() -> None:
    entry = SubspaceEntry(1.0, 1, (), ("K",))
    queue = BranchQueue.empty()
    queue.push(5.0, Stage.BOUND, 0, entry)
    queue.push(5.0, Stage.ENUMERATE, 3, OpenSubspace(entry, np.zeros((4, 1)), np.full(4, 5.0), 0, 32))
    queue.push(5.0, Stage.REFINE, 1, (entry, np.full(3, 5.0)))
    queue.push(5.0, Stage.ENUMERATE, 2, OpenSubspace(entry, np.zeros((4, 1)), np.full(4, 5.0), 0, 16))
    queue.push(5.0, Stage.ENUMERATE, 1, OpenSubspace(entry, np.zeros((4, 1)), np.full(4, 5.0), 0, 16))
    queue.push(4.0, Stage.BOUND, 9, entry)
    popped = [queue.pop() for _ in range(6)]
    assert [(key, stage, listed) for key, stage, listed, _ in popped] == [
        (4.0, Stage.BOUND, 9),
        (5.0, Stage.ENUMERATE, 1),
        (5.0, Stage.ENUMERATE, 2),
        (5.0, Stage.REFINE, 1),
        (5.0, Stage.BOUND, 0),
        (5.0, Stage.ENUMERATE, 3),
    ]
    assert queue.least == math.inf and queue.held_top_values == 0


def test_a_mobilenet_layer_tied_at_its_optimum_is_certified_within_3000_evaluations() -> None:
    """MobileNet-V2's features.1.conv.0.0 at 256 PEs, runtime: hundreds of subspaces' prefixes are bounded at
    exactly the optimum (25,984 cycles). From a 300-evaluation genetic search's best, best-first order with
    first chunks before doubled ones certifies it; visiting subspaces one after the other ended at 26,484
    after 6,000 evaluations, uncertified."""
    accelerator = build_accelerator("accelerator_256pe")
    layer = next(layer for layer in template_input(load_workload("mobilenet_v2"))[0].layers if layer.name == "features.1.conv.0.0")
    problem = MappingProblem(MappingSpace(layer, accelerator.num_pes), accelerator, mapping_objective("runtime"))
    genetic = genetic_search(problem, budget=300, seed=0)
    result = exhaustive_search(problem, max_mappings=3000, incumbents=(genetic.best,))
    assert result.certified_optimal and result.value == 25_984
