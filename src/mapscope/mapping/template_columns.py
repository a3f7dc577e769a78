"""A template's dataflows for many parameter points at once, as integer columns grouped by skeleton.

`directive_columns(template, ...)` returns, for one layer and one column of values per parameter,
what `dataflow` gives point by point, without building a directive tuple per point: the points are
grouped by skeleton (directive kinds and dimensions, the numbers left out) in the order the skeletons
first appear, each group with one int64 column of sizes and one of offsets per directive (a Cluster's
offset is 1) and the positions of its points. The `tiled` template is computed as arrays; the others,
whose grids are small, call `dataflow` once per distinct point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mapscope.errors import InputError
from mapscope.mapping.directives import Cluster, Directive, SpatialMap
from mapscope.mapping.template_library import WindowAxis, build_tiled, convolution_geometry
from mapscope.mapping.templates import DataflowTemplate
from mapscope.workload.layer import Layer

#: Skeleton entry kinds: TemporalMap, SpatialMap, Cluster.
TEMPORAL_ENTRY, SPATIAL_ENTRY, CLUSTER_ENTRY = "T", "S", "C"

SkeletonEntry = tuple[str, str]  # (kind, dimension; "" for a Cluster)
Skeleton = tuple[SkeletonEntry, ...]
Column = np.ndarray  # int64, one entry per point


@dataclass(frozen=True)
class DirectiveColumns:
    """The points of one skeleton: `sizes[i, j]`, `offsets[i, j]` are directive j's numbers at point `positions[i]`."""

    skeleton: Skeleton
    sizes: np.ndarray  # int64, (points, directives)
    offsets: np.ndarray
    positions: np.ndarray  # intp, into the parameter columns


def skeleton_of(dataflow: Sequence[Directive]) -> Skeleton:
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


def grid_columns(grid: Mapping[str, Sequence[object]]) -> dict[str, np.ndarray]:
    """Every combination of the grid's values as columns, in itertools.product order (last name fastest)."""
    names = list(grid)
    indices = np.indices([len(grid[name]) for name in names]).reshape(len(names), -1)
    return {name: np.asarray(list(grid[name]))[index] for name, index in zip(names, indices)}


def dataflow_columns(dataflows: Sequence[Sequence[Directive]]) -> list[DirectiveColumns]:
    """`dataflows` grouped by skeleton in first-appearance order, each group's numbers as columns."""
    groups: dict[Skeleton, list[int]] = {}
    for index, dataflow in enumerate(dataflows):
        groups.setdefault(skeleton_of(dataflow), []).append(index)
    result = []
    for skeleton, members in groups.items():
        sizes = np.array([[d.size for d in dataflows[i]] for i in members], dtype=np.int64).reshape(len(members), len(skeleton))
        offsets = np.array(
            [[1 if isinstance(d, Cluster) else d.offset for d in dataflows[i]] for i in members], dtype=np.int64
        ).reshape(len(members), len(skeleton))
        result.append(DirectiveColumns(skeleton, sizes, offsets, np.array(members, dtype=np.intp)))
    return result


def _per_point(template: DataflowTemplate, layer: Layer, num_pes: int, columns: dict[str, np.ndarray], count: int) -> list[DirectiveColumns]:
    """Any template: `dataflow` once per distinct point, then grouped."""
    names = list(columns)
    values = {name: column.tolist() for name, column in columns.items()}
    known: dict[tuple, tuple[Directive, ...]] = {}
    dataflows = []
    for point in zip(*(values[name] for name in names)) if names else [()] * count:
        dataflow = known.get(point)
        if dataflow is None:
            dataflow = known[point] = template.dataflow(layer, num_pes, **dict(zip(names, point)))
        dataflows.append(dataflow)
    return dataflow_columns(dataflows)


def _output_tiles(axis: WindowAxis, requested: Column) -> tuple[Column, Column]:
    """WindowAxis.output_tile on a column of requested output counts."""
    outputs = np.minimum(requested, axis.outputs)
    if axis.window < axis.stride:
        divisor = [0] + [max(d for d in range(1, q + 1) if axis.outputs % d == 0) for q in range(1, axis.outputs + 1)]
        outputs = np.asarray(divisor, dtype=np.int64)[outputs]
    span = (outputs - 1) * axis.stride + axis.window
    whole = span >= axis.input_size
    return np.where(whole, axis.input_size, span), np.where(whole, axis.input_size, outputs * axis.stride)


def _tiled(template: DataflowTemplate, layer: Layer, num_pes: int, values: dict[str, np.ndarray], count: int) -> list[DirectiveColumns]:
    """template_library.build_tiled on columns: one skeleton per (spatial dimension, loop order, clustered)."""
    resolved = {p.name: values[p.name] if p.name in values else np.full(count, p.default) for p in template.parameters}
    geometry = convolution_geometry(layer)
    ints = {name: resolved[name].astype(np.int64) for name in ("k_tile", "c_tile", "y_tile", "x_tile", "cluster_size")}
    tiles = {
        "K": (ints["k_tile"], ints["k_tile"]),
        "C": (ints["c_tile"], ints["c_tile"]),
        "Y": _output_tiles(geometry.rows, ints["y_tile"]),
        "X": _output_tiles(geometry.columns, ints["x_tile"]),
    }
    ones = np.ones(count, dtype=np.int64)
    axes = (geometry.rows, geometry.columns)
    # (kind, dimension, size, offset) of the directives no parameter changes
    head = [(TEMPORAL_ENTRY, "G", 1, 1)] if geometry.grouped else []
    windows = [(TEMPORAL_ENTRY, axis.window_dimension, axis.window, axis.window) for axis in axes]
    inner = [(SPATIAL_ENTRY, "C", 1, 1), *((TEMPORAL_ENTRY, axis.dimension, axis.window, 1) for axis in axes), *windows]
    spatials, spatial_rank = np.unique(resolved["spatial_dimension"], return_inverse=True)
    orders, order_rank = np.unique(resolved["loop_order"], return_inverse=True)
    shape_key = (spatial_rank * len(orders) + order_rank) * 2 + (ints["cluster_size"] > 1)
    keys, first, shape_rank = np.unique(shape_key, return_index=True, return_inverse=True)
    members: dict[tuple, np.ndarray] = {}
    for rank in np.argsort(first, kind="stable").tolist():
        key = int(keys[rank])
        shape = (str(spatials[key // 2 // len(orders)]), str(orders[key // 2 % len(orders)]), key % 2 == 1)
        members[shape] = np.flatnonzero(shape_rank == rank)
    groups: dict[Skeleton, tuple[list[SkeletonEntry], bool, list[np.ndarray]]] = {}
    for (spatial, order, clustered), indices in members.items():
        if geometry.depthwise and spatial == "K":
            spatial = "C"
        tiled = [(SPATIAL_ENTRY if d == spatial else TEMPORAL_ENTRY, d) for d in str(order) if not (geometry.depthwise and d == "K")]
        fixed_tail = [*windows, (CLUSTER_ENTRY, "", 0, 1), *inner] if clustered else windows
        skeleton = (*((k, d) for k, d, _, _ in head), *tiled, *((k, d) for k, d, _, _ in fixed_tail))
        groups.setdefault(skeleton, (tiled, clustered, []))[2].append(indices)
    result = []
    for skeleton, (tiled, clustered, indices) in groups.items():
        positions = np.sort(np.concatenate(indices)).astype(np.intp)
        size_columns = [ones * size for _, _, size, _ in head] + [tiles[d][0] for _, d in tiled] + [ones * size for _, _, size, _ in windows]
        offset_columns = [ones * offset for _, _, _, offset in head] + [tiles[d][1] for _, d in tiled] + [ones * offset for _, _, _, offset in windows]
        if clustered:
            size_columns += [np.minimum(ints["cluster_size"], num_pes), *(ones * size for _, _, size, _ in inner)]
            offset_columns += [ones, *(ones * offset for _, _, _, offset in inner)]
        sizes = np.stack(size_columns, axis=1)[positions]
        offsets = np.stack(offset_columns, axis=1)[positions]
        result.append(DirectiveColumns(skeleton, sizes, offsets, positions))
    result.sort(key=lambda group: int(group.positions[0]))
    return result


def _distinct(column: Sequence[object]) -> list[object]:
    """The values of `column` once each, told apart by type too (True is not 1); in order of appearance."""
    seen: dict[tuple, object] = {}
    for value in column:
        try:
            seen.setdefault((type(value), value), value)
        except TypeError:  # unhashable: checked (and rejected) on its own
            seen[(type(value), id(value))] = value
    return list(seen.values())


#: Template builders computed as arrays, by the build function they equal; the others go point by point.
COLUMN_BUILDERS: dict[Callable[..., object], Callable[..., list[DirectiveColumns]]] = {build_tiled: _tiled}


def directive_columns(template: DataflowTemplate, layer: Layer, num_pes: int, columns: Mapping[str, Sequence[object]]) -> list[DirectiveColumns]:
    """`template.dataflow(layer, num_pes, **point)` for every point of `columns` (one value per point per
    name; absent names take their defaults), grouped by skeleton as `dataflow_columns` groups them."""
    lengths = {len(column) for column in columns.values()}
    if len(lengths) > 1:
        raise InputError("every parameter column must have one value per point", template.where)
    count = lengths.pop() if lengths else 1
    for name in columns:
        template.parameter(name)  # rejects unknown names, as dataflow does first
    values: dict[str, np.ndarray] = {}
    for parameter in template.parameters:  # checked in the order dataflow checks them
        if parameter.name not in columns:
            continue
        name, column = parameter.name, columns[parameter.name]
        if isinstance(column, np.ndarray) and column.dtype.kind in "iuU":
            array = column
            for value in np.unique(array).tolist():
                parameter.check(value, template.where)
        else:  # a sequence: each distinct value (by type) checked as dataflow checks it
            checked = [parameter.check(value, template.where) for value in _distinct(column)]
            kind = type(parameter.default)
            array = np.array(column, dtype=np.int64 if kind is int else object) if checked else np.zeros(0, dtype=np.int64)
        values[name] = array
    if not count:
        return []
    builder = COLUMN_BUILDERS.get(template.build)
    if builder is None:
        return _per_point(template, layer, num_pes, values, count)
    template.dataflow(layer, num_pes, **{name: column[0].item() if isinstance(column[0], np.generic) else column[0] for name, column in values.items()})  # the PE count and layer checks
    return builder(template, layer, num_pes, values, count)
