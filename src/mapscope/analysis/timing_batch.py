"""Timing of one level trace on many hardware points at once (numpy), equal to `level_timing` point by point.

A design-space sweep varies NoC bandwidth and latency, SIMD lanes and off-chip bandwidth over a fixed
mapping and PE count: the trace is the same for all of them, so each case's delays become rows of a
(cases x points) array and a level's runtime one weighted sum over its cases. Integer arithmetic stays
in int64 with the scalar model's floor and truncating divisions, so results are exact.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from mapscope.analysis.level_analysis import LevelTrace
from mapscope.errors import InputError

IntArray = np.ndarray  # 1-D int64 unless noted
INT64_MAX = int(np.iinfo(np.int64).max)


@dataclass(frozen=True)
class TimingArrays:
    """Hardware points, one element each: the numbers a trace's timing depends on."""

    noc_bandwidth: IntArray
    noc_latency: IntArray
    simd_lanes: IntArray
    offchip_bandwidth: IntArray
    empty_transfer_takes_no_time: bool

    @property
    def size(self) -> int:
        return int(self.noc_bandwidth.shape[0])


@dataclass(frozen=True)
class DelayArrays:
    minimum: IntArray
    maximum: IntArray
    weighted_sum: IntArray


@dataclass(frozen=True)
class TimingBatch:
    """The statistics of `level_timing.LevelTiming` for every hardware point of a batch."""

    runtime_cycles: IntArray
    peak_noc_bw: IntArray
    avg_noc_bw_sum: IntArray
    offchip_bw_req: IntArray
    ingress: DelayArrays
    egress: DelayArrays
    compute: DelayArrays
    valid: np.ndarray  # bool: False where a top-level step computes nothing (the scalar model raises)


@dataclass(frozen=True)
class _CaseColumns:
    """A trace's case records as column arrays (built once per trace and kept while it lives)."""

    occurrences: IntArray
    ingress_elems: IntArray
    egress_elems: IntArray
    all_init: np.ndarray
    partial_sums: IntArray
    sub_traces: tuple[LevelTrace, ...]  # distinct sub-level traces, in first-use order
    first_sub: IntArray  # per case: index into sub_traces of its first and last sub-run
    last_sub: IntArray
    operands_l2_elems: IntArray
    output_l2_elems: IntArray


_COLUMNS: weakref.WeakKeyDictionary[LevelTrace, _CaseColumns] = weakref.WeakKeyDictionary()


def _columns(trace: LevelTrace) -> _CaseColumns:
    cached = _COLUMNS.get(trace)
    if cached is not None:
        return cached
    cases = trace.cases
    slots: dict[int, int] = {}
    sub_traces: list[LevelTrace] = []
    first, last = [], []
    for case in cases:
        indices = []
        for sub, _ in case.sub_runs:
            if id(sub) not in slots:
                slots[id(sub)] = len(sub_traces)
                sub_traces.append(sub)
            indices.append(slots[id(sub)])
        first.append(indices[0] if indices else 0)
        last.append(indices[-1] if indices else 0)

    def column(values: list[int]) -> IntArray:
        return np.array(values, dtype=np.int64).reshape(len(cases), 1)

    columns = _CaseColumns(
        occurrences=np.array([c.occurrences for c in cases], dtype=np.int64),
        ingress_elems=column([c.ingress_elems for c in cases]),
        egress_elems=column([c.egress_elems for c in cases]),
        all_init=np.array([c.all_init for c in cases], dtype=bool).reshape(len(cases), 1),
        partial_sums=column([c.partial_sums for c in cases]),
        sub_traces=tuple(sub_traces),
        first_sub=np.array(first, dtype=np.intp),
        last_sub=np.array(last, dtype=np.intp),
        operands_l2_elems=column([c.operands_l2_elems for c in cases]),
        output_l2_elems=column([c.output_l2_elems for c in cases]),
    )
    _COLUMNS[trace] = columns
    return columns


def _magnitude(trace: LevelTrace, latency: int, memo: dict[int, int]) -> int:
    """An upper bound (exact integers) on every count the batch derives from `trace`: occurrence-weighted
    sums of steps, delays and traffic, each step at most its largest element count plus the NoC latency
    plus its sub-level's runtime."""
    known = memo.get(id(trace))
    if known is not None:
        return known
    total = 0
    for case in trace.cases:
        sub = max((_magnitude(run, latency, memo) for run, _ in case.sub_runs), default=0)
        largest = max(abs(case.ingress_elems), abs(case.egress_elems), abs(case.partial_sums), case.operands_l2_elems, case.output_l2_elems)
        total += abs(case.occurrences) * (largest + latency + sub + 1)
    memo[id(trace)] = total
    return total


def check_fits_int64(trace: LevelTrace, hardware: TimingArrays) -> None:
    """Refuse a trace whose counts could pass int64 on `hardware` (numpy would wrap them silently)."""
    latency = int(hardware.noc_latency.max()) if hardware.size else 0
    bound = _magnitude(trace, max(latency, 0), {})
    if bound > INT64_MAX:
        raise InputError(
            f"its cycle and traffic counts could reach {bound:.3g}, beyond the 64-bit integers of the batched engine "
            f"(at most {INT64_MAX:.3g}); `mapscope analyze` counts such a layer exactly"
        )


def _ceil_div(numerator: IntArray, denominator: IntArray) -> IntArray:
    return -(-numerator // denominator)


def _noc_delay(elements: IntArray, hardware: TimingArrays) -> IntArray:
    """(cases x points) NoC delays: head latency + serialisation (level_timing.noc_delay)."""
    delay = hardware.noc_latency + _ceil_div(elements, hardware.noc_bandwidth) - 1
    if hardware.empty_transfer_takes_no_time:
        delay = np.where(elements == 0, 0, delay)
    return delay


class _Evaluation:
    """One batch evaluation: sub-level runtimes are memoised by trace identity."""

    def __init__(self, hardware: TimingArrays) -> None:
        self.hardware = hardware
        self.runtimes: dict[int, IntArray] = {}

    def compute(self, trace: LevelTrace, columns: _CaseColumns) -> IntArray:
        """(cases x points) compute delay of every case."""
        if trace.innermost:
            return _ceil_div(columns.partial_sums, self.hardware.simd_lanes)
        sub_runtimes = np.stack([self.runtime(sub) for sub in columns.sub_traces])
        return np.maximum(np.maximum(sub_runtimes[columns.first_sub], sub_runtimes[columns.last_sub]), 0)

    def steps(self, trace: LevelTrace, columns: _CaseColumns) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """(cases x points) step cycles, compute, ingress and egress delays."""
        compute = self.compute(trace, columns)
        ingress = _noc_delay(columns.ingress_elems, self.hardware)
        egress = _noc_delay(columns.egress_elems, self.hardware)
        step = np.where(columns.all_init, compute + ingress, np.maximum(np.maximum(egress, compute), ingress))
        if trace.top:
            bandwidth = self.hardware.offchip_bandwidth
            fill = np.maximum(columns.operands_l2_elems // bandwidth // 2, columns.output_l2_elems // bandwidth // 2)
            step = np.maximum(step, fill)
        return step, compute, ingress, egress

    def runtime(self, trace: LevelTrace) -> IntArray:
        cached = self.runtimes.get(id(trace))
        if cached is not None:
            return cached
        columns = _columns(trace)
        if not trace.cases:
            result = np.zeros(self.hardware.size, dtype=np.int64)
        else:
            step = self.steps(trace, columns)[0]
            result = columns.occurrences @ step
        self.runtimes[id(trace)] = result
        return result


def time_level_batch(trace: LevelTrace, hardware: TimingArrays) -> TimingBatch:
    """Every statistic of `level_timing.time_level(trace, ...)` for each hardware point."""
    check_fits_int64(trace, hardware)
    evaluation = _Evaluation(hardware)
    columns = _columns(trace)
    points = hardware.size
    if not trace.cases:
        zeros = np.zeros(points, dtype=np.int64)
        empty = DelayArrays(np.full(points, np.iinfo(np.int64).max), np.full(points, np.iinfo(np.int64).min), zeros)
        return TimingBatch(zeros, zeros, zeros, zeros, empty, empty, empty, np.ones(points, dtype=bool))
    step, compute, ingress, egress = evaluation.steps(trace, columns)
    occurrences = columns.occurrences
    valid = np.ones(points, dtype=bool)
    offchip = np.zeros(points, dtype=np.int64)
    if trace.top:
        valid = (compute != 0).all(axis=0)
        safe = np.where(compute == 0, 1, compute)
        for case in range(len(trace.cases)):  # a recurrence: each case halves the running maximum
            offchip = (
                np.maximum(
                    np.maximum(offchip, _truncating_div(columns.output_l2_elems[case], safe[case])),
                    _truncating_div(columns.operands_l2_elems[case], safe[case]),
                )
                // 2
            )
    compute_for_rates = np.where(compute == 0, 1, compute)
    traffic = np.maximum(columns.ingress_elems, columns.egress_elems)
    per_case = occurrences.reshape(-1, 1)
    return TimingBatch(
        runtime_cycles=occurrences @ step,
        peak_noc_bw=np.maximum(_truncating_div(traffic, compute_for_rates).max(axis=0), 0),
        avg_noc_bw_sum=_truncating_div(per_case * traffic, compute_for_rates).sum(axis=0),
        offchip_bw_req=offchip,
        ingress=_delays(ingress, occurrences),
        egress=_delays(egress, occurrences),
        compute=_delays(compute_for_rates, occurrences),
        valid=valid,
    )


def _truncating_div(numerator: IntArray, denominator: IntArray) -> IntArray:
    """C++ integer division (toward zero), as integer_math.cdiv."""
    quotient = np.abs(numerator) // np.abs(denominator)
    return np.where((numerator >= 0) == (denominator > 0), quotient, -quotient)


def _delays(delays: IntArray, occurrences: IntArray) -> DelayArrays:
    return DelayArrays(delays.min(axis=0), delays.max(axis=0), occurrences @ delays)


def runtime_batch(trace: LevelTrace, hardware: TimingArrays) -> tuple[IntArray, np.ndarray]:
    """Only the runtime (and validity) of `trace` per hardware point: the fast path for searches."""
    check_fits_int64(trace, hardware)
    evaluation = _Evaluation(hardware)
    columns = _columns(trace)
    if not trace.cases:
        return np.zeros(hardware.size, dtype=np.int64), np.ones(hardware.size, dtype=bool)
    step, compute, _, _ = evaluation.steps(trace, columns)
    valid = (compute != 0).all(axis=0) if trace.top else np.ones(hardware.size, dtype=bool)
    return columns.occurrences @ step, valid
