"""Per-case data volumes of one cluster level: MAESTRO's reuse analysis (docs/model.md, Per-case volumes; Sub-cluster recursion).

For one case (one iteration state per directive) this computes how much of each operand crosses
the level's NoC (ingress), how many outputs go up (egress), the partial sums one sub-cluster
computes (critical path), the MACs across the array, and the tile sizes a sub-cluster works on.

Every volume is a product over the level's directives. `LevelShape` sorts the directives once per
level (per tensor: which are TemporalMaps, which SpatialMaps, with their table entries), so a case
multiplies the TemporalMap factors once and only the one or two SpatialMap factors per sub-cluster
variant (first sub-cluster or not, partial tile or not).
"""

from __future__ import annotations

from collections.abc import Callable

from mapscope.analysis.iteration import INIT, STEADY, IterationState
from mapscope.analysis.level_shape import LevelShape, SpatialEntry, TensorLayout
from mapscope.analysis.tensors import Tensor

__all__ = ["CaseVolumes", "LevelShape"]

def _spatial_factor(
    state: IterationState, entry: SpatialEntry, first: bool, edge_edge: bool, reuse_at_edge: bool, num_edge: int
) -> int:
    """The factor a SpatialMap'ed output-side dimension contributes to one sub-cluster's volume."""
    position = state.position
    if position == INIT:
        if state.is_edge and edge_edge:
            if num_edge == 1:
                return entry[3]
            return entry[4] if reuse_at_edge else entry[3]
        return entry[1] if first else entry[2]
    if position == STEADY:
        return entry[1] if first else entry[2]
    if num_edge == 1:
        return entry[5] if (first or edge_edge) else 1
    if edge_edge:
        return entry[4]
    return entry[1] if first else entry[2]


class CaseVolumes:
    """Volumes of one case at one level."""

    __slots__ = ("shape", "states", "by_directive", "changing_index", "_ingress", "_ingress_bases", "_egress_bases")

    def __init__(self, shape: LevelShape, states: tuple[IterationState, ...]) -> None:
        self.shape = shape
        self.states = states
        slots = shape.slots
        by_directive = states if slots is None else tuple(states[slot] for slot in slots)
        self.by_directive = by_directive  # the state each directive reads
        changing = -1
        for index in range(len(by_directive) - 1, -1, -1):
            if by_directive[index].position != INIT:
                changing = index
                break
        self.changing_index = changing  # innermost directive whose loop moved this step (-1: first step)
        self._ingress: dict[str, int] = {}
        self._ingress_bases: dict[str, tuple[int, bool]] = {}
        self._egress_bases: tuple[int, int] | None = None

    @property
    def all_init(self) -> bool:
        """Every directive in its Init state (the first step)."""
        return self.changing_index == -1

    def state_of(self, variable: str) -> IterationState:
        """The state of `variable` (its last directive's)."""
        return self.states[self.shape.state_index[variable]]

    # -- helpers -------------------------------------------------------------------------------------------
    def _spatial_state(self, layout: TensorLayout) -> tuple[bool, bool, IterationState | None]:
        """Is the tensor spatially partitioned here, is that partition at its edge, and its state."""
        partition = layout.partition
        if not partition:
            return False, False, None
        by_directive = self.by_directive
        edge = False
        for index in partition:
            if by_directive[index].is_edge:
                edge = True
        return True, edge, by_directive[partition[-1]]

    def _over_fold(self, tensor: Tensor, per_sub_cluster: Callable[[Tensor, bool, bool], int]) -> int:
        """Sum a per-sub-cluster volume (first?, partial tile?) over the sub-clusters active this step.

        Multicast is implicit: a tensor that is not spatially partitioned crosses the NoC once.
        """
        partitioned, edge, state = self._spatial_state(self.shape.layout(tensor))
        if not partitioned:
            return per_sub_cluster(tensor, True, False)
        if not edge:
            return per_sub_cluster(tensor, True, False) + (self.shape.num_sub_clusters - 1) * per_sub_cluster(tensor, False, False)
        assert state is not None
        num_edge, edge_edge = self.shape.num_edge, state.spatial_edge_edge
        total = per_sub_cluster(tensor, True, num_edge == 1 and edge_edge)
        if num_edge > 1:
            partial = 1 if edge_edge else 0
            full = max(num_edge - partial - 1, 0)
            total += full * per_sub_cluster(tensor, False, False) + partial * per_sub_cluster(tensor, False, True)
        return total

    # -- operands ------------------------------------------------------------------------------------------
    def mapped_volume(self, tensor: Tensor, first: bool, edge_edge: bool) -> int:
        """Elements of `tensor` a sub-cluster holds in this step."""
        shape = self.shape
        layout = shape.layout(tensor)
        by_directive, mapped, mapped_edge = self.by_directive, shape.mapped, shape.mapped_edge
        volume = 1
        for index in layout.temporal:
            volume *= mapped_edge[index] if by_directive[index].is_edge else mapped[index]
        num_edge = shape.num_edge
        for index in layout.spatial:
            if not by_directive[index].is_edge:
                volume *= mapped[index]
            elif num_edge == 1:
                if first or edge_edge:
                    volume *= mapped_edge[index]
            elif num_edge > 1:
                volume *= mapped_edge[index] if edge_edge else mapped[index]
        return volume

    def _ingress_base(self, tensor: Tensor, layout: TensorLayout) -> tuple[int, bool]:
        """The TemporalMap part of the ingress volume, and whether the tensor is reloaded in full
        (some inner loop over its data restarts)."""
        known = self._ingress_bases.get(tensor.name)
        if known is not None:
            return known
        shape, by_directive, changing = self.shape, self.by_directive, self.changing_index
        inited = False
        for index in layout.coupled:
            if index > changing:
                state = by_directive[index]
                if state.position == INIT and not state.unrolled:
                    inited = True
                    break
        mapped, unique = shape.mapped, shape.unique
        volume = 1
        for index in layout.temporal:
            state = by_directive[index]
            if state.position == INIT:
                volume *= shape.mapped_edge[index] if state.is_edge else mapped[index]
            elif index == changing and not inited:
                if unique[index] == 0:
                    raise ZeroDivisionError(f"no fresh data along {shape.variables[index]}")  # MAESTRO terminates here
                volume *= unique[index]
            else:
                volume *= mapped[index]
        known = self._ingress_bases[tensor.name] = (volume, inited)
        return known

    def pe_ingress(self, tensor: Tensor, first: bool, edge_edge: bool) -> int:
        """New elements of `tensor` one sub-cluster receives this step (temporal and spatial reuse)."""
        changing = self.changing_index
        if changing == -1:
            return self.mapped_volume(tensor, first, edge_edge)
        shape = self.shape
        layout = shape.layout(tensor)
        if changing not in layout.coupled:
            return 0  # the tensor stays where it is
        volume, inited = self._ingress_base(tensor, layout)
        by_directive = self.by_directive
        whole = fresh = shared = 1  # products over the spatial dimensions: tile, fresh part, overlap
        for index in layout.spatial:
            mapped = shape.mapped_edge[index] if edge_edge else shape.mapped[index]
            if first:
                volume *= mapped
                continue
            unique = shape.unique_edge[index] if edge_edge else shape.unique[index]
            if by_directive[index].position == INIT:
                new = mapped if index <= changing else unique
            else:
                new = unique if (not inited and index == changing) else mapped
            whole, fresh, shared = whole * mapped, fresh * new, shared * max(mapped - new, 0)
        if len(layout.spatial) > 1 and not first and shape.corrections.neighbours_overlap_on_every_spatial_map:
            return volume * (whole - shared)
        return volume * fresh

    def spatial_ingress(self, tensor: Tensor) -> int:
        """Elements of `tensor` crossing this level's NoC in one step."""
        known = self._ingress.get(tensor.name)
        if known is None:
            known = self._ingress[tensor.name] = self._over_fold(tensor, self.pe_ingress)
        return known

    # -- output ---------------------------------------------------------------------------------------------
    def _egress_base(self, layout: TensorLayout) -> tuple[int, int]:
        """The TemporalMap parts of the output volume and of the partial-sum (reduction) volume."""
        by_directive = self.by_directive
        output = 1
        for index, mapped, mapped_edge in layout.output_temporal:
            state = by_directive[index]
            position = state.position
            if position == INIT:
                output *= mapped_edge if state.is_edge else mapped
            elif position == STEADY:
                output *= mapped
            else:
                output *= mapped_edge
        reduction = 1
        mapped_list, mapped_edge_list = self.shape.mapped, self.shape.mapped_edge
        for index in layout.reduction_temporal:
            reduction *= mapped_edge_list[index] if by_directive[index].is_edge else mapped_list[index]
        self._egress_bases = (output, reduction)
        return output, reduction

    def pe_egress(self, output: Tensor, partial_sums: bool, first: bool, edge_edge: bool, reuse_at_edge: bool = True) -> int:
        """Outputs (or, with `partial_sums`, partial sums) one sub-cluster produces this step."""
        shape = self.shape
        layout = shape.layout(output)
        if layout.unmapped_output is not None:
            raise KeyError(layout.unmapped_output)
        volume, reduction = self._egress_bases or self._egress_base(layout)
        by_directive, num_edge = self.by_directive, shape.num_edge
        if partial_sums:
            volume *= reduction
            for entry in layout.reduction_spatial:  # reduction dimensions never use the "reuse at edge" variant
                volume *= _spatial_factor(by_directive[entry[0]], entry, first, edge_edge, False, num_edge)
        for entry in layout.output_spatial:
            volume *= _spatial_factor(by_directive[entry[0]], entry, first, edge_edge, reuse_at_edge, num_edge)
        return volume

    def _pe_outputs(self, output: Tensor, first: bool, edge_edge: bool) -> int:
        return self.pe_egress(output, False, first, edge_edge)

    def spatial_egress(self, output: Tensor) -> int:
        """Outputs sent up through this level's NoC in one step (spatial reduction assumed free)."""
        return self._over_fold(output, self._pe_outputs)

    def critical_path_partial_sums(self, output: Tensor) -> int:
        """MACs one sub-cluster performs this step (the compute delay at the innermost level)."""
        partitioned, edge, state = self._spatial_state(self.shape.layout(output))
        if partitioned and edge:
            assert state is not None
            return self.pe_egress(output, True, True, self.shape.num_edge == 1 and state.spatial_edge_edge)
        return self.pe_egress(output, True, True, False)

    def macs_across_array(self, output: Tensor) -> int:
        """MACs over all sub-clusters this step; the edge is judged from every SpatialMap of the level."""
        shape = self.shape
        _, edge, state = self._spatial_state(shape.layout(output))
        by_directive = self.by_directive
        for index in shape.spatial_indices:  # every level has a SpatialMap: the output counts as partitioned
            state = by_directive[index]
            if state.is_edge:
                edge = True
        n = shape.num_sub_clusters
        if not edge:
            return n * self.pe_egress(output, True, True, False)
        assert state is not None
        num_edge = shape.num_edge
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
        shape = self.shape
        by_directive, spatial, mapped, mapped_edge = self.by_directive, shape.spatial, shape.mapped, shape.mapped_edge
        whole_edge = shape.num_edge == 1 or edge_edge
        sizes: dict[str, int] = {}
        for index, variable in enumerate(shape.variables):
            state = by_directive[index]
            if not spatial[index]:
                size = mapped_edge[index] if state.is_edge else mapped[index]
            elif state.position == STEADY or not state.is_edge:
                size = mapped[index]
            else:
                size = mapped_edge[index] if whole_edge else mapped[index]
            sizes[variable] = size
        for reference, window, output in shape.sliding:
            sizes[output] = shape.output_extent(reference, sizes[reference], sizes[window])
        return tuple(sizes.items())
