"""Workloads: layers and networks, as plain immutable descriptions (no costs here)."""

from mapscope.workload.layer import DIMENSION_NAMES, Layer, LayerType, layer_macs
from mapscope.workload.network import Network

__all__ = ["DIMENSION_NAMES", "Layer", "LayerType", "Network", "layer_macs"]
