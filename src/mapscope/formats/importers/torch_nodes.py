"""Reading one torch.fx node: its label, its arguments by name, and the tensor shapes ShapeProp recorded.

`NodeReader` gives the shapes a converter needs and checks the sizes it computes against PyTorch's, so a
mapping mistake is an InputError naming the node, never a wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mapscope.errors import InputError
from mapscope.formats.importers.torch_spellings import torch_spellings

if TYPE_CHECKING:
    from torch.fx import Node

Shape = tuple[int, ...]


def label(node: Node) -> str:
    """The name a node goes by: a module's qualified name, else the fx node name."""
    return str(node.target) if node.op == "call_module" else node.name


def shape_of(meta: Any) -> Shape | None:
    """The shape ShapeProp recorded for one tensor; None when `meta` describes no single tensor."""
    from torch.fx.passes.shape_prop import TensorMetadata

    return tuple(int(size) for size in meta.shape) if isinstance(meta, TensorMetadata) else None


def node_shape(value: Any) -> Shape | None:
    """The shape of the single tensor a node produced; None for anything else (constants, tuples, sizes)."""
    return shape_of(value.meta.get("tensor_meta") if hasattr(value, "meta") else None)


def bind(node: Node, names: tuple[str, ...], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """A call's arguments by parameter name (positional ones matched to `names`), defaults filled in."""
    bound = dict(defaults or {})
    bound.update(zip(names, node.args))
    bound.update(node.kwargs)
    return bound


def first(node: Node) -> Any:
    """A call's first argument, positional or not."""
    return node.args[0] if node.args else next(iter(node.kwargs.values()), None)


def axes(value: Any, count: int) -> tuple[int, ...]:
    """An int-or-sequence size argument as `count` ints."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    return tuple(int(v) for v in values)


def pair(values: tuple[int, ...], fill: int) -> tuple[int, int]:
    """One or two per-axis values as (height, width); a 1-D axis is the width, with height `fill`."""
    return (fill, values[0]) if len(values) == 1 else (values[0], values[1])


def sides(pads: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """Per-axis (before, after) paddings as (top, bottom, left, right)."""
    (top, bottom), (left, right) = [(0, 0), *pads] if len(pads) == 1 else pads
    return top, bottom, left, right


def is_constant(value: Any) -> bool:
    """Whether a value is a parameter or buffer (get_attr), possibly re-viewed: a weight, not an activation."""
    kind = getattr(value, "op", None)
    if kind == "get_attr":
        return True
    viewing = kind in ("call_method", "call_function") and torch_spellings().is_shape_only(value.target, kind == "call_method")
    return viewing and all(is_constant(arg) for arg in value.all_input_nodes)


def tensor_arguments(node: Node) -> int:
    """How many of a call's arguments are tensors (what an element-wise operation reads)."""
    return sum(node_shape(arg) is not None for arg in (*node.args, *node.kwargs.values()))


@dataclass(frozen=True)
class NodeReader:
    """Shapes of nodes of the model at `where`; a shape that is missing or disagrees is an InputError there."""

    where: str

    def fail(self, message: str) -> InputError:
        """An InputError located at the model being imported."""
        return InputError(message, self.where)

    def tensor(self, value: Any, name: str) -> Shape:
        """The shape of a tensor argument of node `name`."""
        shape = node_shape(value)
        if shape is None:
            raise self.fail(f"node '{name}' takes {value!r:.40}, where one tensor was expected")
        return shape

    def output(self, node: Node, name: str) -> Shape:
        """The shape of the tensor node `name` produced (a scalar counts as one element)."""
        shape = node_shape(node)
        meta = node.meta.get("tensor_meta")
        if shape is None and isinstance(meta, (tuple, list)) and meta and shape_of(meta[0]) is not None:
            shape = shape_of(meta[0])  # pooling with return_indices, max with dim: the values come first
        if shape is None:
            raise self.fail(f"node '{name}' produces {node.meta.get('type', 'no tensor')}, where one tensor was expected")
        return shape or (1,)

    def check(self, name: str, imported: tuple[int, ...], computed: tuple[int, ...]) -> None:
        """Stop when an operator's output size differs from the one PyTorch computed."""
        if imported != computed:
            raise self.fail(f"node '{name}' imports with output size {imported}, but PyTorch computed {computed}")
