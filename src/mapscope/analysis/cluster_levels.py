"""Splitting a layer's dataflow into cluster levels, as MAESTRO's cluster analysis does (docs/model.md, Cluster levels).

Each level gets its sub-cluster count, its completed, input-centric directive list and its static
dimension sizes. The rewriting rules (output-centric to input-centric, inheritance, completion,
stride adjustment) are MAESTRO's, kept exactly because every number downstream depends on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import NamedTuple

from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS, LayerTensors
from mapscope.errors import InputError
from mapscope.limits import MAX_DIRECTIVES_PER_LAYER
from mapscope.mapping.directives import Cluster, Directive, MapDirective, SpatialMap, TemporalMap
from mapscope.workload.layer import Layer

TEMPORAL = "T"
SPATIAL = "S"
#: MAESTRO has four NoC levels, hence at most three Cluster directives.
MAX_CLUSTER_DIRECTIVES = 3


class LevelDirective(NamedTuple):
    """A directive after the level's rewriting: kind (T or S), tile size, offset and variable.

    A named tuple: built per directive of every mapping analysed and hashed in its level's memo key
    (LevelShape.run_key), both of which a frozen dataclass does several times slower."""

    kind: str
    size: int
    offset: int
    variable: str
    origin: str  # how the user wrote it (or "inherited"/"completed"), for error messages

    def __str__(self) -> str:
        name = "SpatialMap" if self.kind == SPATIAL else "TemporalMap"
        return f"{name}({self.size},{self.offset}) {self.variable}"


@dataclass(frozen=True)
class ClusterLevel:
    """One level of the cluster hierarchy: `num_sub_clusters` units each running `directives`."""

    index: int
    num_sub_clusters: int
    directives: tuple[LevelDirective, ...]
    dimensions: tuple[tuple[str, int], ...]  # static sizes of this level (the upper level's tile)

    def size(self, variable: str) -> int:
        for name, value in self.dimensions:
            if name == variable:
                return value
        raise KeyError(variable)


def _where(layer: Layer, directive: Directive | None = None) -> str:
    where = f"layer {layer.name}"
    if directive is not None:
        where += f": directive {directive}"
        if directive.source:
            where = f"{directive.source}: {where}"
    return where


def _describe(directive: Directive) -> str:
    return f"{directive} ({directive.source})" if directive.source else str(directive)


def _group_by_level(layer: Layer, dataflow: tuple[Directive, ...]) -> tuple[list[list[MapDirective]], list[Cluster]]:
    groups: list[list[MapDirective]] = [[]]
    clusters: list[Cluster] = []
    for directive in dataflow:
        if isinstance(directive, Cluster):
            clusters.append(directive)
            groups.append([])
        else:
            groups[-1].append(directive)
    if len(clusters) > MAX_CLUSTER_DIRECTIVES:
        raise InputError(
            f"{len(clusters)} Cluster directives; MAESTRO supports at most {MAX_CLUSTER_DIRECTIVES} (four NoC levels)",
            _where(layer, clusters[MAX_CLUSTER_DIRECTIVES]),
        )
    if clusters and not groups[-1]:
        # MAESTRO appends Cluster(last size) itself; a trailing user Cluster leaves an empty level.
        raise InputError("a Cluster directive must be followed by the directives of its level", _where(layer, clusters[-1]))
    return groups, clusters


def _is_neutral_repeat(layer: Layer, dataflow: tuple[Directive, ...], dimension: str) -> bool:
    """Whether the copies of a directive on `dimension` in one level can be dropped without changing a number.

    MAESTRO runs every copy as one more loop (its states multiply the level's cases and occurrences)
    and multiplies every volume by the dimension's tile once per copy, while tile sizes come from the
    last copy. Dropping the earlier copies of an identical directive is exact when each one is a single
    step that multiplies by 1: a TemporalMap of size 1 over a dimension of size 1 which no directive of
    the layer tiles larger (so every level sees it as 1), and no stride rewrites it.
    """
    if dimension in OUTPUT_OF.values() or not layer.has(dimension) or layer.size(dimension) != 1:
        return False  # an output-centric X' or Y' is rewritten into X or Y with the window added
    if dimension in SLIDING_PAIRS and layer.stride(dimension) != 1:
        return False
    on_dimension = [d for d in dataflow if not isinstance(d, Cluster) and d.dimension == dimension]
    return all(d.size == 1 for d in on_dimension) and all(isinstance(d, TemporalMap) for d in on_dimension)


def _collapse_repeats(layer: Layer, dataflow: tuple[Directive, ...], group: list[MapDirective], index: int) -> list[MapDirective]:
    """The level's directives with harmless repeats dropped (the last copy kept); other repeats are errors."""
    last: dict[str, int] = {}
    for position, directive in enumerate(group):
        earlier = last.get(directive.dimension)
        first = group[earlier] if earlier is not None else None
        if first is not None and (first != directive or not _is_neutral_repeat(layer, dataflow, directive.dimension)):
            raise InputError(
                f"cluster level {index} maps {directive.dimension} a second time (first: {_describe(first)}); MAESTRO "
                f"would run one more loop over {directive.dimension} per copy, so the numbers would mean nothing: map "
                "each dimension once per cluster level",
                _where(layer, directive),
            )
        last[directive.dimension] = position
    return [d for position, d in enumerate(group) if last[d.dimension] == position]


def _to_input_centric(group: list[list]) -> None:
    """Rewrite a directive on X' (Y') into one on X (Y) when the level has no X (Y) directive."""
    sizes = {entry[3]: entry[1] for entry in group}  # last directive per variable wins, as in MAESTRO
    for reference, output in OUTPUT_OF.items():
        if reference in sizes or output not in sizes:
            continue
        sliding = SLIDING_PAIRS[reference]
        if sliding not in sizes:
            raise InputError(
                f"a directive on {output} needs a directive on {sliding} in the same cluster level to convert it "
                f"to {reference} (MAESTRO reads an uninitialised value here)",
                None,
            )
        for entry in group:
            if entry[3] == output:
                entry[3] = reference
                entry[1] = sizes[output] + sizes[sliding] - 1
                break


def _apply_stride(group: list[list], strides: dict[str, int], layer_dims: dict[str, int], is_top: bool, true_span: bool) -> None:
    """MAESTRO's outer-stride rewriting of X/Y tiles that cover at least one filter window.

    A tile of m inputs holds q = (m - S) // stride + 1 windows and advances q * stride. MAESTRO sizes
    it q * min(stride, S) + max(S - stride, 0) (only the touched elements); `true_span` sizes it
    (q - 1) * stride + S, the inputs it really spans.
    """
    for entry in list(group):
        variable = entry[3]
        stride = strides.get(variable, 1)
        if variable not in SLIDING_PAIRS or stride == 1:
            continue
        window = layer_dims[SLIDING_PAIRS[variable]]
        if entry[1] < window:
            continue
        outputs_per_tile = (entry[1] + stride - window) // stride
        first = next(e for e in group if e[3] == variable)
        if true_span:
            first[1] = (outputs_per_tile - 1) * stride + window
            first[2] = outputs_per_tile * stride
            continue
        first[1] = outputs_per_tile * min(stride, window) + max(window - stride, 0)
        first[2] = outputs_per_tile * stride
        if not is_top and window < stride:
            first[2] = outputs_per_tile * window


def build_cluster_levels(
    layer: Layer,
    dataflow: tuple[Directive, ...],
    tensors: LayerTensors,
    layer_dims: dict[str, int],
    num_pes: int,
    true_stride_span: bool = False,
) -> tuple[ClusterLevel, ...]:
    """The cluster levels of `layer` under `dataflow` on `num_pes` PEs (top level first)."""
    if len(dataflow) > MAX_DIRECTIVES_PER_LAYER:
        raise InputError(f"{len(dataflow):,} directives; a layer's dataflow has at most {MAX_DIRECTIVES_PER_LAYER:,}", _where(layer))
    groups, clusters = _group_by_level(layer, dataflow)
    groups = [_collapse_repeats(layer, dataflow, group, index) for index, group in enumerate(groups)]
    unit_size = prod(c.size for c in clusters)
    top_sub_clusters = num_pes // unit_size
    if top_sub_clusters < 1:
        raise InputError(
            f"the Cluster sizes multiply to {unit_size} PEs but the accelerator has only {num_pes}",
            _where(layer, clusters[0]),
        )
    sub_cluster_counts = [top_sub_clusters] + [c.size for c in clusters]
    strides = {dim: layer.stride(dim) for dim in ("X", "Y")}
    input_variables = tensors.input_variables

    levels: list[ClusterLevel] = []
    dims = {v: s for v, s in layer_dims.items()}
    upper: list[list] | None = None
    for index, group in enumerate(groups):
        entries: list[list] = [
            [SPATIAL if isinstance(d, SpatialMap) else TEMPORAL, d.size, d.offset, d.dimension, _describe(d)] for d in group
        ]
        try:
            _to_input_centric(entries)
        except InputError as error:
            raise InputError(error.message, f"layer {layer.name}, cluster level {index}") from None
        if upper is not None:
            present = {e[3] for e in entries}
            for inherited in upper:
                if inherited[3] not in present:
                    entries.insert(0, [TEMPORAL, inherited[1], inherited[2], inherited[3], "inherited"])
                    present.add(inherited[3])
        present = {e[3] for e in entries}
        for variable in input_variables:
            if variable not in present and variable in dims:
                entries.append([TEMPORAL, dims[variable], dims[variable], variable, "completed"])
        _apply_stride(entries, strides, layer_dims, is_top=index == 0, true_span=true_stride_span)
        for kind, size, offset, variable, origin in entries:
            if variable not in dims:
                raise InputError(
                    f"directive {origin} maps dimension {variable}, which this {layer.type} layer does not have",
                    f"layer {layer.name}, cluster level {index}",
                )
        spatial_count = sum(1 for e in entries if e[0] == SPATIAL)
        if spatial_count == 0:
            raise InputError("no SpatialMap in this cluster level (each level needs one or two)", f"layer {layer.name}, cluster level {index}")
        if spatial_count > 2:
            raise InputError(
                f"{spatial_count} SpatialMaps in one cluster level (MAESTRO allows at most two)",
                f"layer {layer.name}, cluster level {index}",
            )
        levels.append(
            ClusterLevel(
                index=index,
                num_sub_clusters=sub_cluster_counts[index],
                directives=tuple(LevelDirective(*entry) for entry in entries),
                dimensions=tuple(dims.items()),
            )
        )
        first_size: dict[str, int] = {}
        for e in entries:
            first_size.setdefault(e[3], e[1])
        dims = {v: min(first_size[v], dims[v]) for v in input_variables if v in first_size}
        upper = entries
    return tuple(levels)
