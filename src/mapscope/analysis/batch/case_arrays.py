"""Per-case volumes of one cluster level for every mapping of a batch: analysis.volumes with array numbers.

A case here is one combination of slots (one Init/Steady/Edge slot per directive); which directive
changes is fixed by the slots, as in the scalar engine, while the flags that depend on sizes (an Init
step at the edge, a partial last sub-cluster, a single or several edge sub-clusters) are arrays, so a
scalar branch on them becomes a selection. `zero_fresh` marks mappings where the scalar engine would
stop on a tile with no fresh data (MAESTRO terminates there); the caller analyses those one at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mapscope.analysis.batch.array_math import BoolArray, IntArray, uniform
from mapscope.analysis.batch.table_arrays import Slot, TableArrays
from mapscope.analysis.cluster_levels import SPATIAL
from mapscope.analysis.corrections import Corrections
from mapscope.analysis.iteration import INIT, STEADY
from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS, Tensor

Volume = IntArray | int


class LevelForm:
    """What the volume formulas need about a level: its directives and its tables (arrays)."""

    def __init__(
        self,
        kinds: tuple[str, ...],
        variables: tuple[str, ...],
        tables: TableArrays,
        num_sub: IntArray,
        has_sliding_windows: bool,
        corrections: Corrections,
        strides: dict[str, int],
    ) -> None:
        self.kinds = kinds
        self.variables = variables
        self.tables = tables
        self.num_sub = num_sub
        self.num_edge = tables.num_edge
        self.single_edge = uniform(tables.num_edge == 1)
        self.multi_edge = uniform(tables.num_edge > 1)
        self.has_sliding_windows = has_sliding_windows
        self.corrections = corrections
        self.strides = strides
        first_index: dict[str, int] = {}
        for index, variable in enumerate(variables):
            first_index.setdefault(variable, index)
        self.first_index = first_index
        self.state_index = {variable: index for index, variable in enumerate(variables)}
        self.first_spatial = kinds.index(SPATIAL)
        #: volumes that depend only on the slots of one tensor's dimensions, shared by the cases of a level run
        self.shared: dict[tuple, tuple[Volume, BoolArray | bool]] = {}

    def output_extent(self, reference: str, input_size: IntArray, window: IntArray) -> IntArray:
        if self.corrections.stride_aware_outputs:
            stride = self.strides.get(reference, 1)
            return np.where(input_size < window, input_size - window + 1, (input_size - window) // stride + 1)
        return input_size - window + 1


def _pick(condition: BoolArray | bool, when_true: Volume, when_false: Volume) -> Volume:
    if condition is True:
        return when_true
    if condition is False:
        return when_false
    return np.where(condition, when_true, when_false)


class CaseArrays:
    """Volumes of one case (a slot per directive) at one level, for every mapping."""

    def __init__(self, form: LevelForm, slots: tuple[Slot, ...]) -> None:
        self.form = form
        self.slots = slots
        self.by_variable = {v: slots[i] for v, i in form.state_index.items()}
        changing = -1
        for index, variable in enumerate(form.variables):
            if self.by_variable[variable].position != INIT:
                changing = index
        self.changing_index = changing
        self.zero_fresh: BoolArray | bool = False
        self._memo: dict[tuple, Volume] = {}

    def _spatial_state(self, tensor: Tensor) -> tuple[bool, BoolArray | bool, Slot | None]:
        partitioned, edge, state = False, False, None
        for variable in tensor.coupled:
            index = self.form.first_index.get(variable)
            if index is not None and self.form.kinds[index] == SPATIAL:
                partitioned = True
                state = self.by_variable[variable]
                edge = edge | state.is_edge
        return partitioned, edge, state

    def _tensor_inited(self, tensor: Tensor) -> BoolArray | bool:
        inited: BoolArray | bool = False
        for index, variable in enumerate(self.form.variables):
            state = self.by_variable[variable]
            if index > self.changing_index and variable in tensor.coupled and state.position == INIT:
                inited = inited | np.logical_not(state.unrolled)
        return inited

    def mapped_volume(self, tensor: Tensor, first: bool, edge_edge: bool) -> Volume:
        tables, form = self.form.tables, self.form
        volume: Volume = 1
        for index, variable in enumerate(form.variables):
            if variable not in tensor.coupled:
                continue
            state = self.by_variable[variable]
            mapped, edge = tables.mapped[variable], tables.mapped_edge[variable]
            if form.kinds[index] != SPATIAL:
                volume = volume * _pick(state.is_edge, edge, mapped)
            else:
                if first or edge_edge:
                    at_edge = _pick(form.single_edge, edge, _pick(form.multi_edge, edge if edge_edge else mapped, 1))
                else:
                    at_edge = _pick(form.multi_edge, mapped, 1)
                volume = volume * _pick(state.is_edge, at_edge, mapped)
        return volume

    def pe_ingress(self, tensor: Tensor, first: bool, edge_edge: bool) -> Volume:
        key = (tensor.name, first, edge_edge)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._pe_ingress(tensor, first, edge_edge)
        return known

    def _pe_ingress(self, tensor: Tensor, first: bool, edge_edge: bool) -> Volume:
        form, tables = self.form, self.form.tables
        changing = self.changing_index
        if changing == -1:
            return self.mapped_volume(tensor, first, edge_edge)
        inited = self._tensor_inited(tensor)
        volume: Volume = 1
        whole: Volume = 1  # products over the spatial dimensions: tile, fresh part, overlap
        fresh: Volume = 1
        shared: Volume = 1
        spatial_count = 0
        tensor_changes = False
        for index, variable in enumerate(form.variables):
            if variable not in tensor.coupled:
                continue
            state = self.by_variable[variable]
            is_changing = index == changing
            tensor_changes = tensor_changes or is_changing
            if form.kinds[index] != SPATIAL:
                if state.position == INIT:
                    volume = volume * _pick(state.is_edge, tables.mapped_edge[variable], tables.mapped[variable])
                elif is_changing:
                    self.zero_fresh = self.zero_fresh | (~np.asarray(inited) & (tables.unique[variable] == 0))
                    volume = volume * _pick(inited, tables.mapped[variable], tables.unique[variable])
                else:
                    volume = volume * tables.mapped[variable]
            else:
                mapped = tables.mapped_edge[variable] if edge_edge else tables.mapped[variable]
                unique = tables.unique_edge[variable] if edge_edge else tables.unique[variable]
                if first:
                    volume = volume * mapped
                    continue
                if state.position == INIT:
                    new = mapped if index <= changing else unique
                elif is_changing:
                    new = _pick(inited, mapped, unique)
                else:
                    new = mapped
                spatial_count += 1
                whole, fresh, shared = whole * mapped, fresh * new, shared * np.maximum(mapped - new, 0)
        if not tensor_changes:
            return 0
        if spatial_count > 1 and form.corrections.neighbours_overlap_on_every_spatial_map:
            return volume * (whole - shared)  # volumes.CaseVolumes.pe_ingress
        return volume * fresh

    def _over_fold(self, tensor: Tensor, per_sub_cluster: Callable[[bool, bool], Volume]) -> Volume:
        """Sum a per-sub-cluster volume over the sub-clusters active this step (volumes._over_fold)."""
        partitioned, edge, state = self._spatial_state(tensor)
        if not partitioned:
            return per_sub_cluster(True, False)
        form = self.form
        first_plain = per_sub_cluster(True, False)
        other_plain = per_sub_cluster(False, False)
        steady = first_plain + (form.num_sub - 1) * other_plain
        if edge is False:
            return steady
        assert state is not None
        edge_edge = state.spatial_edge_edge
        total = _pick(form.single_edge & edge_edge, per_sub_cluster(True, True), first_plain)
        partial = np.asarray(edge_edge, dtype=np.int64)
        full = np.maximum(form.num_edge - partial - 1, 0)
        total = total + _pick(form.multi_edge, full * other_plain + partial * per_sub_cluster(False, True), 0)
        return _pick(edge, total, steady)

    def _shared(self, key: tuple, tensor: Tensor, compute: Callable[[], Volume]) -> Volume:
        """`compute()`, a volume that depends only on `key` and the slots of `tensor`'s dimensions, computed
        once per level run: cases that differ elsewhere share it, with its zero-fresh flags."""
        form = self.form
        key = key + tuple(id(self.by_variable[v]) for v in form.variables if v in tensor.coupled)
        known = form.shared.get(key)
        if known is None:
            outer, self.zero_fresh = self.zero_fresh, False
            known = form.shared[key] = (compute(), self.zero_fresh)
            self.zero_fresh = outer
        volume, zero_fresh = known
        if zero_fresh is not False:
            self.zero_fresh = self.zero_fresh | zero_fresh
        return volume

    def spatial_ingress(self, tensor: Tensor) -> Volume:
        return self._shared(
            ("ingress", tensor.name, self.changing_index),
            tensor,
            lambda: self._over_fold(tensor, lambda first, edge_edge: self.pe_ingress(tensor, first, edge_edge)),
        )

    def _spatial_factor(self, state: Slot, key: str, table_key: str, first: bool, edge_edge: bool, reuse_at_edge: bool) -> Volume:
        form, tables = self.form, self.form.tables
        unique_or_one = _pick(tables.unique[key] != 0, tables.unique[key], 1)
        plain = tables.mapped[key] if first else unique_or_one
        if state.position == INIT:
            if not edge_edge:
                return plain
            if reuse_at_edge:
                at_edge = _pick(form.single_edge, tables.mapped_edge[key], tables.unique_edge[key])
            else:
                at_edge = tables.mapped_edge[key]
            return _pick(state.is_edge, at_edge, plain)
        if state.position == STEADY:
            return plain
        edge_key = key if form.corrections.spatial_edge_uses_output_tile else table_key
        single = tables.mapped_edge[edge_key] if (first or edge_edge) else 1
        multi = tables.unique_edge[key] if edge_edge else plain
        return _pick(form.single_edge, single, multi)

    def pe_egress(self, output: Tensor, partial_sums: bool, first: bool, edge_edge: bool, reuse_at_edge: bool = True) -> Volume:
        key = (partial_sums, first, edge_edge, reuse_at_edge)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._pe_egress(output, partial_sums, first, edge_edge, reuse_at_edge)
        return known

    def _pe_egress(self, output: Tensor, partial_sums: bool, first: bool, edge_edge: bool, reuse_at_edge: bool) -> Volume:
        form, tables = self.form, self.form.tables
        volume: Volume = 1
        if partial_sums:
            for index, variable in enumerate(form.variables):
                if variable in output.coupled:
                    continue
                state = self.by_variable[variable]
                if form.kinds[index] != SPATIAL:
                    volume = volume * _pick(state.is_edge, tables.mapped_edge[variable], tables.mapped[variable])
                else:
                    volume = volume * self._spatial_factor(state, variable, variable, first, edge_edge, False)
        for variable in output.coupled:
            index = form.first_index[variable]
            state = self.by_variable[variable]
            key = OUTPUT_OF[variable] if (form.has_sliding_windows and variable in OUTPUT_OF) else variable
            if form.kinds[index] != SPATIAL:
                if state.position == INIT:
                    volume = volume * _pick(state.is_edge, tables.mapped_edge[key], tables.mapped[key])
                elif state.position == STEADY:
                    volume = volume * tables.mapped[key]
                else:
                    volume = volume * tables.mapped_edge[key]
            else:
                volume = volume * self._spatial_factor(state, key, variable, first, edge_edge, reuse_at_edge)
        return volume

    def spatial_egress(self, output: Tensor) -> Volume:
        return self._shared(
            ("egress", output.name), output, lambda: self._over_fold(output, lambda first, edge_edge: self.pe_egress(output, False, first, edge_edge))
        )

    def critical_path_partial_sums(self, output: Tensor) -> Volume:
        partitioned, edge, state = self._spatial_state(output)
        plain = self.pe_egress(output, True, True, False)
        if not partitioned or edge is False:
            return plain
        assert state is not None
        return _pick(edge & self.form.single_edge & state.spatial_edge_edge, self.pe_egress(output, True, True, True), plain)

    def macs_across_array(self, output: Tensor) -> Volume:
        partitioned, edge, state = self._spatial_state(output)
        for index, kind in enumerate(self.form.kinds):
            if kind == SPATIAL:
                partitioned = True
                state = self.by_variable[self.form.variables[index]]
                edge = edge | state.is_edge
        form = self.form
        plain = form.num_sub * self.pe_egress(output, True, True, False)
        if not partitioned or edge is False:
            return plain
        assert state is not None
        edge_edge = state.spatial_edge_edge
        macs = _pick(form.single_edge & edge_edge, self.pe_egress(output, True, True, True), self.pe_egress(output, True, True, False))
        partial = np.asarray(edge_edge, dtype=np.int64)
        full = np.maximum(form.num_edge - partial - 1, 0)
        extra = full * self.pe_egress(output, True, True, False) + partial * self.pe_egress(output, True, False, True, reuse_at_edge=False)
        macs = macs + _pick(form.multi_edge, extra, 0)
        return _pick(edge, macs, plain)

    def sub_cluster_dimensions(self, edge_edge: bool) -> dict[str, IntArray]:
        """Dimension sizes one sub-cluster works on in this case (the next level's per-case sizes)."""
        form, tables = self.form, self.form.tables
        sizes: dict[str, IntArray] = {}
        for index, variable in enumerate(form.variables):
            state = self.by_variable[variable]
            mapped, edge = tables.mapped[variable], tables.mapped_edge[variable]
            if form.kinds[index] != SPATIAL:
                size = _pick(state.is_edge, edge, mapped)
            elif state.position == STEADY:
                size = mapped
            else:
                at_edge = edge if edge_edge else _pick(form.single_edge, edge, mapped)
                size = _pick(state.is_edge, at_edge, mapped)
            sizes[variable] = np.broadcast_to(size, form.num_sub.shape)
        if form.has_sliding_windows:
            for variable in form.variables:
                if variable in SLIDING_PAIRS:
                    sizes[OUTPUT_OF[variable]] = form.output_extent(variable, sizes[variable], sizes[SLIDING_PAIRS[variable]])
        return sizes
