"""MAESTRO's three data-centric directives, with sizes already resolved to integers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TemporalMap:
    """Every sub-cluster gets the same `size`-long tile of `dimension`; the tile advances by `offset` each step."""

    size: int
    offset: int
    dimension: str
    source: str | None = field(default=None, compare=False)  # "file.m:12", for error messages

    def __str__(self) -> str:
        return f"TemporalMap({self.size},{self.offset}) {self.dimension}"


@dataclass(frozen=True)
class SpatialMap:
    """Sub-cluster i gets the `size`-long tile of `dimension` starting at i*offset; a fold advances by offset*N."""

    size: int
    offset: int
    dimension: str
    source: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"SpatialMap({self.size},{self.offset}) {self.dimension}"


@dataclass(frozen=True)
class Cluster:
    """Ends a cluster level: what follows happens inside groups of `size` sub-units.

    `kind` ("P" physical / "L" logical) is kept for round-tripping; MAESTRO never uses it.
    """

    size: int
    kind: str = "P"
    source: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"Cluster({self.size},{self.kind})"


Directive = TemporalMap | SpatialMap | Cluster
MapDirective = TemporalMap | SpatialMap
