"""The cluster levels of a mapping batch: analysis.cluster_levels' rewriting with the numbers as arrays.

The rewriting (output-centric to input-centric, inheritance, completion) depends only on the skeleton,
so it runs once; the stride adjustment, the sub-cluster counts and each level's static sizes are array
arithmetic. Skeletons the scalar engine rejects or treats specially (repeated dimensions in a level,
missing dimensions, too many SpatialMaps or Clusters) raise `Unbatchable`: the caller then analyses
those mappings one at a time, so every error message stays the scalar engine's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mapscope.analysis.batch.array_math import IntArray, per_mapping
from mapscope.analysis.batch.mapping_batch import CLUSTER_ENTRY, SPATIAL_ENTRY, MappingBatch
from mapscope.analysis.cluster_levels import MAX_CLUSTER_DIRECTIVES, SPATIAL, TEMPORAL
from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS, LayerTensors
from mapscope.limits import MAX_DIRECTIVES_PER_LAYER


class Unbatchable(Exception):
    """The batch's skeleton needs the scalar engine (it is rejected there, or rewritten case by case)."""


@dataclass(frozen=True)
class LevelArrays:
    """One cluster level of every mapping: directive kinds and variables shared, numbers per mapping."""

    index: int
    kinds: tuple[str, ...]
    variables: tuple[str, ...]
    sizes: tuple[IntArray, ...]
    offsets: tuple[IntArray, ...]
    num_sub_clusters: IntArray
    dimensions: dict[str, IntArray]  # the level's static sizes (the upper level's tile)

    def take(self, rows: IntArray) -> LevelArrays:
        """This level for the mappings at `rows` (repeats allowed): a sub-level run over tile pairs."""
        count = self.num_sub_clusters.shape[0]

        def pick(values: IntArray) -> IntArray:
            return per_mapping(values, count)[rows]

        return LevelArrays(
            self.index,
            self.kinds,
            self.variables,
            tuple(pick(size) for size in self.sizes),
            tuple(pick(offset) for offset in self.offsets),
            pick(self.num_sub_clusters),
            {variable: pick(size) for variable, size in self.dimensions.items()},
        )


def _to_input_centric(entries: list[list]) -> None:
    sizes = {entry[3]: entry[1] for entry in entries}
    for reference, output in OUTPUT_OF.items():
        if reference in sizes or output not in sizes:
            continue
        sliding = SLIDING_PAIRS[reference]
        if sliding not in sizes:
            raise Unbatchable(f"{output} without {sliding}")
        for entry in entries:
            if entry[3] == output:
                entry[3] = reference
                entry[1] = sizes[output] + sizes[sliding] - 1
                break


def _apply_stride(entries: list[list], strides: dict[str, int], layer_dims: dict[str, IntArray], is_top: bool, true_span: bool) -> None:
    """cluster_levels._apply_stride with the tile-holds-a-window test per mapping (one entry per variable)."""
    for entry in entries:
        variable = entry[3]
        stride = strides.get(variable, 1)
        if variable not in SLIDING_PAIRS or stride == 1:
            continue
        window = layer_dims[SLIDING_PAIRS[variable]]
        size, offset = entry[1], entry[2]
        applies = size >= window
        outputs_per_tile = (size + stride - window) // stride
        if true_span:
            new_size = (outputs_per_tile - 1) * stride + window
            new_offset = outputs_per_tile * stride
        else:
            new_size = outputs_per_tile * np.minimum(stride, window) + np.maximum(window - stride, 0)
            new_offset = outputs_per_tile * stride
            if not is_top:
                new_offset = np.where(window < stride, outputs_per_tile * window, new_offset)
        entry[1] = np.where(applies, new_size, size)
        entry[2] = np.where(applies, new_offset, offset)


def cluster_level_arrays(
    batch: MappingBatch, tensors: LayerTensors, layer_dims: dict[str, IntArray], num_pes: int, true_stride_span: bool
) -> tuple[tuple[LevelArrays, ...], np.ndarray]:
    """The levels of every mapping (top first) and a mask of mappings whose Clusters need more PEs than exist."""
    skeleton = batch.skeleton
    if len(skeleton) > MAX_DIRECTIVES_PER_LAYER:
        raise Unbatchable("too many directives")
    groups: list[list[int]] = [[]]
    clusters: list[int] = []
    for column, (kind, _) in enumerate(skeleton):
        if kind == CLUSTER_ENTRY:
            clusters.append(column)
            groups.append([])
        else:
            groups[-1].append(column)
    if len(clusters) > MAX_CLUSTER_DIRECTIVES or (clusters and not groups[-1]):
        raise Unbatchable("cluster directives")
    for group in groups:
        dimensions = [skeleton[column][1] for column in group]
        if len(set(dimensions)) != len(dimensions):
            raise Unbatchable("a dimension mapped twice in one level")
    layer = batch.layer
    count = batch.size
    unit_size = np.ones(count, dtype=np.int64)
    for column in clusters:
        unit_size = np.minimum(unit_size * batch.sizes[:, column], num_pes + 1)  # clipped: only "more than the PEs" matters
    too_many = unit_size > num_pes
    top = np.maximum(num_pes // unit_size, 1)
    sub_cluster_counts = [top] + [batch.sizes[:, column] for column in clusters]
    strides = {dim: layer.stride(dim) for dim in ("X", "Y")}
    input_variables = tensors.input_variables
    levels: list[LevelArrays] = []
    dims = dict(layer_dims)
    upper: list[list] | None = None
    for index, group in enumerate(groups):
        entries: list[list] = [
            [SPATIAL if skeleton[c][0] == SPATIAL_ENTRY else TEMPORAL, batch.sizes[:, c], batch.offsets[:, c], skeleton[c][1]] for c in group
        ]
        _to_input_centric(entries)
        if upper is not None:
            present = {e[3] for e in entries}
            for inherited in upper:
                if inherited[3] not in present:
                    entries.insert(0, [TEMPORAL, inherited[1], inherited[2], inherited[3]])
                    present.add(inherited[3])
        present = {e[3] for e in entries}
        for variable in input_variables:
            if variable not in present and variable in dims:
                entries.append([TEMPORAL, dims[variable], dims[variable], variable])
        if len({e[3] for e in entries}) != len(entries):
            raise Unbatchable("a dimension mapped twice after rewriting")
        _apply_stride(entries, strides, layer_dims, is_top=index == 0, true_span=true_stride_span)
        if any(e[3] not in dims for e in entries):
            raise Unbatchable("a dimension the layer does not have")
        spatial_count = sum(1 for e in entries if e[0] == SPATIAL)
        if spatial_count == 0 or spatial_count > 2:
            raise Unbatchable("SpatialMap count")
        levels.append(
            LevelArrays(
                index=index,
                kinds=tuple(e[0] for e in entries),
                variables=tuple(e[3] for e in entries),
                sizes=tuple(np.broadcast_to(e[1], (count,)) for e in entries),
                offsets=tuple(np.broadcast_to(e[2], (count,)) for e in entries),
                num_sub_clusters=sub_cluster_counts[index],
                dimensions=dict(dims),
            )
        )
        first_size = {e[3]: e[1] for e in entries}
        dims = {v: np.minimum(first_size[v], dims[v]) for v in input_variables if v in first_size}
        upper = entries
    return tuple(levels), too_many
