"""Analysis of one cluster level over all its cases, recursing into sub-clusters (docs/model.md, Sub-cluster recursion; Counts and buffer sizes).

The walk yields a `LevelTrace`: volumes and sizes plus one record per valid case; the hardware's
timing numbers are applied afterwards (level_timing, timing_batch). A trace is a pure function of
(level, per-case dimension sizes), so traces are memoised: a top-level case that hands the same tile
to its sub-clusters as an earlier one reuses that trace. A run's own part (level_cases) does not depend
on the levels below, so it is memoised across mappings too (bounded): a mapping that differs from an
earlier one only below a level reuses that level's cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import prod
from typing import NamedTuple

from mapscope.analysis.iteration import directive_states
from mapscope.analysis.level_cases import TENSOR_NAMES, LevelCases, level_cases
from mapscope.analysis.bounded_memo import BoundedMemo
from mapscope.analysis.level_shape import LayerForm
from mapscope.analysis.level_tables import level_tables
from mapscope.analysis.tensors import used_extent
from mapscope.analysis.volumes import LevelShape
from mapscope.limits import MAX_ITERATION_CASES, MAX_LAYER_ITERATION_CASES


class NoValidCase(ArithmeticError):
    """Every case of a sub-cluster level computes no MAC: MAESTRO divides by a zero delay (SIGFPE)."""

    def __init__(self, level: int, detail: str) -> None:
        self.level = level
        self.detail = detail
        super().__init__(detail)


class TooManyCases(ArithmeticError):
    """A level would enumerate more cases than a limit allows (counted before any case is built).

    `limit` is MAX_ITERATION_CASES when the level alone is over it (`per_layer` False), else
    MAX_LAYER_ITERATION_CASES, which the layer's levels together would pass.
    """

    def __init__(self, level: int, cases: int, limit: int, per_layer: bool) -> None:
        self.level = level
        self.cases = cases
        self.limit = limit
        self.per_layer = per_layer
        super().__init__(f"cluster level {level}: {cases} cases, limit {limit}")


class CaseRecord(NamedTuple):
    """What one valid case of a level hands the timing model: everything except hardware numbers.

    A named tuple (not a dataclass): every level run builds one per valid case.
    """

    occurrences: int
    ingress_elems: int
    egress_elems: int
    all_init: bool  # every directive in its Init state: ingress is not overlapped with compute
    partial_sums: int  # innermost level: MACs on the critical path (compute = ceil(partial_sums / SIMD))
    sub_runs: tuple[tuple[LevelTrace, int], ...]  # other levels: the sub-cluster runs and their counts
    operands_l2_elems: int  # top level: the L2 requirement so far, which off-chip traffic must fill
    output_l2_elems: int


@dataclass(eq=False)
class LevelTrace:
    """One run of a level, without the hardware's timing numbers (bandwidth, latency, SIMD).

    It holds the volumes, sizes and MACs, which depend only on the layer, the mapping and the PE
    count, and the per-case records from which `level_timing` derives runtime and bandwidths. One
    trace therefore serves every NoC, SIMD and off-chip setting (design-space sweeps reuse it).
    """

    macs: int = 0
    l2_read: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TENSOR_NAMES, 0))
    l2_write: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TENSOR_NAMES, 0))
    l1_read: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TENSOR_NAMES, 0))
    l1_write: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TENSOR_NAMES, 0))
    l2_size_req: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TENSOR_NAMES, 0))
    l1_size_req: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TENSOR_NAMES, 0))
    occurrences: int = 0  # steps over all non-skipped cases
    active_sub_clusters_sum: float = 0.0
    arithmetic_intensity: float = 0.0
    valid_cases: int = 0
    first_innermost_l1_size_req: dict[str, int] | None = None
    innermost: bool = True
    top: bool = False
    cases: list[CaseRecord] = field(default_factory=list)

    @property
    def avg_active_sub_clusters(self) -> float:
        return self.active_sub_clusters_sum / self.occurrences if self.occurrences else self.active_sub_clusters_sum


#: A level run within one layer's analysis: level index and the dimension sizes it receives.
RunKey = tuple[int, tuple[tuple[str, int], ...]]

#: Level runs' own parts kept across mappings: each holds one small record per valid case and no trace.
#: Measured on ResNet-50 and MobileNet-V2 layers at 256 PEs (benchmarks/bench_scalar_mappings.py): a
#: tile branch's members reuse about half of the level runs they need; larger memos found no more.
LEVEL_CASES_CAPACITY = 4096
#: A level run's own part (level_cases) by (form serial, LevelShape.run_key, innermost or not, dimension
#: sizes received), every input it depends on, compared whole; least recently used dropped past the capacity.
_LEVEL_CASES: BoundedMemo[LevelCases] = BoundedMemo(LEVEL_CASES_CAPACITY)


class LayerAnalyzer:
    """Walks the levels of one layer into traces; holds the memo of sub-level traces."""

    def __init__(self, shapes: tuple[LevelShape, ...], form: LayerForm) -> None:
        self.shapes = shapes
        self.form = form
        self.tensors = form.tensors
        self.memo: dict[RunKey, LevelTrace] = {}
        self.received_shapes: dict[RunKey, LevelShape] = {}  # corrected model: by tile
        self.cases_enumerated = 0  # over every level run of this layer, against MAX_LAYER_ITERATION_CASES

    def run(self, index: int, dims_items: tuple[tuple[str, int], ...]) -> LevelTrace:
        """The trace of level `index` receiving `dims_items` (walked once per layer analysis)."""
        key = (index, dims_items)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        result = self.memo[key] = self._run(index, dims_items)
        return result

    def _shape_for(self, index: int, dims: dict[str, int]) -> LevelShape:
        """The level's shape; in the corrected model its tables follow the tile this run received."""
        shape = self.shapes[index]
        if not shape.corrections.tables_from_received_tile or (index == 0 and not shape.corrections.trim_unused_inputs):
            return shape
        received = tuple((v, dims[v]) for v in shape.mapped_variables)
        if received == shape.static_sizes:
            return shape  # the tables of the tile received are the level's own
        key = (index, received)
        known = self.received_shapes.get(key)
        if known is None:
            level = replace(shape.level, dimensions=received)
            tables = level_tables(level, shape.has_sliding_windows, shape.corrections, shape.strides)
            known = self.received_shapes[key] = LevelShape(level, tables, shape.has_sliding_windows, shape.corrections, shape.strides)
        return known

    def _count(self, index: int, cases: int) -> None:
        """Count a level run's cases against the limits (one level's first, then the layer's)."""
        self.cases_enumerated += cases
        if cases > MAX_ITERATION_CASES:
            raise TooManyCases(index, cases, MAX_ITERATION_CASES, per_layer=False)
        if self.cases_enumerated > MAX_LAYER_ITERATION_CASES:
            raise TooManyCases(index, cases, MAX_LAYER_ITERATION_CASES, per_layer=True)

    def _level_cases(self, index: int, dims_items: tuple[tuple[str, int], ...], innermost: bool) -> LevelCases:
        """The own part of level `index`'s run on `dims_items` (from the memo or walked now), its cases counted."""
        shape = self.shapes[index]
        key = (self.form.serial, shape.run_key, innermost, dims_items)
        known = _LEVEL_CASES.get(key)
        if known is not None:
            self._count(index, known.cases)
            return known
        declared = dict(dims_items)
        corrections = shape.corrections
        dims = used_extent(declared, shape.strides) if corrections.trim_unused_inputs else declared
        shape = self._shape_for(index, dims)
        exact_partial = corrections.partial_tile_only_when_partial
        state_lists = [directive_states(d, dims[d.variable], shape.num_sub_clusters, exact_partial) for d in shape.directives]
        cases = prod(len(states) for states in state_lists)
        self._count(index, cases)
        known = level_cases(shape, self.tensors, declared, state_lists, cases, innermost)
        _LEVEL_CASES.put(key, known)
        return known

    def _run(self, index: int, dims_items: tuple[tuple[str, int], ...]) -> LevelTrace:
        """Walk level `index` receiving `dims_items` into a new trace: its own part, then its sub-level runs."""
        innermost = index == len(self.shapes) - 1
        own = self._level_cases(index, dims_items, innermost)
        run = LevelTrace(
            macs=own.macs,
            l2_read=dict(own.l2_read),
            l2_write=dict(own.l2_write),
            l1_read=dict(own.l1_read),
            l1_write=dict(own.l1_write),
            l2_size_req=dict(own.l2_size_req),
            l1_size_req=dict(own.l1_size_req),
            occurrences=own.occurrences,
            arithmetic_intensity=own.arithmetic_intensity,
            valid_cases=own.valid_cases,
            innermost=innermost,
            top=index == 0,
        )
        records = run.cases
        active_sum = 0.0
        for case in own.valid:
            active_units = 0.0
            sub_runs: tuple[tuple[LevelTrace, int], ...] = ()
            if not innermost:
                sub_runs = tuple((self.run(index + 1, tile), weight) for tile, weight in case.sub_tiles)
                if run.first_innermost_l1_size_req is None:
                    run.first_innermost_l1_size_req = sub_runs[0][0].first_innermost_l1_size_req
                active_units = sum(sub.avg_active_sub_clusters * weight for sub, weight in sub_runs)
            records.append(
                CaseRecord(
                    case.occurrences,
                    case.ingress_elems,
                    case.egress_elems,
                    case.all_init,
                    case.partial_sums,
                    sub_runs,
                    case.operands_l2_elems,
                    case.output_l2_elems,
                )
            )
            if active_units == 0:
                active_units = case.own_active_units
            active_sum += active_units * case.occurrences
        run.active_sub_clusters_sum = active_sum
        if run.first_innermost_l1_size_req is None:
            run.first_innermost_l1_size_req = dict(run.l1_size_req)
        return run
