"""Runtime, NoC bandwidth and delay statistics of a level trace on given NoC, SIMD and off-chip numbers.

It is the part of the level analysis that depends on them (docs/model.md, NoC delay; Runtime; Bandwidth, utilisation, intensity and delay statistics),
applied to a `LevelTrace` one hardware point at a time, in Python integers. `timing_batch` does the
same for arrays of hardware points; tests hold the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mapscope.analysis.integer_math import cdiv, ceil_div
from mapscope.analysis.level_analysis import LevelTrace, NoValidCase


@dataclass(frozen=True)
class TimingSettings:
    """The hardware numbers that enter a level run only through its timing."""

    noc_bandwidth: int
    noc_latency: int
    simd_lanes: int
    offchip_bandwidth: int
    empty_transfer_takes_no_time: bool  # the corrected model's zero-element transfer (Corrections)


@dataclass
class Delays:
    minimum: float = float("inf")
    maximum: float = float("-inf")
    weighted_sum: int = 0

    def add(self, delay: int, occurrences: int) -> None:
        self.minimum = min(self.minimum, delay)
        self.maximum = max(self.maximum, delay)
        self.weighted_sum += occurrences * delay


@dataclass
class LevelTiming:
    """The hardware-dependent statistics of one level run."""

    runtime_cycles: int = 0
    peak_noc_bw: int = 0
    avg_noc_bw_sum: int = 0
    offchip_bw_req: int = 0
    ingress: Delays = field(default_factory=Delays)
    egress: Delays = field(default_factory=Delays)
    compute: Delays = field(default_factory=Delays)


def noc_delay(elements: int, settings: TimingSettings) -> int:
    """Cycles to move `elements` through a NoC level: head latency + serialisation."""
    if elements == 0 and settings.empty_transfer_takes_no_time:
        return 0
    return settings.noc_latency + ceil_div(elements, settings.noc_bandwidth) - 1


def time_level(trace: LevelTrace, settings: TimingSettings, memo: dict[int, LevelTiming] | None = None) -> LevelTiming:
    """Timing of `trace` and (memoised by identity) of the sub-level traces it refers to.

    Raises NoValidCase when a top-level step's sub-clusters take no time (MAESTRO divides by it).
    """
    memo = {} if memo is None else memo
    cached = memo.get(id(trace))
    if cached is not None:
        return cached
    timing = LevelTiming()
    simd, bandwidth, top = settings.simd_lanes, settings.offchip_bandwidth, trace.top
    runtime = peak = average_sum = 0
    ingress_stats, egress_stats, compute_stats = timing.ingress, timing.egress, timing.compute
    for case in trace.cases:
        occurrences = case.occurrences
        if trace.innermost:
            compute = ceil_div(case.partial_sums, simd)
        else:
            compute = max(0, max(time_level(sub, settings, memo).runtime_cycles for sub, _ in case.sub_runs))
        ingress_delay = noc_delay(case.ingress_elems, settings)
        egress_delay = noc_delay(case.egress_elems, settings)
        step = compute + ingress_delay if case.all_init else max(egress_delay, compute, ingress_delay)
        if top:
            step = max(case.operands_l2_elems // bandwidth // 2, step, case.output_l2_elems // bandwidth // 2)
            if compute == 0:
                raise NoValidCase(1, "the sub-cluster level computes nothing in this step")
            timing.offchip_bw_req = (
                max(timing.offchip_bw_req, cdiv(case.output_l2_elems, compute), cdiv(case.operands_l2_elems, compute)) // 2
            )
        runtime += occurrences * step
        compute_for_rates = compute if compute != 0 else 1
        traffic = max(case.ingress_elems, case.egress_elems)
        peak = max(peak, cdiv(traffic, compute_for_rates))
        average_sum += cdiv(occurrences * traffic, compute_for_rates)
        ingress_stats.add(ingress_delay, occurrences)
        egress_stats.add(egress_delay, occurrences)
        compute_stats.add(compute_for_rates, occurrences)
    timing.runtime_cycles = runtime
    timing.peak_noc_bw = peak
    timing.avg_noc_bw_sum = average_sum
    memo[id(trace)] = timing
    return timing
