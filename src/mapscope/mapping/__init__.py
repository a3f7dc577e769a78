"""Mappings: MAESTRO's directives and networks whose layers carry a dataflow."""

from mapscope.mapping.directives import (
    Cluster,
    Directive,
    MapDirective,
    SpatialMap,
    TemporalMap,
)
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork

__all__ = ["Cluster", "Directive", "MapDirective", "MappedLayer", "MappedNetwork", "SpatialMap", "TemporalMap"]
