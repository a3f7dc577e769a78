"""The level walk of analysis.level_analysis and the timing of analysis.level_timing over a mapping batch.

A level run evaluates every case any mapping has (the union of their Init/Steady/Edge slots) as arrays
over the mappings, with a presence mask per case. What the scalar engine does in case order (the
buffer requirements taken up to the first valid case, the last case's arithmetic intensity, the
floating-point sum of active sub-clusters, the halving off-chip recurrence) follows each mapping's own
enumeration order, which is the union's cases in one order for every mapping (see `enumeration_key`).
A sub-cluster level is run once per distinct tile a case hands down (edge or full size along each
dimension), not once per case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np

from mapscope.analysis.batch.array_math import BoolArray, IntArray, cdiv, ceil_div, first_true_row, last_true_row, per_mapping
from mapscope.analysis.batch.case_arrays import CaseArrays, LevelForm
from mapscope.analysis.batch.case_patterns import level_slots
from mapscope.analysis.batch.cluster_arrays import LevelArrays
from mapscope.analysis.batch.table_arrays import Slot, TableArrays, tables
from mapscope.analysis.batch.tile_pairs import TilePairs
from mapscope.analysis.cluster_levels import SPATIAL
from mapscope.analysis.corrections import Corrections
from mapscope.analysis.iteration import EDGE, INIT, STEADY
from mapscope.analysis.tensors import SLIDING_PAIRS, LayerTensors
from mapscope.limits import MAX_ITERATION_CASES

TENSOR_NAMES = ("input", "filter", "output")
FloatArray = np.ndarray
_LAST = np.iinfo(np.int64).max


@dataclass(frozen=True)
class TimingScalars:
    """The accelerator numbers a level's timing uses (one accelerator for the whole batch)."""

    noc_bandwidth: int
    noc_latency: int
    simd_lanes: int
    offchip_bandwidth: int
    empty_transfer_takes_no_time: bool


@dataclass
class RunArrays:
    """One level run for every mapping: what a parent level needs, and at the top every trace total."""

    runtime: IntArray
    avg_active: FloatArray
    first_l1: dict[str, IntArray]
    needs_scalar: BoolArray  # the batch cannot decide these mappings (see LayerWalk)
    cases: IntArray  # iteration cases enumerated, an upper bound of the scalar engine's count
    valid_cases: IntArray
    occurrences: IntArray
    totals: dict[str, IntArray] = field(default_factory=dict)  # macs, l2_read_input, ... (top level)
    arithmetic_intensity: FloatArray | None = None
    timing: dict[str, IntArray] = field(default_factory=dict)
    compute_zero: BoolArray | None = None  # a top-level step whose sub-clusters take no time (NoValidCase)


@dataclass
class _Case:
    """One union case's arrays, kept between the passes of a level run."""

    slots: tuple[Slot, ...]
    exists: BoolArray
    occurrences: IntArray
    valid: BoolArray
    counted: BoolArray
    macs_step: IntArray
    egress: IntArray
    partial_sums: IntArray
    operand_ingress: dict[str, IntArray]
    all_init: bool
    spatial_slot: Slot
    edge_code: IntArray | None = None  # sub-cluster tile codes (edge-or-full per dimension) of its sub-runs
    plain_code: IntArray | None = None


_NO_ARRAY = np.zeros(0, dtype=np.int64)
#: What a level reads of sub-runs when no case uses any (every lookup reads zero).
_EMPTY_RUN = RunArrays(_NO_ARRAY, np.zeros(0), {name: _NO_ARRAY for name in TENSOR_NAMES}, np.zeros(0, dtype=bool), _NO_ARRAY, _NO_ARRAY, _NO_ARRAY)


#: A directive's states in the order MAESTRO enumerates them, whichever of them a mapping has.
_STATE_RANK = {STEADY: 0, EDGE: 1, INIT: 2}


def enumeration_key(positions: tuple[int, ...]) -> tuple[bool, tuple[int, ...]]:
    """Where a case (one INIT, STEADY or EDGE position per directive) comes in the case enumeration.

    The scalar engine takes the all-Init case first, then the rest as a mixed-radix count over the
    directives (the first most significant) whose digits run through a directive's Steady, Edge and Init
    states, skipping the states the mapping lacks. Skipping a state leaves the others' order alone, so
    sorting the union's cases by this key puts every mapping's own cases in its own order."""
    return any(position != INIT for position in positions), tuple(_STATE_RANK[position] for position in positions)


def _case_key(slots: tuple[Slot, ...]) -> tuple[bool, tuple[int, ...]]:
    return enumeration_key(tuple(slot.position for slot in slots))


def _noc_delay(elements: IntArray, timing: TimingScalars) -> IntArray:
    delay = timing.noc_latency + ceil_div(elements, np.int64(timing.noc_bandwidth)) - 1
    if timing.empty_transfer_takes_no_time:
        delay = np.where(elements == 0, 0, delay)
    return delay


class LayerWalk:
    """Walks the cluster levels of a batch; holds the runs of sub-cluster levels by the tiles they get."""

    def __init__(
        self,
        levels: tuple[LevelArrays, ...],
        tensors: LayerTensors,
        corrections: Corrections,
        strides: dict[str, int],
        timing: TimingScalars,
    ) -> None:
        self.levels = levels
        self.tensors = tensors
        self.corrections = corrections
        self.strides = strides
        self.timing = timing
        self.count = int(levels[0].num_sub_clusters.shape[0])
        self._static_tables: dict[int, TableArrays] = {}

    # -- per level setup -------------------------------------------------------------------------------
    def _tables(self, index: int, dims: dict[str, IntArray]) -> TableArrays:
        level = self.levels[index]
        corrections = self.corrections
        args = (level.kinds, level.variables, level.sizes, level.offsets, level.num_sub_clusters)
        if not corrections.tables_from_received_tile or (index == 0 and not corrections.trim_unused_inputs):
            known = self._static_tables.get(index)
            if known is None:
                known = self._static_tables[index] = tables(
                    *args, level.dimensions, self.tensors.has_sliding_windows, corrections, self.strides
                )
            return known
        return tables(*args, dims, self.tensors.has_sliding_windows, corrections, self.strides)

    def _buffer_constants(self, form: LevelForm, declared: dict[str, IntArray]) -> dict[str, IntArray]:
        """The parts of level_analysis._buffer_requirements that no case changes."""
        tables = form.tables
        constants: dict[str, IntArray] = {}
        one = np.ones(self.count, dtype=np.int64)
        for tensor in self.tensors.operands:
            constants[f"l2_write_{tensor.name}"] = np.prod([declared[v] for v in tensor.coupled], axis=0) * one
            constants[f"l1_tile_{tensor.name}"] = 2 * np.prod([tables.mapped[v] for v in tensor.coupled if v in tables.mapped] or [one], axis=0) * one
        output = self.tensors.output
        size = one
        for variable in output.coupled:
            if self.tensors.has_sliding_windows and variable in SLIDING_PAIRS:
                size = size * form.output_extent(variable, declared[variable], declared[SLIDING_PAIRS[variable]])
            else:
                size = size * declared[variable]
        constants["l2_read_output"] = size
        constants["l1_tile_output"] = 2 * np.prod([tables.mapped[v] for v in output.coupled if v in tables.mapped] or [one], axis=0) * one
        return constants

    # -- one level run ---------------------------------------------------------------------------------
    def run(self, index: int, declared: dict[str, IntArray]) -> RunArrays:
        level = self.levels[index]
        corrections = self.corrections
        dims, slot_lists = level_slots(level, declared, self.strides, corrections)
        form = LevelForm(
            level.kinds,
            level.variables,
            self._tables(index, dims),
            level.num_sub_clusters,
            self.tensors.has_sliding_windows,
            corrections,
            self.strides,
        )
        innermost = index == len(self.levels) - 1
        level_cases = np.ones(self.count, dtype=np.int64)
        for _, steady, edge in slot_lists:
            level_cases = level_cases * (1 + steady.exists.astype(np.int64) + edge.exists.astype(np.int64))
        needs_scalar = level_cases > MAX_ITERATION_CASES
        union = [[s for s in slots if s.position == INIT or bool(s.exists.any())] for slots in slot_lists]
        differs = {v: form.tables.mapped_edge[v] != form.tables.mapped[v] for v in level.variables} if not innermost else {}
        output = self.tensors.output
        spatial_variable = level.variables[form.first_spatial]
        cases: list[_Case] = []
        for combination in sorted(product(*union), key=_case_key):  # each mapping's cases in its own order
            exists = np.logical_and.reduce([slot.exists for slot in combination]) if combination else np.ones(self.count, dtype=bool)
            if not exists.any():
                continue
            occurrences = np.ones(self.count, dtype=np.int64)
            for slot in combination:  # cheaper than np.prod over the stacked list
                occurrences = occurrences * slot.occurrences
            volumes = CaseArrays(form, combination)
            macs_step = per_mapping(volumes.macs_across_array(output), self.count)
            egress = per_mapping(volumes.spatial_egress(output), self.count)
            partial_sums = per_mapping(volumes.critical_path_partial_sums(output), self.count)
            valid = exists & (partial_sums > 0)
            counted = exists if not corrections.skipped_cases_count_nothing else valid
            ingress = {t.name: per_mapping(volumes.spatial_ingress(t), self.count) for t in self.tensors.operands}
            needs_scalar = needs_scalar | (exists & volumes.zero_fresh)
            cases.append(
                _Case(
                    combination,
                    exists,
                    occurrences,
                    valid,
                    counted,
                    macs_step,
                    egress,
                    partial_sums,
                    ingress,
                    all(slot.position == INIT for slot in combination),
                    volumes.by_variable[spatial_variable],
                )
            )
            if not innermost:
                cases[-1].edge_code, cases[-1].plain_code = self._tile_codes(combination, form, differs)
        return self._finish(index, form, declared, cases, needs_scalar, level_cases, innermost)

    # -- sub-cluster levels ------------------------------------------------------------------------------
    def _tile_codes(self, slots: tuple[Slot, ...], form: LevelForm, differs: dict[str, BoolArray]) -> tuple[IntArray, IntArray]:
        """Per mapping, which dimensions the sub-cluster tile takes at edge size (a bit per directive, set
        only where the edge size differs), for the partial last sub-cluster and for the others
        (CaseArrays.sub_cluster_dimensions compared with the full tile)."""
        edge_code: IntArray | int = 0
        plain_code: IntArray | int = 0
        for bit, (kind, variable, slot) in enumerate(zip(form.kinds, form.variables, slots)):
            if slot.is_edge is False:
                continue
            edge_bit = np.asarray(slot.is_edge & differs[variable], dtype=np.int64)
            plain_bit = np.asarray(slot.is_edge & differs[variable] & form.single_edge, dtype=np.int64) if kind == SPATIAL else edge_bit
            edge_code = edge_code | (edge_bit << bit)
            plain_code = plain_code | (plain_bit << bit)
        return per_mapping(edge_code, self.count), per_mapping(plain_code, self.count)

    def _sub_runs(self, index: int, form: LevelForm, cases: list[_Case]) -> tuple[TilePairs, RunArrays]:
        """The next level run once over every (mapping, tile code) pair a valid case uses."""
        used: list[tuple[IntArray, BoolArray]] = []
        for case in cases:
            edge_first = case.spatial_slot.is_edge & case.spatial_slot.spatial_edge_edge
            assert case.edge_code is not None and case.plain_code is not None
            used.append((case.edge_code, case.valid & edge_first))
            used.append((case.plain_code, case.valid & (np.logical_not(edge_first) | form.multi_edge)))
        pairs = TilePairs(used, self.count)
        if not pairs.size:
            return pairs, _EMPTY_RUN
        levels = tuple(level.take(pairs.rows) for level in self.levels)
        walk = LayerWalk(levels, self.tensors, self.corrections, self.strides, self.timing)
        return pairs, walk.run(index + 1, pairs.dimensions(form))

    # -- reductions in case order -----------------------------------------------------------------------
    def _finish(
        self,
        index: int,
        form: LevelForm,
        declared: dict[str, IntArray],
        cases: list[_Case],
        needs_scalar: BoolArray,
        level_cases: IntArray,
        innermost: bool,
    ) -> RunArrays:
        """The level's totals and timing from its cases, stacked as (case, mapping) matrices.

        The cases come in every mapping's enumeration order, so a case's row number is its position."""
        count, timing, top = self.count, self.timing, index == 0
        constants = self._buffer_constants(form, declared)
        exists, valid = (np.stack([getattr(c, name) for c in cases]) for name in ("exists", "valid"))
        position = np.arange(len(cases), dtype=np.int64)[:, None]
        occ, macs_step, egress = (np.stack([getattr(c, name) for c in cases]) for name in ("occurrences", "macs_step", "egress"))
        ingress = {name: np.stack([c.operand_ingress[name] for c in cases]) for name in cases[0].operand_ingress}
        first_valid, last_valid = first_true_row(valid, _LAST), last_true_row(valid, -1)
        target = np.where(first_valid != _LAST, first_valid, last_true_row(exists, -1))  # the last case _buffer_requirements sees
        in_buffer = exists & (position <= target)
        buffer_cases = in_buffer.sum(axis=0, dtype=np.int64)
        some_buffer = buffer_cases > 0
        l2_size = {name: np.zeros(count, dtype=np.int64) for name in TENSOR_NAMES}
        for name, volume in ingress.items():
            l2_size[name] = np.where(in_buffer, 2 * volume, 0).sum(axis=0)
        at_target = np.maximum(target, 0), np.arange(count)
        l2_size["output"] = np.where((target >= 0) & exists[at_target], 2 * egress[at_target], 0)
        l1_size = {name: buffer_cases * constants[f"l1_tile_{name}"] for name in ("input", "filter")}
        l1_size["output"] = np.where(some_buffer, constants["l1_tile_output"], 0)
        operands_l2 = l2_size["input"] + l2_size["filter"]

        counted_occ = np.where(np.stack([c.counted for c in cases]), occ, 0)
        valid_occ = np.where(valid, occ, 0)
        totals = {f"{kind}_{name}": np.zeros(count, dtype=np.int64) for kind in ("l2_read", "l2_write", "l1_read", "l1_write") for name in TENSOR_NAMES}
        for tensor in self.tensors.operands:
            totals[f"l2_write_{tensor.name}"] = np.where(some_buffer, constants[f"l2_write_{tensor.name}"], 0)
        totals["l2_read_output"] = np.where(some_buffer, constants["l2_read_output"], 0)
        totals["l2_write_output"] = (counted_occ * egress).sum(axis=0)
        totals["l1_write_output"] = totals["l1_read_output"] = (counted_occ * macs_step).sum(axis=0)
        macs = (valid_occ * macs_step).sum(axis=0)
        ingress_total = sum(ingress.values(), np.zeros_like(macs_step))
        for name, volume in ingress.items():
            totals[f"l2_read_{name}"] = (valid_occ * volume).sum(axis=0)
            totals[f"l1_read_{name}"] = macs
        for name in ("input", "filter"):
            totals[f"l1_write_{name}"] = totals[f"l2_read_{name}"].copy()
        last = np.where(last_valid >= 0, last_valid, 0), np.arange(count)  # the last valid case's row per mapping
        macs_last, ingress_last = macs_step[last], ingress_total[last]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = macs_last / ingress_last
        ratio = np.where(ingress_last != 0, ratio, np.where(macs_last != 0, np.inf, np.nan))
        intensity = np.where(last_valid >= 0, ratio, 0.0)

        is_edge = np.stack([per_mapping(c.spatial_slot.is_edge, count) for c in cases])
        active = np.where(is_edge, form.num_edge, form.num_sub)
        total_cases = level_cases
        first_l1 = dict(l1_size)
        if innermost:
            compute = ceil_div(np.stack([c.partial_sums for c in cases]), np.int64(timing.simd_lanes))
            active_units = np.zeros(compute.shape)
        else:
            pairs, sub = self._sub_runs(index, form, cases)
            # the sub-runs' results by pair, a zero column last for pairs no case uses
            sub_ints = pairs.columns([sub.runtime, sub.needs_scalar, sub.cases, *(sub.first_l1[name] for name in TENSOR_NAMES)], np.int64)
            sub_active = pairs.columns([sub.avg_active], np.float64)[0]
            edge_code, plain_code = np.stack([c.edge_code for c in cases]), np.stack([c.plain_code for c in cases])  # type: ignore[misc]
            edge_at, plain_at = pairs.locate(edge_code), pairs.locate(plain_code)
            edge_runtime, edge_scalar, edge_cases = sub_ints[:3, edge_at]
            plain_runtime, plain_scalar, plain_cases = sub_ints[:3, plain_at]
            edge_active, plain_active = sub_active[edge_at], sub_active[plain_at]
            edge_first = is_edge & np.stack([per_mapping(c.spatial_slot.spatial_edge_edge, count) for c in cases])
            second = edge_first & (form.num_edge - 1 > 0)
            weight = np.where(is_edge, form.num_edge, form.num_sub)
            active_units = np.where(
                edge_first,
                np.where(second, (0 + edge_active * 1) + plain_active * (form.num_edge - 1), 0 + edge_active * 1),
                0 + plain_active * weight,
            )
            compute = np.maximum(0, np.where(edge_first, np.where(second, np.maximum(edge_runtime, plain_runtime), edge_runtime), plain_runtime))
            plain_used = valid & (np.logical_not(edge_first) | second)
            edge_used = valid & edge_first
            needs_scalar = needs_scalar | ((plain_used & (plain_scalar != 0)) | (edge_used & (edge_scalar != 0))).any(axis=0)
            edge_again = edge_used & ~(plain_used & (plain_code == edge_code))  # a code counts once per case
            total_cases = total_cases + (np.where(plain_used, plain_cases, 0) + np.where(edge_again, edge_cases, 0)).sum(axis=0)
            # the first valid case's sub-run gives the first L1 sizes (read at that case only)
            some_valid = first_valid != _LAST
            at_first = np.where(some_valid, first_valid, 0), np.arange(count)
            first_pair = np.where(edge_first[at_first], edge_at[at_first], plain_at[at_first])
            for row, name in enumerate(TENSOR_NAMES, start=3):
                first_l1[name] = np.where(some_valid, sub_ints[row, first_pair], first_l1[name])
        active_terms = np.where(active_units == 0, active, active_units) * occ
        ingress_delay = _noc_delay(ingress_total, timing)
        egress_delay = _noc_delay(egress, timing)
        step = np.maximum(np.maximum(egress_delay, compute), ingress_delay)
        for row in [row for row, case in enumerate(cases) if case.all_init]:  # the all-Init case does not overlap
            step[row] = compute[row] + ingress_delay[row]
        if top:
            bandwidth = np.int64(timing.offchip_bandwidth)
            step = np.maximum(np.maximum(operands_l2 // bandwidth // 2, step), l2_size["output"] // bandwidth // 2)
        runtime = (valid_occ * step).sum(axis=0)
        rates = np.where(compute != 0, compute, 1)
        traffic = np.maximum(ingress_total, egress)
        peak = np.maximum(np.where(valid, cdiv(traffic, rates), 0).max(axis=0), 0)
        avg_sum = np.where(valid, cdiv(occ * traffic, rates), 0).sum(axis=0)
        occurrences = valid_occ.sum(axis=0)
        valid_cases = valid.sum(axis=0, dtype=np.int64)

        active_sum = np.zeros(count)
        for row, present in zip(active_terms, valid):  # in case order, as the scalar engine adds them
            active_sum = np.where(present, active_sum + row, active_sum)
        with np.errstate(divide="ignore", invalid="ignore"):
            avg_active = np.where(occurrences != 0, active_sum / np.where(occurrences != 0, occurrences, 1), active_sum)
        result = RunArrays(runtime, avg_active, first_l1, needs_scalar, total_cases, valid_cases, occurrences)
        if top:
            offchip = np.zeros(count, dtype=np.int64)
            # `rates` for `compute`: they differ only where a step takes no time, which is not a valid
            # mapping (compute_zero), and nonzero divisors keep cdiv on its fast path
            offchip_terms = np.maximum(cdiv(l2_size["output"], rates), cdiv(operands_l2, rates))
            for row, present in zip(offchip_terms, valid):
                offchip = np.where(present, np.maximum(offchip, row) // 2, offchip)
            result.totals = {**totals, "macs": macs}
            result.totals.update({f"l2_size_req_{name}": l2_size[name] for name in TENSOR_NAMES})
            result.totals.update({f"l1_size_req_{name}": l1_size[name] for name in TENSOR_NAMES})
            result.arithmetic_intensity = intensity
            result.compute_zero = (valid & (compute == 0)).any(axis=0)
            result.timing = {"runtime_cycles": runtime, "peak_noc_bw": peak, "avg_noc_bw_sum": avg_sum, "offchip_bw_req": offchip}
            for name, delay in (("ingress", ingress_delay), ("egress", egress_delay), ("compute", rates)):
                result.timing[f"{name}_min"] = np.where(valid, delay, _LAST).min(axis=0)
                result.timing[f"{name}_max"] = np.where(valid, delay, -_LAST).max(axis=0)
                result.timing[f"{name}_sum"] = (valid_occ * delay).sum(axis=0)
        return result
