"""The operator table's PyTorch spellings as the objects torch.fx records: module classes, functions, method names.

Resolved once torch is imported (it is an optional extra). A spelling the installed torch lacks (an older
release without ``nn.RMSNorm``) is left out, so that operation is unsupported there rather than an import
failure; `missing_spellings` lists them for the tests.
"""

from __future__ import annotations

import builtins
import operator
from dataclasses import dataclass
from functools import cache
from typing import Any

from mapscope.formats.importers.operator_table import OPERATIONS, Becomes, Operation

#: The prefix of a spelling -> the dotted path of the object it names within.
_ROOTS = {"nn": "torch.nn", "F": "torch.nn.functional", "torch": "torch", "operator": "operator", "builtins": "builtins"}


@dataclass(frozen=True)
class TorchSpellings:
    """What each torch.nn class, function and Tensor method maps to in the operator table."""

    modules: dict[type, Operation]
    functions: dict[Any, Operation]
    methods: dict[str, Operation]
    missing: tuple[str, ...]

    def of_module(self, module: Any) -> Operation | None:
        """The operation of a torch.nn layer: its class's, or the nearest listed base class's (a subclassed Conv2d)."""
        for cls in type(module).__mro__:
            found = self.modules.get(cls)
            if found is not None:
                return found
        return None

    def of_call(self, target: Any, is_method: bool) -> Operation | None:
        """The operation of a call_function target (the function) or call_method target (the method name)."""
        if is_method:
            return self.methods.get(str(target))
        try:
            return self.functions.get(target)
        except TypeError:  # an unhashable target is no listed function
            return None

    def is_shape_only(self, target: Any, is_method: bool) -> bool:
        """Whether a call only moves or re-views data (a weight stays a weight through it)."""
        found = self.of_call(target, is_method)
        return found is not None and found.becomes is Becomes.SHAPE_ONLY


def _resolve(spelling: str) -> Any | None:
    """The object a ``prefix.name`` spelling names (``F.relu``, ``torch.special.erf``), None when absent."""
    import importlib

    prefix, _, path = spelling.partition(".")
    value: Any = importlib.import_module(_ROOTS[prefix]) if prefix not in ("operator", "builtins") else (
        operator if prefix == "operator" else builtins
    )
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


@cache
def torch_spellings() -> TorchSpellings:
    """The table's torch spellings resolved against the installed torch (cached)."""
    modules: dict[type, Operation] = {}
    functions: dict[Any, Operation] = {}
    methods: dict[str, Operation] = {}
    missing: list[str] = []
    for operation in OPERATIONS:
        for spelling in operation.torch:
            prefix, _, name = spelling.partition(".")
            if prefix == "Tensor":
                methods[name] = operation
                methods.setdefault(f"{name}_", operation)  # the in-place form: add_, relu_, masked_fill_
                continue
            value = _resolve(spelling)
            if value is None:
                missing.append(spelling)
            elif prefix == "nn":
                modules[value] = operation
            else:
                functions[value] = operation
    return TorchSpellings(modules, functions, methods, tuple(missing))


def missing_spellings() -> tuple[str, ...]:
    """The table's torch spellings the installed torch does not have."""
    return torch_spellings().missing
