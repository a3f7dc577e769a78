"""What every engine's design evaluation returns: network-level metric arrays with one schema.

Counts (cycles, MACs, elements, words) are int64 arrays, exact up to the engines' 64-bit bounds; every
other metric (energy, area, power, throughput, utilization) is float64. A design the engine could not
evaluate has an error and no metrics: `design_metrics` gives it nan for every metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Metrics every engine reports (network totals); engines add their own after these.
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

#: Metrics that count something (int64 arrays, Python ints in records); all others are float64.
INTEGER_METRICS = frozenset(
    {
        "runtime_cycles",
        "macs",
        "l1_size_req_elems",
        "l2_size_req_elems",
        "l1_size_elems",
        "l2_size_elems",
        "sram_read_words",
        "sram_write_words",
        "dram_read_words",
        "dram_write_words",
    }
)

MetricValue = int | float


@dataclass(frozen=True)
class MetricBatch:
    """Metric arrays for a batch of designs, and per design the reason it could not be evaluated (or None).

    The entries of a design with an error are meaningless (an int64 array cannot hold nan); read them
    through `design_metrics`.
    """

    metrics: dict[str, np.ndarray]
    errors: list[str | None]


def design_metrics(batch: MetricBatch) -> list[dict[str, MetricValue]]:
    """Each design's metrics as Python numbers: int for a count, float otherwise, nan for every metric of a
    design the engine could not evaluate."""
    columns = {name: values.tolist() for name, values in batch.metrics.items()}
    return [
        dict.fromkeys(columns, math.nan) if error is not None else {name: values[index] for name, values in columns.items()}
        for index, error in enumerate(batch.errors)
    ]
