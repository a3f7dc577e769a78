"""Reader for MAESTRO mapping files (``.m``): a network, its layers and their dataflows (docs/formats.md, Mapping files).

A small recursive-descent parser over the token stream of `tokens`::

    file       := { "Constant" NAME NUMBER | Network }          (exactly one Network)
    Network    := "Network" [NAME] "{" Layer { Layer } "}"
    Layer      := "Layer" NAME "{" { "Type" TYPE | Stride | Dimensions | Dataflow } "}"
    Stride     := "Stride" "{" { ("X" | "Y") NUMBER } "}"
    Dimensions := "Dimensions" "{" { DIM NUMBER } "}"
    Dataflow   := "Dataflow" "{" { Directive } "}"
    Directive  := ("TemporalMap" | "SpatialMap") SIZE SIZE DIM | "Cluster" SIZE ["P" | "L"]
    NUMBER     := INT | CONSTANT          SIZE := NUMBER | "Sz" DIM   (the layer's size of DIM)

Like MAESTRO: sizes are resolved to integers while parsing, a layer without (or with an empty) Dataflow
block reuses the previous layer's directives, and a TemporalMap on R or S must cover the whole dimension.
Unlike MAESTRO, every mistake is an InputError naming ``file:line`` (MAESTRO silently skips stray words,
reads ``abc`` as 0 and ``-3`` as 3, and crashes on a missing Cluster type or Dataflow), and a Stride block
may also follow Dimensions (MAESTRO rejects that order; the stride belongs to X/Y either way).
`parse_directive` is shared with the YAML/JSON descriptions, and the rules a layer must follow in both
formats (type words, dimension names, strides, whole-dimension maps) are in `layer_rules`.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import NoReturn

from mapscope.errors import InputError
from mapscope.formats.maestro.layer_rules import (
    STRIDE_DIMENSIONS,
    brace_hint,
    build_mapped_layer,
    check_dimension_name,
    layer_type_from_word,
)
from mapscope.formats.maestro.mapping_fast_path import parse_regular_mapping
from mapscope.formats.maestro.tokens import Tokens, read_text_file, token_stream
from mapscope.limits import (
    MAX_CONSTANTS,
    MAX_DIRECTIVES_PER_LAYER,
    MAX_LAYERS,
    MAX_NAME_CHARS,
    MAX_SIZE,
    integer_from_digits,
    quoted,
    shortened,
)
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.workload.layer import DIMENSION_NAMES, LayerType

DIRECTIVE_KEYWORDS = ("TemporalMap", "SpatialMap", "Cluster")
CLUSTER_KINDS = ("P", "L")
_LAYER_KEYWORDS = ("Type", "Stride", "Dimensions", "Dataflow")
_MAP_CLASSES: dict[str, type[TemporalMap] | type[SpatialMap]] = {"TemporalMap": TemporalMap, "SpatialMap": SpatialMap}


class _MappingParser:
    """Recursive descent over one token stream. `fixed_where`, when given, replaces file:line in errors."""

    def __init__(self, tokens: Tokens, source: str, constants: dict[str, int], fixed_where: str | None = None) -> None:
        self.tokens = tokens
        self.texts = tokens.texts
        self.lines = tokens.lines
        self.after_minus = tokens.after_minus
        self.line_count = tokens.line_count
        self.source = source
        self.constants = constants
        self.fixed_where = fixed_where
        self.position = 0
        self.layer_name: str | None = None  # the layer being read, for error messages

    # ---- cursor ---------------------------------------------------------------------------------------
    def where(self, index: int | None = None) -> str:
        if self.fixed_where is not None:
            return self.fixed_where
        if index is None:
            index = self.position
        line = self.lines[index] if self.has_token(index) else self.line_count
        place = f"{self.source}:{line}"
        return f"{place}: layer {shortened(self.layer_name)}" if self.layer_name is not None else place

    def fail(self, message: str, index: int | None = None) -> NoReturn:
        raise InputError(message, self.where(index))

    def has_token(self, index: int) -> bool:
        """Whether token `index` exists (the stream is split further only past what is already split)."""
        return index < len(self.texts) or self.tokens.available(index)

    def peek(self) -> str | None:
        position = self.position
        return self.texts[position] if position < len(self.texts) or self.tokens.available(position) else None

    def take(self, expected: str) -> str:
        """The next token; at the end of the input, an error saying what was `expected`."""
        position = self.position
        if position >= len(self.texts) and not self.tokens.available(position):  # has_token, inlined: per token
            ended = "the text ended" if self.fixed_where is not None else f"file ended at line {self.line_count}"
            self.fail(f"{ended}; expected {expected}")
        self.position = position + 1
        return self.texts[position]

    def expect(self, word: str, expected: str) -> None:
        found = self.take(expected)
        if found != word:
            self.fail(f"expected {expected}, found {quoted(found)}{brace_hint(found)}", self.position - 1)

    def name_until_brace(self, what: str, stop_words: tuple[str, ...]) -> str:
        """Read name tokens up to "{"; MAESTRO keeps only the last, we keep the name as written."""
        parts: list[str] = []
        length = 0
        while True:
            index = self.position
            word = self.take(f"'{{' after {what}")
            if word == "{":
                return "".join(parts).strip()
            if word in stop_words or "{" in word or "}" in word:
                self.fail(f"expected '{{' after {what}, found {quoted(word)}{brace_hint(word)}", index)
            if parts:
                parts.append("-" if index in self.after_minus else " ")
            parts.append(word)
            length += len(word) + 1
            if length > MAX_NAME_CHARS:
                self.fail(f"{what} {quoted(''.join(parts))} is longer than {MAX_NAME_CHARS:,} characters", index)

    def check_dimension(self, name: str, role: str, index: int) -> None:
        if name not in DIMENSION_NAMES:  # the place is worked out only for an error
            check_dimension_name(name, role, self.where(index))

    # ---- numbers --------------------------------------------------------------------------------------
    def number(self, what: str, dimensions: dict[str, int] | None = None, allow_dimension_size: bool = False) -> int:
        """A positive INT or Constant (or Sz(DIM) when allowed); zero, negative and unknown words are errors."""
        index = self.position
        word = self.take(what)
        spelled = word
        if word.isdigit() and word.isascii():
            try:
                value, written = integer_from_digits(word, what), word
            except InputError as error:
                self.fail(error.message, index)
        elif word in self.constants:
            value, written = self.constants[word], f"{word} = {self.constants[word]}"
        elif word == "Sz" and allow_dimension_size:
            dimension = self.take(f"a dimension name in Sz( ) for {what}")
            self.check_dimension(dimension, f"a dimension name in Sz( ) for {what}", index)
            if dimensions is None:
                self.fail(f"Sz({dimension}) is used before the layer's Dimensions block", index)
            if dimension not in dimensions:
                declared = ", ".join(dimensions) or "none"
                self.fail(f"Sz({dimension}): the layer has no dimension {dimension} (it declares {declared})", index)
            spelled = f"Sz({dimension})"
            value, written = dimensions[dimension], f"{spelled} = {dimensions[dimension]}"
        else:
            forms = "an integer, a Constant or Sz(DIM)" if allow_dimension_size else "an integer or a Constant"
            hint = f" (did you mean Sz({word})?)" if allow_dimension_size and word in DIMENSION_NAMES else ""
            self.fail(f"expected {what} ({forms}), found {quoted(word)}{hint}", index)
        if index in self.after_minus:
            self.fail(f"{what} must be a positive integer, found -{spelled}", index)
        if value <= 0:
            self.fail(f"{what} must be a positive integer, found {written}", index)
        if value > MAX_SIZE:
            self.fail(f"{what} is {written}, above the largest size MAESTRO's model handles ({MAX_SIZE})", index)
        return value

    # ---- directives -----------------------------------------------------------------------------------
    def directive(self, dimensions: dict[str, int] | None) -> Directive:
        index = self.position
        keyword = self.take("a directive (TemporalMap, SpatialMap or Cluster)")
        source = self.fixed_where or f"{self.source}:{self.lines[index]}"
        map_class = _MAP_CLASSES.get(keyword)
        if map_class is not None:
            size = self.number(f"the size of {keyword}", dimensions, allow_dimension_size=True)
            offset = self.number(f"the offset of {keyword}", dimensions, allow_dimension_size=True)
            role = f"the dimension {keyword}({size},{offset}) maps"
            dimension = self.take(role)
            self.check_dimension(dimension, role, self.position - 1)
            return map_class(size, offset, dimension, source)
        if keyword == "Cluster":
            size = self.number("the size of Cluster", dimensions, allow_dimension_size=True)
            kind = "P"
            following = self.peek()
            if following in CLUSTER_KINDS:
                kind = self.take("P or L")
            elif following is not None and following != "}" and following not in DIRECTIVE_KEYWORDS:
                self.fail(f"expected the cluster type P or L in Cluster({size}, ...), found {quoted(following)}")
            return Cluster(size, kind, source)
        hint = " (directives are separated by ';' or new lines)" if keyword.isdigit() else ""
        self.fail(f"unknown directive {quoted(keyword)}; expected TemporalMap, SpatialMap or Cluster{hint}", index)

    # ---- blocks ---------------------------------------------------------------------------------------
    def parse_file(self) -> MappedNetwork:
        network: tuple[str, list[MappedLayer]] | None = None
        network_index = 0
        while self.has_token(self.position):
            index = self.position
            word = self.take("Constant or Network")
            if word == "Constant":
                self.constant()
            elif word == "Network":
                if network is not None:
                    self.fail(f"a second Network block; a file holds one network (the first starts at line "
                              f"{self.lines[network_index]})", index)
                network_index = index
                network = self.network(index)
            elif word == "Accelerator":
                self.fail("Accelerator blocks in mapping files are not supported (MAESTRO ignores them); "
                          "describe the hardware in a separate hardware file", index)
            else:
                self.fail(f"expected Constant or Network, found {quoted(word)}", index)
        if network is None:
            self.fail("no Network block found; a mapping file needs 'Network NAME { Layer ... }'", self.position)
        name, layers = network
        return MappedNetwork(name, tuple(layers), self.source)

    def constant(self) -> None:
        index = self.position
        name = self.take("a constant name after Constant")
        if name.isdigit() or name in ("Sz", "{", "}"):
            self.fail(f"expected a constant name after Constant, found {quoted(name)}", index)
        if name not in self.constants and len(self.constants) >= MAX_CONSTANTS:
            self.fail(f"more than {MAX_CONSTANTS:,} Constants", index - 1)
        self.constants[name] = self.number(f"the value of Constant {shortened(name)}")

    def network(self, start: int) -> tuple[str, list[MappedLayer]]:
        name = self.name_until_brace("the network name", ("Layer", "Network", "Constant"))
        if not name:
            name = Path(self.source).stem
        layers: list[MappedLayer] = []
        previous: tuple[Directive, ...] | None = None
        while True:
            index = self.position
            word = self.take(f"Layer or '}}' closing Network {shortened(name)}")
            if word == "}":
                break
            if word != "Layer":
                hint = " (declare Constants before the Network block)" if word == "Constant" else ""
                self.fail(f"expected Layer or '}}' in Network {shortened(name)}, found {quoted(word)}{hint}", index)
            if len(layers) >= MAX_LAYERS:
                self.fail(f"Network {shortened(name)} has more than {MAX_LAYERS:,} layers", index)
            layer = self.layer(index, previous)
            previous = layer.dataflow
            layers.append(layer)
        if not layers:
            self.fail(f"Network {shortened(name)} has no layers", start)
        return name, layers

    def layer(self, start: int, previous: tuple[Directive, ...] | None) -> MappedLayer:
        name = self.name_until_brace("the layer name", ("Layer", *_LAYER_KEYWORDS))
        if not name:
            self.fail("a layer needs a name: 'Layer NAME {'", start)
        self.layer_name = name
        layer_type: LayerType | None = None
        strides: dict[str, int] | None = None
        dimensions: dict[str, int] | None = None
        dataflow: list[Directive] | None = None
        seen: set[str] = set()
        while True:
            index = self.position
            word = self.take(f"Type, Stride, Dimensions, Dataflow or '}}' closing layer {shortened(name)}")
            if word == "}":
                break
            if word in seen:
                self.fail(f"a second {word} in the layer", index)
            seen.add(word)
            if word == "Type":
                layer_type = layer_type_from_word(self.take("a layer type after Type"), self.where(index + 1))
            elif word == "Stride":
                strides = self.strides()
            elif word == "Dimensions":
                dimensions = self.dimensions()
            elif word == "Dataflow":
                dataflow = self.dataflow(dimensions)
            else:
                expected = "Type, Stride, Dimensions, Dataflow or '}'"
                self.fail(f"expected {expected} in the layer, found {quoted(word)}{brace_hint(word)}", index)
        where = self.where(start)
        self.layer_name = None
        if layer_type is None:
            raise InputError("the layer has no Type (e.g. 'Type: CONV')", where)
        if dimensions is None:
            raise InputError("the layer has no Dimensions block", where)
        inherited = not dataflow
        if inherited:
            directives = previous or ()  # none before it: the file describes the network only (a model file)
        else:
            directives = tuple(dataflow or ())
        source = f"{self.source}:{self.lines[start]}"
        return build_mapped_layer(name, layer_type, dimensions, strides or {}, directives, inherited, where, source)

    def strides(self) -> dict[str, int]:
        self.expect("{", "'{' after Stride")
        strides: dict[str, int] = {}
        while True:
            index = self.position
            dimension = self.take("a dimension or '}' closing the Stride block")
            if dimension == "}":
                return strides
            if dimension not in STRIDE_DIMENSIONS:
                self.fail(f"a stride is given for X or Y (input width and height) only, found {quoted(dimension)}", index)
            if dimension in strides:
                self.fail(f"the stride of {dimension} is given twice", index)
            strides[dimension] = self.number(f"the stride of {dimension}")

    def dimensions(self) -> dict[str, int]:
        self.expect("{", "'{' after Dimensions")
        dimensions: dict[str, int] = {}
        while True:
            index = self.position
            dimension = self.take("a dimension or '}' closing the Dimensions block")
            if dimension == "}":
                return dimensions
            self.check_dimension(dimension, "a dimension name or '}'", index)
            size = self.number(f"the size of dimension {dimension}")
            if dimensions.get(dimension, size) != size:
                self.fail(f"dimension {dimension} is declared twice with different sizes "
                          f"({dimensions[dimension]} and {size})", index)
            dimensions[dimension] = size  # a repeated identical size (UNet_RS.m has "N: 1, N: 1") is harmless

    def dataflow(self, dimensions: dict[str, int] | None) -> list[Directive]:
        self.expect("{", "'{' after Dataflow")
        directives: list[Directive] = []
        while True:
            following = self.peek()
            if following == "}":
                self.position += 1
                return directives
            if following is None:
                self.take("a directive or '}' closing the Dataflow block")
            if len(directives) >= MAX_DIRECTIVES_PER_LAYER:
                self.fail(f"more than {MAX_DIRECTIVES_PER_LAYER:,} directives in one Dataflow block")
            directives.append(self.directive(dimensions))


def parse_mapping_text(text: str, source: str = "<string>") -> MappedNetwork:
    """Parse the text of a MAESTRO mapping file; `source` names it in error messages and `source` fields.

    The regular form is read by `parse_regular_mapping`; anything else, and every mistake, by the parser here.
    """
    network = parse_regular_mapping(text, source, (MAX_LAYERS, MAX_CONSTANTS, MAX_DIRECTIVES_PER_LAYER))
    if network is not None:
        return network
    return _MappingParser(token_stream(text), source, {}).parse_file()


def read_mapping_file(path: str | PathLike[str]) -> MappedNetwork:
    """Read and parse a MAESTRO ``.m`` mapping file (errors name the path as given)."""
    return parse_mapping_text(read_text_file(path), str(path))


def parse_directive(text: str, dimensions: dict[str, int], constants: dict[str, int], where: str) -> Directive:
    """Parse one directive written as in a Dataflow block, e.g. ``TemporalMap(Sz(R),Sz(R)) R``.

    Sizes may use `constants` and Sz() of `dimensions`; errors are located at `where`.
    """
    parser = _MappingParser(token_stream(text), where, dict(constants), fixed_where=where)
    directive = parser.directive(dimensions)
    if parser.peek() is not None:
        parser.fail(f"expected one directive, found {quoted(parser.peek())} after {directive}")
    return directive
