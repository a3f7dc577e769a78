"""The fast path of the ``.m`` reader: whole layers matched by one regular expression, dataflows memoised.

`parse_regular_mapping` reads the regular form every bundled file uses (Constants, one Network, layers
with Type, an optional Stride, Dimensions and an optional Dataflow, in that order) straight from the text,
without a token list, and returns None at the first thing outside that form or at any mistake in it: the
recursive-descent parser of `mapping_file` then reads the file and words its errors. The one error the fast
path raises itself is a layer rule's (`layer_rules.build_mapped_layer`: a window, a whole-dimension map)
for a layer it has read in full: the general parser, having read the same text up to there, would raise
the same. So it only has to agree with the general parser on what it reads (tests/formats check both on the
bundled files and on mutated texts, errors included). The token rules are those of `tokens`, written as
patterns: separators, ``//`` comments at the start of a token, and no ``-`` where it would make a number
negative.

A dataflow is turned into a template once per distinct Dataflow text (the bundled files repeat one block
for every layer): directive classes, sizes as integers or Sz() dimension names, and line offsets. Each
layer then only resolves Sz() against its dimensions and stamps the directives with their ``file:line``.
"""

from __future__ import annotations

import re
from pathlib import Path

from mapscope.errors import InputError
from mapscope.formats.maestro.layer_rules import WHOLE_DIMENSION_MAPS, build_mapped_layer
from mapscope.limits import MAX_INTEGER_DIGITS, MAX_NAME_CHARS, MAX_SIZE, shortened
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.workload.layer import DIMENSION_NAMES, Layer, LayerType

# Token separators of `tokens.SEPARATORS` plus the line break, as a character class body (with and
# without '-': a '-' right before a number makes the general parser reject it, so a number's gap has none).
_SEPARATOR_CHARS = re.escape(" ,->():\t;\r\f\v\n")
_SEPARATOR_CHARS_NO_MINUS = re.escape(" ,>():\t;\r\f\v\n")
#: A comment as `tokens` finds it: "//" at the start of a token (at the start of a line or after a
#: separator) up to the end of the line. The reader removes them first (keeping the line breaks).
#: Written "//" first (then: not right after a non-separator) so that the regex engine scans for the literal.
_COMMENT = re.compile(rf"//(?<![^{_SEPARATOR_CHARS}]//)[^\n]*")
# Possessive ("++", "*+"): what follows a gap or a word never starts with one of its characters, so giving
# characters back could not make a match; not trying saves the regex engine work on every layer.
_GAP = rf"[{_SEPARATOR_CHARS}]++"
_GAP_BEFORE_NUMBER = rf"[{_SEPARATOR_CHARS_NO_MINUS}]++"
_LEADING_GAP = rf"[{_SEPARATOR_CHARS}]*+"  # only where the position follows a separator or starts the text
_TOKEN_END = rf"(?=[{_SEPARATOR_CHARS}]|\Z)"
_TOKEN = rf"[^{_SEPARATOR_CHARS}]++"
_WORD = rf"[^{_SEPARATOR_CHARS}{{}}]++"  # a token without a brace: names, dimensions, values

_CONSTANT = re.compile(rf"{_LEADING_GAP}Constant{_GAP}(?P<name>{_WORD}){_GAP_BEFORE_NUMBER}(?P<value>{_WORD}){_TOKEN_END}")
_NETWORK = re.compile(rf"{_LEADING_GAP}Network(?P<name>(?:{_GAP}{_WORD})*?){_GAP}\{{{_TOKEN_END}")
_LAYER = re.compile(
    rf"{_LEADING_GAP}(?P<layer>Layer)(?:{_GAP}(?P<word_name>{_WORD})(?={_GAP}\{{)|(?P<name>(?:{_GAP}{_WORD})+?)){_GAP}\{{"
    rf"{_GAP}Type{_GAP}(?P<type>{_TOKEN})"
    rf"(?:{_GAP}Stride{_GAP}\{{(?P<strides>(?:{_GAP}[XY]{_GAP_BEFORE_NUMBER}[0-9]++)*+){_GAP}\}})?"
    rf"{_GAP}Dimensions{_GAP}\{{(?P<dimensions>(?:{_GAP}{_WORD}{_GAP_BEFORE_NUMBER}{_WORD})*+){_GAP}\}}"
    # the inside of a Dataflow block is checked token by token when its template is made
    rf"(?:{_GAP}Dataflow{_GAP}\{{(?P<dataflow>[{_SEPARATOR_CHARS}][^{{}}]*+)(?<=[{_SEPARATOR_CHARS}])\}})?"
    rf"{_GAP}\}}{_TOKEN_END}"
)
_CLOSE = re.compile(rf"{_LEADING_GAP}\}}{_TOKEN_END}")
_END = re.compile(rf"{_LEADING_GAP}\Z")
_PAIR = re.compile(rf"{_GAP}({_WORD}){_GAP_BEFORE_NUMBER}({_WORD})")
_NAME_PART = re.compile(rf"({_GAP})({_WORD})")


def _size_pattern(group: str) -> str:
    """A directive size: Sz(DIM) (group `group`_dimension) or an integer or Constant (group `group`)."""
    return rf"(?:Sz{_GAP}(?P<{group}_dimension>{_WORD})|(?P<{group}>{_WORD}))"


_DIRECTIVE = re.compile(
    rf"{_GAP}(?:(?P<map>TemporalMap|SpatialMap){_GAP_BEFORE_NUMBER}{_size_pattern('size')}"
    rf"{_GAP_BEFORE_NUMBER}{_size_pattern('offset')}{_GAP}(?P<dimension>{_WORD})"
    rf"|(?P<cluster>Cluster){_GAP_BEFORE_NUMBER}{_size_pattern('cluster_size')}(?:{_GAP}(?P<kind>[PL]){_TOKEN_END})?)"
)
#: Characters str.split() breaks on that are not MAESTRO separators: the tokenizer splits a line without a
#: '-' on them and a line with one not, so a text holding any is left to the general parser.
_OTHER_WHITESPACE = re.compile("[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_ASCII_OTHER_WHITESPACE = "\x1c\x1d\x1e\x1f"  # the ones an ASCII text may hold: searched one by one, faster
_LAYER_STOP_WORDS = frozenset(("Layer", "Type", "Stride", "Dimensions", "Dataflow"))
_NETWORK_STOP_WORDS = frozenset(("Layer", "Network", "Constant"))
_MAP_CLASSES = {"TemporalMap": TemporalMap, "SpatialMap": SpatialMap}
_DIMENSIONS = frozenset(DIMENSION_NAMES)
#: Layer type words as `layer_rules.layer_type_from_word` accepts them; any other word is not regular.
_LAYER_TYPES = {word: LayerType(word) for word in LayerType.__members__}

#: One directive with its sizes unresolved: class, size, offset (an int, or the dimension of Sz()), the
#: mapped dimension (Cluster: its kind, offset None) and the line offset within the Dataflow text.
_Template = tuple[type, int | str, int | str | None, str, int]
#: One directive with its sizes resolved: class, arguments before the source, and the line offset.
_Resolved = tuple[type[Directive], tuple[int | str, ...], int]


class _NotRegular(Exception):
    """The text leaves the regular form (or holds a mistake): the general parser takes over."""


def _positive(word: str, constants: dict[str, int]) -> int:
    """A positive integer or Constant, as `mapping_file` reads one; anything else is not regular."""
    if word.isascii() and word.isdigit():
        if len(word) > MAX_INTEGER_DIGITS:
            raise _NotRegular
        value = int(word)
    else:
        value = constants.get(word, 0)
    if not 0 < value <= MAX_SIZE:
        raise _NotRegular
    return value


def _name(spelled: str, stop_words: frozenset[str]) -> str:
    """The name whose tokens (each after its gap) are `spelled`, joined as the general parser joins them."""
    parts: list[str] = []
    length = 0
    for gap, word in _NAME_PART.findall(spelled):
        if word in stop_words:
            raise _NotRegular
        if parts:  # a '-' counts on the token's own line only, as in `tokens`; a comment ends its line
            parts.append("-" if "-" in gap[gap.rfind("\n") + 1 :] else " ")
        parts.append(word)
        length += len(word) + 1
        if length > MAX_NAME_CHARS:
            raise _NotRegular
    return "".join(parts)


def _dataflow_template(text: str, constants: dict[str, int], max_directives: int) -> tuple[_Template, ...]:
    """The directives of a Dataflow block's inside `text`, sizes unresolved, or _NotRegular."""
    templates: list[_Template] = []
    position = line = 0
    match_at = _DIRECTIVE.match
    end = len(text.rstrip(" ,->():\t;\r\f\v\n"))  # the block ends with a gap before its '}'
    while position < end:
        match = match_at(text, position)
        if match is None or len(templates) >= max_directives:
            raise _NotRegular
        keyword = match["map"]
        start = match.start("map") if keyword is not None else match.start("cluster")
        line += text.count("\n", position, start)
        if keyword is not None:
            dimension = match["dimension"]
            if dimension not in _DIMENSIONS:
                raise _NotRegular
            size, offset = _size(match, "size", constants), _size(match, "offset", constants)
            templates.append((_MAP_CLASSES[keyword], size, offset, dimension, line))
        else:
            templates.append((Cluster, _size(match, "cluster_size", constants), None, match["kind"] or "P", line))
        line += text.count("\n", start, match.end())
        position = match.end()
    return tuple(templates)


def _size(match: re.Match[str], group: str, constants: dict[str, int]) -> int | str:
    dimension = match[group + "_dimension"]
    if dimension is None:
        return _positive(match[group], constants)
    if dimension not in _DIMENSIONS:
        raise _NotRegular
    return dimension


def _resolved(templates: tuple[_Template, ...], dimensions: dict[str, int]) -> tuple[_Resolved, ...]:
    """`templates` with Sz() resolved against `dimensions`: each directive's class, arguments and line offset."""
    resolved: list[_Resolved] = []
    for directive_class, size, offset, third, line in templates:
        if size.__class__ is str:
            size = dimensions.get(size)  # type: ignore[call-overload]
            if size is None:
                raise _NotRegular
        if directive_class is Cluster:
            resolved.append((Cluster, (size, third), line))
            continue
        if offset.__class__ is str:
            offset = dimensions.get(offset)  # type: ignore[call-overload]
            if offset is None:
                raise _NotRegular
        resolved.append((directive_class, (size, offset, third), line))
    return tuple(resolved)


class _RegularReader:
    """One pass over a regular text; `line`/`offset` track the line number of a position as it advances.

    What repeats from layer to layer is worked out once per parse: the pairs of a Stride and of a Dimensions
    text, the template of a Dataflow text, and the directives it resolves to for given sizes of the dimensions
    it depends on, checked (the whole-dimension rule) by the first layer with those sizes.
    """

    def __init__(self, text: str, source: str, limits: tuple[int, int, int]) -> None:
        self.max_layers, self.max_constants, self.max_directives = limits
        self.text = text
        self.source = source
        self.constants: dict[str, int] = {}
        self.numbers: dict[str, int] = {}  # a size word (digits or a Constant) -> its value, once all are read
        #: By Dataflow text: its template and the dimensions it depends on (Sz() and whole-dimension maps).
        self.templates: dict[str, tuple[tuple[_Template, ...], tuple[str, ...]]] = {}
        self.strides: dict[str, tuple[tuple[str, int], ...]] = {}  # by the text of a Stride block
        self.dimensions: dict[str, tuple[dict[str, int], tuple[tuple[str, int], ...]]] = {}  # by Dimensions text
        #: By Dataflow text and the sizes of the dimensions it depends on: directives resolved and checked.
        self.checked: dict[tuple[str | int | None, ...], tuple[_Resolved, ...]] = {}
        self.line = 1
        self.offset = 0

    def read(self) -> MappedNetwork:
        text, position = self.text, 0
        while (match := _CONSTANT.match(text, position)) is not None:
            name = match["name"]
            if name.isdigit() or name == "Sz" or (name not in self.constants and len(self.constants) >= self.max_constants):
                raise _NotRegular
            self.constants[name] = _positive(match["value"], self.constants)
            position = match.end()
        header = _NETWORK.match(text, position)
        if header is None:
            raise _NotRegular
        name = _name(header["name"], _NETWORK_STOP_WORDS) or Path(self.source).stem
        layers: list[MappedLayer] = []
        previous: tuple[Directive, ...] | None = None
        position = header.end()
        while (match := _LAYER.match(text, position)) is not None:
            if len(layers) >= self.max_layers:
                raise _NotRegular
            layer = self.layer(match, previous)
            previous = layer.dataflow
            layers.append(layer)
            position = match.end()
        close = _CLOSE.match(text, position)
        if close is None or not layers or _END.match(text, close.end()) is None:
            raise _NotRegular
        return MappedNetwork(name, tuple(layers), self.source)

    def layer(self, match: re.Match[str], previous: tuple[Directive, ...] | None) -> MappedLayer:
        name = match["word_name"]
        if name is None:
            name = _name(match["name"], _LAYER_STOP_WORDS)
        elif name in _LAYER_STOP_WORDS or len(name) >= MAX_NAME_CHARS:  # as `_name` rules on a one-word name
            raise _NotRegular
        start = match.start("layer")
        self.line = line = self.line + self.text.count("\n", self.offset, start)
        self.offset = start
        source = f"{self.source}:{line}"
        layer_type = _LAYER_TYPES.get(match["type"])
        if layer_type is None:
            raise _NotRegular
        strides_text = match["strides"] or ""
        strides = self.strides.get(strides_text)
        if strides is None:
            strides = self.strides[strides_text] = self.stride_pairs(strides_text)
        dimensions_text = match["dimensions"]
        dimensions = self.dimensions.get(dimensions_text)  # shared, never changed
        if dimensions is None:
            dimensions = self.dimensions[dimensions_text] = self.dimension_pairs(dimensions_text)
        sizes = dimensions[0]
        dataflow_text = match["dataflow"]
        template = self.templates.get(dataflow_text) if dataflow_text else ((), ())
        if template is None:
            template = self.templates[dataflow_text] = self.template(dataflow_text)
        templates, depends_on = template
        if not templates:  # no (or an empty) Dataflow block: the previous layer's directives, checked each time
            where = f"{source}: layer {shortened(name)}"
            return build_mapped_layer(name, layer_type, sizes, dict(strides), previous or (), True, where, source)
        first_line = line + self.text.count("\n", start, match.start("dataflow"))
        key = (dataflow_text, *map(sizes.get, depends_on))
        resolved = self.checked.get(key)
        if resolved is not None:  # the usual layer: resolved and checked for an earlier layer
            place = self.source
            directives = tuple([kind(*arguments, f"{place}:{first_line + offset}") for kind, arguments, offset in resolved])
            try:
                return MappedLayer(Layer(name, layer_type, dimensions[1], strides), directives, source)
            except InputError:  # a window larger than its input, say: worded and located as the general parser does
                where = f"{source}: layer {shortened(name)}"
                return build_mapped_layer(name, layer_type, sizes, dict(strides), directives, False, where, source)
        resolved = _resolved(templates, sizes)
        place = self.source
        directives = tuple([kind(*arguments, f"{place}:{first_line + offset}") for kind, arguments, offset in resolved])
        where = f"{source}: layer {shortened(name)}"
        mapped = build_mapped_layer(name, layer_type, sizes, dict(strides), directives, False, where, source)
        self.checked[key] = resolved
        return mapped

    def template(self, text: str) -> tuple[tuple[_Template, ...], tuple[str, ...]]:
        """The template of a Dataflow block's inside `text` and the dimensions whose sizes it depends on."""
        templates = _dataflow_template(text, self.constants, self.max_directives)
        depends_on: dict[str, None] = {}
        for directive_class, size, offset, third, _ in templates:
            for value in (size, offset):
                if value.__class__ is str:
                    depends_on[value] = None  # type: ignore[index]
            if directive_class is TemporalMap and third in WHOLE_DIMENSION_MAPS:
                depends_on[third] = None
        return templates, tuple(depends_on)

    def stride_pairs(self, text: str) -> tuple[tuple[str, int], ...]:
        strides: dict[str, int] = {}
        for axis, value in _PAIR.findall(text):
            if axis in strides:
                raise _NotRegular
            strides[axis] = _positive(value, {})
        return tuple(strides.items())

    def dimension_pairs(self, text: str) -> tuple[dict[str, int], tuple[tuple[str, int], ...]]:
        """The sizes of a Dimensions block's inside `text`, as a dict and as Layer's pairs."""
        dimensions: dict[str, int] = {}
        numbers = self.numbers
        for dimension, value in _PAIR.findall(text):
            size = numbers.get(value)
            if size is None:
                size = numbers[value] = _positive(value, self.constants)
            if dimension not in _DIMENSIONS or dimensions.setdefault(dimension, size) != size:
                raise _NotRegular
        return dimensions, tuple(dimensions.items())


def _has_other_whitespace(text: str) -> bool:
    if text.isascii():
        return any(character in text for character in _ASCII_OTHER_WHITESPACE)
    return _OTHER_WHITESPACE.search(text) is not None


def parse_regular_mapping(text: str, source: str, limits: tuple[int, int, int]) -> MappedNetwork | None:
    """The network of a mapping text in the regular form, or None (not regular, or wrong) for the general parser.

    Raises the InputError of a layer rule broken by a layer read in full, as the general parser would.

    `limits` are the general parser's (layers, Constants, directives per layer): past one, it words the error.
    """
    if _has_other_whitespace(text):
        return None
    if "//" in text:
        text = _COMMENT.sub("", text)
    try:
        return _RegularReader(text, source, limits).read()  # an InputError is a layer rule's: see above
    except _NotRegular:
        return None
