"""Per-layer mapping spaces: their members, size, enumeration into batches, uniform sampling, user
restrictions and GAMMA's genome (docs/mapper.md); and the searches over them: exhaustive with a
certificate, random and genetic (docs/mapper-search.md)."""

from mapscope.mapper.counting import sample_mapping, space_size
from mapscope.mapper.enumeration import enumerate_batches
from mapscope.mapper.genome import Genome, GenomeLevel, choice_of_genome, genome_of
from mapscope.mapper.mapping_objectives import MappingConstraints, mapping_objective
from mapscope.mapper.members import choice_of
from mapscope.mapper.restrictions import SpaceRestrictions, restricted_space, space_restrictions, start_members
from mapscope.mapper.search_exhaustive import exhaustive_search
from mapscope.mapper.search_genetic import GeneticSettings, genetic_search
from mapscope.mapper.search_random import random_search
from mapscope.mapper.search_result import MappingProblem, ParetoPoint, SearchResult, template_starts
from mapscope.mapper.space import LevelChoice, LevelRestriction, MappingChoice, MappingSpace, check_member, dataflow

__all__ = [
    "GeneticSettings",
    "Genome",
    "GenomeLevel",
    "LevelChoice",
    "LevelRestriction",
    "MappingChoice",
    "MappingConstraints",
    "MappingProblem",
    "MappingSpace",
    "ParetoPoint",
    "SearchResult",
    "SpaceRestrictions",
    "check_member",
    "choice_of",
    "choice_of_genome",
    "dataflow",
    "enumerate_batches",
    "exhaustive_search",
    "genetic_search",
    "genome_of",
    "mapping_objective",
    "random_search",
    "restricted_space",
    "sample_mapping",
    "space_restrictions",
    "space_size",
    "start_members",
    "template_starts",
]
