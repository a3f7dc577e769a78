"""Typed access to the attributes of one ONNX node, and the per-axis attributes of sliding windows.

An attribute is read by the type the operator defines for it (an integer, a list of integers, a
string), never converted from whatever the file holds: one of another type, of the wrong length or out
of range is an InputError saying which attribute and what it should be. The reader of `onnx_model`
adds the file and the node to the message. Sizes (kernel, strides, dilations, padding) are bounded by
`limits.MAX_SIZE` here, before any arithmetic uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mapscope.errors import InputError
from mapscope.limits import MAX_SIZE, quoted

#: AttributeProto.AttributeType values (the onnx package is an optional import, so they are spelled here).
_INT, _STRING, _INTS = 2, 3, 7
_TYPE_NAMES = {
    0: "no type",
    1: "a float",
    2: "an integer",
    3: "a string",
    4: "a tensor",
    5: "a graph",
    6: "a list of floats",
    7: "a list of integers",
    8: "a list of strings",
    9: "a list of tensors",
    10: "a list of graphs",
    11: "a sparse tensor",
    12: "a list of sparse tensors",
    13: "a type",
    14: "a list of types",
}
AUTO_PAD_VALUES = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")


class NodeAttributes:
    """The attributes of one node by name, each read with the type, length and range it must have."""

    def __init__(self, node: Any) -> None:
        self._attributes: dict[str, Any] = {}
        for attribute in node.attribute:
            name = str(attribute.name)
            if name in self._attributes:
                raise InputError(f"attribute {quoted(name)} is given twice")
            self._attributes[name] = attribute

    def __contains__(self, name: str) -> bool:
        return name in self._attributes

    def _typed(self, name: str, kind: int) -> Any | None:
        """The AttributeProto `name` when it has type `kind`, None when absent; InputError for another type."""
        attribute = self._attributes.get(name)
        if attribute is None:
            return None
        if attribute.type != kind:
            got = _TYPE_NAMES.get(attribute.type, f"unknown type {attribute.type}")
            raise InputError(f"attribute {name} must be {_TYPE_NAMES[kind]}, got {got}")
        return attribute

    def integer(self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = MAX_SIZE) -> int:
        """An INT attribute within [minimum, maximum] (either bound None: unbounded), `default` when absent."""
        attribute = self._typed(name, _INT)
        if attribute is None:
            return default
        value = int(attribute.i)
        _check_range(name, (value,), minimum, maximum)
        return value

    def flag(self, name: str) -> bool:
        """An INT attribute used as a switch (transA, ceil_mode): 0 or 1, False when absent."""
        return bool(self.integer(name, 0, minimum=0, maximum=1))

    def integers(
        self,
        name: str,
        default: Iterable[int] | None = None,
        *,
        lengths: Iterable[int] | None = None,
        minimum: int | None = None,
        maximum: int | None = MAX_SIZE,
    ) -> tuple[int, ...] | None:
        """An INTS attribute of one of `lengths` entries (any when None), each in [minimum, maximum].

        When absent: `default` as a tuple (None stays None, so a required attribute can be told apart).
        """
        attribute = self._typed(name, _INTS)
        if attribute is None:
            return None if default is None else tuple(default)
        values = tuple(int(value) for value in attribute.ints)
        allowed = tuple(lengths) if lengths is not None else None
        if allowed is not None and len(values) not in allowed:
            expected = " or ".join(str(length) for length in allowed)
            raise InputError(f"attribute {name} {quoted(list(values))} must have {expected} entries, got {len(values)}")
        _check_range(name, values, minimum, maximum)
        return values

    def text(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """A STRING attribute that must be one of `choices`, `default` when absent."""
        attribute = self._typed(name, _STRING)
        if attribute is None:
            return default
        value = bytes(attribute.s).decode("utf-8", errors="replace")
        if value not in choices:
            raise InputError(f"attribute {name} must be one of {', '.join(choices)}, got {quoted(value)}")
        return value


_Rule = Callable[[NodeAttributes, int | None], object]


def _sizes(name: str, minimum: int, lengths: Callable[[int], tuple[int, ...]] = lambda rank: (rank,)) -> _Rule:
    """An INTS attribute of sizes at least `minimum`, with `lengths(rank)` entries when the rank is known."""
    return lambda attributes, rank: attributes.integers(name, lengths=None if rank is None else lengths(rank), minimum=minimum)


_WINDOW_RULES: dict[str, _Rule] = {
    "kernel_shape": _sizes("kernel_shape", 1),
    "strides": _sizes("strides", 1),
    "dilations": _sizes("dilations", 1),
    "pads": _sizes("pads", 0, lambda rank: (2 * rank,)),
    "auto_pad": lambda attributes, _: attributes.text("auto_pad", "NOTSET", AUTO_PAD_VALUES),
}
_GROUP_RULE: _Rule = lambda attributes, _: attributes.integer("group", 1, minimum=1)  # noqa: E731
_POOL_RULES: dict[str, _Rule] = {**_WINDOW_RULES, "ceil_mode": lambda attributes, _: attributes.flag("ceil_mode")}
_OFFSET_RULES: dict[str, _Rule] = {
    "start": lambda attributes, _: attributes.integer("start", 0, minimum=None, maximum=None),
    "end": lambda attributes, _: attributes.integer("end", 0, minimum=None, maximum=None),
}
#: What each attribute mapscope reads must be, by operator: checked before ONNX shape inference sees the
#: node, so that a wrong type, length or range is reported in mapscope's words rather than inference's.
ATTRIBUTE_RULES: dict[str, dict[str, _Rule]] = {
    "Conv": {**_WINDOW_RULES, "group": _GROUP_RULE},
    "ConvTranspose": {
        **_WINDOW_RULES,
        "group": _GROUP_RULE,
        "output_padding": _sizes("output_padding", 0),
        "output_shape": _sizes("output_shape", 1, lambda rank: (rank, rank + 2)),
    },
    "MaxPool": _POOL_RULES,
    "AveragePool": _POOL_RULES,
    "Gemm": {"transA": lambda attributes, _: attributes.flag("transA"), "transB": lambda attributes, _: attributes.flag("transB")},
    "Shape": _OFFSET_RULES,
    "Attention": {
        "q_num_heads": lambda attributes, _: attributes.integer("q_num_heads", 1, minimum=1),
        "kv_num_heads": lambda attributes, _: attributes.integer("kv_num_heads", 1, minimum=1),
    },
}


def check_attributes(node: Any, op_type: str, weight_dims: tuple[int, ...] | None = None) -> None:
    """Check the type, length and range of every attribute of `node` that mapscope reads (ATTRIBUTE_RULES).

    The spatial rank, which fixes the lengths, comes from kernel_shape or else the weights' dims when
    they are an initialiser (`weight_dims`); unknown, the lengths are checked once shapes are inferred.
    """
    attributes = NodeAttributes(node)  # also refuses an attribute given twice
    rules = ATTRIBUTE_RULES.get(op_type, {})
    rank = None
    if "kernel_shape" in rules and "kernel_shape" in attributes:
        kernel = attributes.integers("kernel_shape", minimum=1)
        rank = len(kernel) if kernel else None
    elif weight_dims is not None and len(weight_dims) >= 3:
        rank = len(weight_dims) - 2
    for name, rule in rules.items():
        if name in attributes:
            rule(attributes, rank)
    if op_type in ("MaxPool", "AveragePool") and "kernel_shape" not in attributes:
        raise InputError("attribute kernel_shape is required")


def _check_range(name: str, values: tuple[int, ...], minimum: int | None, maximum: int | None) -> None:
    for value in values:
        if minimum is not None and value < minimum:
            what = "positive" if minimum == 1 else "non-negative" if minimum == 0 else f"at least {minimum}"
            raise InputError(f"attribute {name} must be {what}, got {quoted(list(values) if len(values) > 1 else value)}")
        if maximum is not None and value > maximum:
            if maximum == MAX_SIZE:
                raise InputError(f"attribute {name} has {quoted(value)}, above the largest size supported ({MAX_SIZE})")
            raise InputError(f"attribute {name} must be at most {maximum}, got {quoted(value)}")


def per_axis(attributes: NodeAttributes, name: str, rank: int, *, default: int = 1, minimum: int = 1) -> tuple[int, ...]:
    """A per-spatial-axis attribute (strides, dilations, output_padding): one entry per axis, `default` when absent."""
    values = attributes.integers(name, (default,) * rank, lengths=(rank,), minimum=minimum)
    assert values is not None  # a default was given
    return values


def kernel_shape(attributes: NodeAttributes, rank: int, weights: tuple[int, ...] | None = None) -> tuple[int, ...]:
    """kernel_shape: one positive size per axis; from the weights when absent (required without them)."""
    kernel = attributes.integers("kernel_shape", weights, lengths=(rank,), minimum=1)
    if kernel is None:
        raise InputError("attribute kernel_shape is required")
    if weights is not None and kernel != weights:
        raise InputError(f"kernel_shape {list(kernel)} differs from the weights' {list(weights)}")
    return kernel


def auto_pad(attributes: NodeAttributes) -> str:
    """The auto_pad attribute (NOTSET when absent), one of ONNX's four values."""
    return attributes.text("auto_pad", "NOTSET", AUTO_PAD_VALUES)


def explicit_pads(attributes: NodeAttributes, rank: int) -> list[tuple[int, int]]:
    """ONNX pads [x1_begin, x2_begin, ..., x1_end, x2_end] as (begin, end) per axis."""
    pads = attributes.integers("pads", (0,) * (2 * rank), lengths=(2 * rank,), minimum=0)
    assert pads is not None  # a default was given
    return list(zip(pads[:rank], pads[rank:], strict=True))


def window_pads(
    attributes: NodeAttributes,
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    dilations: tuple[int, ...],
) -> list[tuple[int, int]]:
    """Padding (begin, end) per axis of a convolution or pooling, auto_pad resolved as ONNX defines it."""
    mode = auto_pad(attributes)
    if mode == "VALID":
        return [(0, 0)] * len(spatial)
    if mode == "NOTSET":
        return explicit_pads(attributes, len(spatial))
    pads = []
    for size, k, stride, dilation in zip(spatial, kernel, strides, dilations, strict=True):
        outputs = -(-size // stride)
        total = max(0, (outputs - 1) * stride + dilation * (k - 1) + 1 - size)
        small, large = total // 2, total - total // 2
        pads.append((small, large) if mode == "SAME_UPPER" else (large, small))
    return pads
