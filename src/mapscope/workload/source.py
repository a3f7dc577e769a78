"""Workload sources: the sizes a user gives a source (a zoo model's parameters, an ONNX model's dynamic
dimensions) checked once for every way in.

Reading sources (files, zoo names, shipped examples) is `mapscope.formats.sources`. What it returns, a
`Workload` (a framework-level model, or a MAESTRO network as its file gives it, dataflows included), and
the layers a dataflow template maps from it (`template_input`) are in `mapscope.mapping.workload_source`:
a MAESTRO network carries mappings, so the record sits in `mapping`, above `workload`.
"""

from __future__ import annotations

from collections.abc import Mapping

from mapscope.errors import InputError
from mapscope.limits import quoted


def integer_sizes(values: Mapping[str, int | str], option: str) -> dict[str, int]:
    """`values` with every value checked to be a positive integer (sizes are)."""
    for name, value in values.items():
        if not isinstance(value, int):
            raise InputError(f"{name} must be an integer, got {quoted(value)}", option)
        if value <= 0:
            raise InputError(f"{name} must be a positive integer, got {value}", option)
    return {name: int(value) for name, value in values.items()}
