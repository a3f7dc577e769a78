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
    latency, noc_bandwidth, empty_free = settings.noc_latency, settings.noc_bandwidth, settings.empty_transfer_takes_no_time
    runtime = peak = average_sum = offchip = 0
    # Delays.add for ingress, egress and compute, kept in locals (this loop runs for every level run)
    inf = float("inf")
    ingress_min, ingress_max, ingress_sum = inf, -inf, 0
    egress_min, egress_max, egress_sum = inf, -inf, 0
    compute_min, compute_max, compute_sum = inf, -inf, 0
    for case in trace.cases:
        occurrences = case.occurrences
        if trace.innermost:
            compute = ceil_div(case.partial_sums, simd)
        else:
            compute = max(0, max(time_level(sub, settings, memo).runtime_cycles for sub, _ in case.sub_runs))
        ingress_elems, egress_elems = case.ingress_elems, case.egress_elems
        # noc_delay, inlined
        ingress_delay = 0 if ingress_elems == 0 and empty_free else latency + ceil_div(ingress_elems, noc_bandwidth) - 1
        egress_delay = 0 if egress_elems == 0 and empty_free else latency + ceil_div(egress_elems, noc_bandwidth) - 1
        step = compute + ingress_delay if case.all_init else max(egress_delay, compute, ingress_delay)
        if top:
            step = max(case.operands_l2_elems // bandwidth // 2, step, case.output_l2_elems // bandwidth // 2)
            if compute == 0:
                raise NoValidCase(1, "the sub-cluster level computes nothing in this step")
            offchip = max(offchip, cdiv(case.output_l2_elems, compute), cdiv(case.operands_l2_elems, compute)) // 2
        runtime += occurrences * step
        compute_for_rates = compute if compute != 0 else 1
        traffic = ingress_elems if ingress_elems > egress_elems else egress_elems
        rate = cdiv(traffic, compute_for_rates)
        if rate > peak:
            peak = rate
        average_sum += cdiv(occurrences * traffic, compute_for_rates)
        if ingress_delay < ingress_min:
            ingress_min = ingress_delay
        if ingress_delay > ingress_max:
            ingress_max = ingress_delay
        ingress_sum += occurrences * ingress_delay
        if egress_delay < egress_min:
            egress_min = egress_delay
        if egress_delay > egress_max:
            egress_max = egress_delay
        egress_sum += occurrences * egress_delay
        if compute_for_rates < compute_min:
            compute_min = compute_for_rates
        if compute_for_rates > compute_max:
            compute_max = compute_for_rates
        compute_sum += occurrences * compute_for_rates
    timing.ingress = Delays(ingress_min, ingress_max, ingress_sum)
    timing.egress = Delays(egress_min, egress_max, egress_sum)
    timing.compute = Delays(compute_min, compute_max, compute_sum)
    timing.offchip_bw_req = offchip
    timing.runtime_cycles = runtime
    timing.peak_noc_bw = peak
    timing.avg_noc_bw_sum = average_sum
    memo[id(trace)] = timing
    return timing
