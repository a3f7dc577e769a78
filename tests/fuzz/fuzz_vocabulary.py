"""Words, keys and extreme values of each input format, drawn on by the fuzz mutators (tests/fuzz/families.py).

Vocabularies make mutated inputs stay close to the format (a directive name where a number was, a known
key renamed to another); the extreme values per key aim at the blow-ups the issue saw: ranges of
billions of values, a systolic batch of 32,000, integers of thousands of digits.
"""

from __future__ import annotations

from typing import Any

from fuzz_documents import Raw

DIMENSIONS = ("N", "G", "K", "C", "R", "S", "Y", "X", "Y'", "X'", "M")
MAESTRO_WORDS = (
    "Network", "Layer", "Type", "Stride", "Dimensions", "Dataflow", "SpatialMap", "TemporalMap", "Cluster",
    "Sz", "Sz(R)", "Sz(S)", "Constant", "CONV", "DSCONV", "NGCONV", "GEMM", "TRCONV", "FC", "POOL", "P", "L",
    "{", "}", "(", ")", ";", ",", ":", "-", "//", *DIMENSIONS,
)
HARDWARE_WORDS = ("num_pes", "l1_size_cstr", "l2_size_cstr", "noc_bw_cstr", "offchip_bw_cstr", "NoC_NumHops", ":", "-", "//")
NETWORK_KEYS = ("network", "constants", "layers", "name", "type", "stride", "dimensions", "dataflow", "Tile", *DIMENSIONS)
DIRECTIVES = (
    "SpatialMap(1,1) K", "TemporalMap(1,1) C", "TemporalMap(Sz(R),Sz(R)) R", "TemporalMap(Sz(S),1) X", "Cluster(64, P)",
    "Cluster(0, P)", "SpatialMap(99999999999,1) K", "TemporalMap(Tile,Tile) C", "Cluster(Sz(K))", "TemporalMap(1) C",
    "CONV", "DSCONV", "GEMM", "TRCONV", "FC",
)
HARDWARE_KEYS = (
    "num_pes", "simd_lanes", "noc_bandwidth_elems_per_cycle", "noc_latency_cycles", "offchip_bandwidth_elems_per_cycle",
    "l1_size_elems", "l2_size_elems", "l1_size_cstr", "l2_size_cstr", "noc_bw_cstr", "offchip_bw_cstr", "num_simd_lanes",
    "noc_hop_latency", "NoC_NumHops",
)
SPACE_KEYS = (
    "name", "engine", "network", "base_hardware", "compat", "batch", "passes", "mapping", "template", "parameters",
    "hardware", "constraints", "objectives", "search", "strategy", "budget", "seed", "population", "batch_size",
    "range", "step", "scale", "min", "max", "weighted_sum", "buffers_fit", "rows", "cols", "dataflow",
    "double_buffered", "cluster_size", "spatial_dimension", "area_mm2", "runtime", "energy", "edp", "power",
    "energy_table", *HARDWARE_KEYS[:7],
)
SPACE_VALUES = (
    {"range": [8, 2147483647], "step": 8}, {"range": [1, 2**40], "scale": "log2"}, {"range": [64, 8]},
    {"range": [1, 10**6]}, Raw("{range: [1, " + "9" * 5000 + "]}", '{"range": [1, ' + "9" * 5000 + "]}"),
    32000, 2**31, "tiny_network.m", "tiny_network.yaml", "base_hw.yaml", "resnet56", "kcp_ws", "tiled", "xp_ws",
    "systolic", "maestro", "training", "inference", "grid", "random", "evolve", "log2", ["os", "ws", "is"],
    {"max": -1}, {"min": 1e308}, {"weighted_sum": {"runtime": 1e308, "energy": -1}}, "horowitz45", "l1",
)
_HUGE_RANGES = (
    {"range": [8, 2147483647], "step": 8}, {"range": [1, 2**31 - 1], "scale": "log2"}, {"range": [1, 10**30]},
    {"range": [2**63, 2**64]}, {"range": [1, 10**6], "step": 10**30}, [1, 2**31, 2**63], [0, -1],
)
#: Extreme values for the entry of a given key of a design space (the issue's range and batch blow-ups).
SPACE_KEY_VALUES: dict[str, tuple[Any, ...]] = {
    "batch": (32000, 10**6, 2**31 - 1, 0),
    "budget": (10**9, 2**63, 0),
    "population": (2, 10**7, 2**63),
    "batch_size": (1, 2**31, 10**30),
    "seed": (2**63, 2**64, -1),
    "range": ([8, 2147483647], [1, 10**30], [2**63, 2**64], [0, 0], [-5, 5], [5, 1]),
    "step": (1, 2**40, 10**30, 0),
    "max": (1e308, -1e308, 10**30, 0),
    "min": (1e308, -1e308, 10**30),
    "weighted_sum": ({"runtime": 1e308, "energy": 1e308}, {"runtime": 10**30}, {}),
    **{name: _HUGE_RANGES for name in ("num_pes", "rows", "cols", "l1_size_elems", "l2_size_elems", "cluster_size",
                                       "noc_bandwidth_elems_per_cycle", "offchip_bandwidth_elems_per_cycle", "simd_lanes")},
}
TRAJECTORY_KEY_VALUES: dict[str, tuple[Any, ...]] = {
    "total_epochs": (10**9, 2**63, 1, 0),
    "epoch": (10**9, 2**63, -1),
    "conv1": ([3, 2**31], [2**63, 16], [0, 16]),
    "fc": ([64, 10**9], [1, 1]),
}
TRAJECTORY_WORDS = (
    "epoch", "layer", "in_channels", "out_channels", "# total_epochs:", "# network:", "# synthetic:", "# description:",
    "resnet56", "resnet50", "conv1", "fc", "layer1.0.conv1", "layer3.8.conv2", "true", "false", ",", "#",
)
TRAJECTORY_KEYS = ("network", "total_epochs", "epochs", "epoch", "layers", "synthetic", "description", "conv1", "fc", "layer1.0.conv1")
SCALESIM_WORDS = (
    "[general]", "[architecture_presets]", "ArrayHeight", "ArrayWidth", "Dataflow", "os", "ws", "is", "run_name",
    "=", ":", ",", "%", "%(x)s", "Layer", "M", "N", "K",
)
