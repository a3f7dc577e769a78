"""A network: a named, ordered sequence of layers."""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.workload.layer import Layer


@dataclass(frozen=True)
class Network:
    name: str
    layers: tuple[Layer, ...]
