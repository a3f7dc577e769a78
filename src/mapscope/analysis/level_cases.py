"""One level run's own part of the analysis: its cases' volumes and the counters they sum to (docs/model.md, Per-case volumes; Counts and buffer sizes).

Everything a level run computes except what its sub-clusters report depends only on the layer's form, the
level and the tile it receives, not on the levels below. `LevelCases` holds that part, so that mappings
which differ only in lower levels reuse it (level_analysis keeps a bounded memo of them) and the run only
attaches its sub-level traces to the valid cases.
"""

from __future__ import annotations

from math import prod
from typing import NamedTuple

from mapscope.analysis.iteration import IterationState, enumerate_cases
from mapscope.analysis.tensors import SLIDING_PAIRS, LayerTensors
from mapscope.analysis.volumes import CaseVolumes, LevelShape

TENSOR_NAMES = ("input", "filter", "output")


class ValidCase(NamedTuple):
    """One valid case of a level run without its sub-level traces: what its CaseRecord holds otherwise, the
    tiles its sub-clusters receive with their counts, and its active units when its sub-clusters report none."""

    occurrences: int
    ingress_elems: int
    egress_elems: int
    all_init: bool
    partial_sums: int
    operands_l2_elems: int
    output_l2_elems: int
    sub_tiles: tuple[tuple[tuple[tuple[str, int], ...], int], ...]  # (dimension sizes, sub-clusters); () innermost
    own_active_units: int


class LevelCases(NamedTuple):
    """The counters a level run sums over its cases (its trace's fields of the same names, never changed
    once built: a run copies the dictionaries) and its valid cases in enumeration order."""

    cases: int  # iteration cases enumerated, against the limits
    macs: int
    occurrences: int
    valid_cases: int
    arithmetic_intensity: float
    l2_read: dict[str, int]
    l2_write: dict[str, int]
    l1_read: dict[str, int]
    l1_write: dict[str, int]
    l2_size_req: dict[str, int]
    l1_size_req: dict[str, int]
    valid: tuple[ValidCase, ...]


def _buffer_requirements(
    tensors: LayerTensors, counts: dict[str, dict[str, int]], volumes: CaseVolumes, dims: dict[str, int]
) -> None:
    """Double-buffered L2/L1 needs and the one-time L2 fills, taken from the level's first case (called for
    every case up to the first valid one, as MAESTRO does: operand needs add up over those calls)."""
    shape = volumes.shape
    for tensor in tensors.operands:
        counts["l2_size_req"][tensor.name] += 2 * volumes.spatial_ingress(tensor)
        counts["l2_write"][tensor.name] = prod(dims[v] for v in tensor.coupled)
        counts["l1_size_req"][tensor.name] += 2 * shape.layout(tensor).l1_tile
    output = tensors.output
    size = 1
    for variable in output.coupled:
        if tensors.has_sliding_windows and variable in SLIDING_PAIRS:
            size *= shape.output_extent(variable, dims[variable], dims[SLIDING_PAIRS[variable]])
        else:
            size *= dims[variable]
    counts["l2_size_req"]["output"] = 2 * volumes.spatial_egress(output)
    counts["l2_read"]["output"] = size
    counts["l1_size_req"]["output"] = 2 * shape.layout(output).l1_tile


def level_cases(
    shape: LevelShape,
    tensors: LayerTensors,
    declared: dict[str, int],
    state_lists: list[list[IterationState]],
    cases: int,
    innermost: bool,
) -> LevelCases:
    """Walk the `cases` cases of `state_lists` (one state list per directive of `shape`, the level's shape
    for the tile received) into the run's counters and valid cases; `declared` is the tile as received."""
    corrections = shape.corrections
    output = tensors.output
    operands = tensors.operands
    n_sub = shape.num_sub_clusters
    num_edge = shape.num_edge
    spatial_variable = shape.variables[shape.first_spatial]
    count_skipped = not corrections.skipped_cases_count_nothing
    counts = {kind: dict.fromkeys(TENSOR_NAMES, 0) for kind in ("l2_read", "l2_write", "l1_read", "l1_write", "l2_size_req", "l1_size_req")}
    # The counters summed over cases, kept in locals and stored at the end.
    output_l2_write = output_l1 = macs = occurrences_sum = valid_cases = 0
    operand_l2_read = [0, 0]
    operand_l1_read = [0, 0]
    arithmetic_intensity = 0.0
    valid: list[ValidCase] = []
    operands_l2 = output_l2 = 0

    for states, occurrences in enumerate_cases(state_lists):
        volumes = CaseVolumes(shape, states)
        if valid_cases == 0:
            _buffer_requirements(tensors, counts, volumes, declared)
            operands_l2 = counts["l2_size_req"]["input"] + counts["l2_size_req"]["filter"]
            output_l2 = counts["l2_size_req"]["output"]
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
        arithmetic_intensity = macs_step / ingress if ingress else (float("inf") if macs_step else float("nan"))

        spatial_state = volumes.state_of(spatial_variable)
        sub_tiles: tuple[tuple[tuple[tuple[str, int], ...], int], ...] = ()
        if not innermost:
            if spatial_state.is_edge:
                if spatial_state.spatial_edge_edge:
                    sub_tiles = ((volumes.sub_cluster_dimensions(True), 1),)
                    if num_edge - 1 > 0:
                        sub_tiles += ((volumes.sub_cluster_dimensions(False), num_edge - 1),)
                else:
                    sub_tiles = ((volumes.sub_cluster_dimensions(False), num_edge),)
            else:
                sub_tiles = ((volumes.sub_cluster_dimensions(False), n_sub),)
        valid.append(
            ValidCase(
                occurrences,
                ingress,
                egress,
                volumes.changing_index == -1,
                partial_sums,
                operands_l2,
                output_l2,
                sub_tiles,
                num_edge if spatial_state.is_edge else n_sub,
            )
        )
        macs += occurrences * macs_step
        occurrences_sum += occurrences
        valid_cases += 1
    counts["l2_write"]["output"] += output_l2_write
    counts["l1_write"]["output"] += output_l1
    counts["l1_read"]["output"] += output_l1
    for position, tensor in enumerate(operands):
        counts["l2_read"][tensor.name] += operand_l2_read[position]
        counts["l1_read"][tensor.name] += operand_l1_read[position]
        if valid_cases:
            counts["l1_write"][tensor.name] = counts["l2_read"][tensor.name]
    return LevelCases(cases, macs, occurrences_sum, valid_cases, arithmetic_intensity, valid=tuple(valid), **counts)
