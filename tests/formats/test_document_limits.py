"""YAML and JSON inputs at and beyond the documented limits: one short located InputError, fast, little memory.

Each case below crashed, hung or ate gigabytes before the bounds of formats/documents.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.errors import InputError
from mapscope.formats import documents
from mapscope.formats.descriptions import parse_hardware_description, parse_network_description
from mapscope.formats.documents import Document
from mapscope.formats.space_file import parse_space_text
from mapscope.limits import MAX_INTEGER_DIGITS, MAX_NESTING_DEPTH, MAX_QUOTED_CHARS

NETWORK_YAML = "network: x\nlayers:\n  - name: a\n    type: CONV\n    dimensions: {K: %s, C: 3}\n"
NETWORK_JSON = '{"network": "x",\n "layers": [{"name": "a", "type": "CONV",\n   "dimensions": {"K": %s, "C": 3}}]}'
#: 369 bytes of nested aliases: 9**9 (387 million) strings once expanded, under a validated key.
BILLION_LAUGHS = "network: x\n" + "".join(
    f"{name}: &{name} [{','.join(['*' + previous] * 9) if previous else ','.join(['lol'] * 9)}]\n"
    for previous, name in zip(["", *"abcdefgh"], "abcdefghi")
) + "layers: *i\n"


def _error(parse: Any, text: str, source: str) -> str:
    with pytest.raises(InputError) as caught:
        parse(text, source)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 600, message  # bounded, whatever the size of the input
    return message


@pytest.mark.parametrize(
    ("template", "source", "line"), [(NETWORK_YAML, "n.yaml", 5), (NETWORK_JSON, "n.json", 3)], ids=["yaml", "json"]
)
def test_integers_with_thousands_of_digits_are_refused_before_conversion(template: str, source: str, line: int) -> None:
    message = _error(parse_network_description, template % ("9" * 5000), source)
    assert message == f"{source}:{line}: layers[0].dimensions.K: an integer of 5,000 digits; at most {MAX_INTEGER_DIGITS} are accepted"
    assert "digits" not in _error(parse_network_description, template % ("9" * MAX_INTEGER_DIGITS), source)


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("num_pes: 0x" + "f" * 100 + "\n", "h.yaml"),
        ("num_pes: 1" + ":30" * 5000 + "\n", "h.yaml"),  # YAML 1.1 base 60
        ("num_pes: -1_" + "0" * 100 + "\n", "h.yaml"),
        ("num_pes: !!int '" + "7" * 5000 + "'\n", "h.yaml"),
        ("? " + "9" * 5000 + "\n: 1\n", "h.yaml"),  # as a key
    ],
    ids=["hex", "sexagesimal", "underscores", "tagged", "key"],
)
def test_every_yaml_integer_spelling_is_bounded(text: str, source: str) -> None:
    assert "digits; at most 40 are accepted" in _error(parse_hardware_description, text, source)


@pytest.mark.parametrize(
    ("text", "source", "shown"),
    [
        ("num_pes: .inf\n", "h.yaml", "'.inf'"),
        ("num_pes: .NaN\n", "h.yaml", "'.NaN'"),
        ("num_pes: -1.0e+999\n", "h.yaml", "'-1.0e+999'"),
        ('{"num_pes": NaN}', "h.json", "'NaN'"),
        ('{"num_pes": -Infinity}', "h.json", "'-Infinity'"),
        ('{"num_pes": 1e999}', "h.json", "'1e999'"),
        ('{"num_pes": 1' + "0" * 5000 + '.5}', "h.json", "'1000"),
    ],
)
def test_numbers_that_are_not_finite_are_refused(text: str, source: str, shown: str) -> None:
    message = _error(parse_hardware_description, text, source)
    assert message.startswith(f"{source}:1: num_pes: {shown}") and message.endswith("is not a finite number")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!!float nan\nl..\n", "h.yaml:1: cannot read 'nan l..' with the tag !!float"),  # found by fuzzing
        ("num_pes: !!int abc\n", "h.yaml:1: num_pes: cannot read 'abc' with the tag !!int"),
        ("num_pes: !!bool maybe\n", "h.yaml:1: num_pes: cannot read 'maybe' with the tag !!bool"),
        ("num_pes: !!timestamp 2020-13-45\n", "h.yaml:1: num_pes: cannot read '2020-13-45' with the tag !!timestamp"),
    ],
)
def test_explicitly_tagged_values_that_do_not_read_are_located(text: str, expected: str) -> None:
    assert _error(parse_hardware_description, text, "h.yaml") == expected


@pytest.mark.parametrize("source", ["deep.json", "deep.yaml"])
@pytest.mark.parametrize("depth", [MAX_NESTING_DEPTH + 1, 900, 100_000])
def test_nesting_beyond_the_bound_is_refused(source: str, depth: int) -> None:
    text = '{"network": "x", "layers":\n' + "[" * depth + "]" * depth + "}"
    message = _error(parse_network_description, text, source)
    assert message == f"{source}:2: lists and mappings are nested more than 64 deep; at most 64 levels are accepted"


@pytest.mark.parametrize("source", ["deep.json", "deep.yaml"])
def test_nesting_at_the_bound_is_read(source: str) -> None:
    depth = MAX_NESTING_DEPTH - 1  # inside the top-level mapping
    document = Document(source, '{"a": ' + "[" * depth + "1" + "]" * depth + "}")
    value = document.data["a"]
    for _ in range(depth):
        value = value[0]
    assert value == 1


def test_deep_yaml_through_an_alias_is_refused() -> None:
    shallow = "a: &a " + "[" * 40 + "1" + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    assert "nested more than 64 deep" in _error(parse_hardware_description, shallow, "h.yaml")


def test_billion_laughs_is_refused_at_once_with_a_short_line() -> None:
    assert len(BILLION_LAUGHS.encode()) < 370
    started = time.perf_counter()
    message = _error(parse_network_description, BILLION_LAUGHS, "lol.yaml")
    assert time.perf_counter() - started < 5
    assert message.startswith("lol.yaml:8: the document holds more than 1,000,000 values once its aliases are expanded")


def test_aliases_within_the_bound_still_work() -> None:
    text = (
        "network: x\nlayers:\n"
        "  - {name: a, type: CONV, dimensions: &sizes {K: 4, C: 3, R: 1, S: 1, Y: 8, X: 8}, dataflow: &flow ['SpatialMap(1,1) K']}\n"
        "  - {name: b, type: CONV, dimensions: *sizes, dataflow: *flow}\n"
    )
    network = parse_network_description(text, "n.yaml")
    assert [m.layer.dimensions for m in network.layers][0] == network.layers[1].layer.dimensions


def test_merge_keys_are_accepted() -> None:
    assert parse_hardware_description("num_pes: 8\n<<: {simd_lanes: 2, num_pes: 4}\n", "h.yaml") == {"num_pes": 8, "simd_lanes": 2}


@pytest.mark.parametrize("text", ["network: &a [x, *a]\n", "a: &a {b: {c: *a}}\n"])
def test_recursive_aliases_are_refused(text: str) -> None:
    assert _error(parse_hardware_description, text, "r.yaml") == "r.yaml:1: alias *a refers to a node that contains it"


def test_quoted_input_in_validation_errors_stays_short() -> None:
    long_list = "[" + ", ".join(["7"] * 50_000) + "]"
    assert "found [7, 7, 7, 7, ...] (list)" in _error(parse_network_description, f"network: {long_list}\nlayers: []\n", "n.yaml")
    message = _error(parse_hardware_description, "x" * 1000 + "y: 1\n", "h.yaml")  # simple keys end at 1,024 chars
    assert "unknown hardware key 'xxxx" in message and "..." in message
    key = "k" * 5000
    message = _error(parse_space_text, json.dumps({"name": "s", "network": "n", "hardware": {}, "objectives": ["x"], key: 1}), "s.json")
    assert f"unknown key '{'k' * 10}" in message and len(message) < 3 * MAX_QUOTED_CHARS + 100


@pytest.mark.parametrize(
    ("text", "source", "expected"),
    [
        ("num_pes: 1\nsimd_lanes: 2\nnum_pes: 3\n", "d.yaml", "d.yaml:3: num_pes: key 'num_pes' appears twice in one mapping"),
        ('{"num_pes": 1,\n "num_pes": 2}', "d.json", "d.json:1: key 'num_pes' appears twice in one object"),
    ],
)
def test_repeated_keys_are_located(text: str, source: str, expected: str) -> None:
    assert _error(parse_hardware_description, text, source) == expected


# ---- the node count: the YAML event count and the JSON punctuation count agree with the real count ----
def _shape(value: Any) -> tuple[int, int]:
    """(nodes, nesting depth) of a plain value: one node per value and per key."""
    if isinstance(value, dict):
        inner = [_shape(item) for item in value.values()]
        return 1 + len(value) + sum(n for n, _ in inner), 1 + max((d for _, d in inner), default=0)
    if isinstance(value, list):
        inner = [_shape(item) for item in value]
        return 1 + sum(n for n, _ in inner), 1 + max((d for _, d in inner), default=0)
    return 1, 0


_SCALARS = st.one_of(st.integers(-(10**9), 10**9), st.text(alphabet='ab,:[]{}"\\ \'', max_size=6), st.booleans(), st.none())
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet="k,:[]", max_size=3), inner, max_size=4), max_leaves=30)


@settings(max_examples=examples(150), deadline=None)
@given(value=_VALUES, suffix=st.sampled_from([".json", ".yaml"]), flow=st.booleans())
def test_documents_are_refused_exactly_beyond_the_node_and_depth_bounds(value: Any, suffix: str, flow: bool) -> None:
    nodes, depth = _shape(value)
    text = json.dumps(value) if suffix == ".json" or flow else yaml.safe_dump(value)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "MAX_DOCUMENT_NODES", nodes)
        patch.setattr(documents, "MAX_NESTING_DEPTH", depth)
        assert Document(f"d{suffix}", text).data == value  # exactly at both bounds: read
        patch.setattr(documents, "MAX_DOCUMENT_NODES", nodes - 1)
        with pytest.raises(InputError, match="values once its aliases are expanded"):
            Document(f"d{suffix}", text)
        if depth > 0:
            patch.setattr(documents, "MAX_DOCUMENT_NODES", nodes)
            patch.setattr(documents, "MAX_NESTING_DEPTH", depth - 1)
            with pytest.raises(InputError, match="nested more than"):
                Document(f"d{suffix}", text)


def test_the_file_reader_applies_the_same_bounds(tmp_path: Path) -> None:
    from mapscope.formats.descriptions import read_hardware_description

    path = tmp_path / "h.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=r"h\.json:1: lists and mappings are nested more than 64 deep"):
        read_hardware_description(path)


@settings(max_examples=examples(100), deadline=None)
@given(shared=_VALUES, copies=st.integers(1, 4), doublings=st.integers(0, 4))
def test_aliases_count_as_their_expansion(shared: Any, copies: int, doublings: int) -> None:
    inner: Any = [shared] * copies
    for _ in range(doublings):
        inner = [inner, {"k": inner}]
    value = {"x": shared, "y": inner}
    text = yaml.safe_dump(value)  # repeated lists and mappings become anchors and aliases
    nodes, depth = _shape(value)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "MAX_DOCUMENT_NODES", nodes)
        patch.setattr(documents, "MAX_NESTING_DEPTH", depth)
        assert Document("d.yaml", text).data == value
        patch.setattr(documents, "MAX_DOCUMENT_NODES", nodes - 1)
        with pytest.raises(InputError, match="values once its aliases are expanded"):
            Document("d.yaml", text)
        patch.setattr(documents, "MAX_DOCUMENT_NODES", nodes)
        patch.setattr(documents, "MAX_NESTING_DEPTH", depth - 1)
        with pytest.raises(InputError, match="nested more than"):
            Document("d.yaml", text)
