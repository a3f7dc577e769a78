"""What every engine's design evaluation returns: network-level metric arrays with one schema."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Metrics every engine reports (network totals, float64); engines add their own after these.
NETWORK_METRICS = (
    "runtime_cycles",
    "energy_nj",
    "edp_nj_cycles",
    "macs",
    "throughput_macs_per_cycle",
    "throughput_macs_per_cycle_per_mm2",
    "area_um2",
    "area_mm2",
    "power_mw",
)


@dataclass(frozen=True)
class MetricBatch:
    """Metric arrays for a batch of designs, and per design the reason it could not be evaluated (or None)."""

    metrics: dict[str, np.ndarray]
    errors: list[str | None]
