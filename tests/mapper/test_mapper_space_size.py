"""The size formula equals the enumeration; enumeration and sampling are deterministic and stay in the space."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_strategies import small_layers
from property_settings import examples

from mapscope.errors import InputError
from mapscope.mapper import LevelChoice, LevelRestriction, MappingChoice, MappingSpace, check_member, choice_of, enumerate_batches, sample_mapping, space_size
from mapscope.mapper.counting import cluster_tuple_count, cluster_tuples, space_terms
from mapscope.workload.layer import Layer, LayerType

CONV = Layer("conv", LayerType.CONV, (("K", 4), ("C", 2), ("R", 3), ("S", 1), ("Y", 6), ("X", 3)))
SMALL = Layer("small", LayerType.CONV, (("K", 2), ("C", 1), ("R", 3), ("S", 1), ("Y", 5), ("X", 2)))
GEMM = Layer("gemm", LayerType.GEMM, (("M", 4), ("N", 2), ("K", 3)))
STRIDED = Layer("strided", LayerType.CONV, (("K", 2), ("C", 3), ("R", 1), ("S", 3), ("Y", 7), ("X", 9)), (("X", 2), ("Y", 3)))


def _enumerated(space: MappingSpace, max_rows: int = 997) -> int:
    return sum(batch.size for batch in enumerate_batches(space, max_rows))


@pytest.mark.parametrize("reduce_symmetric", [True, False])
@pytest.mark.parametrize("imperfect", [False, True])
def test_size_formula_counts_every_enumerated_mapping(reduce_symmetric: bool, imperfect: bool) -> None:
    space = MappingSpace(SMALL if reduce_symmetric else GEMM, 2 if reduce_symmetric else 4, max_levels=2, imperfect=imperfect, reduce_symmetric=reduce_symmetric)
    assert space_size(space) == _enumerated(space)


@settings(max_examples=examples(40), deadline=None)
@given(
    layer=small_layers(),
    pes=st.sampled_from([1, 3, 4, 8]),
    levels=st.integers(1, 2),
    imperfect=st.booleans(),
    reduce_symmetric=st.booleans(),
    compat=st.sampled_from([None, "maestro"]),
    spatial=st.sampled_from([None, ("C",), ("K", "X")]),
    cluster_sizes=st.sampled_from([None, (2,), (2, 3)]),
)
def test_size_formula_on_random_small_spaces(layer, pes, levels, imperfect, reduce_symmetric, compat, spatial, cluster_sizes) -> None:
    names = MappingSpace(layer, pes).loops.names
    allowed = tuple(n for n in spatial if n in names) if spatial else None
    restriction = (LevelRestriction(spatial_dimensions=allowed or None),)
    space = MappingSpace(layer, pes, max_levels=levels, imperfect=imperfect, reduce_symmetric=reduce_symmetric, compat=compat, levels=restriction, cluster_sizes=cluster_sizes)
    if space_size(space) > 50_000:
        return  # counted, but too long to enumerate here
    assert space_size(space) == _enumerated(space, 4096)


def test_restricted_orders_are_counted() -> None:
    orders = (tuple("KCYX"), tuple("YXKC"))
    space = MappingSpace(CONV, 2, max_levels=2, levels=(LevelRestriction(loop_orders=orders), LevelRestriction(spatial_dimensions=("K",))))
    assert space_size(space) == _enumerated(space)


def test_strided_compat_space_is_counted() -> None:
    for compat in (None, "maestro"):
        space = MappingSpace(STRIDED, 3, max_levels=2, compat=compat)
        assert space_size(space) == _enumerated(space)


def test_cluster_tuples_match_their_count() -> None:
    space = MappingSpace(CONV, 64, max_levels=3)
    for levels in (1, 2, 3):
        assert cluster_tuple_count(space, levels) == len(cluster_tuples(space, levels))
    assert all(a * b <= 64 for a, b in cluster_tuples(space, 3))


def test_enumeration_is_deterministic_and_chunked() -> None:
    space = MappingSpace(SMALL, 2, max_levels=2)
    first = list(enumerate_batches(space, 100))
    second = list(enumerate_batches(space, 100))
    assert all(batch.size <= 100 for batch in first)
    assert len(first) == len(second)
    for left, right in zip(first, second):
        assert left.skeleton == right.skeleton
        assert np.array_equal(left.sizes, right.sizes) and np.array_equal(left.offsets, right.offsets)


def test_enumerated_mappings_are_distinct_members() -> None:
    space = MappingSpace(SMALL, 2, max_levels=2)
    members = {choice_of(space, batch.dataflow_at(row)) for batch in enumerate_batches(space, 512) for row in range(batch.size)}
    assert len(members) == space_size(space)
    for choice in members:
        check_member(space, choice)


def test_sampling_is_seeded_and_stays_in_the_space() -> None:
    space = MappingSpace(STRIDED, 8, max_levels=3, imperfect=True)
    draws = [sample_mapping(space, np.random.default_rng(7)) for _ in range(2)]
    assert draws[0] == draws[1]
    rng = np.random.default_rng(3)
    for _ in range(200):
        check_member(space, sample_mapping(space, rng))


def test_sampling_is_uniform_on_a_tiny_space() -> None:
    layer = Layer("tiny", LayerType.CONV, (("K", 2), ("C", 1), ("R", 1), ("S", 1), ("Y", 2), ("X", 1)))
    space = MappingSpace(layer, 2, max_levels=2)
    size = space_size(space)
    rng = np.random.default_rng(0)
    draws = 40 * size
    counts: dict[object, int] = {}
    for _ in range(draws):
        choice = sample_mapping(space, rng)
        counts[choice] = counts.get(choice, 0) + 1
    assert len(counts) == size  # every member reached
    expected = draws / size
    chi_square = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi_square < size + 6 * size**0.5  # well inside the chi-square spread for `size` cells


def test_empty_space_is_refused_when_sampled() -> None:
    space = MappingSpace(CONV, 1, min_levels=2, max_levels=2)
    assert space_size(space) == 0
    with pytest.raises(InputError, match="empty"):
        sample_mapping(space, np.random.default_rng(0))


@settings(max_examples=examples(40), deadline=None)
@given(layer=small_layers(), pes=st.sampled_from([1, 4, 64]), imperfect=st.booleans(), compat=st.sampled_from([None, "maestro"]), spatial=st.sampled_from([None, ("C",), ("K", "X", "Y")]))
def test_both_ways_of_summing_the_formula_agree(layer, pes, imperfect, compat, spatial) -> None:
    """space_size sums loop by loop when no order is restricted; sampling sums level by level (space_terms)."""
    names = MappingSpace(layer, pes).loops.names
    allowed = tuple(n for n in spatial if n in names) if spatial else None
    space = MappingSpace(layer, pes, imperfect=imperfect, compat=compat, levels=(LevelRestriction(), LevelRestriction(allowed or None)))
    assert space_size(space) == sum(term.count for term in space_terms(space))


def test_unreduced_spaces_keep_restricted_orders_whole() -> None:
    orders = (tuple("KCYX"), tuple("YXKC"))
    space = MappingSpace(CONV, 2, max_levels=1, reduce_symmetric=False, levels=(LevelRestriction(loop_orders=orders),))
    assert space_size(space) == _enumerated(space)
    rng = np.random.default_rng(5)
    for _ in range(50):
        choice = sample_mapping(space, rng)
        assert choice.levels[0].loop_order in orders
        check_member(space, choice)
    other = MappingChoice((LevelChoice(choice.levels[0].spatial_dimension, tuple("CKYX"), choice.levels[0].tiles),), ())
    with pytest.raises(InputError, match="no allowed loop order"):
        check_member(space, other)


def test_the_worked_example_of_docs_mapper() -> None:
    """docs/mapper.md's ResNet-50 res2a_branch2b at 256 PEs, its one-level count rebuilt from the table."""
    layer = Layer("res2a_branch2b", LayerType.CONV, (("K", 64), ("C", 64), ("R", 3), ("S", 3), ("Y", 58), ("X", 58)))
    shrinking = (6, 6, 7, 7)  # tiles below the extent: divisors of 64 but 64, of 56 but 56
    one_level = 0
    for k in range(5):
        products = sum(math.prod(c) for c in itertools.combinations(shrinking, k))
        one_level += products * (k * math.factorial(k) + (4 - k) * math.factorial(k + 1))
    assert one_level == 219_442 == space_size(MappingSpace(layer, 256, max_levels=1))
    space = MappingSpace(layer, 256)
    assert [cluster_tuple_count(space, levels) for levels in (2, 3)] == [255, 955]
    assert space_size(space) == 1_955_845_776_038_772
    assert space_size(MappingSpace(layer, 256, reduce_symmetric=False)) == 38_157_023_600_941_056
    assert f"{space_size(MappingSpace(layer, 256, imperfect=True)):.1e}" == "1.2e+27"
