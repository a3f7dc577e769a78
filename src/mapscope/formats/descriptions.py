"""Networks and hardware described in YAML or JSON, validated with pydantic (one-line errors).

Network description (``.yaml``, ``.yml`` or ``.json``)::

    network: ResNet50                 # required: the network name
    constants: {Tile: 16}             # optional: names usable as sizes in dimensions and dataflow
    layers:                           # required, at least one
      - name: CONV1                   # required
        type: CONV                    # CONV, DSCONV, NGCONV, GEMM or TRCONV
        stride: {X: 2, Y: 2}          # optional; X and Y only, default 1
        dimensions: {K: 64, C: 3, R: 7, S: 7, Y: 230, X: 230}   # sizes: integers or constant names
        dataflow:                     # optional: one directive per entry, written as in a .m file
          - SpatialMap(1,1) K
          - TemporalMap(Sz(R),Sz(R)) R
          - Cluster(64, P)

The rules are those of MAESTRO's ``.m`` files, applied by the same code (`maestro_mapping`): dimension
names N G K C R S Y X Y' X' M; directives parsed by the ``.m`` directive parser, with ``Sz(DIM)`` resolved
to this layer's size; a layer without ``dataflow`` (or with an empty one) inherits the previous layer's; a
TemporalMap on R or S must cover the whole dimension. Unknown keys, wrong types and duplicate keys are
errors located as ``FILE:LINE: field.path`` (the line is known for YAML files).

Hardware description: a flat mapping of Accelerator fields (``num_pes``, ``simd_lanes``,
``noc_bandwidth_elems_per_cycle``, ``noc_latency_cycles``, ``offchip_bandwidth_elems_per_cycle``,
``l1_size_elems``, ``l2_size_elems``) or their MAESTRO spellings (``l1_size_cstr``, ``l2_size_cstr``,
``noc_bw_cstr``, ``offchip_bw_cstr``, ``num_simd_lanes``, ``noc_hop_latency``, ``NoC_NumHops``), and
``word_bits`` (the width of one element, default 16). The two buffer sizes take a plain integer (elements,
as in MAESTRO) or a size with a unit (``64KiB``, ``2MiB``; see `size_units`), converted to elements with
the file's ``word_bits``. Only the keys given are returned, so the caller decides the defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from mapscope.errors import InputError
from mapscope.formats.atomic_file import cannot_write, write_text_atomically
from mapscope.formats.documents import Document
from mapscope.formats.size_units import size_elems
from mapscope.formats.maestro.layer_rules import (
    STRIDE_DIMENSIONS,
    build_mapped_layer,
    check_dimension_name,
    layer_type_from_word,
)
from mapscope.formats.maestro.mapping_file import parse_directive
from mapscope.formats.maestro.tokens import read_text_file, tokenize
from mapscope.hardware.accelerator import DEFAULT_WORD_BITS, MAX_WORD_BITS, UNLIMITED, Accelerator
from mapscope.limits import MAX_LAYERS, quoted, shortened
from mapscope.mapping.directives import Directive
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork

DESCRIPTION_SUFFIXES = (".yaml", ".yml", ".json")

PositiveInt = Annotated[int, Field(gt=0, le=UNLIMITED)]


def _integer_or_name(value: Any) -> int | str:
    """A size written as an integer or a constant name (one error message, not one per union member)."""
    if type(value) is int or type(value) is str:
        return value
    raise PydanticCustomError("size_type", "should be an integer or a constant name")


SizeOrConstant = Annotated[int | str, PlainValidator(_integer_or_name)]


def _elements_or_size(value: Any) -> int | str:
    """A buffer size: a positive integer of elements, or a size with a unit (converted once word_bits is known)."""
    if type(value) is int:
        if not 0 < value <= UNLIMITED:
            raise PydanticCustomError("size_range", "should be a positive integer of at most {limit}", {"limit": UNLIMITED})
        return value
    if type(value) is str:
        return value
    raise PydanticCustomError("size_type", "should be an integer (elements) or a size with a unit such as 64KiB")


BufferSize = Annotated[int | str, PlainValidator(_elements_or_size)]


class _Strict(BaseModel):
    """No unknown keys, no type coercion ("3" is not 3, true is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LayerDescription(_Strict):
    """One entry of ``layers``; sizes stay unresolved (constant names) until the network is built."""

    name: Annotated[str, Field(min_length=1)]
    type: str
    stride: dict[str, PositiveInt] = {}
    dimensions: dict[str, SizeOrConstant]
    dataflow: list[str] | None = None


class NetworkDescription(_Strict):
    """The whole network description file."""

    network: Annotated[str, Field(min_length=1)]
    constants: dict[str, PositiveInt] = {}
    layers: Annotated[list[LayerDescription], Field(min_length=1)]


class HardwareDescription(_Strict):
    """A hardware description with Accelerator field names; a field left out stays None (not given)."""

    num_pes: PositiveInt | None = None
    simd_lanes: PositiveInt | None = None
    noc_bandwidth_elems_per_cycle: PositiveInt | None = None
    noc_latency_cycles: Annotated[int, Field(ge=0, le=UNLIMITED)] | None = None
    offchip_bandwidth_elems_per_cycle: PositiveInt | None = None
    l1_size_elems: BufferSize | None = None
    l2_size_elems: BufferSize | None = None
    word_bits: Annotated[int, Field(gt=0, le=MAX_WORD_BITS)] | None = None


#: Every accepted hardware key -> the Accelerator field it sets.
HARDWARE_KEYS: dict[str, str] = {name: name for name in HardwareDescription.model_fields} | {
    "l1_size_cstr": "l1_size_elems",
    "l2_size_cstr": "l2_size_elems",
    "noc_bw_cstr": "noc_bandwidth_elems_per_cycle",
    "offchip_bw_cstr": "offchip_bandwidth_elems_per_cycle",
    "num_simd_lanes": "simd_lanes",
    "noc_hop_latency": "noc_latency_cycles",
    "NoC_NumHops": "noc_latency_cycles",
}


def _validate(model: type[_Strict], data: Any, document: Document, what: str) -> Any:
    """`model` validated from `data`; the first problem becomes a one-line InputError."""
    if not isinstance(data, dict):
        keys = ", ".join(model.model_fields)
        found = "an empty document" if data is None else type(data).__name__
        raise InputError(f"expected a {what} mapping with keys {keys}, found {found}", document.path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = error.errors(include_url=False)
        first = problems[0]
        others = len(problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        raise InputError(_describe(model, first) + more, document.where(tuple(first["loc"]))) from None


def _describe(model: type[BaseModel], problem: Mapping[str, Any]) -> str:
    """A readable sentence for one pydantic error."""
    kind, location = problem["type"], tuple(problem["loc"])
    if kind == "extra_forbidden":
        accepted = _accepted_keys(model, location)
        return f"unknown key {quoted(location[-1])}" + (f"; accepted keys: {', '.join(accepted)}" if accepted else "")
    if kind == "missing":
        return "required key is missing"
    if kind == "too_short":
        return f"needs at least {problem['ctx']['min_length']} entry"
    found = problem.get("input")
    return f"{problem['msg'].replace('Input should', 'should')}, found {quoted(found)} ({type(found).__name__})"


def _accepted_keys(model: type[BaseModel], location: tuple[str | int, ...]) -> list[str]:
    """The keys of the model that holds the last element of `location`."""
    current: type[BaseModel] | None = model
    for part in location[:-1]:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        current = _nested_model(field.annotation) if field is not None else None
    return list(current.model_fields) if current is not None else []


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``list[LayerDescription] | None``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _nested_model(argument)
        if found is not None:
            return found
    return None


# ---- networks -------------------------------------------------------------------------------------------
def parse_network_description(text: str, source: str = "<string>.yaml") -> MappedNetwork:
    """Parse a YAML (or, when `source` ends in .json, JSON) network description."""
    document = Document(source, text)
    description: NetworkDescription = _validate(NetworkDescription, document.data, document, "network description")
    if len(description.layers) > MAX_LAYERS:
        raise InputError(
            f"the network has {len(description.layers):,} layers; at most {MAX_LAYERS:,} are accepted", document.where(("layers",))
        )
    constants = dict(description.constants)
    for name in constants:
        if tokenize(name).texts != [name] or name.isdigit() or name == "Sz":
            raise InputError(
                f"constant name {quoted(name)} cannot be used in a directive; use letters, digits and '_'",
                document.where(("constants", name)),
            )
    layers: list[MappedLayer] = []
    previous: tuple[Directive, ...] | None = None
    for index, layer in enumerate(description.layers):
        mapped = _mapped_layer(layer, ("layers", index), constants, previous, document)
        layers.append(mapped)
        previous = mapped.dataflow
    return MappedNetwork(description.network, tuple(layers), source)


def _mapped_layer(
    layer: LayerDescription,
    location: tuple[str | int, ...],
    constants: dict[str, int],
    previous: tuple[Directive, ...] | None,
    document: Document,
) -> MappedLayer:
    """Build one layer from its description, with the .m rules (shared code) and YAML locations."""
    layer_source = document.where(location)
    layer_where = f"{layer_source} (layer {shortened(layer.name)})"
    layer_type = layer_type_from_word(layer.type, f"{document.where((*location, 'type'))} (layer {shortened(layer.name)})")
    for axis in layer.stride:
        if axis not in STRIDE_DIMENSIONS:
            raise InputError(
                f"a stride is given for X or Y (input width and height) only, found {quoted(axis)}",
                document.where((*location, "stride", axis)),
            )
    dimensions: dict[str, int] = {}
    for name, size in layer.dimensions.items():
        where = document.where((*location, "dimensions", name))
        check_dimension_name(name, "a dimension name", where)
        if isinstance(size, str):
            if size not in constants:
                raise InputError(f"{quoted(size)} is neither an integer nor a declared constant", where)
            size = constants[size]
        if size <= 0:
            raise InputError(f"the size of dimension {name} must be a positive integer, found {size}", where)
        dimensions[name] = size
    directives = tuple(
        parse_directive(text, dimensions, constants, document.where((*location, "dataflow", position)))
        for position, text in enumerate(layer.dataflow or ())
    )
    inherited = not directives
    if inherited:
        directives = previous or ()  # none before it: the description gives the network only
    return build_mapped_layer(
        layer.name, layer_type, dimensions, dict(layer.stride), directives, inherited, layer_where, layer_source
    )


def read_network_description(path: str | PathLike[str]) -> MappedNetwork:
    """Read a network description file (.yaml, .yml or .json)."""
    _check_suffix(path)
    return parse_network_description(read_text_file(path), str(path))


def network_description(network: MappedNetwork) -> dict[str, Any]:
    """The description (plain data, ready for YAML or JSON) of `network`; sizes are written resolved."""
    layers = []
    for mapped in network.layers:
        layer = mapped.layer
        entry: dict[str, Any] = {"name": layer.name, "type": layer.type.value}
        if layer.strides:
            entry["stride"] = _FlowMapping(layer.strides)
        entry["dimensions"] = _FlowMapping(layer.dimensions)
        entry["dataflow"] = [str(directive) for directive in mapped.dataflow]
        layers.append(entry)
    return {"network": network.name, "layers": layers}


class _FlowMapping(dict[str, int]):
    """A mapping written on one line in YAML (``{K: 64, C: 3}``), as dimensions and strides read best."""


class _DescriptionDumper(yaml.SafeDumper):
    pass


_DescriptionDumper.add_representer(
    _FlowMapping, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)
)


def write_network_description(network: MappedNetwork, path: str | PathLike[str]) -> None:
    """Write `network` as YAML or JSON (by suffix); reading the file back gives an equal network."""
    _check_suffix(path)
    document = network_description(network)
    if Path(path).suffix.lower() == ".json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.dump(document, Dumper=_DescriptionDumper, sort_keys=False, allow_unicode=True, width=120)
    try:
        write_text_atomically(path, text)
    except OSError as error:
        raise cannot_write(path, error) from None


# ---- hardware -------------------------------------------------------------------------------------------
def parse_hardware_description(text: str, source: str = "<string>.yaml") -> dict[str, int]:
    """Parse a YAML/JSON hardware description into the Accelerator fields it sets (and only those)."""
    document = Document(source, text)
    data = document.data
    if not isinstance(data, dict):
        found = "an empty document" if data is None else type(data).__name__
        raise InputError(f"expected a mapping of hardware parameters, found {found}", source)
    fields: dict[str, Any] = {}
    spelled: dict[str, str] = {}  # Accelerator field -> the key the user wrote
    for key, value in data.items():
        field = HARDWARE_KEYS.get(key) if isinstance(key, str) else None
        if field is None:
            accepted = ", ".join(HARDWARE_KEYS)
            raise InputError(f"unknown hardware key {quoted(key)}; accepted keys: {accepted}", document.where((str(key),)))
        if field in spelled:
            raise InputError(f"{spelled[field]} and {key} both set {field}", document.where((key,)))
        spelled[field] = key
        fields[field] = value
    try:
        description = HardwareDescription.model_validate(fields)
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        field = str(problem["loc"][0])
        written = spelled.get(field, field)
        raise InputError(_describe(HardwareDescription, problem), document.where((written,))) from None
    values = description.model_dump()
    word_bits = description.word_bits or DEFAULT_WORD_BITS
    for field in ("l1_size_elems", "l2_size_elems"):
        if values[field] is not None:
            values[field] = _buffer_elems(values[field], word_bits, document.where((spelled[field],)))
    return {name: values[name] for name in Accelerator.__dataclass_fields__ if values.get(name) is not None}


def _buffer_elems(value: int | str, word_bits: int, where: str) -> int:
    """A buffer size in elements; a size with a unit that is not a whole, positive number of words is an error."""
    try:
        elements = size_elems(value, word_bits)
    except InputError as error:
        raise InputError(error.message, where) from None
    if not 0 < elements <= UNLIMITED:
        raise InputError(f"{quoted(value)} is {elements:,} elements; a size is 1 to {UNLIMITED:,} elements", where)
    return elements


def read_hardware_description(path: str | PathLike[str]) -> dict[str, int]:
    """Read a hardware description file (.yaml, .yml or .json); returns only the keys it gives."""
    _check_suffix(path)
    return parse_hardware_description(read_text_file(path), str(path))


def _check_suffix(path: str | PathLike[str]) -> None:
    if Path(path).suffix.lower() not in DESCRIPTION_SUFFIXES:
        raise InputError(f"cannot tell the format of {path}: expected a .yaml, .yml or .json file")
