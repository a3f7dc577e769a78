"""A layer's shape as `LayerStats` columns: every dimension size and the two strides, for every layer type."""

from __future__ import annotations

from functools import lru_cache

from mapscope.analysis.tensors import layer_dimensions, layer_tensors
from mapscope.stats import SHAPE_DIMENSIONS, shape_field
from mapscope.workload.layer import Layer


def layer_shape_fields(layer: Layer, *, stride_aware: bool) -> dict[str, int]:
    """`dim_<d>` for each of `SHAPE_DIMENSIONS` (1 when the layer has no such dimension) and `stride_y`,
    `stride_x`; Y/X and Y'/X' complete each other as the analysis completes them (`stride_aware` off in
    compat mode, as in MAESTRO)."""
    return dict(_shape_fields(layer, stride_aware))


@lru_cache(maxsize=1024)
def _shape_fields(layer: Layer, stride_aware: bool) -> dict[str, int]:
    """layer_shape_fields, memoised (a mapper analyses thousands of mappings of one layer)."""
    sizes = layer_dimensions(layer, layer_tensors(layer), stride_aware)
    fields = {shape_field(dimension): int(sizes.get(dimension, 1)) for dimension in SHAPE_DIMENSIONS}
    fields["stride_y"] = layer.stride("Y")
    fields["stride_x"] = layer.stride("X")
    return fields
