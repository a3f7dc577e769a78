"""GAMMA's genome round-trips through members of the space."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mapper_strategies import spaces
from property_settings import examples

from mapscope.errors import InputError
from mapscope.mapper import MappingSpace, sample_mapping, space_size
from mapscope.mapper.genome import GenomeLevel, choice_of_genome, genome_of
from mapscope.workload.layer import Layer, LayerType

VGG_FIRST = Layer("conv1", LayerType.CONV, (("K", 64), ("C", 3), ("R", 3), ("S", 3), ("Y", 224), ("X", 224)))


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=spaces(), seed=st.integers(0, 2**32 - 1))
def test_member_to_genome_and_back(drawn, seed) -> None:
    space, _ = drawn
    if not space_size(space):
        return
    choice = sample_mapping(space, np.random.default_rng(seed))
    genome = genome_of(space, choice)
    assert choice_of_genome(space, genome) == choice
    assert genome_of(space, choice_of_genome(space, genome)) == genome
    for level, genes in zip(choice.levels, genome):
        assert genes.parallel_dimension == level.spatial_dimension
        assert [name for name, _ in genes.tiles][-2:] == ["R", "S"] or space.layer.type is LayerType.GEMM


def test_a_gamma_style_genome_is_a_member() -> None:
    """Two levels on 168 PEs, K over 3 clusters of 48 PEs with C inside, in GAMMA's gene layout."""
    space = MappingSpace(VGG_FIRST, 168)
    genome = (
        GenomeLevel("K", 3, (("K", 16), ("C", 3), ("Y", 222), ("X", 111), ("R", 3), ("S", 3))),
        GenomeLevel("C", 48, (("K", 1), ("C", 1), ("Y", 2), ("X", 1), ("R", 3), ("S", 3))),
    )
    choice = choice_of_genome(space, genome)
    assert choice.cluster_sizes == (48,)
    assert choice.levels[1].tiles == (1, 1, 2, 1)
    assert genome_of(space, choice)[0].sub_units == 3


@pytest.mark.parametrize(
    ("genome", "message"),
    [
        ((GenomeLevel("K", 1, (("K", 4), ("C", 3), ("Y", 2), ("X", 2), ("R", 2), ("S", 3))),), "filter window whole"),
        ((GenomeLevel("K", 1, (("K", 4), ("C", 3), ("Y", 2), ("R", 3), ("S", 3))),), "one gene per dimension"),
        ((GenomeLevel("K", 5, (("K", 4), ("C", 3), ("Y", 2), ("X", 2), ("R", 3), ("S", 3))),), "sub-units"),
        ((GenomeLevel("K", 168, (("K", 5), ("C", 3), ("Y", 2), ("X", 2), ("R", 3), ("S", 3))),), "divisor"),
    ],
)
def test_genomes_outside_the_space_are_refused(genome, message: str) -> None:
    with pytest.raises(InputError, match=message):
        choice_of_genome(MappingSpace(VGG_FIRST, 168), genome)
