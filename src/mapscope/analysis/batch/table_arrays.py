"""Per-level tables (M, U, ME, UE, N_e) and directive iteration states of a mapping batch, as arrays.

`tables` equals analysis.level_tables.level_tables and `directive_slots` analysis.iteration's
directive_states, mapping by mapping: a directive's Init, Steady and Edge states become three slots
whose presence, occurrences and flags are arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mapscope.analysis.batch.array_math import BoolArray, IntArray, cdiv, uniform, window_outputs
from mapscope.analysis.cluster_levels import SPATIAL
from mapscope.analysis.corrections import Corrections
from mapscope.analysis.iteration import EDGE, INIT, STEADY
from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS


@dataclass(frozen=True)
class TableArrays:
    mapped: dict[str, IntArray]
    unique: dict[str, IntArray]
    mapped_edge: dict[str, IntArray]
    unique_edge: dict[str, IntArray]
    num_edge: IntArray


def spatial_edge_sub_clusters(size: IntArray, offset: IntArray, num_sub: IntArray, dim: IntArray, count_partial: bool) -> IntArray:
    """level_tables.spatial_edge_sub_clusters on arrays."""
    full_coverage = offset * (num_sub - 1) + size
    steady_folds = cdiv(cdiv(dim - size, offset) + 1, num_sub) - 1
    remaining = dim - (steady_folds + 1) * offset * num_sub
    folded = np.where(remaining < size, 1, cdiv(remaining - size, offset) + 1)
    if count_partial:
        folded = folded + ((folded - 1) * offset + size < remaining)
    within = cdiv(dim - size, offset) + 1
    within = within + (offset * (within - 1) + size < dim)
    return np.where(dim > full_coverage, folded, np.where(dim > size, within, 1))


def tables(
    kinds: tuple[str, ...],
    variables: tuple[str, ...],
    sizes: tuple[IntArray, ...],
    offsets: tuple[IntArray, ...],
    num_sub: IntArray,
    dims: dict[str, IntArray],
    has_sliding_windows: bool,
    corrections: Corrections,
    strides: dict[str, int],
) -> TableArrays:
    """level_tables.level_tables for every mapping of a level, from the sizes in `dims`."""
    mapped: dict[str, IntArray] = {}
    unique: dict[str, IntArray] = {}
    mapped_edge: dict[str, IntArray] = {}
    unique_edge: dict[str, IntArray] = {}
    for kind, variable, size, offset in zip(kinds, variables, sizes, offsets):
        dim = dims[variable]
        steady = np.maximum(cdiv(dim - size, offset), 0)
        has_edge = (steady * offset + size < dim) | (size > dim)
        mapped[variable] = size
        fresh = np.minimum(size, offset)
        unique[variable] = fresh if kind == SPATIAL else np.where(dim <= size, 0, fresh)
        edge_size = dim - (steady + 1) * offset
        whole = edge_size < 0
        if corrections.oversized_tile_covers_dimension:
            whole = whole | (size > dim)
        edge_size = np.where(whole, dim, edge_size)
        mapped_edge[variable] = np.where(has_edge, edge_size, size)
        unique_edge[variable] = np.maximum(offset - (size - edge_size), 0)
    if has_sliding_windows:
        for variable, offset, size in zip(variables, offsets, sizes):
            if variable not in SLIDING_PAIRS:
                continue
            sliding, output = SLIDING_PAIRS[variable], OUTPUT_OF[variable]
            zero = np.zeros_like(size)
            if corrections.stride_aware_outputs:
                stride = strides.get(variable, 1)
                mapped[output] = window_outputs(mapped[variable], mapped.get(sliding, zero), stride)
                unique[output] = np.minimum(offset // stride, mapped[output])
                mapped_edge[output] = window_outputs(mapped_edge[variable], mapped_edge.get(sliding, zero), stride)
                unique_edge[output] = np.minimum(offset // stride, mapped_edge[output])
                continue
            mapped[output] = mapped[variable] - mapped.get(sliding, zero) + 1
            unique[output] = np.minimum(offset, size)
            mapped_edge[output] = mapped_edge[variable] - mapped_edge.get(sliding, zero) + 1
            unique_edge[output] = np.minimum(offset, mapped_edge[output])
    first = kinds.index(SPATIAL)
    num_edge = spatial_edge_sub_clusters(
        sizes[first], offsets[first], num_sub, dims[variables[first]], corrections.edge_fold_counts_partial_sub_cluster
    )
    return TableArrays(mapped, unique, mapped_edge, unique_edge, num_edge)


@dataclass(frozen=True)
class Slot:
    """One iteration state of a directive over every mapping: present where `exists`."""

    position: int  # INIT, STEADY or EDGE
    exists: BoolArray
    occurrences: IntArray
    unrolled: BoolArray | bool  # a flag is a Python bool where every mapping agrees (array_math.uniform)
    init_edge: BoolArray | bool
    spatial_edge_edge: BoolArray | bool
    is_edge: BoolArray | bool


def directive_slots(kind: str, size: IntArray, offset: IntArray, dim: IntArray, num_sub: IntArray, exact_partial: bool) -> tuple[Slot, Slot, Slot]:
    """iteration.directive_states as three slots (Init, Steady, Edge) with per-mapping presence."""
    false = np.zeros(dim.shape, dtype=bool)
    true = np.ones(dim.shape, dtype=bool)
    one = np.ones(dim.shape, dtype=np.int64)
    if kind != SPATIAL:
        init_edge = dim < size
        unrolled = dim <= size
        steady = cdiv(dim - size, offset)
        has_steady = (size < dim) & (steady > 0)
        has_edge = ~init_edge & (steady * offset + size < dim)
        init = Slot(INIT, true, one, uniform(unrolled), uniform(init_edge), False, uniform(init_edge))
        edge_edge = false
    else:
        coverage = size + offset * (num_sub - 1)
        unrolled = dim <= coverage
        init_edge = dim < coverage
        partial = init_edge
        if exact_partial:
            partial = init_edge & ((dim < size) | (cdiv(dim - size, offset) * offset + size < dim))
        steady = cdiv(cdiv(dim - size, offset) + 1, num_sub) - 1
        fold = offset * num_sub
        folds_edge = ~unrolled & ((steady + 1) * fold + coverage > dim) & (steady * fold + coverage != dim)
        has_steady = (coverage < dim) & (steady > 0)
        remaining = dim - (steady + 1) * fold
        active = np.where(remaining < size, 1, cdiv(remaining - size, offset) + 1)
        edge_edge = (active - 1) * offset + size < remaining
        has_edge = ~init_edge & folds_edge
        init = Slot(INIT, true, one, uniform(unrolled), uniform(init_edge), uniform(partial), uniform(init_edge))
    steady_slot = Slot(STEADY, has_steady, np.where(has_steady, steady, 0), False, False, False, False)
    edge_slot = Slot(EDGE, has_edge, one, False, False, uniform(edge_edge), True)
    return init, steady_slot, edge_slot
