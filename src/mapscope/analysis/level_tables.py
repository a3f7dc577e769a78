"""Static per-level tables of MAESTRO's reuse analysis (docs/model.md, Per-level tables): tile sizes, fresh-data sizes, edges.

For every mapped variable v: M (tile), U (fresh elements per step), ME/UE (the same at the edge), plus
the output entries X'/Y' of sliding windows; and the number of sub-clusters active in the spatial edge
fold. They use the level's static sizes even when the level is analysed with smaller per-case tiles.
"""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.analysis.cluster_levels import SPATIAL, ClusterLevel
from mapscope.analysis.corrections import MAESTRO_SEMANTICS, Corrections
from mapscope.analysis.integer_math import cdiv
from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS, window_outputs


@dataclass(frozen=True)
class LevelTables:
    mapped: dict[str, int]  # M
    unique: dict[str, int]  # U
    mapped_edge: dict[str, int]  # ME
    unique_edge: dict[str, int]  # UE
    num_edge_sub_clusters: int  # N_e: sub-clusters active in the spatial edge fold


def spatial_edge_sub_clusters(
    size: int, offset: int, num_sub_clusters: int, dimension_size: int, count_partial: bool = False
) -> int:
    """N_e for the level's first SpatialMap (MAESTRO's cluster-unit rule, including its truncations).

    `count_partial` also counts a last sub-cluster holding a partial tile when the dimension spans
    several folds (MAESTRO counts it only within the first fold).
    """
    full_coverage = offset * (num_sub_clusters - 1) + size
    if dimension_size > full_coverage:
        steady_folds = cdiv(cdiv(dimension_size - size, offset) + 1, num_sub_clusters) - 1
        remaining = dimension_size - (steady_folds + 1) * offset * num_sub_clusters
        active = 1 if remaining < size else cdiv(remaining - size, offset) + 1
        if count_partial and (active - 1) * offset + size < remaining:
            active += 1
    elif dimension_size > size:
        active = cdiv(dimension_size - size, offset) + 1
        if offset * (active - 1) + size < dimension_size:
            active += 1
    else:
        active = 1
    return active


def level_tables(
    level: ClusterLevel,
    has_sliding_windows: bool,
    corrections: Corrections = MAESTRO_SEMANTICS,
    strides: dict[str, int] | None = None,
) -> LevelTables:
    """Compute the tables of `level` from its static dimension sizes."""
    dims = dict(level.dimensions)
    mapped: dict[str, int] = {}
    unique: dict[str, int] = {}
    mapped_edge: dict[str, int] = {}
    unique_edge: dict[str, int] = {}
    for directive in level.directives:
        variable, size, offset = directive.variable, directive.size, directive.offset
        dim = dims[variable]
        steady = max(cdiv(dim - size, offset), 0)
        has_edge = steady * offset + size < dim or size > dim
        mapped[variable] = size
        unique[variable] = min(size, offset)
        if directive.kind != SPATIAL and dim <= size:
            unique[variable] = 0  # fully unrolled in time: nothing new per step
        edge_size = dim - (steady + 1) * offset
        if edge_size < 0 or (size > dim and corrections.oversized_tile_covers_dimension):
            edge_size = dim
        mapped_edge[variable] = edge_size if has_edge else size
        unique_edge[variable] = max(offset - (size - edge_size), 0)
    if has_sliding_windows:
        for directive in level.directives:
            reference = directive.variable
            if reference not in SLIDING_PAIRS:
                continue
            sliding, output = SLIDING_PAIRS[reference], OUTPUT_OF[reference]
            if corrections.stride_aware_outputs:
                stride = (strides or {}).get(reference, 1)
                mapped[output] = window_outputs(mapped[reference], mapped.get(sliding, 0), stride)
                unique[output] = min(directive.offset // stride, mapped[output])
                mapped_edge[output] = window_outputs(mapped_edge[reference], mapped_edge.get(sliding, 0), stride)
                unique_edge[output] = min(directive.offset // stride, mapped_edge[output])
                continue
            mapped[output] = mapped[reference] - mapped.get(sliding, 0) + 1
            unique[output] = min(directive.offset, directive.size)
            mapped_edge[output] = mapped_edge[reference] - mapped_edge.get(sliding, 0) + 1
            unique_edge[output] = min(directive.offset, mapped_edge[output])
    first_spatial = next(d for d in level.directives if d.kind == SPATIAL)
    num_edge = spatial_edge_sub_clusters(
        first_spatial.size,
        first_spatial.offset,
        level.num_sub_clusters,
        dims[first_spatial.variable],
        corrections.edge_fold_counts_partial_sub_cluster,
    )
    return LevelTables(mapped, unique, mapped_edge, unique_edge, num_edge)
