"""Each directive's iteration states at a level, and the evaluation order that groups mappings by them.

A level run evaluates the union of its mappings' cases over all of them, so a chunk of mappings whose
directives take the same states (a Steady step or not, an Edge step or not) has fewer cases, each
present on more of its mappings. `pattern_order` sorts a long batch that way before it is cut into
chunks; the order changes no result, only the work.
"""

from __future__ import annotations

import numpy as np

from mapscope.analysis.batch.array_math import IntArray, used_extent
from mapscope.analysis.batch.cluster_arrays import LevelArrays
from mapscope.analysis.batch.table_arrays import Slot, directive_slots
from mapscope.analysis.corrections import Corrections
from mapscope.analysis.iteration import EDGE, STEADY


def level_slots(
    level: LevelArrays, declared: dict[str, IntArray], strides: dict[str, int], corrections: Corrections
) -> tuple[dict[str, IntArray], list[tuple[Slot, Slot, Slot]]]:
    """The sizes a level iterates over (`declared`, inputs cut to what windows use where the mode says so)
    and each directive's Init, Steady and Edge slots on them."""
    dims = used_extent(declared, strides) if corrections.trim_unused_inputs else declared
    exact_partial = corrections.partial_tile_only_when_partial
    slot_lists = [
        directive_slots(kind, size, offset, dims[variable], level.num_sub_clusters, exact_partial)
        for kind, variable, size, offset in zip(level.kinds, level.variables, level.sizes, level.offsets)
    ]
    return dims, slot_lists


def pattern_order(slot_lists: list[tuple[Slot, Slot, Slot]], count: int) -> IntArray:
    """Mapping indices sorted by which Steady and Edge slots each directive has (stable within a pattern)."""
    keys = [slots[position].exists for slots in reversed(slot_lists) for position in (STEADY, EDGE)]  # the first directive's Edge sorts first
    if not keys:
        return np.arange(count)
    return np.lexsort(keys)
