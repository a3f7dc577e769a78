"""The fast path of the .m reader agrees with the general parser: same layers, dataflows and sources, or no answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapscope.errors import InputError
from mapscope.formats.maestro.mapping_fast_path import parse_regular_mapping
from mapscope.formats.maestro.mapping_file import _MappingParser
from mapscope.formats.maestro.tokens import read_text_file, token_stream
from mapscope.limits import MAX_CONSTANTS, MAX_DIRECTIVES_PER_LAYER, MAX_LAYERS
from mapscope.mapping.mapped_network import MappedNetwork
from tests.property_settings import examples


def _general(text: str, source: str) -> MappedNetwork | None:
    try:
        return _MappingParser(token_stream(text), source, {}).parse_file()
    except InputError:
        return None


def _everything(network: MappedNetwork) -> tuple[object, ...]:
    """The network with the fields equality ignores (sources) spelled out."""
    return (network, network.source, [(m.source, [d.source for d in m.dataflow]) for m in network.layers])


def _agree(text: str, source: str = "x.m") -> bool:
    """True when the fast path read (or rejected) `text`; asserts the general parser reads (or rejects) it alike."""
    try:
        fast = parse_regular_mapping(text, source, (MAX_LAYERS, MAX_CONSTANTS, MAX_DIRECTIVES_PER_LAYER))
    except InputError as error:  # a layer rule: the general parser must word the same error at the same place
        with pytest.raises(InputError) as general_error:
            _MappingParser(token_stream(text), source, {}).parse_file()
        assert (general_error.value.message, general_error.value.where) == (error.message, error.where)
        return True
    if fast is None:
        return False
    general = _general(text, source)
    assert general is not None, "the fast path accepted a text the general parser rejects"
    assert _everything(fast) == _everything(general)
    return True


def test_every_bundled_mapping_file_reads_the_same_by_both_paths(maestro_data: Path) -> None:
    paths = sorted((maestro_data / "data").rglob("*.m"))
    read_fast = [path.name for path in paths if _agree(read_text_file(path), str(path))]
    assert len(read_fast) >= 41  # every bundled file is in the regular form (four break a layer rule)


EDGE_CASES = [
    "Network N {\n Layer L-1 {\n Type: CONV\n Dimensions { K: 2, C: 2, R: 1, S: 1, Y: 4, X: 4 }\n"
    " Dataflow { TemporalMap(1,1) K; Cluster(2); SpatialMap(1,1) C; } } }",
    "Constant T 2;\nNetwork { Layer A B { Type: GEMM Dimensions { M: T, N: 2, K: 3 }\n"
    "Dataflow {\n// c } {\nTemporalMap(T,T) M; // x\nSpatialMap(Sz(N),1) N; Cluster(Sz(K), L) } } }",
    "Network N { Layer L { Type: CONV Dimensions { K: -2, C: 2, R: 1, S: 1, Y: 4, X: 4 } } }",
    "Network N { Layer L { Type: CONV Dimensions { K: 2 } Dataflow { TemporalMap(1,-1) K } } }",
    "Network N { Layer L { Type: CONV Dimensions { K: 2 } Dataflow { TemporalMap(1,1) K;} } }",
    "Network N { Layer L { Type: CONV Dimensions { K: 2 } Dataflow { Cluster(2) X } } }",
    "Network N { Layer L-\n1 { Type: CONV Dimensions { K: 2, C: 1, R: 1, S: 1, Y: 1, X: 1 } } }",
    "Network N { Layer L\u00a0M { Type: CONV Dimensions { K: 2, C: 1, R: 1, S: 1, Y: 1, X: 1 } } }",
    "Network N { Layer L { Type: CONV Stride { X: 2 } Dimensions { K: 2, C: 1, R: 1, S: 1, Y: 3, X: 3 }"
    " Dataflow { TemporalMap(Sz(R),Sz(R)) R; TemporalMap(2,1) S } } }",
    # layer rules the fast path words itself: a map on R that covered R = 1 but not R = 3 ...
    "Network N { Layer A { Type: CONV Dimensions { K: 2, C: 1, R: 1, S: 1, Y: 5, X: 5 }\n"
    " Dataflow { TemporalMap(1,1) R; Cluster(2); SpatialMap(1,1) K } }\n"
    " Layer B { Type: CONV Dimensions { K: 2, C: 1, R: 3, S: 1, Y: 5, X: 5 }\n"
    " Dataflow { TemporalMap(1,1) R; Cluster(2); SpatialMap(1,1) K } } }",
    # ... a window larger than its input, in a layer whose Dataflow and sizes an earlier GEMM layer had ...
    "Network N { Layer G { Type: GEMM Dimensions { R: 3, S: 1, Y: 2, X: 5 } Dataflow { SpatialMap(1,1) X } }\n"
    " Layer C { Type: CONV Dimensions { R: 3, S: 1, Y: 2, X: 5 } Dataflow { SpatialMap(1,1) X } } }",
    # ... and an inherited dataflow that breaks the rule in the layer inheriting it
    "Network N { Layer A { Type: CONV Dimensions { K: 2, R: 1, S: 1, Y: 5, X: 5 }\n"
    " Dataflow { TemporalMap(1,1) R; SpatialMap(1,1) K } }\n Layer B { Type: CONV Dimensions { K: 2, R: 3, S: 1,"
    " Y: 5, X: 5 } Dataflow { } } }",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_agree_or_go_to_the_general_parser(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize("text", EDGE_CASES[-3:])
def test_the_fast_path_words_a_broken_layer_rule_itself(text: str) -> None:
    with pytest.raises(InputError):
        parse_regular_mapping(text, "x.m", (MAX_LAYERS, MAX_CONSTANTS, MAX_DIRECTIVES_PER_LAYER))
    assert _agree(text)


_PIECES = ["Network", "Layer", "Type", "CONV", "GEMM", "Dimensions", "Dataflow", "Stride", "Constant", "{", "}",
           "K", "C", "R", "S", "Y", "X", "M", "N", "P", "L", "1", "2", "3", "0", "Sz", "TemporalMap", "SpatialMap",
           "Cluster", " ", "\n", ",", "(", ")", ":", ";", "-", "//", "{}", "x"]


@settings(max_examples=examples(5))
@given(st.data())
def test_mutated_bundled_like_texts_agree(data: st.DataObject) -> None:
    text = EDGE_CASES[data.draw(st.sampled_from([0, 1, 8, 9, 10, 11]))]
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        text = text[:where] + data.draw(st.sampled_from(_PIECES)) + text[where + cut :]
    _agree(text)

