"""The mapper's searches against brute force on random small layers and spaces.

Brute force enumerates every member (enumerate_batches), analyses each with analyze_layer and takes the
least objective over the feasible ones. Exhaustive search must equal it and be certified; with a budget
its certificate must still hold (lower_bound <= optimum <= value); random and genetic search are
reproducible from the seed and never worse than the best warm start; constraints are never broken.
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mapper_strategies import layer_stats, small_accelerators, tiny_layers
from property_settings import examples

from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingSpace, check_member, enumerate_batches, sample_mapping, space_size
from mapscope.mapper.genetic_operators import MUTATIONS, crossover
from mapscope.mapper.mapping_objectives import MappingConstraints, mapping_objective, stats_metric
from mapscope.mapper.bounds import SpatialSubspace, subspace_lower_bound
from mapscope.mapper.counting import cluster_tuples
from mapscope.mapper.mapping_objectives import objective_bound
from mapscope.mapper.search_exhaustive import SubspaceEntry, exhaustive_search, spatial_subspaces
from mapscope.mapper.search_genetic import GeneticSettings, genetic_search
from mapscope.mapper.incumbent_descent import descend, neighbours
from mapscope.mapper.search_log import SearchLog
from mapscope.mapper.search_random import random_search
from mapscope.mapper.search_result import MappingProblem, SearchResult
from mapscope.optimization.objectives import Constraint
from mapscope.optimization.pareto import pareto_mask
from mapscope.stats import LayerStats
from mapscope.workload.layer import Layer, LayerType

SETTINGS = settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
OBJECTIVES = ("runtime", "energy", "edp")
#: Spaces larger than this are not brute-forced (each member is analysed one at a time).
MAX_BRUTE_FORCE = 200


@st.composite
def tiny_spaces(draw: st.DrawFn) -> tuple[MappingSpace, Accelerator]:
    """A space small enough to brute-force: a few elements per loop, 1 to 4 PEs, 1 or 2 levels, either mode."""
    layer = draw(tiny_layers(gemm=(4, 4, 3), conv=(4, 3, 2, 2), rows=2, columns=3, strides=(1, 1, 2)))
    pes = draw(st.sampled_from([1, 2, 4]))
    space = MappingSpace(
        layer,
        pes,
        max_levels=draw(st.integers(1, 2)),
        imperfect=draw(st.booleans()),
        compat=draw(st.sampled_from([None, "maestro"])),
        reduce_symmetric=draw(st.booleans()),
    )
    return space, draw(small_accelerators(pes))


def every_member_stats(space: MappingSpace, accelerator: Accelerator) -> list[LayerStats]:
    """analyze_layer's statistics of every member of the space (the engine accepts every member)."""
    found = []
    for batch in enumerate_batches(space, 256):
        for row in range(batch.size):
            found.append(layer_stats(space.layer, batch.dataflow_at(row), accelerator, space.compat))
    return found


def objective_of(problem: MappingProblem, stats: LayerStats) -> float:
    return float(problem.objective.values({m: np.array([stats_metric(stats, m)]) for m in problem.objective.metrics})[0])


def brute_force_optimum(problem: MappingProblem, every: list[LayerStats]) -> float:
    """The least objective over the members that respect the problem's constraints (inf when none does)."""
    feasible = [objective_of(problem, s) for s in every if problem.constraints.satisfied_by(s, problem.accelerator)]
    return min(feasible, default=math.inf)


def small_problem(drawn: tuple[MappingSpace, Accelerator], objective: str) -> tuple[MappingProblem, list[LayerStats]]:
    space, accelerator = drawn
    size = space_size(space)
    assume(0 < size <= MAX_BRUTE_FORCE)
    return MappingProblem(space, accelerator, mapping_objective(objective)), every_member_stats(space, accelerator)


def check_result(problem: MappingProblem, result: SearchResult) -> None:
    """The result is a feasible member whose statistics and value are analyze_layer's."""
    check_member(problem.space, result.best)
    stats = layer_stats(problem.space.layer, result.dataflow, problem.accelerator, problem.space.compat)
    assert replace(stats, network="") == result.stats
    assert result.value == objective_of(problem, stats)
    assert problem.constraints.satisfied_by(stats, problem.accelerator)
    if result.best_template_value is not None:
        assert result.value <= result.best_template_value


@SETTINGS
@given(drawn=tiny_spaces(), objective=st.sampled_from(OBJECTIVES))
def test_exhaustive_search_equals_brute_force(drawn, objective) -> None:
    problem, every = small_problem(drawn, objective)
    result = exhaustive_search(problem, batch_rows=7)
    assert result.certified_optimal
    assert result.value == pytest.approx(brute_force_optimum(problem, every), rel=1e-12)
    assert result.lower_bound == result.value and result.gap == 0
    check_result(problem, result)


@SETTINGS
@given(drawn=tiny_spaces(), objective=st.sampled_from(OBJECTIVES), share=st.floats(0.0, 1.0))
def test_a_certificate_is_never_wrong(drawn, objective, share) -> None:
    problem, every = small_problem(drawn, objective)
    optimum = brute_force_optimum(problem, every)
    budget = max(1, int(share * len(every)))
    result = exhaustive_search(problem, max_mappings=budget, batch_rows=5)
    check_result(problem, result)
    assert result.mappings_evaluated <= max(budget, len(problem.warm_starts()))
    if result.certified_optimal:
        assert result.value == pytest.approx(optimum, rel=1e-12)
    else:
        assert result.lower_bound is not None
        assert result.lower_bound <= optimum * (1 + 1e-12) and optimum <= result.value


@SETTINGS
@given(drawn=tiny_spaces(), objective=st.sampled_from(OBJECTIVES), seed=st.integers(0, 2**16))
def test_random_and_genetic_search_are_reproducible_and_never_worse_than_a_template(drawn, objective, seed) -> None:
    space, accelerator = drawn
    assume(space_size(space) > 0)
    problem = MappingProblem(space, accelerator, mapping_objective(objective))
    small = GeneticSettings(population=8, elite=2)
    for search in (lambda: random_search(problem, budget=40, seed=seed, batch_mappings=16), lambda: genetic_search(problem, budget=60, seed=seed, settings=small)):
        first, second = search(), search()
        assert (first.best, first.value, first.mappings_evaluated) == (second.best, second.value, second.mappings_evaluated)
        check_result(problem, first)
        if first.lower_bound is not None:
            assert first.lower_bound <= first.value


@SETTINGS
@given(drawn=tiny_spaces(), objective=st.sampled_from(OBJECTIVES), cut=st.floats(0.0, 1.0))
def test_the_l1_capacity_is_respected_and_a_layer_no_mapping_fits_is_an_input_error(drawn, objective, cut) -> None:
    space, accelerator = drawn
    problem, every = small_problem(drawn, objective)
    requirements = sorted(s.l1_size_req_elems for s in every)
    capacity = requirements[int(cut * (len(requirements) - 1))] if cut > 0.05 else requirements[0] - 1
    tight = replace(problem, accelerator=replace(accelerator, l1_size_elems=max(capacity, 0)))
    optimum = brute_force_optimum(tight, every)
    if math.isinf(optimum):
        with pytest.raises(InputError, match="L1 capacity"):
            exhaustive_search(tight)
        return
    result = exhaustive_search(tight)
    assert result.stats.l1_size_req_elems <= capacity
    assert result.value == pytest.approx(optimum, rel=1e-12)


@SETTINGS
@given(drawn=tiny_spaces())
def test_a_metric_bound_and_the_bandwidth_limits_are_respected(drawn) -> None:
    problem, every = small_problem(drawn, "energy")
    runtimes = sorted(s.runtime_cycles for s in every)
    bounded = MappingConstraints(noc_bandwidth_limit=True, offchip_bandwidth_limit=True, metric_bounds=(Constraint("runtime", maximum=runtimes[len(runtimes) // 2]),))
    constrained = replace(problem, constraints=bounded)
    optimum = brute_force_optimum(constrained, every)
    assume(math.isfinite(optimum))
    result = exhaustive_search(constrained)
    check_result(constrained, result)
    assert result.value == pytest.approx(optimum, rel=1e-12)


@SETTINGS
@given(drawn=tiny_spaces(), weights=st.tuples(st.floats(-2, 2), st.floats(0, 2)))
def test_weighted_sums_equal_brute_force_with_or_without_pruning(drawn, weights) -> None:
    space, accelerator = drawn
    objective = mapping_objective({"runtime": weights[0], "energy": weights[1]})
    problem = MappingProblem(space, accelerator, objective)
    assume(0 < space_size(space) <= MAX_BRUTE_FORCE)
    every = every_member_stats(space, accelerator)
    result = exhaustive_search(problem)
    assert result.certified_optimal
    assert result.value == pytest.approx(brute_force_optimum(problem, every), rel=1e-9, abs=1e-9)


@SETTINGS
@given(drawn=tiny_spaces())
def test_the_pareto_front_is_the_brute_force_front(drawn) -> None:
    space, accelerator = drawn
    assume(0 < space_size(space) <= MAX_BRUTE_FORCE)
    every = every_member_stats(space, accelerator)
    # an objective the bounds do not cover (a negative weight) prunes nothing: the front covers the whole space
    problem = MappingProblem(space, accelerator, mapping_objective({"runtime": -1.0}), pareto=True)
    result = exhaustive_search(problem)
    points = np.array([[s.runtime_cycles, s.energy_nj] for s in every])
    expected = sorted({(int(r), float(e)) for r, e in points[pareto_mask(points)]})
    assert sorted({(p.runtime_cycles, p.energy_nj) for p in result.pareto_front}) == expected
    for point in result.pareto_front:
        stats = layer_stats(space.layer, point.dataflow, accelerator, space.compat)
        assert (stats.runtime_cycles, stats.energy_nj) == (point.runtime_cycles, point.energy_nj)


def test_exhaustive_search_prunes_and_certifies_on_a_resnet_layer() -> None:
    """A small ResNet-like 1x1 layer on 16 PEs: certified optimal while enumerating part of the space."""
    layer = Layer("conv1x1", LayerType.CONV, (("K", 16), ("C", 8), ("R", 1), ("S", 1), ("Y", 4), ("X", 4)))
    accelerator = Accelerator(num_pes=16, noc_bandwidth_elems_per_cycle=64, offchip_bandwidth_elems_per_cycle=64)
    space = MappingSpace(layer, 16, max_levels=2)
    result = exhaustive_search(MappingProblem(space, accelerator, mapping_objective("runtime")))
    assert result.certified_optimal
    assert result.mappings_evaluated < space_size(space)


@SETTINGS
@given(drawn=tiny_spaces(), pes=st.sampled_from([1, 3, 6, 12, 16]), levels=st.integers(1, 3), objective=st.sampled_from((*OBJECTIVES, "l2_size_req_elems")))
def test_subspaces_come_in_ascending_order_of_their_own_bounds(drawn, pes, levels, objective) -> None:
    """spatial_subspaces bounds each distinct per-dimension sub-cluster count once: it must list every
    subspace once, each with the bound subspace_lower_bound gives it alone, sorted stably by that bound
    (listing order for an objective the bounds do not cover)."""
    space, accelerator = drawn
    space = replace(space, num_pes=pes, max_levels=levels)
    accelerator = replace(accelerator, num_pes=pes)
    problem = MappingProblem(space, accelerator, mapping_objective(objective))
    expected = []
    for count in space.level_counts:
        for clusters in cluster_tuples(space, count):
            for spatial in product(*(space.spatial_choices(level) for level in range(count))):
                subspace = SpatialSubspace(tuple((name,) for name in spatial), clusters, divisor_tiles=not space.imperfect)
                bound = subspace_lower_bound(space.layer, accelerator, subspace, compat=space.compat, energy_table=problem.energy_table)
                expected.append(SubspaceEntry(objective_bound(problem.objective, bound), count, clusters, spatial))
    expected.sort(key=lambda entry: float("-inf") if entry.bound is None else entry.bound)
    assert list(spatial_subspaces(problem)) == expected


def test_an_empty_space_is_an_input_error() -> None:
    layer = Layer("tiny", LayerType.CONV, (("K", 2), ("C", 2), ("R", 1), ("S", 1), ("Y", 2), ("X", 2)))
    space = MappingSpace(layer, 4, min_levels=2, max_levels=2, cluster_sizes=(8,))
    problem = MappingProblem(space, Accelerator(num_pes=4), mapping_objective("runtime"))
    with pytest.raises(InputError, match="no member"):
        exhaustive_search(problem)


@SETTINGS
@given(drawn=tiny_spaces(), seed=st.integers(0, 2**16))
def test_genetic_operators_always_give_members(drawn, seed) -> None:
    space, _ = drawn
    assume(space_size(space) > 0)
    rng = np.random.default_rng(seed)
    first, second = sample_mapping(space, rng), sample_mapping(space, rng)
    for _ in range(5):
        for mutation in MUTATIONS:
            first = mutation(space, first, rng)
            check_member(space, first)
        first = crossover(space, first, second, rng)
        check_member(space, first)


@SETTINGS
@given(drawn=tiny_spaces(), objective=st.sampled_from(OBJECTIVES), seed=st.integers(0, 2**16), budget=st.one_of(st.none(), st.integers(0, 40)))
def test_the_descent_moves_between_members_to_a_local_optimum_within_its_budget(drawn, objective, seed, budget) -> None:
    """Neighbours are distinct members other than the start; the descent never raises the incumbent,
    spends at most its budget, and without a budget stops where no neighbour is better."""
    space, accelerator = drawn
    assume(space_size(space) > 0)
    problem = MappingProblem(space, accelerator, mapping_objective(objective))
    start = sample_mapping(space, np.random.default_rng(seed))
    found = neighbours(space, start)
    assert start not in found and len(set(found)) == len(found)
    for member in found:
        check_member(space, member)
    log = SearchLog(problem)
    before = float(log.evaluate_choices([start])[0])
    descend(log, start, budget)
    assert log.best_value <= before
    assert log.evaluated - 1 <= (budget if budget is not None else log.evaluated)
    if budget is None and math.isfinite(log.best_value):
        reached = log.best_choice if log.best_choice is not None else start
        probe = SearchLog(problem)
        values = probe.evaluate_choices(neighbours(space, reached))
        assert not (values < log.best_value).any()


def test_the_descent_finds_a_better_mapping_than_the_genetic_search_on_a_resnet_layer() -> None:
    """res2a_branch2b (3x3, 64 channels) on 256 PEs: one move (another cluster size or spatial loop) at a
    time takes the genetic search's best of 300 evaluations much closer to the compute bound."""
    layer = Layer("res2a_branch2b", LayerType.CONV, (("K", 64), ("C", 64), ("R", 3), ("S", 3), ("Y", 58), ("X", 58)))
    accelerator = Accelerator(num_pes=256, noc_bandwidth_elems_per_cycle=64, offchip_bandwidth_elems_per_cycle=16)
    problem = MappingProblem(MappingSpace(layer, 256), accelerator, mapping_objective("runtime"))
    genetic = genetic_search(problem, budget=300, seed=0)
    log = SearchLog(problem)
    log.evaluate_choices([genetic.best])
    descend(log, genetic.best, 3000)
    assert log.best_value < genetic.value
    result = exhaustive_search(problem, max_mappings=3000, incumbents=(genetic.best,))
    assert result.value < genetic.value and not result.certified_optimal
    assert result.lower_bound is not None and result.lower_bound <= result.value
