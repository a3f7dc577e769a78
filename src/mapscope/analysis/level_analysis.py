"""Analysis of one cluster level over all its cases, recursing into sub-clusters (docs/model.md, Sub-cluster recursion; Counts and buffer sizes).

The walk yields a `LevelTrace`: volumes and sizes plus one record per valid case; the hardware's
timing numbers are applied afterwards (level_timing, timing_batch). A trace is a pure function of
(level, per-case dimension sizes), so traces are memoised: a top-level case that hands the same tile
to its sub-clusters as an earlier one reuses that trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import prod
from typing import NamedTuple

from mapscope.analysis.iteration import directive_states, enumerate_cases
from mapscope.analysis.level_tables import level_tables
from mapscope.analysis.tensors import SLIDING_PAIRS, LayerTensors, used_extent
from mapscope.analysis.volumes import CaseVolumes, LevelShape
from mapscope.limits import MAX_ITERATION_CASES, MAX_LAYER_ITERATION_CASES

TENSOR_NAMES = ("input", "filter", "output")


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


class LayerAnalyzer:
    """Walks the levels of one layer into traces; holds the memo of sub-level traces."""

    def __init__(self, shapes: tuple[LevelShape, ...], tensors: LayerTensors) -> None:
        self.shapes = shapes
        self.tensors = tensors
        self.memo: dict[tuple[int, tuple[tuple[str, int], ...]], LevelTrace] = {}
        self.received_shapes: dict[tuple[int, tuple[tuple[str, int], ...]], LevelShape] = {}  # corrected model: by tile
        self.cases_enumerated = 0  # over every level run of this layer, against MAX_LAYER_ITERATION_CASES

    def _buffer_requirements(self, run: LevelTrace, volumes: CaseVolumes, dims: dict[str, int]) -> None:
        """Double-buffered L2/L1 needs and the one-time L2 fills, taken from the level's first case."""
        shape = volumes.shape
        for tensor in self.tensors.operands:
            run.l2_size_req[tensor.name] += 2 * volumes.spatial_ingress(tensor)
            run.l2_write[tensor.name] = prod(dims[v] for v in tensor.coupled)
            run.l1_size_req[tensor.name] += 2 * shape.layout(tensor).l1_tile
        output = self.tensors.output
        size = 1
        for variable in output.coupled:
            if self.tensors.has_sliding_windows and variable in SLIDING_PAIRS:
                size *= shape.output_extent(variable, dims[variable], dims[SLIDING_PAIRS[variable]])
            else:
                size *= dims[variable]
        run.l2_size_req["output"] = 2 * volumes.spatial_egress(output)
        run.l2_read["output"] = size
        run.l1_size_req["output"] = 2 * shape.layout(output).l1_tile

    def run(self, index: int, dims_items: tuple[tuple[str, int], ...]) -> LevelTrace:
        key = (index, dims_items)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        result = self._run(index, dict(dims_items))
        self.memo[key] = result
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

    def _run(self, index: int, declared: dict[str, int]) -> LevelTrace:
        corrections = self.shapes[index].corrections
        dims = used_extent(declared, self.shapes[index].strides) if corrections.trim_unused_inputs else declared
        shape = self._shape_for(index, dims)
        output = self.tensors.output
        operands = self.tensors.operands
        innermost = index == len(self.shapes) - 1
        n_sub = shape.num_sub_clusters
        num_edge = shape.num_edge
        run = LevelTrace(innermost=innermost, top=index == 0)
        exact_partial = corrections.partial_tile_only_when_partial
        state_lists = [directive_states(d, dims[d.variable], n_sub, exact_partial) for d in shape.directives]
        cases = prod(len(states) for states in state_lists)
        self.cases_enumerated += cases
        if cases > MAX_ITERATION_CASES:
            raise TooManyCases(index, cases, MAX_ITERATION_CASES, per_layer=False)
        if self.cases_enumerated > MAX_LAYER_ITERATION_CASES:
            raise TooManyCases(index, cases, MAX_LAYER_ITERATION_CASES, per_layer=True)
        spatial_variable = shape.variables[shape.first_spatial]
        count_skipped = not corrections.skipped_cases_count_nothing
        # The counters summed over cases, kept in locals and stored in the trace at the end.
        output_l2_write = output_l1 = macs = occurrences_sum = valid_cases = 0
        operand_l2_read = [0, 0]
        operand_l1_read = [0, 0]
        active_sum = 0.0
        records = run.cases
        operands_l2 = output_l2 = 0

        for states, occurrences in enumerate_cases(state_lists):
            volumes = CaseVolumes(shape, states)
            if valid_cases == 0:
                self._buffer_requirements(run, volumes, declared)
                operands_l2 = run.l2_size_req["input"] + run.l2_size_req["filter"]
                output_l2 = run.l2_size_req["output"]
            macs_step = volumes.macs_across_array(output)
            egress = volumes.spatial_egress(output)
            partial_sums = volumes.critical_path_partial_sums(output)
            if partial_sums > 0 or count_skipped:
                output_l2_write += occurrences * egress
                output_l1 += occurrences * macs_step
            if partial_sums <= 0:
                continue  # an invalid case (no complete output window): MAESTRO skips it
            input_traffic = volumes.spatial_ingress(operands[0])
            filter_traffic = volumes.spatial_ingress(operands[1])
            operand_l2_read[0] += occurrences * input_traffic
            operand_l2_read[1] += occurrences * filter_traffic
            operand_l1_read[0] += occurrences * macs_step
            operand_l1_read[1] += occurrences * macs_step
            ingress = input_traffic + filter_traffic
            run.arithmetic_intensity = macs_step / ingress if ingress else (float("inf") if macs_step else float("nan"))

            spatial_state = volumes.state_of(spatial_variable)
            active_units = 0.0
            sub_runs: tuple[tuple[LevelTrace, int], ...] = ()
            if not innermost:
                if spatial_state.is_edge:
                    if spatial_state.spatial_edge_edge:
                        sub_runs = ((self.run(index + 1, volumes.sub_cluster_dimensions(True)), 1),)
                        if num_edge - 1 > 0:
                            sub_runs += ((self.run(index + 1, volumes.sub_cluster_dimensions(False)), num_edge - 1),)
                    else:
                        sub_runs = ((self.run(index + 1, volumes.sub_cluster_dimensions(False)), num_edge),)
                else:
                    sub_runs = ((self.run(index + 1, volumes.sub_cluster_dimensions(False)), n_sub),)
                if run.first_innermost_l1_size_req is None:
                    run.first_innermost_l1_size_req = sub_runs[0][0].first_innermost_l1_size_req
                active_units = sum(sub.avg_active_sub_clusters * weight for sub, weight in sub_runs)
            records.append(
                CaseRecord(occurrences, ingress, egress, volumes.changing_index == -1, partial_sums, sub_runs, operands_l2, output_l2)
            )
            macs += occurrences * macs_step
            if active_units == 0:
                active_units = num_edge if spatial_state.is_edge else n_sub
            active_sum += active_units * occurrences
            occurrences_sum += occurrences
            valid_cases += 1
        run.l2_write["output"] += output_l2_write
        run.l1_write["output"] += output_l1
        run.l1_read["output"] += output_l1
        for position, tensor in enumerate(operands):
            run.l2_read[tensor.name] += operand_l2_read[position]
            run.l1_read[tensor.name] += operand_l1_read[position]
            if valid_cases:
                run.l1_write[tensor.name] = run.l2_read[tensor.name]
        run.macs = macs
        run.active_sub_clusters_sum = active_sum
        run.occurrences = occurrences_sum
        run.valid_cases = valid_cases
        if run.first_innermost_l1_size_req is None:
            run.first_innermost_l1_size_req = dict(run.l1_size_req)
        return run
