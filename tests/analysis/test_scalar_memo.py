"""The scalar engine's memo across mappings (a level run's own part, analysis/level_cases.py) changes no number:
a mapping analysed after others that share levels with it (warm memo) gets exactly what it gets alone without
it, in both modes, and inputs that differ only in what the memo key must hold never share an entry."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_strategies import small_layers
from property_settings import examples

from mapscope.analysis.layer_analysis import layer_stats_fields, layer_trace, run_layer
from mapscope.analysis.level_analysis import LevelTrace
from mapscope.analysis import level_analysis
from mapscope.analysis.bounded_memo import BoundedMemo, clear_memos, memos_disabled
from mapscope.errors import InputError
from mapscope.hardware import Accelerator
from mapscope.mapper import MappingSpace
from mapscope.mapper.enumeration import enumerate_batches
from mapscope.mapping import Cluster, MappedLayer, SpatialMap, TemporalMap
from mapscope.mapping.directives import Directive
from mapscope.workload import Layer, LayerType

COMPATS = (None, "maestro")


def _result(mapped: MappedLayer, accelerator: Accelerator, compat: str | None) -> str:
    """Every LayerStats field of the mapping as text (NaN equal to NaN), or the error it raises."""
    try:
        return repr(sorted(layer_stats_fields(mapped, accelerator, compat=compat, energy_table=None).items()))
    except InputError as error:
        return f"InputError: {error}"


def _alone(mapped: MappedLayer, accelerator: Accelerator, compat: str | None) -> str:
    """The mapping's result with every memo off: nothing reused from any other analysis."""
    with memos_disabled():
        return _result(mapped, accelerator, compat)


def _members(layer: Layer, num_pes: int, levels: int, limit: int) -> list[tuple[Directive, ...]]:
    """The first `limit` members with `levels` cluster levels of the layer's default mapping space, in
    enumeration order: neighbours there share levels (the same upper levels over other lower tiles)."""
    found: list[tuple[Directive, ...]] = []
    for batch in enumerate_batches(MappingSpace(layer, num_pes, min_levels=levels, max_levels=levels), 16):
        found.extend(batch.dataflow_at(index) for index in range(batch.size))
        if len(found) >= limit:
            break
    return found[:limit]


@settings(max_examples=examples(25), deadline=None)
@given(small_layers(), st.sampled_from([4, 6, 16]), st.sampled_from([1, 2, 2, 3]), st.data())
def test_mappings_sharing_levels_get_what_they_get_alone_in_either_order(layer: Layer, num_pes: int, levels: int, data: st.DataObject) -> None:
    members = _members(layer, num_pes, levels, 60)
    chosen = data.draw(st.lists(st.sampled_from(members), min_size=2, max_size=12)) if members else []
    accelerator = Accelerator(num_pes=num_pes)
    for compat in COMPATS:
        mapped = [MappedLayer(layer, written) for written in chosen]
        expected = [_alone(m, accelerator, compat) for m in mapped]
        clear_memos()
        assert [_result(m, accelerator, compat) for m in mapped] == expected  # cold, then ever warmer
        assert [_result(m, accelerator, compat) for m in reversed(mapped)] == expected[::-1]  # all warm
        clear_memos()
        assert [_result(m, accelerator, compat) for m in reversed(mapped)] == expected[::-1]


CONV = Layer("L", LayerType.CONV, (("K", 4), ("C", 4), ("R", 3), ("S", 3), ("Y", 8), ("X", 8)), (("X", 1), ("Y", 1)))


def _two_levels(lower_k: int, lower_y: int = 3, upper_y: tuple[int, int] = (4, 2)) -> tuple[Directive, ...]:
    return (
        TemporalMap(2, 2, "K"),
        TemporalMap(4, 4, "C"),
        SpatialMap(*upper_y, "Y"),
        TemporalMap(8, 8, "X"),
        TemporalMap(3, 3, "R"),
        TemporalMap(3, 3, "S"),
        Cluster(2),
        TemporalMap(lower_k, lower_k, "K"),
        SpatialMap(1, 1, "C"),
        TemporalMap(lower_y, 1, "Y"),
        TemporalMap(8, 8, "X"),
        TemporalMap(3, 3, "R"),
        TemporalMap(3, 3, "S"),
    )


def _x_tiles(size: int, offset: int) -> tuple[Directive, ...]:
    """_two_levels(1) with X tiled `size` by `offset` at both levels."""
    written = list(_two_levels(1))
    written[3] = written[10] = TemporalMap(size, offset, "X")
    return tuple(written)


#: Pairs of (mapped layer, PEs, mode) that differ in one thing a memo key must hold.
PAIRS: dict[str, tuple[tuple[MappedLayer, int, str | None], tuple[MappedLayer, int, str | None]]] = {
    "lower level's tile": ((MappedLayer(CONV, _two_levels(1)), 8, None), (MappedLayer(CONV, _two_levels(2)), 8, None)),
    "lower level's window tile": ((MappedLayer(CONV, _two_levels(1, 3)), 8, None), (MappedLayer(CONV, _two_levels(1, 4)), 8, None)),
    # compat mode, where a level's tables come from its static sizes: other upper Y tiles over the same lower level
    "upper tile (compat)": (
        (MappedLayer(CONV, _two_levels(1, 3, (5, 3))), 8, "maestro"),
        (MappedLayer(CONV, _two_levels(1, 3, (3, 3))), 8, "maestro"),
    ),
    # the same second level, innermost in one and above a third level in the other (4 top sub-clusters in both)
    "levels below": (
        (MappedLayer(CONV, _two_levels(1)), 8, None),
        (MappedLayer(CONV, _two_levels(1) + (Cluster(2),) + _two_levels(1)[7:]), 16, None),
    ),
    "num_pes": ((MappedLayer(CONV, _two_levels(1)), 8, None), (MappedLayer(CONV, _two_levels(1)), 16, None)),
    "compat": ((MappedLayer(CONV, _two_levels(1)), 8, None), (MappedLayer(CONV, _two_levels(1)), 8, "maestro")),
    "stride": (
        (MappedLayer(CONV, _two_levels(1)), 8, None),
        (MappedLayer(Layer("L", LayerType.CONV, CONV.dimensions, (("X", 2), ("Y", 1))), _two_levels(1)), 8, None),
    ),
    # stride 2 rewrites X's (3,3) to (3,2): the same cluster levels as stride 1's (3,2), and other outputs
    "stride alone": (
        (MappedLayer(CONV, _x_tiles(3, 2)), 8, None),
        (MappedLayer(Layer("L", LayerType.CONV, CONV.dimensions, (("X", 2), ("Y", 1))), _x_tiles(3, 3)), 8, None),
    ),
    "layer type": (
        (MappedLayer(Layer("L", LayerType.DSCONV, CONV.dimensions[1:]), _two_levels(1)[1:7] + _two_levels(1)[8:]), 8, None),
        (MappedLayer(Layer("L", LayerType.CONV, (("K", 1),) + CONV.dimensions[1:]), _two_levels(1)[1:7] + _two_levels(1)[8:]), 8, None),
    ),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_inputs_differing_only_in_what_a_key_holds_share_nothing(name: str) -> None:
    first, second = PAIRS[name]
    alone = [_alone(mapped, Accelerator(num_pes=pes), compat) for mapped, pes, compat in (first, second)]
    assert alone[0] != alone[1], "the pair must differ for the test to mean anything"
    assert "InputError" not in alone[0] + alone[1]
    for earlier, later, expected in ((first, second, alone[1]), (second, first, alone[0])):
        clear_memos()
        _result(earlier[0], Accelerator(num_pes=earlier[1]), earlier[2])
        assert _result(later[0], Accelerator(num_pes=later[1]), later[2]) == expected


def _plain(trace: LevelTrace, seen: dict[int, Any] | None = None) -> Any:
    """Everything a trace holds, its sub-level traces included, as plain values."""
    seen = {} if seen is None else seen
    if id(trace) not in seen:
        fields = {name: value for name, value in vars(trace).items() if name != "cases"}
        cases = [(*case[:5], tuple((_plain(sub, seen), weight) for sub, weight in case.sub_runs), *case[6:]) for case in trace.cases]
        seen[id(trace)] = repr((sorted(fields.items()), cases))
    return seen[id(trace)]


def test_traces_and_shared_level_cases_are_never_changed_by_their_users() -> None:
    mapped = MappedLayer(CONV, _two_levels(1))
    clear_memos()
    trace = layer_trace(mapped, 8, None)
    before = _plain(trace)
    shared = {key: repr(value) for key, value in level_analysis._LEVEL_CASES._entries.items()}
    assert shared
    for pes in (8, 16):
        for compat in COMPATS:
            run_layer(mapped, Accelerator(num_pes=pes, noc_bandwidth_elems_per_cycle=3), compat, trace if (pes, compat) == (8, None) else None)
            for lower in (1, 2, 4):
                _result(MappedLayer(CONV, _two_levels(lower)), Accelerator(num_pes=pes), compat)
    assert _plain(trace) == before
    after = level_analysis._LEVEL_CASES._entries
    assert {key: repr(after[key]) for key in shared} == shared  # still held, unchanged


def test_a_bounded_memo_keeps_the_most_recently_used_entries() -> None:
    memo: BoundedMemo[int] = BoundedMemo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # now the most recently used
    memo.put("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c"), len(memo)) == (1, None, 3, 2)
    memo.resize(0)
    memo.put("d", 4)
    assert (len(memo), memo.get("d")) == (0, None)
