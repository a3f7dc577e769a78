"""Tables built in Python are checked as files are: every problem names the row and key."""

from __future__ import annotations

import dataclasses

import pytest

from mapscope.errors import InputError
from mapscope.hardware.energy_builtin import HOROWITZ45_TABLE, MAESTRO_TABLE
from mapscope.hardware.energy_tables import DramRow, EnergyTableError, MacRow, SramRow

SRAM = HOROWITZ45_TABLE.sram

BAD = {
    "negative energy": ({"sram": (dataclasses.replace(SRAM[0], read_pj=-1.0), *SRAM[1:])}, ("sram", 0, "read_pj"), "read_pj must be a finite, non-negative number, got -1.0"),
    "nan area": ({"mac": (MacRow(8, 1.0, "s", float("nan")),)}, ("mac", 0, "area_um2"), "area_um2 must be a finite"),
    "no source": ({"dram": (DramRow("DDR4", 10.0, " "),)}, ("dram", 0, "source"), "source must be a non-empty text"),
    "zero word": ({"mac": (MacRow(0, 1.0, "s"),)}, ("mac", 0, "word_bits"), "word_bits must be a positive integer, got 0"),
    "repeated capacity": ({"sram": (SRAM[0], SRAM[0])}, ("sram", 1, "capacity_bytes"), "capacity_bytes 8192 is also in row 0"),
    "repeated dram type": ({"dram": (DramRow("HBM2", 4.0, "s"), DramRow("HBM2", 5.0, "t"))}, ("dram", 1, "type"), "type 'HBM2' is also in row 0"),
    "no mac": ({"mac": ()}, ("mac",), "the table needs at least one mac row"),
    "no sram": ({"sram": ()}, ("sram",), "the table needs sram rows (or both l1_buffer and l2_buffer)"),
    "no name": ({"name": ""}, ("name",), "the table needs a name"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_table_names_the_row_and_key(case: str) -> None:
    changes, path, message = BAD[case]
    with pytest.raises(EnergyTableError) as caught:
        dataclasses.replace(HOROWITZ45_TABLE, **changes)
    assert caught.value.path == path
    assert caught.value.message.startswith(message)
    assert isinstance(caught.value, InputError)


def test_the_maestro_table_prices_levels_not_sizes_and_adds_cited_noc_and_dram() -> None:
    assert MAESTRO_TABLE.sram == () and MAESTRO_TABLE.register_file == ()
    assert MAESTRO_TABLE.l1_buffer is not None and MAESTRO_TABLE.l2_buffer is not None
    (noc,), dram = MAESTRO_TABLE.noc, MAESTRO_TABLE.dram_row()
    assert dram is not None and "Eyeriss" in noc.source and "Eyeriss" in dram.source
    assert noc.pj_per_word_per_hop == pytest.approx(2 * 0.23) and dram.pj_per_bit * 16 == pytest.approx(200 * 0.23)


def test_a_register_file_row_is_checked_like_an_sram_row() -> None:
    with pytest.raises(EnergyTableError, match=r"register_file\[0\]\.capacity_bytes: capacity_bytes must be a positive integer"):
        dataclasses.replace(HOROWITZ45_TABLE, register_file=(SramRow(0, 16, 1.0, 1.0, "s"),))
