"""The MAESTRO-format readers at the edges: huge numbers, huge tokens, huge files and counts (limits.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats.maestro import mapping_file as maestro_mapping
from mapscope.formats.maestro import tokens as maestro_tokens
from mapscope.formats.maestro.hardware_file import parse_hardware_text
from mapscope.formats.maestro.mapping_file import parse_directive, parse_mapping_text
from mapscope.formats.maestro.tokens import read_text_file, token_stream
from mapscope.limits import MAX_INTEGER_DIGITS, MAX_NAME_CHARS, MAX_QUOTED_CHARS

HUGE = "9" * 5000  # int() refuses more than 4,300 digits, and is slow long before that

LAYER = """  Layer L{index} {{
    Type: CONV
    Dimensions {{ K: 4, C: 4, R: 1, S: 1, Y: 4, X: 4 }}
    Dataflow {{ SpatialMap(1,1) K; }}
  }}
"""


def network(*layers: str, constants: str = "") -> str:
    return constants + "Network N {\n" + "".join(layers) + "}\n"


def layer(index: int = 1, dimensions: str = "K: 4, C: 4, R: 1, S: 1, Y: 4, X: 4", dataflow: str = "SpatialMap(1,1) K;") -> str:
    return LAYER.replace("K: 4, C: 4, R: 1, S: 1, Y: 4, X: 4", dimensions).replace("SpatialMap(1,1) K;", dataflow).format(index=index)


def short_error(error: pytest.ExceptionInfo[InputError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert len(message) < 400, message
    return message


@pytest.mark.parametrize(
    "text, where",
    [
        (network(layer(dimensions=f"K: {HUGE}, C: 4, R: 1, S: 1, Y: 4, X: 4")), "<string>:4: layer L1"),
        (network(layer(dataflow=f"SpatialMap({HUGE},1) K;")), "<string>:5: layer L1"),
        (network(layer(dataflow=f"Cluster({HUGE}, P); SpatialMap(1,1) K;")), "<string>:5: layer L1"),
        (network(layer(), constants=f"Constant big {HUGE}\n"), "<string>:1"),
        (network(layer().replace("Type: CONV", f"Type: CONV\n    Stride {{ X: {HUGE} }}")), "<string>:4: layer L1"),
    ],
    ids=["dimension", "map-size", "cluster-size", "constant", "stride"],
)
def test_integers_with_thousands_of_digits_are_refused_before_conversion(text: str, where: str) -> None:
    with pytest.raises(InputError, match="has 5,000 digits") as error:
        parse_mapping_text(text)
    assert short_error(error).startswith(where + ":")


def test_forty_digits_are_read_and_then_judged_by_size() -> None:
    big = "9" * MAX_INTEGER_DIGITS
    with pytest.raises(InputError, match=r"above the largest size MAESTRO's model handles") as error:
        parse_mapping_text(network(layer(dimensions=f"K: {big}, C: 4, R: 1, S: 1, Y: 4, X: 4")))
    short_error(error)


def test_a_huge_integer_in_a_directive_of_a_description() -> None:
    with pytest.raises(InputError, match="has 5,000 digits"):
        parse_directive(f"TemporalMap({HUGE},1) K", {"K": 4}, {}, "net.yaml: layers[0]")


@pytest.mark.parametrize("key", ["num_pes", "l2_size_cstr", "NoC_NumHops"])
def test_hardware_file_integers_with_thousands_of_digits(key: str) -> None:
    with pytest.raises(InputError, match=rf"^hw\.m:2: the value of {key} has 5,000 digits") as error:
        parse_hardware_text(f"// accelerator\n{key}: {HUGE}\n", "hw.m")
    short_error(error)


def test_hardware_file_huge_unknown_key_and_value_are_quoted_short() -> None:
    with pytest.raises(InputError, match=r"unknown hardware key 'xxxx") as error:
        parse_hardware_text("x" * 1_000_000 + ": 3\n", "hw.m")
    short_error(error)
    with pytest.raises(InputError, match=r"num_pes must be a positive integer, found 'aaaa") as error:
        parse_hardware_text("num_pes: " + "a" * 1_000_000 + "\n", "hw.m")
    short_error(error)


@pytest.mark.parametrize(
    "text",
    [
        "z" * 1_000_000,
        network(layer()).replace("Type: CONV", "Type: " + "C" * 1_000_000),
        network(layer(dataflow="SpatialMap(1,1) " + "K" * 1_000_000 + ";")),
        network(layer(dataflow="Frobnicate" * 100_000 + "(1,1) K;")),
        network(layer(dataflow="SpatialMap(" + "Q" * 1_000_000 + ",1) K;")),
        network(layer(dataflow="Cluster(2) " + "Q" * 1_000_000 + "; SpatialMap(1,1) K;")),
        network(layer().replace("Dimensions", "W" * 1_000_000)),
        network(layer().replace("X: 4 }", "X: 4 } Stride { " + "W" * 1_000_000 + ": 1 }")),
    ],
    ids=["top-level", "type", "dimension", "directive", "size", "cluster-kind", "layer-keyword", "stride-key"],
)
def test_a_megabyte_token_gives_a_short_error_line(text: str) -> None:
    with pytest.raises(InputError) as error:
        parse_mapping_text(text)
    assert "..." in short_error(error)


@pytest.mark.parametrize("what", ["Layer", "Network"])
def test_names_longer_than_the_bound_are_refused(what: str) -> None:
    name = "n" * (MAX_NAME_CHARS + 1)
    text = network(layer()).replace("Layer L1", f"Layer {name}") if what == "Layer" else network(layer()).replace("Network N", f"Network {name}")
    with pytest.raises(InputError, match=f"name .* is longer than {MAX_NAME_CHARS:,} characters") as error:
        parse_mapping_text(text)
    short_error(error)
    many_words = " ".join(["w"] * 100_000)
    text = network(layer()).replace("Layer L1", f"Layer {many_words}")
    with pytest.raises(InputError, match="is longer than"):
        parse_mapping_text(text)


def test_long_names_are_shortened_in_messages() -> None:
    name = "n" * MAX_NAME_CHARS
    with pytest.raises(InputError) as error:
        parse_mapping_text(network(layer()).replace("Layer L1", f"Layer {name}").replace("Type: CONV", "Type: CONV Bogus"))
    assert len(short_error(error)) < 200
    with pytest.raises(InputError) as error:
        parse_mapping_text(f"Network {name} {{ Bogus }}")
    assert len(short_error(error)) < 200


def test_a_huge_constant_name_is_shortened_in_messages() -> None:
    with pytest.raises(InputError, match=r"the value of Constant c{20,}\.\.\. \(an integer or a Constant\)") as error:
        parse_mapping_text(network(layer(), constants="Constant " + "c" * 1_000_000 + " x\n"))
    short_error(error)


def test_too_many_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maestro_mapping, "MAX_LAYERS", 3)
    assert len(parse_mapping_text(network(*(layer(i) for i in range(3)))).layers) == 3
    with pytest.raises(InputError, match=r"^<string>:17: Network N has more than 3 layers$"):
        parse_mapping_text(network(*(layer(i) for i in range(4))))


def test_too_many_constants(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maestro_mapping, "MAX_CONSTANTS", 2)
    parse_mapping_text(network(layer(), constants="Constant a 1\nConstant b 2\nConstant a 3\n"))  # a redefinition is no new one
    with pytest.raises(InputError, match=r"^<string>:3: more than 2 Constants$"):
        parse_mapping_text(network(layer(), constants="Constant a 1\nConstant b 2\nConstant c 3\n"))


def test_too_many_directives_in_one_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maestro_mapping, "MAX_DIRECTIVES_PER_LAYER", 2)
    with pytest.raises(InputError, match=r"^<string>:5: layer L1: more than 2 directives in one Dataflow block$"):
        parse_mapping_text(network(layer(dataflow="SpatialMap(1,1) K; TemporalMap(1,1) C; TemporalMap(1,1) X;")))


def test_reading_stops_at_the_first_bad_token_without_splitting_the_rest() -> None:
    tokens = token_stream("Network N { Bogus }\n" + "TemporalMap(1,1) C;\n" * 100_000)
    parser = maestro_mapping._MappingParser(tokens, "big.m", {})
    with pytest.raises(InputError, match=r"^big\.m:1: expected Layer or '}' in Network N, found 'Bogus'$"):
        parser.parse_file()
    assert tokens.lines[-1] <= maestro_tokens.LINES_PER_BATCH  # one batch of lines split, not 100,001


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maestro_tokens, "MAX_TEXT_FILE_BYTES", 100)
    path = tmp_path / "big.m"
    path.write_text("// " + "x" * 97)
    assert len(read_text_file(path)) == 100
    path.write_text("// " + "x" * 98)
    with pytest.raises(InputError, match=r"^cannot read .*big\.m: the file is 101 bytes; input text files are limited to 100 bytes"):
        read_text_file(path)


def test_a_pipe_that_gives_more_than_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maestro_tokens, "MAX_TEXT_FILE_BYTES", 1000)
    fifo = tmp_path / "pipe.m"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as writer:
            try:
                writer.write(b"x" * 100_000)
            except BrokenPipeError:
                pass  # the reader stopped after limit + 1 bytes, as it should

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        with pytest.raises(InputError, match=r"^cannot read .*pipe\.m: the file is larger than that; input text files are limited to 1,000"):
            read_text_file(fifo)
    finally:
        writer.join(timeout=10)


def test_quoted_words_stay_short() -> None:
    with pytest.raises(InputError) as error:
        parse_mapping_text("Network N { Layer L { Type: " + "X" * (10 * MAX_QUOTED_CHARS) + " } }")
    assert len(str(error.value)) < 4 * MAX_QUOTED_CHARS + 100
