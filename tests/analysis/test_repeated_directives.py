"""A cluster level that maps one dimension twice, and the bound on iteration cases (issue 11).

MAESTRO gives every directive of a level its own digit in the case enumeration (its states multiply the
cases and the occurrences) and multiplies every volume by the dimension's tile once per directive,
while a dimension's tile sizes and state come from its last directive. Twenty copies of
``TemporalMap(1,1) C`` thus made 2**20 cases (214 s, 2.3 GB); a hundred, MemoryError. mapscope refuses
a repeat unless dropping it provably changes no number (an identical size-1 TemporalMap over a
dimension of size 1), and counts a level's cases before enumerating them.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.analysis import level_analysis, level_cases
from mapscope.analysis.layer_batch import HardwareArrays, layer_stats_batch
from mapscope.analysis.network_analysis import analyze_network
from mapscope.errors import InputError
from mapscope.formats.descriptions import parse_network_description
from mapscope.formats.maestro.mapping_file import parse_mapping_text
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapping.directives import Cluster, Directive, SpatialMap, TemporalMap
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.workload.layer import Layer, LayerType


def mapping_text(level_0: str, level_1: str = "", dimensions: str = "K: 16, C: 64, R: 3, S: 3, Y: 10, X: 10") -> str:
    cluster = f"\n      Cluster(4, P);\n{level_1}" if level_1 else ""
    return f"""Network N {{
  Layer L {{
    Type: CONV
    Dimensions {{ {dimensions} }}
    Dataflow {{
{level_0}{cluster}
    }}
  }}
}}
"""


KCP = "      SpatialMap(1,1) K;\n      TemporalMap(Sz(R),Sz(R)) R;\n      TemporalMap(Sz(S),Sz(S)) S;\n"


@pytest.mark.parametrize("copies", [2, 20, 100])
@pytest.mark.parametrize("compat", ["maestro", None])
def test_a_repeated_directive_is_refused_at_once(copies: int, compat: str | None) -> None:
    network = parse_mapping_text(mapping_text(KCP + "      TemporalMap(1,1) C;\n" * copies), "rep.m")
    started = time.perf_counter()
    with pytest.raises(InputError) as error:
        analyze_network(network, Accelerator(num_pes=16), compat=compat)
    assert time.perf_counter() - started < 2
    assert str(error.value) == (
        "rep.m:10: layer L: directive TemporalMap(1,1) C: cluster level 0 maps C a second time (first: TemporalMap(1,1) C "
        "(rep.m:9)); MAESTRO would run one more loop over C per copy, so the numbers would mean nothing: map each "
        "dimension once per cluster level"
    )


@pytest.mark.parametrize(
    "level_0, level_1, dimensions, repeated",
    [
        (KCP + "      TemporalMap(3,3) C;\n      TemporalMap(3,3) C;\n", "", "K: 16, C: 64, R: 3, S: 3, Y: 10, X: 10", "C"),
        # a SpatialMap and a TemporalMap on S, as three of MAESTRO's row-stationary files write
        (KCP, "      SpatialMap(1,1) X;\n      SpatialMap(1,1) S;\n      TemporalMap(Sz(S),Sz(S)) S;\n", "K: 16, C: 4, R: 3, S: 3, Y: 10, X: 10", "S"),
        # even over a dimension of size 1: a SpatialMap copy changes how the filter is spread
        (KCP, "      SpatialMap(1,1) X;\n      SpatialMap(1,1) S;\n      TemporalMap(1,1) S;\n", "K: 16, C: 4, R: 1, S: 1, Y: 10, X: 10", "S"),
        # size 1 on N = 1, but another directive tiles N by 2: a lower level would see N = 2
        (KCP + "      TemporalMap(2,2) N;\n", "      SpatialMap(1,1) C;\n      TemporalMap(1,1) N;\n      TemporalMap(1,1) N;\n", "N: 1, K: 16, C: 4, R: 1, S: 1, Y: 4, X: 4", "N"),
        # two different offsets are two different loops
        (KCP + "      TemporalMap(1,1) N;\n      TemporalMap(1,2) N;\n", "", "N: 1, K: 16, C: 4, R: 1, S: 1, Y: 4, X: 4", "N"),
        # a stride rewrites the map on X
        (KCP + "      TemporalMap(1,1) X;\n      TemporalMap(1,1) X;\n", "", "K: 16, C: 4, R: 1, S: 1, Y: 1, X: 1", None),
    ],
    ids=["temporal", "spatial-then-temporal", "spatial-over-1", "tiled-larger-elsewhere", "offsets-differ", "see-strided-below"],
)
def test_repeats_that_change_numbers_are_refused(level_0: str, level_1: str, dimensions: str, repeated: str | None) -> None:
    network = parse_mapping_text(mapping_text(level_0, level_1, dimensions), "rep.m")
    if repeated is None:  # X over X = 1 unstrided is a neutral repeat: collapsed
        analyze_network(network, Accelerator(num_pes=16))
        return
    for compat in ("maestro", None):
        with pytest.raises(InputError, match=rf"^rep\.m:\d+: layer L: directive .*: cluster level \d maps {repeated} a second time"):
            analyze_network(network, Accelerator(num_pes=16), compat=compat)


def test_a_strided_repeat_is_refused() -> None:
    text = mapping_text(KCP + "      TemporalMap(1,1) X;\n      TemporalMap(1,1) X;\n", "", "K: 16, C: 4, R: 1, S: 1, Y: 1, X: 1")
    text = text.replace("Type: CONV", "Type: CONV\n    Stride { X: 2 }")
    with pytest.raises(InputError, match="maps X a second time"):
        analyze_network(parse_mapping_text(text, "rep.m"), Accelerator(num_pes=16))


def test_a_description_names_the_repeated_directive_where_it_is_written() -> None:
    text = """network: N
layers:
  - name: L
    type: CONV
    dimensions: {K: 16, C: 4, R: 1, S: 1, Y: 4, X: 4}
    dataflow:
      - SpatialMap(1,1) K
      - TemporalMap(2,2) C
      - TemporalMap(2,2) C
"""
    with pytest.raises(InputError, match=r"net\.yaml:9.*layer L: directive TemporalMap\(2,2\) C: cluster level 0 maps C a second time"):
        analyze_network(parse_network_description(text, "net.yaml"), Accelerator(num_pes=16))


def test_the_command_line_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rep.m"
    path.write_text(mapping_text(KCP + "      TemporalMap(1,1) C;\n" * 20))
    status, _, err = run(["analyze", str(path), "--num-pes", "16", "-q"], capsys)
    assert_one_line_error(status, err)
    assert "rep.m:10: layer L: directive TemporalMap(1,1) C: cluster level 0 maps C a second time" in err


# --- neutral repeats are collapsed: the numbers are those of the mapping without them ------------------

LAYER_DIMENSIONS = st.fixed_dictionaries(
    {"K": st.integers(1, 12), "C": st.integers(1, 12), "R": st.integers(1, 3), "S": st.integers(1, 3), "Y": st.integers(3, 9), "X": st.integers(3, 9)}
)
MAPPED = ("K", "C", "Y", "X")


@st.composite
def levels(draw: st.DrawFn, sizes: dict[str, int]) -> list[list[Directive]]:
    """One or two cluster levels of random maps (R and S whole, N by TemporalMap(1, o) only)."""
    result = []
    for _ in range(draw(st.integers(1, 2))):
        level: list[Directive] = []
        for dimension in draw(st.permutations(MAPPED))[: draw(st.integers(1, 4))]:
            kind = draw(st.sampled_from([TemporalMap, SpatialMap]))
            size = draw(st.integers(1, sizes[dimension]))
            level.append(kind(size, draw(st.integers(1, size)), dimension))
        for window in ("R", "S"):
            if draw(st.booleans()):
                level.append(TemporalMap(sizes[window], sizes[window], window))
        if draw(st.booleans()):
            level.append(TemporalMap(1, draw(st.integers(1, 3)), "N"))
        if not any(isinstance(d, SpatialMap) for d in level):
            level.insert(0, SpatialMap(1, 1, draw(st.sampled_from(MAPPED))))
        result.append(draw(st.permutations(level)))
    return result


def flatten(levels: list[list[Directive]], cluster: int) -> tuple[Directive, ...]:
    directives: list[Directive] = []
    for index, level in enumerate(levels):
        if index:
            directives.append(Cluster(cluster))
        directives.extend(level)
    return tuple(directives)


def outcome(layer: Layer, dataflow: tuple[Directive, ...], accelerator: Accelerator, compat: str | None) -> str:
    """The statistics (as their repr, so that NaN equals NaN) or the error message."""
    try:
        return repr(analyze_network(MappedNetwork("n", (MappedLayer(layer, dataflow),)), accelerator, compat=compat))
    except InputError as error:
        return str(error)


@settings(max_examples=examples(60), deadline=None)
@given(data=st.data())
def test_an_identical_size_1_temporal_map_over_a_size_1_dimension_changes_nothing(data: st.DataObject) -> None:
    sizes = data.draw(LAYER_DIMENSIONS)
    sizes["N"] = 1
    layer = Layer("L", LayerType.CONV, tuple(sizes.items()))
    drawn = data.draw(levels(sizes))
    # size-1 dimensions repeated where they stand: N (batch 1), and R, S, K, C or X, Y when they are 1
    candidates = [(i, d) for i, level in enumerate(drawn) for d in level if isinstance(d, TemporalMap) and d.size == 1 and sizes[d.dimension] == 1]
    candidates = [(i, d) for i, d in candidates if all(
        isinstance(o, TemporalMap) and o.size == 1 for level in drawn for o in level if o.dimension == d.dimension)]
    if not candidates:
        return
    index, repeated = data.draw(st.sampled_from(candidates))
    with_repeats = [list(level) for level in drawn]
    for _ in range(data.draw(st.integers(1, 3))):
        with_repeats[index].insert(data.draw(st.integers(0, with_repeats[index].index(repeated))), repeated)
    cluster = data.draw(st.sampled_from([2, 4]))
    accelerator = Accelerator(
        num_pes=data.draw(st.sampled_from([4, 16])),
        noc_bandwidth_elems_per_cycle=data.draw(st.sampled_from([1, 7, 1000])),
        noc_latency_cycles=data.draw(st.integers(0, 2)),
        offchip_bandwidth_elems_per_cycle=data.draw(st.sampled_from([1, 70000])),
    )
    for compat in ("maestro", None):
        expected = outcome(layer, flatten(drawn, cluster), accelerator, compat)
        got = outcome(layer, flatten(with_repeats, cluster), accelerator, compat)
        assert got == expected


def test_a_batch_one_layer_may_repeat_its_batch_map() -> None:
    once = parse_mapping_text(mapping_text(KCP + "      TemporalMap(1,1) N;\n", dimensions="N: 1, K: 16, C: 64, R: 3, S: 3, Y: 10, X: 10"))
    thrice = parse_mapping_text(mapping_text(KCP + "      TemporalMap(1,1) N;\n" * 3, dimensions="N: 1, K: 16, C: 64, R: 3, S: 3, Y: 10, X: 10"))
    for compat in ("maestro", None):
        expected = analyze_network(once, Accelerator(num_pes=16), compat=compat)
        assert repr(analyze_network(thrice, Accelerator(num_pes=16), compat=compat)) == repr(expected)


# --- the bound on iteration cases, counted before they are enumerated ----------------------------------


def test_a_level_with_more_cases_than_the_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(level_analysis, "MAX_ITERATION_CASES", 2)
    network = parse_mapping_text(mapping_text(KCP + "      TemporalMap(8,8) C;\n      TemporalMap(4,4) X;\n"), "big.m")
    built: list[object] = []
    monkeypatch.setattr(level_cases, "enumerate_cases", lambda state_lists: built.append(state_lists) or [])
    with pytest.raises(InputError, match=r"^big\.m:2: layer L: cluster level 0 has \d+ iteration cases .*; at most 2 are analysed"):
        analyze_network(network, Accelerator(num_pes=16))
    assert not built  # refused before a single case was built


def test_a_layer_whose_levels_walk_more_cases_than_the_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(level_analysis, "MAX_LAYER_ITERATION_CASES", 10)
    level_1 = "      SpatialMap(1,1) C;\n      TemporalMap(4,1) Y;\n      TemporalMap(4,1) X;\n"
    network = parse_mapping_text(mapping_text(KCP + "      TemporalMap(8,8) C;\n      TemporalMap(5,5) Y;\n", level_1), "big.m")
    with pytest.raises(InputError, match=r"^big\.m:2: layer L: the analysis would walk more than 10 iteration cases over all cluster levels"):
        analyze_network(network, Accelerator(num_pes=16))


def test_the_batched_engine_applies_the_same_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(level_analysis, "MAX_ITERATION_CASES", 2)
    network = parse_mapping_text(mapping_text(KCP + "      TemporalMap(8,8) C;\n      TemporalMap(4,4) X;\n"), "big.m")
    one = np.ones(3, dtype=np.int64)
    hardware = HardwareArrays(16, one, one * 64, one, one * 64)
    with pytest.raises(InputError, match="iteration cases"):
        layer_stats_batch(network.layers[0], hardware, network_name="N")
    repeated = parse_mapping_text(mapping_text(KCP + "      TemporalMap(1,1) C;\n" * 20), "rep.m")
    with pytest.raises(InputError, match="maps C a second time"):
        layer_stats_batch(repeated.layers[0], hardware, network_name="N", compat="maestro")
