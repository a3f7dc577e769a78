"""Buffer sizes with units in hardware YAML/JSON: bytes converted to elements with word_bits, or one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import assert_one_line_error, run
from mapscope.errors import InputError
from mapscope.formats.descriptions import parse_hardware_description
from mapscope.formats.size_units import BYTE_UNITS, size_bytes, size_elems
from mapscope.hardware.accelerator import Accelerator
from property_settings import examples


def test_sizes_with_units_become_elements_of_the_files_word_width() -> None:
    text = "word_bits: 8\nl1_size_cstr: 1KiB\nl2_size_elems: 2MiB\n"
    assert parse_hardware_description(text, "hw.yaml") == {"l1_size_elems": 1024, "l2_size_elems": 2 * 2**20, "word_bits": 8}


def test_without_word_bits_a_word_is_16_bits_and_plain_numbers_stay_elements() -> None:
    assert parse_hardware_description("l1_size_elems: 64KiB\nl2_size_elems: 512\n", "hw.yaml") == {
        "l1_size_elems": 32 * 1024,
        "l2_size_elems": 512,
    }


@given(number=st.integers(min_value=1, max_value=4096), unit=st.sampled_from(sorted(BYTE_UNITS)), word_bits=st.sampled_from([8, 12, 16, 32, 64]))
@settings(max_examples=examples(100))
def test_a_size_converts_to_bytes_times_8_over_word_bits_exactly(number: int, unit: str, word_bits: int) -> None:
    total_bits = number * BYTE_UNITS[unit] * 8
    text = f"{number}{unit}"
    if total_bits % word_bits:
        with pytest.raises(InputError, match="not a whole number of"):
            size_elems(text, word_bits)
    else:
        assert size_elems(text, word_bits) * word_bits == total_bits
    assert size_bytes(f"{number} {unit}") == size_bytes(text)


BAD_SIZES = {
    "ambiguous KB": ("l1_size_elems: 64KB\n", "l1_size_elems: '64KB': KB is ambiguous; write KiB (binary) or kB (decimal)"),
    "unknown unit": ("l2_size_elems: 2 MiBs\n", "l2_size_elems: '2 MiBs': unknown unit 'MiBs'; accepted units: B, KiB"),
    "not whole words": ("l1_size_elems: 3B\n", "l1_size_elems: '3B' is not a whole number of 16-bit words"),
    "no number": ("l1_size_elems: KiB\n", "l1_size_elems: 'KiB' is not a size: write a whole number with a unit"),
    "fraction": ("l1_size_elems: 1.5KiB\n", "l1_size_elems: '1.5KiB' is not a size"),
    "zero": ("l1_size_elems: 0MiB\n", "l1_size_elems: '0MiB' is 0 elements; a size is 1 to 2,147,483,647 elements"),
    "too large": ("word_bits: 8\nl2_size_elems: 4GiB\n", "l2_size_elems: '4GiB' is 4,294,967,296 elements"),
    "float elements": ("l1_size_elems: 2.5\n", "l1_size_elems: should be an integer (elements) or a size with a unit"),
    "bad word_bits": ("word_bits: 0\n", "word_bits: should be greater than 0, found 0"),
    "huge word_bits": ("word_bits: 4096\n", "word_bits: should be less than or equal to 1024"),
}


@pytest.mark.parametrize("case", sorted(BAD_SIZES))
def test_bad_sizes_are_one_line_errors_naming_file_line_and_key(case: str) -> None:
    text, message = BAD_SIZES[case]
    line = text.count("\n")
    with pytest.raises(InputError) as caught:
        parse_hardware_description(text, "hw.yaml")
    assert str(caught.value).startswith(f"hw.yaml:{line}: {message}")


def test_analyze_refuses_a_bad_unit_with_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hardware = tmp_path / "hw.yaml"
    hardware.write_text("num_pes: 16\nl1_size_elems: 64KB\n")
    status, out, err = run(["analyze", "vgg16_kcp_ws", "--hw", str(hardware), "-q"], capsys)
    assert_one_line_error(status, err)
    assert "KB is ambiguous" in err and out == ""


def test_a_word_width_other_than_16_shows_in_repr_and_the_default_does_not() -> None:
    assert "word_bits" not in repr(Accelerator())
    assert "word_bits=8" in repr(Accelerator(word_bits=8))
    assert Accelerator(word_bits=8) != Accelerator()


def test_a_hardware_file_with_word_bits_and_units_builds_the_accelerator(tmp_path: Path) -> None:
    from mapscope.formats.sources import build_accelerator

    path = tmp_path / "hw.yaml"
    path.write_text("num_pes: 256\nword_bits: 8\nl1_size_elems: 1KiB\nl2_size_cstr: 1MiB\n")
    assert build_accelerator(path) == Accelerator(num_pes=256, word_bits=8, l1_size_elems=1024, l2_size_elems=2**20)
