"""The data-centric cost model (MAESTRO semantics): mapped network + accelerator -> statistics."""

from mapscope.analysis.layer_analysis import analyze_layer
from mapscope.analysis.network_analysis import analyze_network, capacity_warnings

__all__ = ["analyze_layer", "analyze_network", "capacity_warnings"]
