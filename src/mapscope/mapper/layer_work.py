"""What every mapping of a layer must do, whatever the mapping: the counts the model reports that no mapping
changes or goes below (docs/model.md, Counts and buffer sizes), the base of the mapper's lower bounds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS, layer_dimensions, layer_tensors
from mapscope.errors import InputError
from mapscope.workload.layer import Layer, LayerType, layer_macs

#: An output-centric dimension and the input dimension it is rewritten to (docs/model.md, Cluster levels).
_INPUT_OF = {output: reference for reference, output in OUTPUT_OF.items()}


@dataclass(frozen=True)
class LayerWork:
    """What every mapping of a layer must do in one mode: counts the model reports that no mapping changes
    or goes below (docs/model.md, Counts and buffer sizes), from the layer alone."""

    macs: int  # the layer's true multiply-accumulates
    input_elems: int  # input L2 writes: the declared input, loaded once whatever the mapping
    filter_elems: int  # filter L2 writes
    output_elems: int  # output L2 reads: the output's size as this mode computes it
    input_touched_elems: int  # inputs some filter window uses: each is read from L2 at least once
    computed_output_elems: int  # the outputs the layer has (stride applied): each is written to L2 at least once
    spatial_extents: tuple[tuple[str, int], ...]  # per dimension, the most sub-clusters a spatial split keeps busy
    even_axes: tuple[str, ...] = ()  # dimensions whose every index carries MACs / extent of the MACs (default mode)

    def spatial_extent(self, dimension: str) -> int:
        """How many sub-clusters a SpatialMap over `dimension` (X' and Y' as X and Y) can give distinct work."""
        extents = dict(self.spatial_extents)
        axis = _INPUT_OF.get(dimension, dimension)
        if axis not in extents:
            raise InputError(f"spatial dimension {dimension} is not a dimension of the layer ({', '.join(extents)})", "spatial subspace")
        return extents[axis]


def axis_of(dimension: str) -> str:
    """The dimension a SpatialMap over `dimension` splits: X' and Y' (output positions) are X and Y."""
    return _INPUT_OF.get(dimension, dimension)


def _touched(size: int, window: int, stride: int) -> int:
    """Input elements covered by the windows of one axis: windows at 0, s, ..., (outputs - 1)·s, each `window` wide."""
    outputs = (size - window) // stride + 1
    return (outputs - 1) * min(stride, window) + window


def layer_work(layer: Layer, compat: str | None) -> LayerWork:
    """The mapping-independent counts of `layer` in the mode `compat` ("maestro" or None).

    Operand L2 writes are the product of the declared dimensions (the engine loads each operand once) and
    the output's L2 reads are its size with this mode's Y', X' (stride ignored in compatibility mode):
    both are exact for every mapping. The input elements a window touches and the stride-aware output
    count are lower bounds on the input's L2 reads and the output's L2 writes in the default mode only.
    A dimension's spatial extent is its size, or its output count for X and Y (a sub-cluster with no
    complete window computes nothing); compatibility mode's output count ignores the stride, so it is larger.
    """
    stride_aware = compat != "maestro"
    tensors = layer_tensors(layer, stride_aware)
    dims = layer_dimensions(layer, tensors, stride_aware)
    sliding = tensors.has_sliding_windows

    def output_size(coupled: Sequence[str], counts: dict[str, int]) -> int:
        return prod(counts[OUTPUT_OF[v]] if sliding and v in OUTPUT_OF else counts[v] for v in coupled)

    true_outputs = dict(dims)
    touched = dict(dims)
    if sliding:
        for reference, window in SLIDING_PAIRS.items():
            if reference in dims and window in dims:
                stride = layer.stride(reference)
                true_outputs[OUTPUT_OF[reference]] = (dims[reference] - dims[window]) // stride + 1
                touched[reference] = _touched(dims[reference], dims[window], stride)
    extents = {v: dims[OUTPUT_OF[v]] if sliding and v in OUTPUT_OF and OUTPUT_OF[v] in dims else size for v, size in dims.items()}
    return LayerWork(
        macs=layer_macs(layer),
        input_elems=prod(dims[v] for v in tensors.input.coupled),
        filter_elems=prod(dims[v] for v in tensors.filter.coupled),
        output_elems=output_size(tensors.output.coupled, dims),
        input_touched_elems=prod(touched[v] for v in tensors.input.coupled),
        computed_output_elems=output_size(tensors.output.coupled, true_outputs),
        spatial_extents=tuple(sorted(extents.items())),
        even_axes=_even_axes(layer, extents) if stride_aware else (),
    )


def _even_axes(layer: Layer, extents: dict[str, int]) -> tuple[str, ...]:
    """The dimensions v that split the MACs evenly: `layer_macs` is a product with the factor E_v (v's spatial
    extent), so each of v's E_v indices carries MACs / E_v of them. X and Y count output positions, whose
    factor is the declared or stride-aware output count; a DSCONV's declared K and anything else outside
    the product are left out."""
    dims = dict(layer.dimensions)
    if layer.type is LayerType.GEMM:
        factors = {v: dims[v] for v in ("M", "N", "K") if v in dims}
    else:
        factors = {v: dims[v] for v in ("N", "C", "R", "S") if v in dims}
        if layer.type is not LayerType.DSCONV and "K" in dims:
            factors["K"] = dims["K"]
        if layer.type is LayerType.NGCONV and "G" in dims:
            factors["G"] = dims["G"]
        for reference, window in SLIDING_PAIRS.items():
            if reference in dims and window in dims:
                declared = dims.get(OUTPUT_OF[reference])
                factors[reference] = declared if declared is not None else (dims[reference] - dims[window]) // layer.stride(reference) + 1
    return tuple(sorted(v for v, factor in factors.items() if extents.get(v) == factor and factor >= 1))
