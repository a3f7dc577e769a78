"""Many mappings of one layer that share a directive skeleton, as integer arrays (the batched engine's input).

A skeleton is the dataflow with its numbers left out: the directive kinds and dimensions in order, and
where the Cluster directives stand. The numbers (tile sizes, offsets, cluster sizes) are one int64
column per directive, one row per mapping, so thousands of mappings cost a few arrays, not thousands
of directive tuples. `mapping_batches` groups arbitrary dataflows by skeleton.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mapscope.errors import InputError
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.workload.layer import Layer

#: Skeleton entry kinds: TemporalMap, SpatialMap, Cluster.
TEMPORAL_ENTRY, SPATIAL_ENTRY, CLUSTER_ENTRY = "T", "S", "C"

SkeletonEntry = tuple[str, str]  # (kind, dimension; "" for a Cluster)


def skeleton_of(dataflow: Sequence[Directive]) -> tuple[SkeletonEntry, ...]:
    """The dataflow without its numbers."""
    entries: list[SkeletonEntry] = []
    for directive in dataflow:
        if isinstance(directive, Cluster):
            entries.append((CLUSTER_ENTRY, ""))
        elif isinstance(directive, SpatialMap):
            entries.append((SPATIAL_ENTRY, directive.dimension))
        else:
            entries.append((TEMPORAL_ENTRY, directive.dimension))
    return tuple(entries)


@dataclass(frozen=True)
class MappingBatch:
    """`sizes[i, j]` and `offsets[i, j]` are directive j's numbers in mapping i (a Cluster's offset is unused)."""

    layer: Layer
    skeleton: tuple[SkeletonEntry, ...]
    sizes: np.ndarray  # int64, (mappings, directives)
    offsets: np.ndarray

    def __post_init__(self) -> None:
        shape = (self.sizes.shape[0], len(self.skeleton))
        if self.sizes.ndim != 2 or self.sizes.shape != shape or self.offsets.shape != shape:
            raise InputError(f"sizes and offsets must both be (mappings, {len(self.skeleton)}) arrays", "mapping batch")
        if self.sizes.size and (int(self.sizes.min()) < 1 or int(self.offsets.min()) < 1):
            raise InputError("every tile size, offset and cluster size must be a positive integer", "mapping batch")

    @property
    def size(self) -> int:
        return int(self.sizes.shape[0])

    def dataflow_at(self, index: int) -> tuple[Directive, ...]:
        """Mapping `index` as MAESTRO directives."""
        directives: list[Directive] = []
        for column, (kind, dimension) in enumerate(self.skeleton):
            size, offset = int(self.sizes[index, column]), int(self.offsets[index, column])
            if kind == CLUSTER_ENTRY:
                directives.append(Cluster(size, "P"))
            elif kind == SPATIAL_ENTRY:
                directives.append(SpatialMap(size, offset, dimension))
            else:
                directives.append(TemporalMap(size, offset, dimension))
        return tuple(directives)


def mapping_batches(layer: Layer, dataflows: Sequence[Sequence[Directive]]) -> list[tuple[MappingBatch, np.ndarray]]:
    """`dataflows` grouped by skeleton: each batch with the positions of its mappings in `dataflows`."""
    groups: dict[tuple[SkeletonEntry, ...], list[int]] = {}
    for index, dataflow in enumerate(dataflows):
        groups.setdefault(skeleton_of(dataflow), []).append(index)
    batches = []
    for skeleton, members in groups.items():
        sizes = np.empty((len(members), len(skeleton)), dtype=np.int64)
        offsets = np.ones((len(members), len(skeleton)), dtype=np.int64)
        for row, index in enumerate(members):
            for column, directive in enumerate(dataflows[index]):
                sizes[row, column] = directive.size
                if not isinstance(directive, Cluster):
                    offsets[row, column] = directive.offset
        batches.append((MappingBatch(layer, skeleton, sizes, offsets), np.array(members, dtype=np.intp)))
    return batches
