"""Per-case data volumes of one cluster level: MAESTRO's reuse analysis (docs/model.md, Per-case volumes; Sub-cluster recursion).

For one case (one iteration state per directive) this computes how much of each operand crosses
the level's NoC (ingress), how many outputs go up (egress), the partial sums one sub-cluster
computes (critical path), the MACs across the array, and the tile sizes a sub-cluster works on.
"""

from __future__ import annotations

from collections.abc import Callable

from mapscope.analysis.cluster_levels import SPATIAL, ClusterLevel
from mapscope.analysis.corrections import Corrections
from mapscope.analysis.iteration import INIT, STEADY, IterationState
from mapscope.analysis.level_tables import LevelTables
from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS, Tensor, window_outputs


class LevelShape:
    """What the volume formulas need to know about a level, precomputed once per level."""

    def __init__(
        self,
        level: ClusterLevel,
        tables: LevelTables,
        has_sliding_windows: bool,
        corrections: Corrections,
        strides: dict[str, int],
    ) -> None:
        self.level = level
        self.corrections = corrections
        self.strides = strides
        self.tables = tables
        self.has_sliding_windows = has_sliding_windows
        self.directives = level.directives
        self.kinds = tuple(d.kind for d in level.directives)
        self.variables = tuple(d.variable for d in level.directives)
        self.num_sub_clusters = level.num_sub_clusters
        self.num_edge = tables.num_edge_sub_clusters
        first_index: dict[str, int] = {}
        for index, variable in enumerate(self.variables):
            first_index.setdefault(variable, index)
        self.first_index = first_index
        # MAESTRO keeps one state per variable: the last directive on a variable overrides earlier ones.
        self.state_index = {variable: index for index, variable in enumerate(self.variables)}
        self.first_spatial = next(i for i, kind in enumerate(self.kinds) if kind == SPATIAL)

    def output_extent(self, reference: str, input_size: int, window: int) -> int:
        """Outputs along `reference` (X or Y) produced by `input_size` inputs under a `window`."""
        if self.corrections.stride_aware_outputs:
            return window_outputs(input_size, window, self.strides.get(reference, 1))
        return input_size - window + 1


class CaseVolumes:
    """Volumes of one case at one level."""

    def __init__(self, shape: LevelShape, states: tuple[IterationState, ...]) -> None:
        self.shape = shape
        self.states = states
        self.by_variable = {v: states[i] for v, i in shape.state_index.items()}
        changing = -1
        for index, variable in enumerate(shape.variables):
            if self.by_variable[variable].position != INIT:
                changing = index
        self.changing_index = changing  # innermost directive whose loop moved this step (-1: first step)
        self._memo: dict[tuple, int] = {}
        self._spatial: dict[str, tuple[bool, bool, IterationState | None]] = {}

    # -- helpers -------------------------------------------------------------------------------------------
    def _spatial_state(self, tensor: Tensor) -> tuple[bool, bool, IterationState | None]:
        """Is the tensor spatially partitioned here, is that partition at its edge, and its state."""
        known = self._spatial.get(tensor.name)
        if known is not None:
            return known
        partitioned, edge, state = False, False, None
        for variable in tensor.coupled:
            index = self.shape.first_index.get(variable)
            if index is not None and self.shape.kinds[index] == SPATIAL:
                partitioned = True
                state = self.by_variable[variable]
                if state.is_edge:
                    edge = True
        self._spatial[tensor.name] = (partitioned, edge, state)
        return partitioned, edge, state

    def _tensor_inited(self, tensor: Tensor) -> bool:
        """Some inner loop over this tensor's data restarts, so its tile is reloaded in full."""
        for index, variable in enumerate(self.shape.variables):
            state = self.by_variable[variable]
            if index > self.changing_index and variable in tensor.coupled and state.position == INIT and not state.unrolled:
                return True
        return False

    # -- operands ------------------------------------------------------------------------------------------
    def mapped_volume(self, tensor: Tensor, first: bool, edge_edge: bool) -> int:
        """Elements of `tensor` a sub-cluster holds in this step."""
        tables, shape = self.shape.tables, self.shape
        volume = 1
        for index, variable in enumerate(shape.variables):
            if variable not in tensor.coupled:
                continue
            state = self.by_variable[variable]
            if shape.kinds[index] != SPATIAL:
                volume *= tables.mapped_edge[variable] if state.is_edge else tables.mapped[variable]
            elif state.is_edge:
                if shape.num_edge == 1 and (first or edge_edge):
                    volume *= tables.mapped_edge[variable]
                elif shape.num_edge > 1:
                    volume *= tables.mapped_edge[variable] if edge_edge else tables.mapped[variable]
            else:
                volume *= tables.mapped[variable]
        return volume

    def pe_ingress(self, tensor: Tensor, first: bool, edge_edge: bool) -> int:
        """New elements of `tensor` one sub-cluster receives this step (temporal and spatial reuse)."""
        key = (tensor.name, first, edge_edge)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._pe_ingress(tensor, first, edge_edge)
        return known

    def _pe_ingress(self, tensor: Tensor, first: bool, edge_edge: bool) -> int:
        shape, tables = self.shape, self.shape.tables
        changing = self.changing_index
        if changing == -1:
            return self.mapped_volume(tensor, first, edge_edge)
        inited = self._tensor_inited(tensor)
        volume = 1
        tensor_changes = False
        for index, variable in enumerate(shape.variables):
            if variable not in tensor.coupled:
                continue
            state = self.by_variable[variable]
            is_changing = index == changing
            if is_changing:
                tensor_changes = True
            if shape.kinds[index] != SPATIAL:
                if state.position == INIT:
                    volume *= tables.mapped_edge[variable] if state.is_edge else tables.mapped[variable]
                elif is_changing and not inited:
                    if tables.unique[variable] == 0:
                        raise ZeroDivisionError(f"no fresh data along {variable}")  # MAESTRO terminates here
                    volume *= tables.unique[variable]
                else:
                    volume *= tables.mapped[variable]
            else:
                mapped = tables.mapped_edge[variable] if edge_edge else tables.mapped[variable]
                unique = tables.unique_edge[variable] if edge_edge else tables.unique[variable]
                if first:
                    volume *= mapped
                elif state.position == INIT:
                    volume *= mapped if index <= changing else unique
                else:
                    volume *= unique if (not inited and is_changing) else mapped
        return volume if tensor_changes else 0

    def _over_fold(self, tensor: Tensor, per_sub_cluster: Callable[[bool, bool], int]) -> int:
        """Sum a per-sub-cluster volume (first?, partial tile?) over the sub-clusters active this step.

        Multicast is implicit: a tensor that is not spatially partitioned crosses the NoC once.
        """
        partitioned, edge, state = self._spatial_state(tensor)
        if not partitioned:
            return per_sub_cluster(True, False)
        if not edge:
            return per_sub_cluster(True, False) + (self.shape.num_sub_clusters - 1) * per_sub_cluster(False, False)
        assert state is not None
        num_edge, edge_edge = self.shape.num_edge, state.spatial_edge_edge
        total = per_sub_cluster(True, num_edge == 1 and edge_edge)
        if num_edge > 1:
            partial = 1 if edge_edge else 0
            full = max(num_edge - partial - 1, 0)
            total += full * per_sub_cluster(False, False) + partial * per_sub_cluster(False, True)
        return total

    def spatial_ingress(self, tensor: Tensor) -> int:
        """Elements of `tensor` crossing this level's NoC in one step."""
        return self._over_fold(tensor, lambda first, edge_edge: self.pe_ingress(tensor, first, edge_edge))

    # -- output ---------------------------------------------------------------------------------------------
    def _spatial_factor(self, state: IterationState, key: str, table_key: str, first: bool, edge_edge: bool, reuse_at_edge: bool) -> int:
        """The factor a SpatialMap'ed output-side dimension contributes to one sub-cluster's volume."""
        tables, num_edge = self.shape.tables, self.shape.num_edge
        unique_or_one = tables.unique[key] if tables.unique[key] != 0 else 1
        if state.position == INIT:
            if state.is_edge and edge_edge:
                if num_edge == 1:
                    return tables.mapped_edge[key]
                return tables.unique_edge[key] if reuse_at_edge else tables.mapped_edge[key]
            return tables.mapped[key] if first else unique_or_one
        if state.position == STEADY:
            return tables.mapped[key] if first else unique_or_one
        if num_edge == 1:
            edge_key = key if self.shape.corrections.spatial_edge_uses_output_tile else table_key
            return tables.mapped_edge[edge_key] if (first or edge_edge) else 1
        if edge_edge:
            return tables.unique_edge[key]
        return tables.mapped[key] if first else unique_or_one

    def pe_egress(self, output: Tensor, partial_sums: bool, first: bool, edge_edge: bool, reuse_at_edge: bool = True) -> int:
        """Outputs (or, with `partial_sums`, partial sums) one sub-cluster produces this step."""
        key = (partial_sums, first, edge_edge, reuse_at_edge)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._pe_egress(output, partial_sums, first, edge_edge, reuse_at_edge)
        return known

    def _pe_egress(self, output: Tensor, partial_sums: bool, first: bool, edge_edge: bool, reuse_at_edge: bool) -> int:
        shape, tables = self.shape, self.shape.tables
        volume = 1
        if partial_sums:
            for index, variable in enumerate(shape.variables):
                if variable in output.coupled:
                    continue
                state = self.by_variable[variable]
                if shape.kinds[index] != SPATIAL:
                    volume *= tables.mapped_edge[variable] if state.is_edge else tables.mapped[variable]
                else:  # reduction dimensions never use the "reuse at edge" variant
                    volume *= self._spatial_factor(state, variable, variable, first, edge_edge, False)
        for variable in output.coupled:
            index = shape.first_index[variable]
            state = self.by_variable[variable]
            key = OUTPUT_OF[variable] if (shape.has_sliding_windows and variable in OUTPUT_OF) else variable
            if shape.kinds[index] != SPATIAL:
                if state.position == INIT:
                    volume *= tables.mapped_edge[key] if state.is_edge else tables.mapped[key]
                elif state.position == STEADY:
                    volume *= tables.mapped[key]
                else:
                    volume *= tables.mapped_edge[key]
            else:
                volume *= self._spatial_factor(state, key, variable, first, edge_edge, reuse_at_edge)
        return volume

    def spatial_egress(self, output: Tensor) -> int:
        """Outputs sent up through this level's NoC in one step (spatial reduction assumed free)."""
        return self._over_fold(output, lambda first, edge_edge: self.pe_egress(output, False, first, edge_edge))

    def critical_path_partial_sums(self, output: Tensor) -> int:
        """MACs one sub-cluster performs this step (the compute delay at the innermost level)."""
        partitioned, edge, state = self._spatial_state(output)
        if partitioned and edge:
            assert state is not None
            return self.pe_egress(output, True, True, self.shape.num_edge == 1 and state.spatial_edge_edge)
        return self.pe_egress(output, True, True, False)

    def macs_across_array(self, output: Tensor) -> int:
        """MACs over all sub-clusters this step; the edge is judged from every SpatialMap of the level."""
        partitioned, edge, state = self._spatial_state(output)
        for index, kind in enumerate(self.shape.kinds):
            if kind == SPATIAL:
                partitioned = True
                state = self.by_variable[self.shape.variables[index]]
                if state.is_edge:
                    edge = True
        n = self.shape.num_sub_clusters
        if not partitioned or not edge:
            return n * self.pe_egress(output, True, True, False)
        assert state is not None
        num_edge = self.shape.num_edge
        edge_edge = state.spatial_edge_edge
        macs = self.pe_egress(output, True, True, num_edge == 1 and edge_edge)
        if num_edge > 1:
            partial = 1 if edge_edge else 0
            full = max(num_edge - partial - 1, 0)
            macs += full * self.pe_egress(output, True, True, False)
            macs += partial * self.pe_egress(output, True, False, True, reuse_at_edge=False)
        return macs

    # -- recursion --------------------------------------------------------------------------------------------
    def sub_cluster_dimensions(self, edge_edge: bool) -> tuple[tuple[str, int], ...]:
        """Dimension sizes one sub-cluster works on in this case (the next level's per-case sizes)."""
        shape, tables = self.shape, self.shape.tables
        sizes: dict[str, int] = {}
        for index, variable in enumerate(shape.variables):
            state = self.by_variable[variable]
            if shape.kinds[index] != SPATIAL:
                size = tables.mapped_edge[variable] if state.is_edge else tables.mapped[variable]
            elif state.position == STEADY or not state.is_edge:
                size = tables.mapped[variable]
            else:
                size = tables.mapped_edge[variable] if (shape.num_edge == 1 or edge_edge) else tables.mapped[variable]
            sizes[variable] = size
        if shape.has_sliding_windows:
            for variable in shape.variables:
                if variable in SLIDING_PAIRS:
                    sizes[OUTPUT_OF[variable]] = shape.output_extent(variable, sizes[variable], sizes[SLIDING_PAIRS[variable]])
        return tuple(sizes.items())
