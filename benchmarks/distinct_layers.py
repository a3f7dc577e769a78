"""The distinct layers of a shipped network (identical shapes once, in network order), as the mapper
benchmarks search them."""

from __future__ import annotations

import dataclasses

from mapscope.formats.sources import load_network
from mapscope.workload.layer import Layer


def distinct_layers(network_name: str = "resnet50_kcp_ws") -> list[Layer]:
    """Each distinct layer once, named after its first occurrence (as `mapscope map` searches them)."""
    network = load_network(network_name)
    distinct = {dataclasses.replace(mapped.layer, name=""): mapped.layer for mapped in reversed(network.layers)}
    return list(reversed(distinct.values()))
