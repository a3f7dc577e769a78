"""YAML and JSON documents read within bounds, with the line of every field for error messages.

Every description, space and trajectory file goes through `Document`. Before any Python object is
built it refuses, as a one-line InputError naming the file and line:

- nesting deeper than `limits.MAX_NESTING_DEPTH` lists and mappings (Python's parsers recurse);
- more than `limits.MAX_DOCUMENT_NODES` nodes once YAML aliases are expanded, and aliases to a node
  that contains them: a few hundred bytes of nested aliases ("billion laughs") expand to billions of
  nodes, so YAML sizes are counted over the parser's events, an alias adding its anchor's size;
- integer literals longer than `limits.MAX_INTEGER_DIGITS` digits (Python's int() of a long literal is
  slow and refused past 4,300 digits), checked before conversion, and numbers that are not finite
  (``.inf``, ``.nan``, ``1e999``, ``NaN``) -- no mapscope input has a use for them;
- a key repeated in one mapping (YAML and JSON parsers silently keep the last).

Errors that concern one value name its key path too (``FILE:LINE: layers[0].dimensions.K``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mapscope.errors import InputError
from mapscope.limits import MAX_DOCUMENT_NODES, MAX_INTEGER_DIGITS, MAX_NESTING_DEPTH, quoted, shortened

Location = tuple[str | int, ...]

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TOO_DEEP = f"lists and mappings are nested more than {MAX_NESTING_DEPTH} deep; at most {MAX_NESTING_DEPTH} levels are accepted"
TOO_MANY_NODES = (
    f"the document holds more than {MAX_DOCUMENT_NODES:,} values once its aliases are expanded; "
    f"at most {MAX_DOCUMENT_NODES:,} are accepted"
)


def _too_many_digits(count: int) -> str:
    return f"an integer of {count:,} digits; at most {MAX_INTEGER_DIGITS} are accepted"


def _not_finite(text: str) -> str:
    return f"{quoted(text)} is not a finite number"


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _NodeProblem(Exception):
    """A YAML value refused while constructing (located afterwards by its node)."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader, refusing repeated keys, over-long integers and non-finite floats."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # "<<: *defaults" merges a mapping; its keys may be overridden
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)):
                if key in seen:
                    raise _NodeProblem(key_node, f"key {quoted(key)} appears twice in one mapping")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's, with a value its constructor cannot read (``!!float abc``, ``!!bool maybe``,
        ``!!timestamp 2020-13-45``) refused at its own node instead of escaping as a bare ValueError."""
        try:
            return super().construct_object(node, deep=deep)
        except (_NodeProblem, yaml.YAMLError):
            raise
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
            tag = str(node.tag).rsplit(":", 1)[-1]
            raise _NodeProblem(node, f"cannot read {quoted(node.value)} with the tag !!{tag}") from None

    def construct_checked_int(self, node: yaml.ScalarNode) -> int:
        digits = str(node.value).replace("_", "").lstrip("+-")
        if len(digits) > MAX_INTEGER_DIGITS:
            raise _NodeProblem(node, _too_many_digits(len(digits)))
        value: int = self.construct_yaml_int(node)
        return value

    def construct_checked_float(self, node: yaml.ScalarNode) -> float:
        value: float = self.construct_yaml_float(node)
        if not math.isfinite(value):
            raise _NodeProblem(node, _not_finite(str(node.value)))
        return value


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_checked_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_checked_float)


# ---- YAML: nesting and alias expansion counted over events, before composing ---------------------------
@dataclass
class _Open:
    """A list or mapping being parsed: its anchor, the node count when it started, its level and the deepest below."""

    anchor: str | None
    start: int
    level: int
    deepest: int


def _check_yaml_shape(text: str, path: str) -> None:
    """Refuse nesting beyond MAX_NESTING_DEPTH, expansion beyond MAX_DOCUMENT_NODES and recursive aliases.

    One pass over the parser's events in constant memory (per open collection and per anchor): an alias
    counts as the whole subtree of its anchor (its size and depth remembered when the anchor closes), so
    the expanded size is known without expanding anything.
    """
    expanded = 0
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (expanded size, depth) of its node
    stack: list[_Open] = []
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.DocumentStartEvent):
            anchors.clear()
            continue
        if isinstance(event, yaml.CollectionStartEvent):
            expanded += 1
            level = len(stack) + 1
            if level > MAX_NESTING_DEPTH:
                raise InputError(TOO_DEEP, _event_where(path, event))
            stack.append(_Open(event.anchor, expanded - 1, level, level))
        elif isinstance(event, yaml.CollectionEndEvent):
            closed = stack.pop()
            if closed.anchor is not None:
                anchors[closed.anchor] = (expanded - closed.start, closed.deepest - closed.level + 1)
            if stack:
                stack[-1].deepest = max(stack[-1].deepest, closed.deepest)
            continue
        elif isinstance(event, yaml.AliasEvent):
            if any(open_node.anchor == event.anchor for open_node in stack):
                raise InputError(f"alias *{shortened(event.anchor)} refers to a node that contains it", _event_where(path, event))
            size, depth = anchors.get(event.anchor, (1, 0))  # an undefined alias: composing reports it
            expanded += size
            level = len(stack) + depth
            if level > MAX_NESTING_DEPTH:
                raise InputError(TOO_DEEP, _event_where(path, event))
            if stack:
                stack[-1].deepest = max(stack[-1].deepest, level)
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor is not None:
                anchors[event.anchor] = (1, 0)
        else:
            continue
        if expanded > MAX_DOCUMENT_NODES:
            raise InputError(TOO_MANY_NODES, _event_where(path, event))


def _event_where(path: str, event: yaml.Event) -> str:
    mark = event.start_mark
    return f"{path}:{mark.line + 1}" if mark is not None else path


def _node_path(root: yaml.Node, target: yaml.Node) -> Location | None:
    """The key path from `root` to `target` (each node visited once, so shared alias targets cost nothing)."""
    seen: set[int] = set()
    pending: list[tuple[yaml.Node, Location]] = [(root, ())]
    while pending:
        node, location = pending.pop()
        if node is target:
            return location
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend((child, (*location, index)) for index, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                if key_node is target:
                    return (*location, key)
                pending.append((value_node, (*location, key)))
    return None


# ---- JSON: counted and scanned before parsing, values checked with their paths after ----------------
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_EMPTY_CONTAINER = re.compile(r"\[\s*\]|\{\s*\}")
_JSON_BRACKET = re.compile(r"[\[\]{}]")


class _Refused:
    """Left by the JSON parser's hooks where a value is refused; found with its path after parsing."""

    def __init__(self, message: str) -> None:
        self.message = message


def _json_integer(text: str) -> int | _Refused:
    digits = text.lstrip("-")
    return _Refused(_too_many_digits(len(digits))) if len(digits) > MAX_INTEGER_DIGITS else int(text)


def _json_float(text: str) -> float | _Refused:
    value = float(text)
    return value if math.isfinite(value) else _Refused(_not_finite(text))


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Refused:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            return _Refused(f"key {quoted(key)} appears twice in one object")
        result[key] = value
    return result


def _check_json_shape(text: str, path: str) -> None:
    """Refuse more than MAX_DOCUMENT_NODES values and nesting beyond MAX_NESTING_DEPTH, before parsing.

    With strings blanked (JSON strings hold no raw newline, so lines stay in place) the values are
    counted from the punctuation: one root, one per comma and per non-empty container, one per key.
    """
    bare = _JSON_STRING.sub('""', text)
    containers = bare.count("[") + bare.count("{")
    nodes = 1 + bare.count(",") + containers - len(_JSON_EMPTY_CONTAINER.findall(bare)) + bare.count(":")
    if nodes > MAX_DOCUMENT_NODES:
        raise InputError(TOO_MANY_NODES, path)
    depth = 0
    for bracket in _JSON_BRACKET.finditer(bare):  # at most about 2 * MAX_DOCUMENT_NODES brackets
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_NESTING_DEPTH:
            raise InputError(TOO_DEEP, f"{path}:{bare.count(chr(10), 0, bracket.start()) + 1}")


def _first_refused(data: Any) -> tuple[Location, str] | None:
    """The path and message of the first value a JSON hook refused, if any."""
    pending: list[tuple[Any, Location]] = [(data, ())]
    while pending:
        value, location = pending.pop()
        if isinstance(value, _Refused):
            return location, value.message
        if isinstance(value, dict):
            pending.extend((item, (*location, key)) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend((item, (*location, index)) for index, item in reversed(list(enumerate(value))))
    return None


# ---- the document ---------------------------------------------------------------------------------------
class Document:
    """A parsed YAML or JSON document (JSON when `path` ends in .json) and the node tree that locates its fields."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self._text = text
        self._node: yaml.Node | None = None
        self._composed = False
        if Path(path).suffix.lower() == ".json":
            self.data = self._load_json(text)
        else:
            self.data = self._load_yaml(text)

    @property
    def node(self) -> yaml.Node | None:
        """The YAML node tree (for JSON, composed on first use: JSON is nearly always YAML too)."""
        if not self._composed:
            self._composed = True
            try:
                self._node = yaml.compose(self._text, Loader=_BaseLoader)
            except yaml.YAMLError:
                self._node = None
        return self._node

    def _load_json(self, text: str) -> Any:
        _check_json_shape(text, self.path)
        try:
            data = json.loads(
                text,
                object_pairs_hook=_json_object,
                parse_int=_json_integer,
                parse_float=_json_float,
                parse_constant=lambda name: _Refused(_not_finite(name)),
            )
        except json.JSONDecodeError as error:
            raise InputError(f"invalid JSON: {error.msg}", f"{self.path}:{error.lineno}") from None
        except RecursionError:  # the scan above bounds nesting; this only guards a deep caller's stack
            raise InputError(TOO_DEEP, self.path) from None
        refused = _first_refused(data)
        if refused is not None:
            location, message = refused
            raise InputError(message, self.where(location))
        return data

    def _load_yaml(self, text: str) -> Any:
        self._composed = True
        try:
            _check_yaml_shape(text, self.path)
            loader = _Loader(text)
            try:
                self._node = loader.get_single_node()
                return loader.construct_document(self._node) if self._node is not None else None
            finally:
                loader.dispose()
        except _NodeProblem as problem:
            location = _node_path(self._node, problem.node) if self._node is not None else None
            where = f"{self.path}:{problem.node.start_mark.line + 1}"  # this node's line: a repeated key's own
            raise InputError(problem.message, f"{where}: {format_location(location)}" if location else where) from None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = f"{self.path}:{mark.line + 1}" if mark is not None else self.path
            problem = " ".join(str(error.problem or error.context or "syntax error").split())
            if "maximum nesting depth" in problem:  # libyaml's own bound (1,000 levels), met before ours
                raise InputError(TOO_DEEP, where) from None
            raise InputError(f"invalid YAML: {shortened(problem)}", where) from None
        except yaml.YAMLError as error:
            raise InputError(f"invalid YAML: {shortened(' '.join(str(error).split()))}", self.path) from None

    def where(self, location: Location) -> str:
        """``FILE:LINE: field.path`` for a pydantic-style location (LINE when the node tree has it)."""
        field_path = format_location(location)
        node = self.node
        line = node_line(node, location) if node is not None else None
        place = f"{self.path}:{line}" if line is not None else self.path
        return f"{place}: {field_path}" if field_path else place


def node_line(node: yaml.Node, location: Location) -> int:
    """The 1-based line of the deepest node along `location` (a key's line for mapping entries)."""
    line: int = node.start_mark.line + 1
    for part in location:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == str(part):
                    child, line = value_node, key_node.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def format_location(location: Location) -> str:
    """``('layers', 0, 'dimensions', 'K')`` -> ``layers[0].dimensions.K`` (over-long keys shortened)."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        key = shortened(str(part))
        text += f".{key}" if text else key
    return text

