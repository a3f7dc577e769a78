"""MAESTRO hardware files: the six keys, MAESTRO's defaults, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats.maestro.hardware_file import parse_hardware_text, read_hardware_file
from mapscope.hardware import UNLIMITED, Accelerator


def test_bundled_accelerator_1(maestro_data: Path) -> None:
    assert read_hardware_file(maestro_data / "data" / "hw" / "accelerator_1.m") == {
        "num_pes": 256,
        "l1_size_elems": 100,
        "l2_size_elems": 3000,
        "noc_bandwidth_elems_per_cycle": 1000,
        "offchip_bandwidth_elems_per_cycle": 50,
        "noc_latency_cycles": 1,
    }


def test_absent_keys_get_maestro_hardware_file_defaults() -> None:
    assert parse_hardware_text("// nothing but a comment\n") == {
        "num_pes": 1,
        "l1_size_elems": UNLIMITED,
        "l2_size_elems": UNLIMITED,
        "noc_bandwidth_elems_per_cycle": UNLIMITED,
        "offchip_bandwidth_elems_per_cycle": UNLIMITED,
        "noc_latency_cycles": 1,
    }


def test_every_key_and_the_token_rules() -> None:
    text = "num_pes 64\nl1_size_cstr:512 // per PE\nl2_size_cstr: 4096;\nnoc_bw_cstr: 32\noffchip_bw_cstr: 8\nNoC_NumHops: 3\n"
    values = parse_hardware_text(text)
    assert values == {
        "num_pes": 64,
        "l1_size_elems": 512,
        "l2_size_elems": 4096,
        "noc_bandwidth_elems_per_cycle": 32,
        "offchip_bandwidth_elems_per_cycle": 8,
        "noc_latency_cycles": 3,
    }
    assert Accelerator(**values).noc_latency_cycles == 3


BAD_HARDWARE = {
    "unknown key": ("num_pes: 4\nnum_simd_lanes: 4\n", 2, "unknown hardware key 'num_simd_lanes'; accepted keys: num_pes, l1_size_cstr, l2_size_cstr, noc_bw_cstr, offchip_bw_cstr, NoC_NumHops"),
    "zero": ("num_pes: 0\n", 1, "num_pes must be a positive integer, found 0"),
    "negative": ("noc_bw_cstr: -4\n", 1, "noc_bw_cstr must be a positive integer, found -4"),
    "not an integer": ("l1_size_cstr: 1.5\n", 1, "l1_size_cstr must be a positive integer, found '1.5'"),
    "word": ("num_pes: many\n", 1, "num_pes must be a positive integer, found 'many'"),
    "too large": ("l2_size_cstr: 4294967296\n", 1, "l2_size_cstr must be at most 2147483647"),
    "repeated": ("num_pes: 4\n\nnum_pes: 8\n", 3, "num_pes is given twice (first on line 1)"),
    "missing value": ("num_pes: 4\noffchip_bw_cstr:\n", 2, "file ended at line 2; expected the value of offchip_bw_cstr"),
}


@pytest.mark.parametrize("case", sorted(BAD_HARDWARE))
def test_bad_hardware_files_give_one_line_errors(tmp_path: Path, case: str) -> None:
    text, line, expected = BAD_HARDWARE[case]
    path = tmp_path / "hw.m"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_hardware_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: "), message
    assert expected in message
