"""Many mappings of one layer that share a directive skeleton, as integer arrays (the batched engine's input).

A skeleton is the dataflow with its numbers left out: the directive kinds and dimensions in order, and
where the Cluster directives stand. The numbers (tile sizes, offsets, cluster sizes) are one int64
column per directive, one row per mapping, so thousands of mappings cost a few arrays, not thousands
of directive tuples. `mapping_batches` groups arbitrary dataflows by skeleton; `template_batches` builds
a template's parameter grid straight into batches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mapscope.errors import InputError
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.mapping.template_columns import (
    CLUSTER_ENTRY,
    SPATIAL_ENTRY,
    TEMPORAL_ENTRY,
    DirectiveColumns,
    SkeletonEntry,
    dataflow_columns,
    directive_columns,
    skeleton_of,
)
from mapscope.mapping.templates import DataflowTemplate
from mapscope.workload.layer import Layer

__all__ = ["CLUSTER_ENTRY", "SPATIAL_ENTRY", "TEMPORAL_ENTRY", "MappingBatch", "mapping_batches", "skeleton_of", "stacked_batches", "template_batches"]


def _layer_form(layer: Layer) -> tuple:
    """What layers batched together must share: type, strides and the names of their dimensions."""
    return (layer.type, layer.strides, tuple(name for name, _ in layer.dimensions))


@dataclass(frozen=True)
class MappingBatch:
    """`sizes[i, j]` and `offsets[i, j]` are directive j's numbers in mapping i (a Cluster's offset is unused).

    Mapping i maps `layer`, or with `layers` given, `layers[layer_rows[i]]`: layers of one type, strides
    and dimension names share a batch, so a search over a network fills few, long arrays.
    """

    layer: Layer
    skeleton: tuple[SkeletonEntry, ...]
    sizes: np.ndarray  # int64, (mappings, directives)
    offsets: np.ndarray
    layers: tuple[Layer, ...] = ()
    layer_rows: np.ndarray | None = None  # intp, one entry per mapping, into `layers`

    def __post_init__(self) -> None:
        shape = (self.sizes.shape[0], len(self.skeleton))
        if self.sizes.ndim != 2 or self.sizes.shape != shape or self.offsets.shape != shape:
            raise InputError(f"sizes and offsets must both be (mappings, {len(self.skeleton)}) arrays", "mapping batch")
        if self.sizes.size and (int(self.sizes.min()) < 1 or int(self.offsets.min()) < 1):
            raise InputError("every tile size, offset and cluster size must be a positive integer", "mapping batch")
        if self.layers:
            if self.layer_rows is None or self.layer_rows.shape != (shape[0],) or self.layers[0] != self.layer:
                raise InputError("layer_rows must give one index into layers per mapping, layers[0] being the layer", "mapping batch")
            if len({_layer_form(layer) for layer in self.layers}) != 1:
                raise InputError("layers batched together must share type, strides and dimension names", "mapping batch")

    @property
    def size(self) -> int:
        return int(self.sizes.shape[0])

    @property
    def all_layers(self) -> tuple[Layer, ...]:
        return self.layers or (self.layer,)

    @property
    def rows(self) -> np.ndarray:
        """Per mapping, its layer's index into `all_layers`."""
        return self.layer_rows if self.layer_rows is not None else np.zeros(self.size, dtype=np.intp)

    def rows_at(self, rows: slice | np.ndarray) -> MappingBatch:
        """The mappings at `rows` (a slice or indices) as a batch of their own (the same layers)."""
        layer_rows = self.layer_rows[rows] if self.layer_rows is not None else None
        return MappingBatch(self.layer, self.skeleton, self.sizes[rows], self.offsets[rows], self.layers, layer_rows)

    def layer_at(self, index: int) -> Layer:
        return self.all_layers[int(self.rows[index])]

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
    return _batches(layer, dataflow_columns(dataflows))


def template_batches(
    dataflow_template: DataflowTemplate, layer: Layer, num_pes: int, columns: Mapping[str, Sequence[object]]
) -> list[tuple[MappingBatch, np.ndarray]]:
    """`mapping_batches` of the template's dataflows at every point of `columns` (one value per point per
    parameter), built as arrays (mapping.template_columns), with each batch's point positions."""
    return _batches(layer, directive_columns(dataflow_template, layer, num_pes, columns))


def _batches(layer: Layer, groups: list[DirectiveColumns]) -> list[tuple[MappingBatch, np.ndarray]]:
    return [(MappingBatch(layer, group.skeleton, group.sizes, group.offsets), group.positions) for group in groups]


def stacked_batches(batches: Sequence[MappingBatch]) -> list[tuple[MappingBatch, list[tuple[int, slice]]]]:
    """`batches` joined where skeleton, layer type, strides and dimension names agree (longer arrays, fewer
    calls); each joined batch with, per input batch, its position in `batches` and its rows in the join."""
    groups: dict[tuple, list[int]] = {}
    for position, batch in enumerate(batches):
        if batch.layers:
            raise InputError("stack single-layer batches", "mapping batch")
        groups.setdefault((batch.skeleton, _layer_form(batch.layer)), []).append(position)
    joined = []
    for members in groups.values():
        parts = [batches[p] for p in members]
        layers = tuple(dict.fromkeys(part.layer for part in parts))
        index = {layer: i for i, layer in enumerate(layers)}
        rows = np.concatenate([np.full(part.size, index[part.layer], dtype=np.intp) for part in parts])
        places, start = [], 0
        for position, part in zip(members, parts):
            places.append((position, slice(start, start + part.size)))
            start += part.size
        batch = MappingBatch(
            layers[0],
            parts[0].skeleton,
            np.concatenate([part.sizes for part in parts]),
            np.concatenate([part.offsets for part in parts]),
            layers if len(layers) > 1 else (),
            rows if len(layers) > 1 else None,
        )
        joined.append((batch, places))
    return joined
