"""Tree mutations of YAML and JSON documents: wrong types, missing and extra keys, extreme values, deep
nesting, repeated entries and, for YAML, alias bombs ("billion laughs"), recursive aliases and tags.

A mutated document is a Python tree in which some nodes are *raw* placeholders: text written into the
serialised file as is (a 5,001-digit integer, 100,000 nested brackets, an anchor definition), since
neither `yaml.safe_dump` nor `json.dumps` can write those. `mutate_document` returns the file's bytes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from fuzz_mutations import EXTREME_INTEGERS, EXTREME_WORDS, Rng, mutate_bytes, mutate_text, pick_number, short

Path = tuple[str | int, ...]

#: Depths of the deep-nesting mutation (the issue's RecursionError came from 100,000).
NESTING_DEPTHS = (100, 1000, 100_000)
#: How often the repeat mutation copies a list entry (a layer, a directive, an epoch).
ENTRY_REPEATS = (2, 50, 1000)


class Raw:
    """Text to write into the serialised document unchanged, in place of a value."""

    def __init__(self, yaml_text: str, json_text: str | None = None) -> None:
        self.yaml_text = yaml_text
        self.json_text = yaml_text if json_text is None else json_text


def _nodes(tree: Any, path: Path = ()) -> list[Path]:
    """Every path in `tree` (the root included), depth first."""
    paths = [path]
    if isinstance(tree, dict):
        for key, value in tree.items():
            paths.extend(_nodes(value, (*path, key)))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            paths.extend(_nodes(value, (*path, index)))
    return paths


def _get(tree: Any, path: Path) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _set(tree: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    _get(tree, path[:-1])[path[-1]] = value
    return tree


def alias_bomb(rng: Rng) -> Raw:
    """A flow sequence whose anchors each reference the previous one 9 times: 9**levels nodes once expanded."""
    levels = rng.choice((3, 6, 9))
    parts = ["&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels + 1):
        parts.append(f"&l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return Raw("[" + ", ".join(parts) + "]", "[]")


def deep_nesting(rng: Rng) -> Raw:
    depth = rng.choice(NESTING_DEPTHS)
    opening, closing = rng.choice((("[", "]"), ('{"a": ', "}")))
    return Raw(opening * depth + "1" + closing * depth)


def _yaml_oddity(rng: Rng) -> Raw:
    """YAML the safe loader must refuse or survive: tags, recursive anchors, merge keys, odd scalars."""
    return Raw(
        rng.choice(
            (
                "!!python/object/apply:os.system [echo]",
                "!!binary AAAA",
                "!!set {a, b}",
                "!!timestamp 2001-12-14",
                "!!float nan",
                "&self [*self]",
                "*undefined_anchor",
                "{<<: {num_pes: 4}}",
                "{[1, 2]: 3}",
                "{? [a] : b}",
                "0o777",
                "0x7fffffff",
                "1_000_000",
                ".inf",
                "-.inf",
                "2001-12-14",
                "!custom 3",
                "|\n  multi\n  line",
            )
        ),
        "null",
    )


def _json_oddity(rng: Rng) -> Raw:
    """JSON Python's reader accepts or refuses: NaN, Infinity, lone surrogates, huge floats."""
    text = rng.choice(("NaN", "Infinity", "-Infinity", "1e400", "-1e400", '"\\ud800"', '"\\u0000"', "1.0", "-0.0", "[]", "{}"))
    return Raw(text, text)


def _replacement(rng: Rng, flavour: str, values: Sequence[Any], current: Any = None) -> Any:
    """A value in place of `current`: often of the same type but extreme (an integer at a 32/64-bit edge
    or with thousands of digits), else one of the format's own `values`, one of a random (usually wrong)
    type, deep nesting, or a YAML/JSON oddity."""
    if isinstance(current, int) and not isinstance(current, bool) and rng.random() < 0.5:
        number = rng.choice(EXTREME_INTEGERS) if rng.random() < 0.7 else str(rng.randint(0, 300))
        return Raw(number, number)
    if values and rng.random() < 0.25:
        return copy.deepcopy(rng.choice(values))
    roll = rng.random()
    if roll < 0.3:
        number = pick_number(rng)
        return Raw(number, number) if number.lstrip("-+").isdigit() else number
    if roll < 0.45:
        return rng.choice(EXTREME_WORDS)
    if roll < 0.6:
        return rng.choice((True, False, None, 1.5, -2.5, 0, -1, [], {}, [1, 2], {"a": 1}, "3", "K", "CONV"))
    if roll < 0.72:
        return deep_nesting(rng)
    if flavour == "yaml":
        return alias_bomb(rng) if roll < 0.82 else _yaml_oddity(rng)
    return _json_oddity(rng)


def _tree_mutation(
    rng: Rng, tree: Any, flavour: str, keys: Sequence[str], values: Sequence[Any], key_values: Mapping[str, Sequence[Any]]
) -> tuple[Any, str]:
    paths = _nodes(tree)
    path = rng.choice(paths)
    target = _get(tree, path)
    kind = rng.choice(("replace", "replace", "replace", "delete", "add", "repeat", "rename", "swap"))
    if kind == "delete" and path:
        parent = _get(tree, path[:-1])
        del parent[path[-1]]
        return tree, f"delete {path}"
    if kind == "add" and isinstance(target, dict):
        key: Any = rng.choice(keys) if keys and rng.random() < 0.6 else rng.choice(("extra", "", "A" * 10_000, "K", 1))
        target[key] = _replacement(rng, flavour, values)
        return tree, f"add key {short(str(key))} at {path}"
    if kind == "repeat" and isinstance(target, list) and target:
        count = rng.choice(ENTRY_REPEATS)
        entry = rng.choice(target)
        target.extend(copy.deepcopy(entry) for _ in range(count))
        return tree, f"repeat an entry of {path} x{count}"
    if kind == "rename" and path and isinstance(path[-1], str) and keys:
        parent = _get(tree, path[:-1])
        new_key = rng.choice(keys)
        parent[new_key] = parent.pop(path[-1])
        return tree, f"rename {path} to {new_key!r}"
    if kind == "swap" and len(paths) > 1:
        other = rng.choice(paths)
        if other and path and other[: len(path)] != path and path[: len(other)] != other:
            first, second = copy.deepcopy(target), copy.deepcopy(_get(tree, other))
            tree = _set(tree, path, second)
            tree = _set(tree, other, first)
            return tree, f"swap {path} and {other}"
    own = key_values.get(path[-1]) if path and isinstance(path[-1], str) else None
    value = copy.deepcopy(rng.choice(own)) if own and rng.random() < 0.5 else _replacement(rng, flavour, values, target)
    return _set(tree, path, value), f"replace {path} with {_describe(value)}"


def _describe(value: Any) -> str:
    if isinstance(value, Raw):
        return f"raw {short(value.yaml_text)}"
    return short(value)


def serialise(tree: Any, flavour: str) -> str:
    """The document as YAML or JSON text, raw placeholders written out."""
    raws: list[Raw] = []

    def strip(node: Any) -> Any:
        if isinstance(node, Raw):
            raws.append(node)
            return f"fuzzraw{len(raws) - 1}x"
        if isinstance(node, dict):
            return {(strip(key) if isinstance(key, Raw) else key): strip(value) for key, value in node.items()}
        if isinstance(node, list):
            return [strip(value) for value in node]
        return node

    plain = strip(tree)
    if flavour == "json":
        text = json.dumps(plain, indent=1, ensure_ascii=False)
        for index, raw in enumerate(raws):
            text = text.replace(f'"fuzzraw{index}x"', raw.json_text)
    else:
        text = yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=1_000_000)
        for index, raw in enumerate(raws):
            text = text.replace(f"fuzzraw{index}x", raw.yaml_text)
    return text


def mutate_document(
    rng: Rng,
    document: Any,
    flavour: str,
    keys: Sequence[str] = (),
    values: Sequence[Any] = (),
    key_values: Mapping[str, Sequence[Any]] | None = None,
) -> tuple[bytes, list[str]]:
    """A mutated copy of `document` serialised as `flavour` ("yaml" or "json"), and the steps taken.

    Mostly 1-3 tree mutations (`keys`: names worth adding or renaming to; `values`: the format's own
    values worth putting anywhere; `key_values`: extreme values for the entry of one key, such as a
    range of two billion values for a design-space parameter); sometimes a token or line mutation of the
    serialised text instead, and sometimes a byte-level mutation on top.
    """
    tree = copy.deepcopy(document)
    if rng.random() < 0.2:
        words = [*keys, *(value for value in values if isinstance(value, str))]
        return mutate_text(rng, serialise(tree, flavour), words)
    steps = []
    roll = rng.random()
    for _ in range(1 if roll < 0.6 else 2 if roll < 0.85 else 3):
        tree, step = _tree_mutation(rng, tree, flavour, keys, values, key_values or {})
        steps.append(step)
    data = serialise(tree, flavour).encode("utf-8", errors="surrogatepass")
    if rng.random() < 0.1:
        data, step = mutate_bytes(rng, data)
        steps.append(step)
    return data, steps


__all__ = ["Raw", "alias_bomb", "deep_nesting", "mutate_document", "serialise"]
