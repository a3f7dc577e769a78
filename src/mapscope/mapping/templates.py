"""Parameterised dataflow templates: (layer, PE count, parameter values) -> a MAESTRO directive list.

Design-space exploration searches mappings through a few parameters (tile sizes, cluster size, loop
order, which dimension is spatial) instead of hand-written directive lists. A `DataflowTemplate` checks
the values, fills in defaults and builds a dataflow that the engine accepts for any convolution-like
layer (how each template adapts to the layer is described in `mapping.template_library`)::

    from mapscope.mapping.templates import template
    dataflow = template("kcp_ws").dataflow(layer, 256, cluster_size=32)

The templates and their parameters (defaults in brackets):

* ``kcp_ws`` -- NVDLA-like weight stationary, K over clusters, C inside: cluster_size [64],
  k_tile [1], c_tile [= cluster_size].
* ``ckp_ws`` -- the same with C over clusters and K inside: cluster_size [64], c_tile [1],
  k_tile [= cluster_size].
* ``yxp_os`` -- ShiDianNao-like output stationary, output rows over clusters, output columns inside:
  cluster_size [8], x_tile [8 output columns].
* ``xp_ws`` -- X-partitioned weight stationary, one level: k_tile [1], c_tile [1],
  depthwise [same | c_spatial].
* ``nlr`` -- no local reuse, input channels over the PEs, one level: k_tile [1], c_tile [1].
* ``rs`` -- Eyeriss-like row stationary, output rows over clusters of Sz(R) PEs: k_tile [16],
  c_tile [1], depthwise [c_spatial | same].
* ``tpu`` -- TPU-like weight-stationary systolic array, K over columns, C down each column:
  array_rows [128], array_cols [128] (shrunk to fit the PEs: 16 x 16 on 256 PEs).
* ``tiled`` -- generic search mapping: spatial_dimension [K], loop_order [KCYX], k_tile, c_tile,
  y_tile, x_tile [1 each], cluster_size [1: one level].

With default parameters at 256 PEs (the PE count of MAESTRO's bundled hardware, accelerator_1.m),
``kcp_ws`` and ``yxp_os`` give exactly the dataflows of the bundled examples (examples/resnet50_*.m,
examples/vgg16_*.m), and ``kcp_ws``, ``ckp_ws``, ``xp_ws``, ``nlr`` and ``rs`` those of MAESTRO's own
``*_kcp_ws.m``, ``vgg16_ckp_ws.m``, ``*_xp_ws.m``, ``*_nlr.m`` and frontend-made ``*_rs.m`` files
(``xp_ws`` with depthwise="c_spatial" for mnasnet's depthwise layers). Where MAESTRO's files differ --
a few hand edits, ``yxp_os`` column tiles written in input columns (so strided layers get fewer
outputs per tile), the crashing hand-written ``Resnet50/ResNeXt50/vgg16/UNet _rs.m`` -- the reason is
checked layer by layer in tests/mapping/test_template_agreement.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import permutations
from numbers import Integral

from mapscope.errors import InputError
from mapscope.mapping.directives import Directive
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.template_library import (
    DEPTHWISE_LAYOUTS,
    TILED_DIMENSIONS,
    build_ckp_ws,
    build_kcp_ws,
    build_nlr,
    build_rs,
    build_tiled,
    build_tpu,
    build_xp_ws,
    build_yxp_os,
)
from mapscope.workload.layer import Layer
from mapscope.workload.network import Network

ParameterValue = int | str
BuildFunction = Callable[[Layer, int, Mapping[str, ParameterValue]], tuple[Directive, ...]]


@dataclass(frozen=True)
class TemplateParameter:
    """One search parameter of a template.

    The type of `default` is the parameter's type: an int parameter takes positive integers (tile and
    cluster sizes), a str parameter one of its `choices`. `default_from` names an earlier parameter
    whose value is this one's default (`default` is then the value with every parameter at its default).
    """

    name: str
    default: ParameterValue
    choices: tuple[ParameterValue, ...] | None
    description: str
    default_from: str | None = None

    def check(self, value: object, where: str) -> ParameterValue:
        """`value` as this parameter's type, or InputError naming `where` and the parameter."""
        place = f"{where}, parameter {self.name}"
        if isinstance(self.default, int):
            if not isinstance(value, Integral) or isinstance(value, bool):
                raise InputError(f"must be a positive integer, got {value!r}", place)
            number = int(value)
            if number <= 0:
                raise InputError(f"must be a positive integer, got {number}", place)
            checked: ParameterValue = number
        else:
            if not isinstance(value, str):
                raise InputError(f"must be a string, got {value!r}", place)
            checked = value
        if self.choices is not None and checked not in self.choices:
            raise InputError(f"must be one of {', '.join(map(str, self.choices))}; got {checked!r}", place)
        return checked


@dataclass(frozen=True)
class DataflowTemplate:
    """A named dataflow with search parameters; `build` turns a layer, a PE count and values into directives."""

    name: str
    description: str
    parameters: tuple[TemplateParameter, ...]
    build: BuildFunction

    @property
    def where(self) -> str:
        return f"template {self.name}"

    def parameter(self, name: str) -> TemplateParameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters)
        raise InputError(f"unknown parameter {name!r}; its parameters are {known}", self.where)

    def resolve(self, values: Mapping[str, object]) -> dict[str, ParameterValue]:
        """Every parameter's value: the given ones checked, the others from their defaults."""
        for name in values:
            self.parameter(name)  # rejects unknown names
        resolved: dict[str, ParameterValue] = {}
        for parameter in self.parameters:
            if parameter.name in values:
                resolved[parameter.name] = parameter.check(values[parameter.name], self.where)
            elif parameter.default_from is not None:
                resolved[parameter.name] = resolved[parameter.default_from]
            else:
                resolved[parameter.name] = parameter.default
        return resolved

    def dataflow(self, layer: Layer, num_pes: int, **values: object) -> tuple[Directive, ...]:
        """The directive list of `layer` on `num_pes` PEs with these parameter values (defaults for the rest)."""
        if not isinstance(num_pes, Integral) or isinstance(num_pes, bool) or num_pes <= 0:
            raise InputError(f"the PE count must be a positive integer, got {num_pes!r}", self.where)
        resolved = self.resolve(values)
        try:
            return self.build(layer, int(num_pes), resolved)
        except InputError as error:
            raise InputError(error.message, f"{self.where}, {error.where}" if error.where else self.where) from None


_CLUSTER_HINT = "clamped to the PE count; PEs beyond a multiple of it stay idle"

KCP_WS = DataflowTemplate(
    name="kcp_ws",
    description=(
        "NVDLA-like weight stationary: output channels K spread over clusters, input channels C over the "
        "PEs of a cluster, each PE keeping its R x S weights while the window slides over Y and X"
    ),
    parameters=(
        TemplateParameter("cluster_size", 64, None, f"PEs per cluster, each taking one input channel ({_CLUSTER_HINT})"),
        TemplateParameter("k_tile", 1, None, "output channels each cluster takes per step"),
        TemplateParameter(
            "c_tile",
            64,
            None,
            "input channels a cluster receives per step (walked over its PEs); defaults to cluster_size",
            default_from="cluster_size",
        ),
    ),
    build=build_kcp_ws,
)

YXP_OS = DataflowTemplate(
    name="yxp_os",
    description=(
        "ShiDianNao-like output stationary: output rows spread over clusters, the output columns of a row "
        "tile over the PEs of a cluster, one output channel and one input channel at a time"
    ),
    parameters=(
        TemplateParameter("cluster_size", 8, None, f"PEs per cluster, each computing one output column ({_CLUSTER_HINT})"),
        TemplateParameter(
            "x_tile",
            8,
            None,
            "output columns per tile of a row (capped at the output width; for a window narrower than the "
            "stride, the largest divisor of the output width not above it)",
        ),
    ),
    build=build_yxp_os,
)

CKP_WS = DataflowTemplate(
    name="ckp_ws",
    description=(
        "kcp_ws with the roles swapped: input channels C spread over clusters (their partial sums reduced), "
        "output channels K over the PEs of a cluster, one output position per step"
    ),
    parameters=(
        TemplateParameter("cluster_size", 64, None, f"PEs per cluster, each taking one output channel ({_CLUSTER_HINT})"),
        TemplateParameter("c_tile", 1, None, "input channels each cluster takes per step"),
        TemplateParameter(
            "k_tile",
            64,
            None,
            "output channels a cluster receives per step (walked over its PEs); defaults to cluster_size",
            default_from="cluster_size",
        ),
    ),
    build=build_ckp_ws,
)


def _depthwise_parameter(default: str) -> TemplateParameter:
    return TemplateParameter(
        "depthwise",
        default,
        DEPTHWISE_LAYOUTS,
        "how depthwise (DSCONV) layers are mapped: same = this dataflow without K; c_spatial = one channel "
        "per PE over all PEs (MAESTRO's depthwise layout, what its frontend writes for them)",
    )


XP_WS = DataflowTemplate(
    name="xp_ws",
    description=(
        "X-partitioned weight stationary (one level): output columns spread over the PEs, each PE keeping "
        "its R x S weights of one output and one input channel while the window slides down the rows"
    ),
    parameters=(
        TemplateParameter("k_tile", 1, None, "output channels per step"),
        TemplateParameter("c_tile", 1, None, "input channels per step"),
        _depthwise_parameter("same"),
    ),
    build=build_xp_ws,
)

NLR = DataflowTemplate(
    name="nlr",
    description=(
        "no local reuse (one level): input channels spread over the PEs, innermost; each step computes one "
        "output position's whole R x S window and nothing stays in a PE between steps"
    ),
    parameters=(
        TemplateParameter("k_tile", 1, None, "output channels per step"),
        TemplateParameter("c_tile", 1, None, "input channels each PE takes per step"),
    ),
    build=build_nlr,
)

RS = DataflowTemplate(
    name="rs",
    description=(
        "Eyeriss-like row stationary: output rows spread over clusters of Sz(R) PEs (clamped to the PE "
        "count); PE i of a cluster holds filter row i and input row i, the cluster sums the R partial rows"
    ),
    parameters=(
        TemplateParameter("k_tile", 16, None, "output channels per step"),
        TemplateParameter("c_tile", 1, None, "input channels per step"),
        _depthwise_parameter("c_spatial"),
    ),
    build=build_rs,
)

TPU = DataflowTemplate(
    name="tpu",
    description=(
        "TPU-like weight-stationary systolic array: output channels K over the array's columns, input "
        "channels C down each column (summed along it), R x S accumulated in each PE, one output position "
        "streamed per step; the array shrinks, keeping its aspect ratio, to fit the PE count"
    ),
    parameters=(
        TemplateParameter(
            "array_rows", 128, None, "PEs per column: input channels reduced per pass (shrunk to fit the PE count)"
        ),
        TemplateParameter(
            "array_cols", 128, None, "columns: output channels computed side by side (shrunk to fit the PE count)"
        ),
    ),
    build=build_tpu,
)

#: Every loop order of the four tiled dimensions, outermost first.
LOOP_ORDERS = tuple("".join(order) for order in permutations(TILED_DIMENSIONS))

TILED = DataflowTemplate(
    name="tiled",
    description=(
        "generic search mapping: K, C, Y, X tiled in a chosen loop order with one of them spread over the "
        "PEs (or clusters), R and S whole; optionally a cluster level with C spread inside each cluster"
    ),
    parameters=(
        TemplateParameter("spatial_dimension", "K", TILED_DIMENSIONS, "the dimension spread over PEs (or clusters)"),
        TemplateParameter("loop_order", "KCYX", LOOP_ORDERS, "order of the K, C, Y, X loops, outermost first"),
        TemplateParameter("k_tile", 1, None, "output channels per step (per PE or cluster when K is spatial)"),
        TemplateParameter("c_tile", 1, None, "input channels per step (per PE or cluster when C is spatial)"),
        TemplateParameter("y_tile", 1, None, "output rows per step (capped at the output height)"),
        TemplateParameter("x_tile", 1, None, "output columns per step (capped at the output width)"),
        TemplateParameter(
            "cluster_size",
            1,
            None,
            "1: one level over all PEs; above 1: PEs per cluster, each taking one channel of the cluster's "
            f"C tile, so min(c_tile, cluster_size) of them are busy ({_CLUSTER_HINT})",
        ),
    ),
    build=build_tiled,
)

#: Every template by name.
TEMPLATES: dict[str, DataflowTemplate] = {t.name: t for t in (KCP_WS, CKP_WS, YXP_OS, XP_WS, NLR, RS, TPU, TILED)}


def template(name: str) -> DataflowTemplate:
    """The template called `name`; InputError listing the known names otherwise."""
    try:
        return TEMPLATES[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown dataflow template {name!r}; known templates: {', '.join(TEMPLATES)}") from None


def apply_template(
    network: Network, template_name: str, num_pes: int, values: Mapping[str, object] | None = None
) -> MappedNetwork:
    """`network` with every layer mapped by the template `template_name` on `num_pes` PEs."""
    chosen = template(template_name)
    parameter_values = dict(values or {})
    layers = tuple(MappedLayer(layer, chosen.dataflow(layer, num_pes, **parameter_values)) for layer in network.layers)
    return MappedNetwork(network.name, layers)
