"""What every engine's design evaluation returns: network-level metric arrays with one schema.

Counts (cycles, MACs, elements, words) are int64 arrays, exact up to the engines' 64-bit bounds; every
other metric (energy, area, power, throughput, utilization) is float64. A design the engine could not
evaluate has an error and no metrics: `design_metrics` gives it nan for every metric.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mapscope.formats.results.store_batch import typed_column

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
#: Designs as columns: one array per parameter, all of one length.
DesignColumns = Mapping[str, np.ndarray]
#: What an engine evaluates: columns, or (for callers with few designs) one dict of parameter values per design.
Designs = DesignColumns | Sequence[Mapping[str, object]]


def design_columns(designs: Designs) -> tuple[dict[str, np.ndarray], int]:
    """`designs` as columns (typed as the store keeps them) and how many designs there are."""
    if isinstance(designs, Mapping):
        columns = dict(designs)
        return columns, (len(next(iter(columns.values()))) if columns else 0)
    names = list(designs[0]) if designs else []
    return {name: typed_column([point[name] for point in designs]) for name in names}, len(designs)


def design_points(designs: Designs) -> list[dict[str, object]]:
    """`designs` as one dict of Python values per design (for engines that work design by design)."""
    if not isinstance(designs, Mapping):
        return [dict(point) for point in designs]
    names = list(designs)
    return [dict(zip(names, values, strict=True)) for values in zip(*(designs[name].tolist() for name in names), strict=True)]


@dataclass(frozen=True)
class MetricBatch:
    """Metric arrays for a batch of designs, and the reason each design the engine could not evaluate
    failed (by index; the others are absent).

    The entries of a design with an error are meaningless (an int64 array cannot hold nan); read them
    through `design_metrics`.
    """

    metrics: dict[str, np.ndarray]
    errors: dict[int, str]

    @property
    def count(self) -> int:
        return len(next(iter(self.metrics.values())))

    def evaluated(self) -> np.ndarray:
        """The mask of designs without an error."""
        mask = np.ones(self.count, dtype=np.bool_)
        mask[list(self.errors)] = False
        return mask


def design_metrics(batch: MetricBatch) -> list[dict[str, MetricValue]]:
    """Each design's metrics as Python numbers: int for a count, float otherwise, nan for every metric of a
    design the engine could not evaluate."""
    columns = {name: values.tolist() for name, values in batch.metrics.items()}
    return [
        dict.fromkeys(columns, math.nan) if index in batch.errors else {name: values[index] for name, values in columns.items()}
        for index in range(batch.count)
    ]
