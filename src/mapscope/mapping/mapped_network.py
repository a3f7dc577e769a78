"""A network whose every layer carries its dataflow (directive list): what a MAESTRO `.m` file holds."""

from __future__ import annotations

from dataclasses import dataclass, field

from mapscope.mapping.directives import Directive
from mapscope.workload.layer import Layer
from mapscope.workload.network import Network


@dataclass(frozen=True)
class MappedLayer:
    """A layer and its dataflow, outermost directive first."""

    layer: Layer
    dataflow: tuple[Directive, ...]
    source: str | None = field(default=None, compare=False)  # "file.m:3" where the layer is declared


@dataclass(frozen=True)
class MappedNetwork:
    name: str
    layers: tuple[MappedLayer, ...]
    source: str | None = field(default=None, compare=False)  # the file it was read from, if any

    @property
    def network(self) -> Network:
        return Network(self.name, tuple(m.layer for m in self.layers))
