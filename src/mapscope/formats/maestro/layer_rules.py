"""MAESTRO's rules for one mapped layer, shared by the ``.m`` reader and the YAML/JSON descriptions so both
formats accept and reject the same layers: layer type words, dimension names, strides, and the
whole-dimension TemporalMap on R and S.
"""

from __future__ import annotations

from mapscope.errors import InputError
from mapscope.limits import quoted
from mapscope.mapping.directives import Directive, TemporalMap
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.workload.layer import DIMENSION_NAMES, Layer, LayerType

#: Words MAESTRO recognises as layer types but builds no layer for, with how the bundled models cope.
UNSUPPORTED_LAYER_TYPES = {
    "FC": " (write a fully connected layer as CONV with R = Y = 1 and S = X, as the bundled models do)",
    "POOL": "",
    "LSTM": "",
    "RESIDUAL_IDENTITY": " (the bundled models write a residual addition as DSCONV with R = S = 1)",
}
#: Dimensions a Stride block may name; the cost model applies strides to the input width and height only.
STRIDE_DIMENSIONS = ("X", "Y")
#: MAESTRO rejects a TemporalMap on these unless it covers the whole dimension.
WHOLE_DIMENSION_MAPS = ("R", "S")
_DIMENSION_LIST = ", ".join(DIMENSION_NAMES)


def layer_type_from_word(word: str, where: str) -> LayerType:
    """The LayerType written as `word`; FC, POOL, LSTM, RESIDUAL_IDENTITY and unknown words are errors."""
    if word in LayerType.__members__:
        return LayerType(word)
    if word in UNSUPPORTED_LAYER_TYPES:
        raise InputError(f"layer type {word} is not supported by MAESTRO's model{UNSUPPORTED_LAYER_TYPES[word]}", where)
    accepted = ", ".join(member.value for member in LayerType)
    raise InputError(f"unknown layer type {quoted(word)}; expected one of {accepted}", where)


def brace_hint(word: str) -> str:
    """A hint for a brace glued to a word (``Dimensions{``), which MAESTRO's tokenizer keeps as one token."""
    glued = len(word) > 1 and ("{" in word or "}" in word)
    return " ('{' and '}' must be separated from words by a space)" if glued else ""


def check_dimension_name(name: str, role: str, where: str) -> None:
    """Reject anything but N G K C R S Y X Y' X' M; `role` says what the name was meant to be."""
    if name not in DIMENSION_NAMES:
        raise InputError(f"expected {role} (one of {_DIMENSION_LIST}), found {quoted(name)}{brace_hint(name)}", where)


def check_whole_dimension_maps(layer: Layer, dataflow: tuple[Directive, ...], where: str, inherited: bool) -> None:
    """MAESTRO's parse-time rule: a TemporalMap on R or S must have size = offset = the full R (S)."""
    for directive in dataflow:
        if not isinstance(directive, TemporalMap) or directive.dimension not in WHOLE_DIMENSION_MAPS:
            continue
        dimension = directive.dimension
        if not layer.has(dimension):
            continue
        full = layer.size(dimension)
        if directive.size == directive.offset == full:
            continue
        origin = f" (inherited from {directive.source})" if inherited and directive.source else ""
        place = where if inherited or directive.source is None else f"{directive.source}: layer {layer.name}"
        raise InputError(
            f"{directive}{origin}: MAESTRO requires a TemporalMap on {dimension} to cover the whole dimension "
            f"(size = offset = {dimension} = {full})",
            place,
        )


def build_mapped_layer(
    name: str,
    layer_type: LayerType,
    dimensions: dict[str, int],
    strides: dict[str, int],
    dataflow: tuple[Directive, ...],
    inherited: bool,
    where: str,
    source: str | None,
) -> MappedLayer:
    """Assemble and validate one mapped layer; `where` locates the layer in error messages."""
    for axis in ("Y", "X"):
        if axis in dimensions and axis + "'" in dimensions:
            raise InputError(
                f"both {axis} and {axis}' are declared; give the input-centric ({axis}) or the output-centric "
                f"({axis}') size, not both",
                where,
            )
    try:
        layer = Layer(name, layer_type, tuple(dimensions.items()), tuple(strides.items()))
    except InputError as error:
        raise InputError(error.message, where) from None
    check_whole_dimension_maps(layer, dataflow, where, inherited)
    return MappedLayer(layer, dataflow, source)

