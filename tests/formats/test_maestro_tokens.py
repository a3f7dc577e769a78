"""MAESTRO's tokenizer (spec §4.1) and the shared text reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats.maestro.tokens import (
    maestro_display_name,
    read_text_file,
    tokenize,
)


def words(text: str) -> list[str]:
    return tokenize(text).texts


@pytest.mark.parametrize("text", ["K: 64", "K 64", "K:64", "K,64", "K\t64;", "(K)->64", "  K :  64  ;"])
def test_colon_space_and_other_separators_are_equivalent(text: str) -> None:
    assert words(text) == ["K", "64"]


def test_directive_becomes_four_tokens() -> None:
    assert words("SpatialMap(1,1) K;") == ["SpatialMap", "1", "1", "K"]
    assert words("TemporalMap(Sz(R),Sz(R)) R;") == ["TemporalMap", "Sz", "R", "Sz", "R", "R"]


def test_quote_is_part_of_a_token() -> None:
    assert words("TemporalMap(1,1) Y'; Dimensions { X': 3 }") == ["TemporalMap", "1", "1", "Y'", "Dimensions", "{", "X'", "3", "}"]


def test_braces_are_tokens_only_when_separated() -> None:
    assert words("Dimensions { K: 64 }") == ["Dimensions", "{", "K", "64", "}"]
    assert words("Dimensions{K:64}") == ["Dimensions{K", "64}"]


def test_a_token_starting_with_two_slashes_ends_the_line() -> None:
    assert words("Type: CONV //MatMul -> M(seql)") == ["Type", "CONV"]
    assert words("// a whole-line comment: K 64") == []
    assert words("Stride { X: 1 }\t// k = 3 * 512") == ["Stride", "{", "X", "1", "}"]
    assert words("K: 64;//glued to a separator") == ["K", "64"]  # ';' is a separator, so '//glued' starts a token


def test_two_slashes_inside_a_token_are_not_a_comment() -> None:
    assert words("CONV//x y") == ["CONV//x", "y"]
    assert words("K:64//x y") == ["K", "64//x", "y"]


def test_line_numbers_follow_the_text_including_comments_and_blank_lines() -> None:
    tokens = tokenize("// comment\nNetwork A {\n\n  Layer B { // trailing\n}\n")
    assert list(zip(tokens.texts, tokens.lines)) == [("Network", 2), ("A", 2), ("{", 2), ("Layer", 4), ("B", 4), ("{", 4), ("}", 5)]
    assert tokens.line_count == 5


def test_line_count_of_text_without_final_newline_and_of_empty_text() -> None:
    assert tokenize("a\nb").line_count == 2
    assert tokenize("").line_count == 1


def test_windows_line_endings_are_separators() -> None:
    tokens = tokenize("Type: CONV\r\nK: 64\r\n")
    assert tokens.texts == ["Type", "CONV", "K", "64"]
    assert tokens.lines == [1, 1, 2, 2]


def test_minus_is_a_separator_but_is_remembered() -> None:
    tokens = tokenize("TemporalMap(-3,3) K\nLayer Conv2d-1 {")
    assert tokens.texts == ["TemporalMap", "3", "3", "K", "Layer", "Conv2d", "1", "{"]
    assert tokens.after_minus == {1, 6}


def test_maestro_display_name_keeps_the_last_token() -> None:
    assert maestro_display_name("Conv2d-1") == "1"
    assert maestro_display_name("CONV1") == "CONV1"


def test_read_text_file_drops_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.m"
    path.write_bytes(b"\xef\xbb\xbfnum_pes: 3\n")
    assert read_text_file(path) == "num_pes: 3\n"


def test_read_text_file_errors_name_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.m"
    with pytest.raises(InputError, match=r"^cannot read .*missing\.m: No such file or directory$"):
        read_text_file(missing)
    with pytest.raises(InputError, match=r"^cannot read .*: Is a directory$"):
        read_text_file(tmp_path)
    binary = tmp_path / "binary.m"
    binary.write_bytes(b"Network A {\n\xff\xfe\n")
    with pytest.raises(InputError, match=r"^cannot read .*binary\.m: not UTF-8 text \(byte 0xff on line 2\)$"):
        read_text_file(binary)
