"""What the volume formulas need to know about a level, sorted once per level (docs/model.md, Per-case volumes).

`LevelShape` holds the level's directives, tables by directive index and, per tensor, a `TensorLayout`:
which directives are TemporalMaps and which SpatialMaps on its dimensions, with their table entries.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from mapscope.analysis.cluster_levels import SPATIAL, ClusterLevel
from mapscope.analysis.corrections import Corrections
from mapscope.analysis.level_tables import LevelTables
from mapscope.analysis.tensors import OUTPUT_OF, SLIDING_PAIRS, LayerTensors, Tensor, window_outputs

#: A SpatialMap's factor entry for the output-side formulas: directive index and its M, U (or 1 where U is 0),
#: ME, UE, and the ME of the Edge step with one active sub-cluster (the spatial factor of docs/model.md, Per-case volumes).
SpatialEntry = tuple[int, int, int, int, int, int]


class TensorLayout:
    """Where one tensor's dimensions sit among a level's directives, with the table entries its formulas use."""

    __slots__ = (
        "coupled",
        "temporal",
        "spatial",
        "partition",
        "output_temporal",
        "output_spatial",
        "reduction_temporal",
        "reduction_spatial",
        "l1_tile",
        "unmapped_output",
    )

    def __init__(self, shape: LevelShape, tensor: Tensor) -> None:
        coupled_variables = set(tensor.coupled)
        spatial = shape.spatial
        #: directives on the tensor's dimensions (operand formulas), split by kind
        self.coupled = tuple(i for i, variable in enumerate(shape.variables) if variable in coupled_variables)
        self.temporal = tuple(i for i in self.coupled if not spatial[i])
        self.spatial = tuple(i for i in self.coupled if spatial[i])
        #: per dimension of the tensor (its order) whose first directive is a SpatialMap: that directive
        self.partition = tuple(
            shape.first_index[v] for v in tensor.coupled if v in shape.first_index and spatial[shape.first_index[v]]
        )
        # Output formulas: one factor per output dimension (its first directive; X, Y looked up as X', Y'),
        # and for partial sums one per directive on another dimension.
        tables = shape.tables
        output_temporal: list[tuple[int, int, int]] = []
        output_spatial: list[SpatialEntry] = []
        #: a dimension the output formulas would look up in vain (an operand's: every level maps the output's)
        self.unmapped_output: str | None = None
        for variable in tensor.coupled:
            index = shape.first_index.get(variable)
            key = OUTPUT_OF[variable] if (shape.has_sliding_windows and variable in OUTPUT_OF) else variable
            if index is None or key not in tables.mapped:
                self.unmapped_output = self.unmapped_output or (variable if index is None else key)
                continue
            if spatial[index]:
                output_spatial.append(shape.spatial_entry(index, key, variable))
            else:
                output_temporal.append((index, tables.mapped[key], tables.mapped_edge[key]))
        self.output_temporal = tuple(output_temporal)
        self.output_spatial = tuple(output_spatial)
        others = [i for i, variable in enumerate(shape.variables) if variable not in coupled_variables]
        self.reduction_temporal = tuple(i for i in others if not spatial[i])
        self.reduction_spatial = tuple(shape.spatial_entry(i, shape.variables[i], shape.variables[i]) for i in others if spatial[i])
        #: the L1 requirement's tile: the product of M over the tensor's dimensions mapped at the level
        tile = 1
        for variable in tensor.coupled:
            if variable in tables.mapped:
                tile *= tables.mapped[variable]
        self.l1_tile = tile


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
        #: the level's variables once each, and their static sizes (what its tables are computed from)
        self.mapped_variables = tuple(first_index)
        static = dict(level.dimensions)
        self.static_sizes = tuple((v, static[v]) for v in self.mapped_variables)
        #: what a run of this level depends on besides the layer's form, the levels below and the tile it
        #: receives: index, sub-cluster count, directives (not how they were written), and the static sizes
        #: only where the tables come from them (MAESTRO's model; the corrected one uses the tile received)
        static_tables = not corrections.tables_from_received_tile or (level.index == 0 and not corrections.trim_unused_inputs)
        self.run_key = (level.index, level.num_sub_clusters, tuple(d[:4] for d in level.directives), level.dimensions if static_tables else None)
        self.first_spatial = next(i for i, kind in enumerate(self.kinds) if kind == SPATIAL)
        self.spatial = tuple(kind == SPATIAL for kind in self.kinds)
        self.spatial_indices = tuple(i for i, is_spatial in enumerate(self.spatial) if is_spatial)
        #: per directive, the index of the state it reads (None: its own, every variable mapped once)
        slots = tuple(self.state_index[v] for v in self.variables)
        self.slots = None if slots == tuple(range(len(slots))) else slots
        # The tables by directive index (M, U, ME, UE), so a case reads lists instead of dictionaries.
        self.mapped = [tables.mapped[v] for v in self.variables]
        self.unique = [tables.unique[v] for v in self.variables]
        self.mapped_edge = [tables.mapped_edge[v] for v in self.variables]
        self.unique_edge = [tables.unique_edge[v] for v in self.variables]
        #: the sliding pairs for the sub-cluster sizes: (reference X/Y, window S/R, output X'/Y') per directive on X/Y
        self.sliding = tuple((v, SLIDING_PAIRS[v], OUTPUT_OF[v]) for v in self.variables if v in SLIDING_PAIRS) if has_sliding_windows else ()
        self._layouts: dict[str, TensorLayout] = {}  # by tensor name: a shape serves one layer's tensors

    def layout(self, tensor: Tensor) -> TensorLayout:
        """The tensor's directive layout at this level (built on first use)."""
        known = self._layouts.get(tensor.name)
        if known is None:
            known = self._layouts[tensor.name] = TensorLayout(self, tensor)
        return known

    def spatial_entry(self, index: int, key: str, table_key: str) -> SpatialEntry:
        """The spatial-factor entry of SpatialMap `index` on table key `key` (`table_key`: its own variable)."""
        tables = self.tables
        edge_key = key if self.corrections.spatial_edge_uses_output_tile else table_key
        unique = tables.unique[key]
        return (index, tables.mapped[key], unique if unique != 0 else 1, tables.mapped_edge[key], tables.unique_edge[key], tables.mapped_edge[edge_key])

    def output_extent(self, reference: str, input_size: int, window: int) -> int:
        """Outputs along `reference` (X or Y) produced by `input_size` inputs under a `window`."""
        if self.corrections.stride_aware_outputs:
            return window_outputs(input_size, window, self.strides.get(reference, 1))
        return input_size - window + 1


@dataclass(frozen=True)
class LayerForm:
    """What a layer's level shapes and traces depend on besides its cluster levels and tiles: its tensors,
    corrections and strides; `serial` numbers each distinct form once (see `layer_form`), the memos' key."""

    tensors: LayerTensors
    corrections: Corrections
    strides: dict[str, int] = field(compare=False)  # the same as `stride_items`, as the formulas read it
    stride_items: tuple[tuple[str, int], ...]
    serial: int = field(compare=False)


#: Every distinct form met so far, by its fields. Forms differ only by layer type, mode and strides, so the
#: registry stays a few dozen entries; serials are never reused, so equal serials mean equal forms.
_FORMS: dict[tuple[LayerTensors, Corrections, tuple[tuple[str, int], ...]], LayerForm] = {}
_FORMS_LOCK = threading.Lock()


def layer_form(tensors: LayerTensors, corrections: Corrections, strides: dict[str, int]) -> LayerForm:
    """The one LayerForm of these tensors, corrections and strides (callers must not change `strides`)."""
    items = tuple(sorted(strides.items()))
    key = (tensors, corrections, items)
    with _FORMS_LOCK:
        known = _FORMS.get(key)
        if known is None:
            known = _FORMS[key] = LayerForm(tensors, corrections, strides, items, len(_FORMS))
    return known
