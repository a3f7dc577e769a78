"""Small design spaces for exploration tests: a three-layer network and a space file written to a folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from mapscope.explore.engines import load_design_space
from mapscope.explore.space import DesignSpace

TINY_NETWORK = Path(__file__).with_name("tiny_network.m")

TINY_SPACE: dict = {
    "name": "tiny",
    "network": "tiny_network.m",
    "mapping": {"template": "tiled", "parameters": {"spatial_dimension": ["K", "C"], "cluster_size": [1, 4]}},
    "hardware": {
        "num_pes": [8, 16],
        "simd_lanes": [1, 2],
        "noc_bandwidth_elems_per_cycle": [2, 8, 64],
        "noc_latency_cycles": [0, 2],
        "offchip_bandwidth_elems_per_cycle": [4, 32],
        "l1_size_elems": [16, 64, 1024],
        "l2_size_elems": [2048, 65536],
    },
    "constraints": {"area_mm2": {"max": 1.2}, "buffers_fit": True},
    "objectives": ["runtime", "energy"],
}


def write_space(folder: Path, document: dict | None = None, name: str = "space.yaml") -> Path:
    """Write `document` (default TINY_SPACE) and the tiny network into `folder`; returns the space path."""
    shutil.copy(TINY_NETWORK, folder / TINY_NETWORK.name)
    path = folder / name
    path.write_text(yaml.safe_dump(document if document is not None else TINY_SPACE, sort_keys=False))
    return path


def tiny_space(folder: Path, document: dict | None = None) -> DesignSpace:
    return load_design_space(write_space(folder, document))
