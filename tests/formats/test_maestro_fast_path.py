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
    """True when the fast path read `text`; asserts it read what the general parser reads."""
    fast = parse_regular_mapping(text, source, (MAX_LAYERS, MAX_CONSTANTS, MAX_DIRECTIVES_PER_LAYER))
    if fast is None:
        return False
    general = _general(text, source)
    assert general is not None, "the fast path accepted a text the general parser rejects"
    assert _everything(fast) == _everything(general)
    return True


def test_every_bundled_mapping_file_reads_the_same_by_both_paths(maestro_data: Path) -> None:
    paths = sorted((maestro_data / "data").rglob("*.m"))
    read_fast = [path.name for path in paths if _agree(read_text_file(path), str(path))]
    assert len(read_fast) >= 37  # every bundled file MAESTRO accepts is in the regular form


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
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_agree_or_go_to_the_general_parser(text: str) -> None:
    _agree(text)


_PIECES = ["Network", "Layer", "Type", "CONV", "GEMM", "Dimensions", "Dataflow", "Stride", "Constant", "{", "}",
           "K", "C", "R", "S", "Y", "X", "M", "N", "P", "L", "1", "2", "3", "0", "Sz", "TemporalMap", "SpatialMap",
           "Cluster", " ", "\n", ",", "(", ")", ":", ";", "-", "//", "{}", "x"]


@settings(max_examples=examples(5))
@given(st.data())
def test_mutated_bundled_like_texts_agree(data: st.DataObject) -> None:
    text = EDGE_CASES[data.draw(st.sampled_from([0, 1, 8]))]
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        text = text[:where] + data.draw(st.sampled_from(_PIECES)) + text[where + cut :]
    _agree(text)

