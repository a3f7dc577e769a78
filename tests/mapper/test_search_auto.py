"""The auto search (the exhaustive search, optionally after a genetic phase that seeds it) against brute force on tiny spaces."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples
from test_mapper_search import OBJECTIVES, SETTINGS, brute_force_optimum, check_result, small_problem, tiny_spaces

from mapscope.errors import InputError
from mapscope.formats.sources import build_accelerator
from mapscope.mapper import MappingProblem, MappingSpace, mapping_objective
from mapscope.mapper.layer_searches import LayerSearch, check_strategy, run_search
from mapscope.mapper.search_auto import UNTILED_GENETIC_SHARE, auto_search, default_genetic_share
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import genetic_search
from mapscope.workload.layer import Layer, LayerType


@SETTINGS
@given(
    drawn=tiny_spaces(),
    objective=st.sampled_from(OBJECTIVES),
    share=st.floats(0.0, 1.5),
    genetic_share=st.sampled_from([None, 0.0, 0.15, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_auto_search_is_never_worse_than_its_genetic_phase_and_its_certificate_holds(drawn, objective, share, genetic_share, seed) -> None:
    problem, every = small_problem(drawn, objective)
    optimum = brute_force_optimum(problem, every)
    budget = max(1, int(share * len(every)))
    result = auto_search(problem, budget=budget, seed=seed, genetic_share=genetic_share)
    check_result(problem, result)
    assert result.strategy == "auto"
    if genetic_share is None:  # the default: the same as the share it picks for the problem
        assert run_search(LayerSearch(problem, "auto", budget, seed)).value == result.value
        genetic_share = default_genetic_share(problem)
        explicit = auto_search(problem, budget=budget, seed=seed, genetic_share=genetic_share)
        assert (explicit.value, explicit.mappings_evaluated, explicit.dataflow) == (result.value, result.mappings_evaluated, result.dataflow)
    if genetic_share:
        assert result.value <= genetic_search(problem, budget=max(1, round(genetic_share * budget)), seed=seed).value
    else:  # the exhaustive search alone
        assert result.value == exhaustive_search(problem, max_mappings=budget).value
    assert result.mappings_evaluated <= budget + 2 * len(problem.warm_starts()) + 2  # each phase evaluates the starts
    if result.certified_optimal:
        assert result.value == pytest.approx(optimum, rel=1e-12)
    else:
        assert result.lower_bound is not None and result.lower_bound <= optimum * (1 + 1e-12) <= result.value * (1 + 1e-12)


@settings(SETTINGS, max_examples=examples(15))  # the exhaustive phase's equality to brute force is test_mapper_search's
@given(drawn=tiny_spaces(), objective=st.sampled_from(OBJECTIVES))
def test_auto_search_with_budget_for_everything_is_certified_optimal(drawn, objective) -> None:
    problem, every = small_problem(drawn, objective)
    result = auto_search(problem, budget=10 * len(every) + 100)
    assert result.certified_optimal
    assert result.value == pytest.approx(brute_force_optimum(problem, every), rel=1e-12)


def test_auto_is_a_strategy_and_its_share_is_checked() -> None:
    check_strategy("auto", 10)
    with pytest.raises(InputError):
        check_strategy("automatic", 10)
    accelerator = build_accelerator("accelerator_256pe")
    layer = Layer("tiny", LayerType.CONV, (("K", 2), ("C", 2), ("R", 1), ("S", 1), ("Y", 2), ("X", 2)))
    problem = MappingProblem(MappingSpace(layer, accelerator.num_pes, max_levels=1), accelerator, mapping_objective("runtime"))
    for share in (-0.1, 1.0):
        with pytest.raises(InputError):
            auto_search(problem, budget=10, genetic_share=share)
    alone = auto_search(problem, budget=10, genetic_share=0.0)  # no genetic phase: the exhaustive search alone
    assert alone.strategy == "auto" and alone.value == exhaustive_search(problem, max_mappings=10).value
    with pytest.raises(InputError):
        auto_search(problem, budget=0)


def test_the_genetic_phase_runs_by_default_only_where_the_exhaustive_search_has_no_tile_bounds() -> None:
    accelerator = build_accelerator("accelerator_256pe")
    layer = Layer("conv", LayerType.CONV, (("K", 4), ("C", 4), ("R", 3), ("S", 3), ("Y", 6), ("X", 6)))

    def problem(objective: str = "runtime", **options: object) -> MappingProblem:
        return MappingProblem(MappingSpace(layer, accelerator.num_pes, max_levels=2, **options), accelerator, mapping_objective(objective))

    assert default_genetic_share(problem()) == default_genetic_share(problem("edp")) == 0.0
    assert default_genetic_share(problem(compat="maestro")) == default_genetic_share(problem(imperfect=True)) == UNTILED_GENETIC_SHARE
    assert default_genetic_share(problem({"runtime_cycles": 1.0, "energy_nj": -1.0})) == UNTILED_GENETIC_SHARE  # no bound: nothing pruned
