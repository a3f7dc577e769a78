"""The exhaustive search's tile branches: enumerating by tile prefixes lists exactly the members that start
with them, and the search still equals brute force on small default-mode spaces with dividing tiles
(where `tile_bounds.TileBounds` applies) at 1 to 3 cluster levels."""

from __future__ import annotations

import math
from dataclasses import replace
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mapper_strategies import layer_stats, small_accelerators, tiny_layers
from property_settings import examples

from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingSpace, space_size
from mapscope.mapper.enumeration import enumerate_batches
from mapscope.mapper.mapping_objectives import mapping_objective
from mapscope.mapper.members import choice_of
from mapscope.mapper.bounds import energy_lower_bound_nj
from mapscope.mapper.layer_work import layer_work
from mapscope.mapper.mapping_objectives import objective_bounds
from mapscope.mapper.search_exhaustive import exhaustive_search, spatial_subspaces
from mapscope.mapper.tile_branch_bounds import top_tile_bounds
from mapscope.mapper import tile_branch_bounds
from mapscope.mapper.search_log import SearchLog
from mapscope.mapper.search_result import MappingProblem
from mapscope.mapper.tile_bounds import TileBounds
from mapscope.stats import LayerStats

SETTINGS = settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
#: Spaces larger than this are not brute-forced (each member is analysed one at a time).
MAX_BRUTE_FORCE = 300


@st.composite
def branching_spaces(draw: st.DrawFn) -> tuple[MappingSpace, Accelerator]:
    """A default-mode space with dividing tiles over a tiny CONV, DSCONV or GEMM, 1 to 3 levels, 1 to 8 PEs."""
    layer = draw(tiny_layers(gemm=(6, 4, 4), conv=(4, 4, 2, 3), rows=3, columns=5, strides=(1, 1, 2, 3)))
    pes = draw(st.sampled_from([1, 2, 4, 6, 8]))
    space = MappingSpace(layer, pes, max_levels=draw(st.integers(1, 3)), reduce_symmetric=draw(st.booleans()))
    return space, draw(small_accelerators(pes))


@SETTINGS
@given(drawn=branching_spaces(), objective=st.sampled_from(("runtime", "edp", "energy")), shares=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4))
def test_tile_branching_equals_brute_force_and_its_certificate_is_never_wrong(drawn, objective, shares) -> None:
    """Unlimited, the search certifies the brute-force optimum; at any budget, with or without the descent,
    a stopped search's lower bound (the least key left) is at most the optimum and certifying means finding it."""
    space, accelerator = drawn
    assume(TileBounds.of(space) is not None and 0 < space_size(space) <= MAX_BRUTE_FORCE)
    problem = MappingProblem(space, accelerator, mapping_objective(objective))
    values = brute_force(problem, objective)
    optimum = min(values, default=math.inf)
    assume(optimum < math.inf)
    result = exhaustive_search(problem, batch_rows=5, branch_rows=3, descent_share=0)
    assert result.certified_optimal and result.value == pytest.approx(optimum, rel=1e-12)
    for share, descent in zip(shares, (0.25, 0.0, 0.25, 0.0)):
        budgeted = exhaustive_search(problem, max_mappings=max(1, int(share * len(values))), batch_rows=4, branch_rows=2, descent_share=descent)
        if budgeted.certified_optimal:
            assert budgeted.value == pytest.approx(optimum, rel=1e-12)
        else:
            assert budgeted.lower_bound is not None and budgeted.lower_bound <= optimum * (1 + 1e-12) <= budgeted.value * (1 + 1e-12)


@SETTINGS
@given(drawn=branching_spaces(), objective=st.sampled_from(("runtime", "edp", "energy")), cuts=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)))
def test_pruning_tiles_that_overflow_the_buffers_equals_brute_force(drawn, objective, cuts) -> None:
    """Tight L1 and L2 capacities (quantiles of the members' requirements): the search that prunes tile
    prefixes whose buffer bounds exceed them still finds the brute-force optimum and certifies it."""
    space, accelerator = drawn
    assume(TileBounds.of(space) is not None and 0 < space_size(space) <= MAX_BRUTE_FORCE)
    every = [layer_stats(space.layer, batch.dataflow_at(row), accelerator, None) for batch in enumerate_batches(space, 256) for row in range(batch.size)]
    l1 = sorted(s.l1_size_req_elems for s in every)[int(cuts[0] * (len(every) - 1))]
    l2 = sorted(s.l2_size_req_elems for s in every)[int(cuts[1] * (len(every) - 1))]
    tight = replace(accelerator, l1_size_elems=l1, l2_size_elems=l2)
    problem = MappingProblem(space, tight, mapping_objective(objective))
    values = [objective_value(objective, s) for s in every if problem.constraints.satisfied_by(s, tight)]
    assume(values)
    result = exhaustive_search(problem, batch_rows=5, branch_rows=3, descent_share=0)
    assert result.certified_optimal and result.value == pytest.approx(min(values), rel=1e-12)


def objective_value(objective: str, stats: LayerStats) -> float:
    """Runtime, energy or EDP of one member's statistics."""
    return {"runtime": float(stats.runtime_cycles), "energy": stats.energy_nj, "edp": stats.runtime_cycles * stats.energy_nj}[objective]


def brute_force(problem: MappingProblem, objective: str) -> list[float]:
    """The objective of every feasible member of the problem's space, each analysed alone."""
    space, accelerator = problem.space, problem.accelerator
    values = []
    for batch in enumerate_batches(space, 256):
        for row in range(batch.size):
            stats = layer_stats(space.layer, batch.dataflow_at(row), accelerator, None)
            if problem.constraints.satisfied_by(stats, accelerator):
                values.append(objective_value(objective, stats))
    return values


@SETTINGS
@given(drawn=branching_spaces(), data=st.data())
def test_tile_prefixes_enumerate_exactly_the_members_starting_with_them(drawn, data) -> None:
    space, _ = drawn
    assume(space_size(space) <= 3000)
    levels = data.draw(st.sampled_from(list(space.level_counts)))
    known = data.draw(st.integers(1, levels))
    within = MappingSpace(space.layer, space.num_pes, min_levels=levels, max_levels=levels, reduce_symmetric=space.reduce_symmetric)
    every = []
    for batch in enumerate_batches(within, 64):
        for row in range(batch.size):
            flow = batch.dataflow_at(row)
            every.append((flow, tuple(tile for level in choice_of(within, flow).levels[:known] for tile in level.tiles)))
    assume(every)
    chosen = sorted({prefix for _, prefix in every})
    wanted = data.draw(st.lists(st.sampled_from(chosen), min_size=1, max_size=6, unique=True))
    listed = [batch.dataflow_at(row) for batch in enumerate_batches(within, 5, None, np.array(wanted, dtype=np.int64)) for row in range(batch.size)]
    assert sorted(map(repr, listed)) == sorted(repr(flow) for flow, prefix in every if prefix in wanted)
    assert len(set(map(repr, listed))) == len(listed)



@SETTINGS
@given(drawn=branching_spaces(), data=st.data())
def test_tile_prefix_batches_are_full_until_their_group_ends(drawn, data) -> None:
    """Rows that start with a wanted prefix are gathered across a group (scanned max_rows·SCAN_BATCHES at
    a time): only a group's last batch holds fewer than max_rows members (at 100,000 rows each group with
    members is one batch), listed in the same order whatever the batch size."""
    space, _ = drawn
    assume(space_size(space) <= 3000)
    levels = data.draw(st.sampled_from(list(space.level_counts)))
    within = MappingSpace(space.layer, space.num_pes, min_levels=levels, max_levels=levels, reduce_symmetric=space.reduce_symmetric)
    bounds = TileBounds.of(within)
    assume(bounds is not None)
    assert bounds is not None
    top = bounds.top_tiles
    wanted = top[data.draw(st.lists(st.integers(0, len(top) - 1), min_size=1, max_size=4, unique=True))]
    max_rows = data.draw(st.integers(1, 7))
    batches = list(enumerate_batches(within, max_rows, None, wanted))
    groups = list(enumerate_batches(within, 100_000, None, wanted))
    whole = [batch.dataflow_at(row) for batch in groups for row in range(batch.size)]
    assert [repr(batch.dataflow_at(row)) for batch in batches for row in range(batch.size)] == list(map(repr, whole))
    assert sum(batch.size < max_rows for batch in batches) <= len(groups)
    assert len(batches) <= len(groups) + len(whole) // max_rows


def drawn_subspaces(drawn, objective: str, data: st.DataObject, most: int) -> tuple[MappingProblem, TileBounds, list, float]:
    """A problem on a drawn branching space, its tile bounds, 1 to `most` of its subspaces (drawn, repeats
    allowed) and the layer's energy floor; the example is rejected where tile bounds do not apply."""
    space, accelerator = drawn
    bounds = TileBounds.of(space)
    assume(bounds is not None)
    assert bounds is not None
    problem = MappingProblem(space, accelerator, mapping_objective(objective))
    entries = list(spatial_subspaces(problem))
    assume(entries)
    chosen = data.draw(st.lists(st.sampled_from(entries), min_size=1, max_size=most))
    return problem, bounds, chosen, energy_lower_bound_nj(layer_work(space.layer, space.compat), space.compat, problem.energy_table)


@SETTINGS
@given(drawn=branching_spaces(), objective=st.sampled_from(("runtime", "edp")), data=st.data())
def test_window_tile_bounds_equal_one_subspace_at_a_time(drawn, objective, data) -> None:
    """`top_tile_bounds` bounds subspaces of several level counts in one pass: each subspace's row equals
    its own `runtime_bounds_cycles` call, raised to the subspace bound. Given a bound per tuple already
    known, it bounds only the tuples below the incumbent there, the same, and the others keep the known one."""
    problem, bounds, entries, energy_nj = drawn_subspaces(drawn, objective, data, 12)
    accelerator = problem.accelerator
    for entry, found in zip(entries, top_tile_bounds(problem, bounds, entries, energy_nj)):
        spatial = tuple(bounds.names.index(name) for name in entry.spatial_dimensions)
        sub_clusters = (accelerator.num_pes // math.prod(entry.cluster_sizes), *entry.cluster_sizes)
        runtime = bounds.runtime_bounds_cycles(accelerator, spatial, sub_clusters, bounds.top_tiles)
        alone = objective_bounds(problem.objective, runtime, energy_nj)
        assert alone is not None
        assert np.array_equal(found, np.maximum(alone, entry.bound))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    plain = top_tile_bounds(problem, bounds, entries, energy_nj)
    known = [rng.uniform(0, 2, len(values)) * values.max() for values in plain]
    incumbent = float(rng.uniform(0, 2) * max(values.max() for values in plain))
    for values, prior, found in zip(plain, known, top_tile_bounds(problem, bounds, entries, energy_nj, incumbent=incumbent, known=known)):
        below = prior < incumbent
        assert np.array_equal(found[below], np.maximum(values, prior)[below])
        assert np.all(found[~below] >= prior[~below])


@SETTINGS
@given(drawn=branching_spaces(), objective=st.sampled_from(("runtime", "edp", "energy")), most=st.sampled_from([1, 3, 40]), share=st.floats(0.0, 1.0))
def test_branches_left_at_the_top_level_are_refined_to_whole_chains_and_still_equal_brute_force(drawn, objective, most, share) -> None:
    """With OPEN_BRANCH_ROWS and MAX_BRANCH_ROWS cut to `most`, subspaces stay branched on their top-level tiles and each chunk is
    refined to whole chains while it is enumerated (`full_depth_prefixes`): the optimum and the certificate
    are brute force's, and a stopped search's lower bound stays at most the optimum."""
    space, accelerator = drawn
    assume(TileBounds.of(space) is not None and 0 < space_size(space) <= MAX_BRUTE_FORCE and max(space.level_counts) > 1)
    problem = MappingProblem(space, accelerator, mapping_objective(objective))
    values = brute_force(problem, objective)
    optimum = min(values, default=math.inf)
    assume(optimum < math.inf)
    with mock.patch.object(tile_branch_bounds, "MAX_BRANCH_ROWS", most), mock.patch.object(tile_branch_bounds, "OPEN_BRANCH_ROWS", most):
        result = exhaustive_search(problem, batch_rows=5, branch_rows=3, descent_share=0)
        budgeted = exhaustive_search(problem, max_mappings=max(1, int(share * len(values))), batch_rows=4, branch_rows=2)
    assert result.certified_optimal and result.value == pytest.approx(optimum, rel=1e-12)
    assert budgeted.lower_bound is not None and budgeted.lower_bound <= optimum * (1 + 1e-12) <= budgeted.value * (1 + 1e-12)


@SETTINGS
@given(drawn=branching_spaces(), most=st.sampled_from([1, 2, 7, 10_000]), data=st.data())
def test_full_depth_prefixes_are_every_whole_chain_of_the_prefixes_under_no_incumbent(drawn, most, data) -> None:
    """With nothing to prune (no incumbent, unbounded buffers), the pieces hold every whole tile chain that
    starts with one of the given top-level prefixes, each once, however the refinement is split."""
    space, accelerator = drawn
    bounds = TileBounds.of(space)
    assume(bounds is not None and max(space.level_counts) > 1)
    assert bounds is not None
    problem = MappingProblem(space, accelerator, mapping_objective("runtime"))
    deep = [entry for entry in spatial_subspaces(problem) if entry.levels > 1]
    assume(deep)
    entry = data.draw(st.sampled_from(deep))
    top = bounds.top_tiles
    prefixes = top[data.draw(st.lists(st.integers(0, len(top) - 1), min_size=1, max_size=5, unique=True))]
    with mock.patch.object(tile_branch_bounds, "MAX_BRANCH_ROWS", most):
        pieces = list(tile_branch_bounds.full_depth_prefixes(problem, bounds, entry, prefixes, 0.0, None, SearchLog(problem)))
    found = [tuple(row) for piece in pieces for row in piece.tolist()]
    expected = prefixes
    for _ in range(entry.levels - 1):
        expected = bounds.refined(expected)
    assert sorted(found) == sorted(map(tuple, expected.tolist()))
    assert len(set(found)) == len(found)
    beaten = SearchLog(problem)
    beaten.best_value = 0.0  # an incumbent no chain can beat: every refinement is pruned whole
    with mock.patch.object(tile_branch_bounds, "MAX_BRANCH_ROWS", most):
        assert list(tile_branch_bounds.full_depth_prefixes(problem, bounds, entry, prefixes, 0.0, None, beaten)) == []

