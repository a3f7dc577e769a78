"""How each named dataflow template lays out its directives for one layer (used by `mapping.templates`).

Every builder takes a layer, the PE count and the template's already validated parameter values and
returns a directive list the engine accepts for any convolution-like layer (CONV, TRCONV, DSCONV,
NGCONV; any strides, including strides larger than the window; Y/X or Y'/X' declared; a batch N):

* a cluster size is clamped to the PE count (at least one cluster always exists);
* the window dimensions R and S are always mapped whole (``TemporalMap(Sz(R),Sz(R)) R``; MAESTRO
  rejects any other TemporalMap on them), and every tile of Y (X) holds at least one complete R (S)
  window, so every step computes complete outputs;
* tiles of Y and X are written in output positions: q outputs span ``(q - 1) * stride + window`` inputs
  and advance ``q * stride``; q is capped at the layer's output count, and a tile that then spans the
  whole input row is written as the row itself (``T = O = X``). A window sliding one output at a time is
  written ``Map(Sz(R),1) Y`` and the engine applies the stride;
* when the window is narrower than the stride (strided 1x1 shortcuts), q is lowered to the largest
  divisor of the output count not above the request, so no tile is partial: MAESTRO sizes such tiles by
  the columns they touch and would count a full last tile past the row end;
* tiles of K and C larger than the dimension are kept as given: a tile covers the whole dimension in one
  step (the bundled kcp_ws mappings rely on this: ``TemporalMap(64,64) C`` on a layer with C = 3);
* grouped layers (NGCONV) get ``TemporalMap(1,1) G`` outermost, one group at a time, as MAESTRO's
  ResNeXt-50 mappings write it. (Left unmapped, G is completed whole, ``TemporalMap(Sz(G),Sz(G)) G``:
  every step holds all groups; same MACs and runtime, about G times the L1 and L2 requirements.)
* a batch dimension N is left to MAESTRO's completion, as its transformer mappings do: it is mapped
  whole (``TemporalMap(Sz(N),Sz(N)) N``, inherited by the inner levels), so each step works on the
  whole batch while the weights stay put.

How each template adapts to the layer:

* ``kcp_ws`` (K over clusters, C inside them), ``ckp_ws`` (C over clusters, K inside) and ``tpu`` (K
  over array columns, C down each column): only the cluster (array) sizes depend on the PE count;
  depthwise layers, which have no K, get the one-level "one channel per PE" layout MAESTRO uses for
  them (its frontend's ``dpt.m``).
* ``yxp_os``: the X tile adapts to the output width (rules above); depthwise layers drop K.
* ``xp_ws``, ``nlr``: one level; nothing depends on the PE count; depthwise layers drop K (``xp_ws``
  can map them one channel per PE instead).
* ``rs``: the cluster is one PE per filter row (Cluster(Sz(R)), clamped to the PE count); depthwise
  layers are mapped one channel per PE by default, as MAESTRO's frontend does.
* ``tiled``: every tile adapts as above; a spatial K becomes a spatial C for depthwise layers.

GEMM layers (dimensions M, N, K) have no sliding window and are rejected; lower them to a 1x1
convolution first (K = N, C = K, R = S = 1, Y = M, X = 1), as `workload.lowering` does for matrix products.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import isqrt

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
#: How a template with its own depthwise layout may map depthwise layers instead (parameter `depthwise`).
DEPTHWISE_LAYOUTS = ("same", "c_spatial")

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
    grouped: bool  # NGCONV: a group dimension G, mapped one group at a time
    rows: WindowAxis  # Y with R
    columns: WindowAxis  # X with S

    def group_loop(self) -> tuple[Directive, ...]:
        """``TemporalMap(1,1) G`` for a grouped layer (outermost), nothing otherwise."""
        return (TemporalMap(1, 1, "G"),) if self.grouped else ()

    def whole_windows(self) -> tuple[Directive, ...]:
        return (self.rows.whole_window(), self.columns.whole_window())

    def sliding_windows(self) -> tuple[Directive, ...]:
        """Both windows sliding one output position per step: ``T(Sz(R),1) Y; T(Sz(S),1) X``."""
        return (self.rows.sliding(), self.columns.sliding())


def convolution_geometry(layer: Layer) -> ConvolutionGeometry:
    """The window axes of `layer`; InputError when it is not convolution-like or no window fits."""
    where = f"layer {layer.name}"
    if layer.type not in CONVOLUTION_TYPES:
        accepted = ", ".join(str(t) for t in CONVOLUTION_TYPES)
        hint = ""
        if layer.type is LayerType.GEMM:
            hint = "; write the product as a 1x1 CONV (K = N, C = K, R = S = 1, Y = M, X = 1)"
        raise InputError(f"dataflow templates map convolution-like layers ({accepted}), not {layer.type}{hint}", where)
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
        # input_size >= window: a Layer whose window does not fit its input is refused when it is built
        axes.append(WindowAxis(dimension, window_dimension, input_size, window, stride))
    required = ["C"] if layer.type is LayerType.DSCONV else ["K", "C"]
    if layer.type is LayerType.NGCONV:
        required.insert(0, "G")
    for dimension in required:
        if not layer.has(dimension):
            raise InputError(f"the layer declares no {dimension}", where)
    return ConvolutionGeometry(layer.type is LayerType.DSCONV, layer.type is LayerType.NGCONV, axes[0], axes[1])


def _int(values: TemplateValues, name: str) -> int:
    value = values[name]
    assert isinstance(value, int)
    return value


def _str(values: TemplateValues, name: str) -> str:
    value = values[name]
    assert isinstance(value, str)
    return value


def _channel_per_pe(geometry: ConvolutionGeometry) -> tuple[Directive, ...]:
    """One channel per PE, one output position per step, the window accumulated in place.

    The inner level of kcp_ws, and the one-level layout MAESTRO uses for depthwise layers (its
    frontend's ``dpt.m``): ``SpatialMap(1,1) C; T(Sz(R),1) Y; T(Sz(S),1) X; T(Sz(R),Sz(R)) R; T(Sz(S),Sz(S)) S``.
    """
    return (SpatialMap(1, 1, "C"), *geometry.sliding_windows(), *geometry.whole_windows())


def build_kcp_ws(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """NVDLA-like weight stationary, K over clusters and C inside them (MAESTRO's ``*_kcp_ws.m``; docs/formats.md, Named dataflows in MAESTRO's files).

    Top level: each cluster takes `k_tile` output channels (SpatialMap), input channels are walked
    `c_tile` at a time, the R x S window slides one output position per step. Inside a cluster of
    `cluster_size` PEs (clamped to the PE count) each PE takes one input channel. A depthwise layer
    has no K to spread: it gets MAESTRO's one-level kcp_ws, one channel per PE over all PEs.
    """
    geometry = convolution_geometry(layer)
    if geometry.depthwise:
        return _channel_per_pe(geometry)
    k_tile, c_tile = _int(values, "k_tile"), _int(values, "c_tile")
    cluster_size = min(_int(values, "cluster_size"), num_pes)
    return (
        *geometry.group_loop(),
        SpatialMap(k_tile, k_tile, "K"),
        TemporalMap(c_tile, c_tile, "C"),
        *geometry.whole_windows(),
        *geometry.sliding_windows(),
        Cluster(cluster_size, "P"),
        *_channel_per_pe(geometry),
    )


def build_ckp_ws(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """kcp_ws with K and C swapped: C over clusters, K inside them (``vgg16_ckp_ws.m``).

    Top level: each cluster takes `c_tile` input channels (SpatialMap; the clusters' partial sums are
    reduced), output channels are walked `k_tile` at a time, and one output position per step, written
    output-centric as MAESTRO's file does (``TemporalMap(1,1) Y'``: the engine turns it into
    ``TemporalMap(Sz(R),1) Y``). Inside a cluster of `cluster_size` PEs (clamped to the PE count) each
    PE takes one output channel; Y, X and C are inherited. Depthwise layers: one channel per PE.
    """
    geometry = convolution_geometry(layer)
    if geometry.depthwise:
        return _channel_per_pe(geometry)
    k_tile, c_tile = _int(values, "k_tile"), _int(values, "c_tile")
    cluster_size = min(_int(values, "cluster_size"), num_pes)
    return (
        *geometry.group_loop(),
        SpatialMap(c_tile, c_tile, "C"),
        TemporalMap(k_tile, k_tile, "K"),
        *geometry.whole_windows(),
        TemporalMap(1, 1, "Y'"),
        TemporalMap(1, 1, "X'"),
        Cluster(cluster_size, "P"),
        SpatialMap(1, 1, "K"),
        *geometry.whole_windows(),
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
        *geometry.group_loop(),
        *channel_loops,
        rows.sliding(spatial=True),
        TemporalMap(column_size, column_offset, "X"),
        Cluster(cluster_size, "P"),
        columns.sliding(spatial=True),
        *geometry.whole_windows(),
    )


def build_xp_ws(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """X-partitioned weight stationary, one level (``*_xp_ws.m``): output columns over the PEs.

    `k_tile` output channels and `c_tile` input channels at a time; the R input rows of one output row
    per step; PE i takes the S input columns of output column i and keeps its R x S weights while the
    rows slide. Nothing depends on the PE count (columns beyond the PEs are folded). Depthwise layers
    drop K (`depthwise` = same, as MobileNetV2_xp_ws.m) or go one channel per PE (c_spatial, as
    MAESTRO's frontend writes them, e.g. mnasnet_xp_ws.m).
    """
    geometry = convolution_geometry(layer)
    if geometry.depthwise and _str(values, "depthwise") == "c_spatial":
        return _channel_per_pe(geometry)
    k_tile, c_tile = _int(values, "k_tile"), _int(values, "c_tile")
    channel_loops: tuple[Directive, ...] = (TemporalMap(c_tile, c_tile, "C"),)
    if not geometry.depthwise:
        channel_loops = (TemporalMap(k_tile, k_tile, "K"), *channel_loops)
    return (
        *geometry.group_loop(),
        *channel_loops,
        geometry.rows.sliding(),
        geometry.columns.sliding(spatial=True),
        *geometry.whole_windows(),
    )


def build_nlr(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """No local reuse, one level (``*_nlr.m``): input channels over the PEs, innermost.

    `k_tile` output channels at a time, one output position per step with its whole R x S window, and
    each PE takes `c_tile` input channels of it (the PEs' partial sums are reduced); nothing stays in a
    PE from one step to the next. Nothing depends on the PE count. Depthwise layers drop K.
    """
    geometry = convolution_geometry(layer)
    k_tile, c_tile = _int(values, "k_tile"), _int(values, "c_tile")
    output_loops: tuple[Directive, ...] = () if geometry.depthwise else (TemporalMap(k_tile, k_tile, "K"),)
    return (
        *geometry.group_loop(),
        *output_loops,
        *geometry.sliding_windows(),
        *geometry.whole_windows(),
        SpatialMap(c_tile, c_tile, "C"),
    )


def build_rs(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """Eyeriss-like row stationary (MAESTRO's frontend ``rs.m``; googlenet/mnasnet/squeezenet1_0_rs.m).

    Top level: each cluster computes one output row (``SpatialMap(1,1) Y'``, R input rows), one output
    column at a time (``TemporalMap(1,1) X'``), `c_tile` input and `k_tile` output channels per step.
    Inside a cluster of Sz(R) PEs (clamped to the PE count) PE i takes input row i and filter row i
    (``SpatialMap(1,1) Y; SpatialMap(1,1) R``) and slides its filter row along the input row; the R
    partial rows are summed across the cluster. Depthwise layers: one channel per PE (`depthwise` =
    c_spatial, as MAESTRO's frontend maps them in mnasnet_rs.m) or this layout without K (same).
    """
    geometry = convolution_geometry(layer)
    if geometry.depthwise and _str(values, "depthwise") == "c_spatial":
        return _channel_per_pe(geometry)
    k_tile, c_tile = _int(values, "k_tile"), _int(values, "c_tile")
    channel_loops: tuple[Directive, ...] = (TemporalMap(c_tile, c_tile, "C"),)
    if not geometry.depthwise:
        channel_loops = (*channel_loops, TemporalMap(k_tile, k_tile, "K"))
    return (
        *geometry.group_loop(),
        SpatialMap(1, 1, "Y'"),
        TemporalMap(1, 1, "X'"),
        *channel_loops,
        *geometry.whole_windows(),
        Cluster(min(geometry.rows.window, num_pes), "P"),
        SpatialMap(1, 1, "Y"),
        SpatialMap(1, 1, "R"),
        geometry.columns.whole_window(),
    )


def systolic_array_shape(array_rows: int, array_cols: int, num_pes: int) -> tuple[int, int]:
    """(rows, columns) of the array: as asked when it fits in the PEs, else the largest array of about
    the same aspect ratio that does (rows = floor(sqrt(PEs * rows / columns)), columns = PEs // rows)."""
    if array_rows * array_cols <= num_pes:
        return array_rows, array_cols
    rows = max(1, min(array_rows, num_pes, isqrt(num_pes * array_rows // array_cols)))
    return rows, max(1, min(array_cols, num_pes // rows))


def build_tpu(layer: Layer, num_pes: int, values: TemplateValues) -> tuple[Directive, ...]:
    """TPU-like weight-stationary systolic array of `array_rows` x `array_cols` PEs.

    Three levels: arrays (as many as fit in the PEs, usually one) each take `cols` output channels;
    inside an array each column takes one output channel (``SpatialMap(1,1) K``); inside a column each
    of the `rows` PEs takes one input channel (``SpatialMap(1,1) C``) and the column sums them. A
    rows x cols weight tile stays in the array while every output position streams past, one per step,
    each PE accumulating its R x S window in place; then the next tile of `rows` input channels.
    The shape adapts to the PE count (`systolic_array_shape`). Depthwise layers have no channel
    reduction for the rows: one channel per PE over all PEs, as kcp_ws maps them.
    """
    geometry = convolution_geometry(layer)
    if geometry.depthwise:
        return _channel_per_pe(geometry)
    rows, cols = systolic_array_shape(_int(values, "array_rows"), _int(values, "array_cols"), num_pes)
    return (
        *geometry.group_loop(),
        SpatialMap(cols, cols, "K"),
        TemporalMap(rows, rows, "C"),
        *geometry.whole_windows(),
        *geometry.sliding_windows(),
        Cluster(cols, "P"),
        SpatialMap(1, 1, "K"),
        Cluster(rows, "P"),
        *_channel_per_pe(geometry),
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
    directives: list[Directive] = list(geometry.group_loop())
    for dimension in _str(values, "loop_order"):
        if geometry.depthwise and dimension == "K":
            continue
        size, offset = tiles[dimension]
        kind = SpatialMap if dimension == spatial_dimension else TemporalMap
        directives.append(kind(size, offset, dimension))
    directives += geometry.whole_windows()
    if _int(values, "cluster_size") > 1:
        directives += [Cluster(min(_int(values, "cluster_size"), num_pes), "P"), *_channel_per_pe(geometry)]
    return tuple(directives)
