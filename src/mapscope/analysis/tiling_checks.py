"""Warnings about tilings that do not partition a dimension: overlapping tiles compute some outputs
more than once (and the MAC count includes that work), gaps leave some never computed."""

from __future__ import annotations

from mapscope.analysis.tensors import SLIDING_PAIRS
from mapscope.mapping.directives import Cluster
from mapscope.mapping.mapped_network import MappedNetwork

WINDOW_DIMENSIONS = ("R", "S")


def _problem(offset: int, step: int, unit: str) -> str | None:
    """How tiles that each cover `step` positions but advance by `offset` fail to partition."""
    if offset < step:
        return f"tiles overlap ({step - offset} of every {step} {unit} are computed again; the MAC count includes this)"
    if offset > step:
        return f"tiles leave gaps ({offset - step} of every {offset} {unit} are never computed)"
    return None


def tiling_warnings(network: MappedNetwork) -> tuple[str, ...]:
    """One warning per distinct directive that over- or under-covers its dimension, naming the first layer."""
    found: dict[str, list[str]] = {}
    for mapped in network.layers:
        layer = mapped.layer
        for directive in mapped.dataflow:
            if isinstance(directive, Cluster) or directive.dimension in WINDOW_DIMENSIONS:
                continue
            if not layer.has(directive.dimension) or directive.size >= layer.size(directive.dimension):
                continue  # one tile covers the whole dimension (or the dimension is output-centric)
            step, unit = directive.size, "indices"
            window_dimension = SLIDING_PAIRS.get(directive.dimension)
            if window_dimension is not None and layer.has(window_dimension):
                window = layer.size(window_dimension)
                if directive.size < window or layer.stride(directive.dimension) != 1:
                    continue  # a partial window (summed elsewhere), or a stride: MAESTRO sets the offset itself
                step, unit = directive.size - window + 1, "output positions"
            problem = _problem(directive.offset, step, unit)
            if problem is not None:
                found.setdefault(f"{directive}: {problem}", []).append(layer.name)
    warnings = []
    for message, layers in found.items():
        others = f" and {len(layers) - 1} other layer(s)" if len(layers) > 1 else ""
        warnings.append(f"layer {layers[0]}{others}: {message}")
    return tuple(warnings)
