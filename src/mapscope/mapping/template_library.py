"""How each named dataflow template lays out its directives for one layer (used by `mapping.templates`).

Every builder takes a layer, the PE count and the template's already validated parameter values and
returns a directive list the engine accepts for any convolution-like layer:

* a cluster size is clamped to the PE count (at least one cluster always exists);
* the window dimensions R and S are always mapped whole (``TemporalMap(Sz(R),Sz(R)) R``), and every tile
  of Y (X) holds at least one complete R (S) window, so every step computes complete outputs;
* tiles of Y and X are written in output positions: q outputs span ``(q - 1) * stride + window`` inputs
  and advance ``q * stride``; q is capped at the layer's output count, and a tile that then spans the
  whole input row is written as the row itself (``T = O = X``);
* when the window is narrower than the stride (strided 1x1 shortcuts), q is lowered to the largest
  divisor of the output count not above the request, so no tile is partial: MAESTRO sizes such tiles by
  the columns they touch and would count a full last tile past the row end;
* tiles of K and C larger than the dimension are kept as given: a tile covers the whole dimension in one
  step (the bundled kcp_ws mappings rely on this: ``TemporalMap(64,64) C`` on a layer with C = 3).

Depthwise (DSCONV) layers have no K: directives on K are dropped (see each builder). GEMM layers have
no sliding window and are rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mapscope.errors import InputError
from mapscope.mapping.directives import (
    Cluster,
    Directive,
    MapDirective,
    SpatialMap,
    TemporalMap,
)
from mapscope.workload.layer import Layer, LayerType

#: The dimensions a `tiled` mapping may spread over PEs, and whose loop order it searches.
TILED_DIMENSIONS = ("K", "C", "Y", "X")
#: Layer types the templates map: everything with a sliding window.
CONVOLUTION_TYPES = (LayerType.CONV, LayerType.TRCONV, LayerType.DSCONV, LayerType.NGCONV)

TemplateValues = Mapping[str, int | str]


@dataclass(frozen=True)
class WindowAxis:
    """One sliding-window axis of a layer: Y with its window R, or X with S."""

    dimension: str  # "Y" or "X"
    window_dimension: str  # "R" or "S"
    input_size: int
    window: int
    stride: int

    @property
    def outputs(self) -> int:
        return (self.input_size - self.window) // self.stride + 1

    def output_tile(self, requested_outputs: int) -> tuple[int, int]:
        """(size, offset) of a tile of about `requested_outputs` outputs, adapted to the layer.

        The output count is capped at the axis's outputs and, for a window narrower than the stride,
        lowered to a divisor of them; a tile spanning the whole row is the row.
        """
        outputs = min(requested_outputs, self.outputs)
        if self.window < self.stride:
            outputs = max(d for d in range(1, outputs + 1) if self.outputs % d == 0)
        span = (outputs - 1) * self.stride + self.window
        if span >= self.input_size:
            return self.input_size, self.input_size
        return span, outputs * self.stride

    def sliding(self, spatial: bool = False) -> MapDirective:
        """One window sliding one position per step: ``Map(Sz(R),1) Y`` (the engine applies the stride)."""
        kind = SpatialMap if spatial else TemporalMap
        return kind(self.window, 1, self.dimension)

    def whole_window(self) -> TemporalMap:
        """The window dimension mapped whole: ``TemporalMap(Sz(R),Sz(R)) R``."""
        return TemporalMap(self.window, self.window, self.window_dimension)


@dataclass(frozen=True)
class ConvolutionGeometry:
    """What a template needs to know about a convolution-like layer."""

    depthwise: bool  # DSCONV: no K dimension, each channel filtered on its own
    rows: WindowAxis  # Y with R
    columns: WindowAxis  # X with S


def convolution_geometry(layer: Layer) -> ConvolutionGeometry:
    """The window axes of `layer`; InputError when it is not convolution-like or no window fits."""
    where = f"layer {layer.name}"
    if layer.type not in CONVOLUTION_TYPES:
        accepted = ", ".join(str(t) for t in CONVOLUTION_TYPES)
        raise InputError(f"dataflow templates map convolution-like layers ({accepted}), not {layer.type}", where)
    axes = []
    for dimension, window_dimension in (("Y", "R"), ("X", "S")):
        if not layer.has(window_dimension):
            raise InputError(f"the layer declares no {window_dimension} (filter size along {dimension})", where)
        window, stride = layer.size(window_dimension), layer.stride(dimension)
        if layer.has(dimension):
            input_size = layer.size(dimension)
        elif layer.has(dimension + "'"):
            input_size = (layer.size(dimension + "'") - 1) * stride + window
        else:
            raise InputError(f"the layer declares neither {dimension} nor {dimension}'", where)
        if input_size < window:
            raise InputError(
                f"the filter ({window_dimension} = {window}) is larger than the input ({dimension} = {input_size})",
                where,
            )
        axes.append(WindowAxis(dimension, window_dimension, input_size, window, stride))
    for dimension in ("K", "C"):
        if dimension == "K" and layer.type is LayerType.DSCONV:
            continue
        if not layer.has(dimension):
            raise InputError(f"the layer declares no {dimension}", where)
    return ConvolutionGeometry(layer.type is LayerType.DSCONV, axes[0], axes[1])


def _int(values: TemplateValues, name: str) -> int:
    value = values[name]
    assert isinstance(value, int)
    return value


def _str(values: TemplateValues, name: str) -> str:
    value = values[name]
    assert isinstance(value, str)
    return value


def _inner_window_level(geometry: ConvolutionGeometry) -> tuple[Directive, ...]:
    """Inside a cluster: one channel per PE, one output position per step, the window accumulated in place."""
    rows, columns = geometry.rows, geometry.columns
    return (SpatialMap(1, 1, "C"), rows.sliding(), columns.sliding(), rows.whole_window(), columns.whole_window())


def build_kcp_ws(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """NVDLA-like weight stationary, K over clusters and C inside them (spec §4.2, examples/*_kcp_ws.m).

    Top level: each cluster takes `k_tile` output channels (SpatialMap), input channels are walked
    `c_tile` at a time, the R x S window slides one output position per step. Inside a cluster of
    `cluster_size` PEs (clamped to the PE count) each PE takes one input channel. A depthwise layer
    has no K to spread: it gets MAESTRO's one-level kcp_ws, one channel per PE over all PEs.
    """
    geometry = convolution_geometry(layer)
    if geometry.depthwise:
        return _inner_window_level(geometry)
    rows, columns = geometry.rows, geometry.columns
    window_loops = (rows.whole_window(), columns.whole_window(), rows.sliding(), columns.sliding())
    k_tile, c_tile = _int(values, "k_tile"), _int(values, "c_tile")
    cluster_size = min(_int(values, "cluster_size"), num_pes)
    return (
        SpatialMap(k_tile, k_tile, "K"),
        TemporalMap(c_tile, c_tile, "C"),
        *window_loops,
        Cluster(cluster_size, "P"),
        *_inner_window_level(geometry),
    )


def build_yxp_os(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """ShiDianNao-like output stationary, output rows over clusters, output columns inside them.

    One output channel and one input channel at a time; each cluster gets one output row (its R input
    rows); each row is walked in tiles of `x_tile` output columns (adapted as the module says); inside a
    cluster of `cluster_size` PEs (clamped to the PE count) PE j computes column j of the tile and
    accumulates the whole R x S window in place. Depthwise layers drop the K loop.
    """
    geometry = convolution_geometry(layer)
    rows, columns = geometry.rows, geometry.columns
    cluster_size = min(_int(values, "cluster_size"), num_pes)
    column_size, column_offset = columns.output_tile(_int(values, "x_tile"))
    channel_loops: tuple[Directive, ...] = (TemporalMap(1, 1, "C"),)
    if not geometry.depthwise:
        channel_loops = (TemporalMap(1, 1, "K"), *channel_loops)
    return (
        *channel_loops,
        rows.sliding(spatial=True),
        TemporalMap(column_size, column_offset, "X"),
        Cluster(cluster_size, "P"),
        columns.sliding(spatial=True),
        rows.whole_window(),
        columns.whole_window(),
    )


def build_tiled(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """A generic search mapping: K, C, Y, X in `loop_order`, one of them spatial, then R and S whole.

    Tiles: `k_tile` output channels, `c_tile` input channels, `y_tile` output rows and `x_tile` output
    columns per step (per PE or cluster along the spatial dimension). With `cluster_size` > 1 a second
    level follows, as in kcp_ws: inside a cluster of `cluster_size` PEs (clamped to the PE count) each
    PE takes one input channel of the cluster's C tile and walks its Y x X tile one output position per
    step. Depthwise layers have no K: its loop is dropped and a spatial K becomes a spatial C.
    """
    geometry = convolution_geometry(layer)
    rows, columns = geometry.rows, geometry.columns
    spatial_dimension = _str(values, "spatial_dimension")
    if geometry.depthwise and spatial_dimension == "K":
        spatial_dimension = "C"
    k_tile, c_tile = _int(values, "k_tile"), _int(values, "c_tile")
    tiles = {
        "K": (k_tile, k_tile),
        "C": (c_tile, c_tile),
        "Y": rows.output_tile(_int(values, "y_tile")),
        "X": columns.output_tile(_int(values, "x_tile")),
    }
    directives: list[Directive] = []
    for dimension in _str(values, "loop_order"):
        if geometry.depthwise and dimension == "K":
            continue
        size, offset = tiles[dimension]
        kind = SpatialMap if dimension == spatial_dimension else TemporalMap
        directives.append(kind(size, offset, dimension))
    directives += [rows.whole_window(), columns.whole_window()]
    if _int(values, "cluster_size") > 1:
        directives += [Cluster(min(_int(values, "cluster_size"), num_pes), "P"), *_inner_window_level(geometry)]
    return tuple(directives)
