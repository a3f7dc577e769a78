"""Walk a traced, shape-propagated torch.fx graph and collect its operators, through the operator table.

Each ``call_module``, ``call_function`` and ``call_method`` node is looked up in the table's torch
spellings (`torch_spellings`): shape-only operations are counted in one note, element-wise ones become
an `Elementwise` named after their operation, the others go to their converter (`torch_layers`). A node
the table does not list is unsupported: an InputError, or a note when skipping is asked for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mapscope.formats.importers.operator_table import Becomes, Operation
from mapscope.formats.importers.torch_layers import FUNCTION_CONVERTERS, MODULE_CONVERTERS
from mapscope.formats.importers.torch_nodes import NodeReader, label, tensor_arguments
from mapscope.formats.importers.torch_spellings import torch_spellings
from mapscope.workload.operators import Elementwise, Operator

if TYPE_CHECKING:
    from torch.fx import GraphModule, Node


@dataclass
class GraphWalker:
    """Collects the operators of a graph's nodes, the nodes without arithmetic and the skipped nodes."""

    reader: NodeReader
    skip_unsupported: bool
    operators: list[Operator] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def notes(self) -> tuple[str, ...]:
        """One line on the nodes ignored for doing no arithmetic, then one per node skipped as unsupported."""
        notes = list(self.skipped)
        if self.ignored:
            counts = ", ".join(f"{what} x{count}" for what, count in sorted(self.ignored.items()))
            notes.insert(0, f"ignored (data movement, shapes or no-ops only; no work counted): {counts}")
        return tuple(notes)

    def translate(self, node: Node, graph_module: GraphModule) -> None:
        """Add the operators one node computes (none for inputs, parameters and shape operations)."""
        name, spellings = label(node), torch_spellings()
        if node.op == "call_module":
            module = graph_module.get_submodule(str(node.target))
            kind, operation = type(module).__name__, spellings.of_module(module)
        elif node.op in ("call_function", "call_method"):
            is_method = node.op == "call_method"
            kind = str(node.target) if is_method else getattr(node.target, "__name__", str(node.target))
            operation = spellings.of_call(node.target, is_method)
            shape_only = operation is not None and operation.becomes is Becomes.SHAPE_ONLY
            if not shape_only and "tensor_meta" not in node.meta:
                self.ignored[f"{kind} on sizes"] += 1  # arithmetic on sizes (x.size(0) // 2), not on tensors
                return
            kind = f"Tensor.{kind}" if is_method else kind
        else:  # placeholder, get_attr, output
            return
        if operation is not None and operation.becomes is Becomes.SHAPE_ONLY:
            self.ignored[kind.removeprefix("Tensor.")] += 1
            return
        operators = self.operators_of(node, name, operation, module if node.op == "call_module" else None)
        if operators is None:
            if not self.skip_unsupported:
                raise self.reader.fail(f"unsupported PyTorch operation {kind} at node '{name}' (pass skip_unsupported=True to leave it out)")
            self.skipped.append(f"skipped node '{name}' ({kind}): unsupported, its work is not counted")
            return
        for operator_ in operators:
            self.add(operator_)

    def operators_of(self, node: Node, name: str, operation: Operation | None, module: Any) -> list[Operator] | None:
        """The operators of a node of `operation` (None when it has none: unsupported)."""
        if operation is None:
            return None
        if operation.becomes is Becomes.ELEMENTWISE:
            inputs = 1 if operation.name == "concat" else max(1, tensor_arguments(node))  # concat reads one output's worth
            return [Elementwise(name, operation.name, self.reader.output(node, name), inputs=inputs)]
        if module is not None:
            return MODULE_CONVERTERS[operation.name](self.reader, node, name, module)
        return FUNCTION_CONVERTERS[operation.name](self.reader, node, name)

    def add(self, operator_: Operator) -> None:
        """Append an operator, renamed name_1, name_2... when its module ran before (ResNet's shared relu)."""
        name, count = operator_.name, 0
        while name in self.names:
            count += 1
            name = f"{operator_.name}_{count}"
        self.names.add(name)
        self.operators.append(operator_ if name == operator_.name else replace(operator_, name=name))
