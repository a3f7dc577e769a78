"""The search log's one-at-a-time path (ScalarStats, layer_stats_fields) equals analyze_layer on every
member it is given, field for field, in both modes; and evaluate_choices scores scattered members (a
genetic population: many skeletons, few mappings each) as analyze_layer's statistics score them."""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mapper_strategies import layer_stats, spaces
from property_settings import examples

from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingSpace, dataflow, sample_mapping
from mapscope.mapper.genetic_operators import MUTATIONS, crossover
from mapscope.mapper.mapping_objectives import MappingConstraints, mapping_objective, stats_metric
from mapscope.mapper.search_log import ScalarStats, SearchLog
from mapscope.mapper.search_result import MappingProblem
from mapscope.mapper.space import MappingChoice
from mapscope.stats import LayerStats

SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _population(space: MappingSpace, seed: int, size: int) -> list[MappingChoice]:
    """Distinct members as a genetic search makes them: samples, crossovers and mutants of one another."""
    rng = np.random.default_rng(seed)
    members = [sample_mapping(space, rng) for _ in range(3)]
    for _ in range(4 * size):
        if len(set(members)) >= size:
            break
        child = members[int(rng.integers(len(members)))]
        if rng.random() < 0.5:
            child = crossover(space, child, members[int(rng.integers(len(members)))], rng)
        members.append(MUTATIONS[int(rng.integers(len(MUTATIONS)))](space, child, rng))
    return list(dict.fromkeys(members))


def _reference(space: MappingSpace, accelerator: Accelerator, choice: MappingChoice) -> LayerStats | None:
    try:
        return layer_stats(space.layer, dataflow(space, choice), accelerator, space.compat)
    except InputError:
        return None


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    return left == right and type(left) is type(right)


@SETTINGS
@given(spaces(), st.integers(0, 2**32 - 1))
def test_scalar_fields_equal_analyze_layer(drawn: tuple[MappingSpace, Accelerator], seed: int) -> None:
    space, accelerator = drawn
    problem = MappingProblem(space, accelerator, mapping_objective("runtime"))
    members = _population(space, seed, 8)
    stats = ScalarStats.of(problem, [dataflow(space, member) for member in members])
    for index, member in enumerate(members):
        expected = _reference(space, accelerator, member)
        assert bool(stats.valid[index]) == (expected is not None)
        if expected is None:
            continue
        got = stats.results[index]
        assert got is not None
        for name, value in asdict(expected).items():
            if name == "network":
                continue  # analyze_layer was given a network name here; the search log gives none
            assert _same(got[name], value), f"{name}: {got[name]!r} != {value!r}"
        for name in ("runtime_cycles", "energy_nj", "l1_size_req_elems", "throughput_macs_per_cycle"):
            assert _same(float(stats.column(name)[index]), float(getattr(expected, name)))


@SETTINGS
@given(spaces(), st.integers(0, 2**32 - 1), st.sampled_from(["runtime", "energy", "edp"]))
def test_evaluate_choices_scores_a_population_as_analyze_layer(drawn: tuple[MappingSpace, Accelerator], seed: int, objective: str) -> None:
    space, accelerator = drawn
    problem = MappingProblem(space, accelerator, mapping_objective(objective), MappingConstraints(buffers_fit=False))
    members = _population(space, seed, 16)
    values = SearchLog(problem).evaluate_choices(members)
    metric = mapping_objective(objective).terms[0][0]
    for member, value in zip(members, values):
        expected = _reference(space, accelerator, member)
        if expected is None:
            assert value == np.inf
        else:
            reference = stats_metric(expected, metric)
            assert value == reference or (math.isnan(reference) and value == np.inf) or (not math.isfinite(reference) and value == np.inf)
