"""The corrections the default mode applies to MAESTRO's model, one switch per quirk.

Compatibility mode turns every switch off and reproduces MAESTRO's CSV exactly; the default mode
turns them all on. Each switch names the quirk it fixes; README's compat/default table lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Corrections:
    #: In a spatial Edge step with one active sub-cluster, MAESTRO sizes the output by the *input*
    #: edge tile (X) instead of the output edge tile (X'), counting outputs that do not exist.
    spatial_edge_uses_output_tile: bool = False
    #: When a dimension spans more than one spatial fold, MAESTRO's count of sub-clusters active in
    #: the edge fold leaves out the last, partially filled one (its iteration analysis counts it),
    #: so that sub-cluster's outputs and MACs are lost.
    edge_fold_counts_partial_sub_cluster: bool = False
    #: MAESTRO sizes a sub-cluster level's tiles from the level's full tile even when a step hands
    #: it a smaller edge tile, so edge steps are costed as if they were full: compute delays then
    #: undercount MACs (runtime below MACs / PEs). Corrected: tables from the tile actually received.
    tables_from_received_tile: bool = False
    #: A tile larger than its dimension covers the whole dimension in one step, but when its offset
    #: is smaller than the dimension MAESTRO sizes that single tile as dimension - offset.
    oversized_tile_covers_dimension: bool = False
    #: MAESTRO counts the outputs of an input tile as X - S + 1 whatever the stride, and for a stride
    #: larger than the window it shrinks tiles to the touched elements while edges stay in true
    #: coordinates. Corrected: true coordinates throughout, a tile of q outputs spans
    #: (q - 1) * stride + S inputs and advances q * stride; outputs = (X - S) // stride + 1.
    stride_aware_outputs: bool = False
    #: With a stride, trailing inputs that start no window (X = 8, S = 1, stride 3: element 7) still
    #: make MAESTRO add an edge step or an edge sub-cluster holding no output. Corrected: each level
    #: works on the used extent (X' - 1) * stride + S.
    trim_unused_inputs: bool = False
    #: A case that computes no complete output is skipped for runtime and MACs but still adds its
    #: (zero or negative) outputs to the output L2-write and L1 counters.
    skipped_cases_count_nothing: bool = False
    #: A NoC transfer of zero elements takes latency - 1 cycles (-1 at latency 0). Corrected: 0.
    empty_transfer_takes_no_time: bool = False
    #: When the first spatial fold overruns the dimension (more sub-clusters than tiles), MAESTRO
    #: treats its last active sub-cluster as holding a partial tile even when that tile is full,
    #: and costs it with edge tables that are then meaningless (e.g. 0 fresh elements: operands
    #: never loaded). Corrected: only a really partial last tile is treated as one.
    partial_tile_only_when_partial: bool = False
    #: MAESTRO's grouped convolution (NGCONV) couples its output to the input channels C as well
    #: ({G,K,C,Y,X}), so every output volume is C times too large. Corrected: output {G,K,Y,X}.
    grouped_output_without_input_channels: bool = False
    #: An unlimited NoC (MAESTRO's default bandwidth, INT_MAX) enters the area and power model as a bus
    #: 2**31 - 1 elements wide: a 1,024-PE accelerator gets 3.3e9 mm². Corrected: an unlimited NoC is
    #: sized for the layer's peak NoC bandwidth requirement, as the buffers are sized for theirs.
    unlimited_noc_sized_for_requirement: bool = False
    #: With several SpatialMaps on one tensor's dimensions in a level (a DSCONV mapping C and X, say),
    #: neighbouring sub-clusters differ along all of them, yet MAESTRO multiplies each dimension's
    #: sliding-window reuse as if they shared every other coordinate: C = 2, S = 3, X = 3 on 3 PEs
    #: reads 10 inputs for 12. Corrected: a neighbour shares only the overlap along every spatial
    #: dimension at once, so it receives prod(tile) - prod(tile - fresh) elements.
    neighbours_overlap_on_every_spatial_map: bool = False

    @classmethod
    def all_on(cls) -> Corrections:
        return cls(**{f.name: True for f in fields(cls)})


MAESTRO_SEMANTICS = Corrections()
CORRECTED = Corrections.all_on()
