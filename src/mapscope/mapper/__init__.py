"""Per-layer mapping spaces: their members, size, enumeration into batches, uniform sampling, user
restrictions and GAMMA's genome (docs/mapper.md)."""

from mapscope.mapper.counting import sample_mapping, space_size
from mapscope.mapper.enumeration import enumerate_batches
from mapscope.mapper.genome import Genome, GenomeLevel, choice_of_genome, genome_of
from mapscope.mapper.members import choice_of
from mapscope.mapper.restrictions import SpaceRestrictions, restricted_space, space_restrictions, start_members
from mapscope.mapper.space import LevelChoice, LevelRestriction, MappingChoice, MappingSpace, check_member, dataflow

__all__ = [
    "Genome",
    "GenomeLevel",
    "LevelChoice",
    "LevelRestriction",
    "MappingChoice",
    "MappingSpace",
    "SpaceRestrictions",
    "check_member",
    "choice_of",
    "choice_of_genome",
    "dataflow",
    "enumerate_batches",
    "genome_of",
    "restricted_space",
    "sample_mapping",
    "space_restrictions",
    "space_size",
    "start_members",
]
