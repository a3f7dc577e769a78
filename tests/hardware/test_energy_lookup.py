"""Per-access energies from the tables: they grow with capacity and word width, maestro is today's constants,
and the log-log interpolation passes through every row."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import MAESTRO_ENERGY
from mapscope.hardware.energy_builtin import BUILTIN_TABLES, HOROWITZ45_TABLE, MAESTRO_TABLE
from mapscope.hardware.energy_lookup import access_energies, log_log, mac_energy_pj, sram_cost
from mapscope.hardware.energy_tables import BufferLevelRow, SramRow
from property_settings import examples

SIZED = Accelerator(num_pes=256, l1_size_elems=512, l2_size_elems=2**19)
capacities = st.integers(min_value=64, max_value=2**30)
word_widths = st.sampled_from([4, 8, 12, 16, 24, 32, 64])


def test_the_maestro_table_gives_exactly_the_engines_default_energies() -> None:
    for accelerator in (Accelerator(), SIZED):
        energies = access_energies(MAESTRO_TABLE, accelerator)
        assert energies.engine_table() == MAESTRO_ENERGY
        assert energies.register_file_read_pj is None and energies.notes == ()
    # MAESTRO's MAC and buffer prices ignore the word width; its NoC and DRAM rows are per bit, as every table's
    narrow = access_energies(MAESTRO_TABLE, dataclasses.replace(SIZED, word_bits=8)).engine_table()
    assert dataclasses.replace(narrow, noc_transfer_pj=MAESTRO_ENERGY.noc_transfer_pj, dram_access_pj=MAESTRO_ENERGY.dram_access_pj) == MAESTRO_ENERGY
    assert (narrow.noc_transfer_pj, narrow.dram_access_pj) == (MAESTRO_ENERGY.noc_transfer_pj / 2, MAESTRO_ENERGY.dram_access_pj / 2)


def test_a_table_without_noc_rows_prices_the_noc_at_zero_and_says_so() -> None:
    table = dataclasses.replace(HOROWITZ45_TABLE, name="no-noc", noc=())
    energies = access_energies(table, SIZED)
    assert energies.engine_table().noc_transfer_pj == 0.0
    assert "energy table 'no-noc' has no noc rows: NoC energy is counted as 0" in energies.notes


@given(small=capacities, large=capacities, word_bits=word_widths)
@settings(max_examples=examples(100))
def test_sram_energy_per_access_grows_with_capacity(small: int, large: int, word_bits: int) -> None:
    small, large = sorted((small, large))
    low, high = sram_cost(HOROWITZ45_TABLE.sram, small, word_bits), sram_cost(HOROWITZ45_TABLE.sram, large, word_bits)
    assert low.read_pj <= high.read_pj and low.write_pj <= high.write_pj
    assert low.area_um2 is not None and high.area_um2 is not None and low.area_um2 <= high.area_um2
    if small < large:
        assert low.read_pj < high.read_pj


@given(capacity=capacities, narrow=word_widths, wide=word_widths)
@settings(max_examples=examples(100))
def test_energy_per_access_grows_with_word_width(capacity: int, narrow: int, wide: int) -> None:
    narrow, wide = sorted((narrow, wide))
    assert sram_cost(HOROWITZ45_TABLE.sram, capacity, narrow).read_pj <= sram_cost(HOROWITZ45_TABLE.sram, capacity, wide).read_pj
    assert mac_energy_pj(HOROWITZ45_TABLE, narrow).value <= mac_energy_pj(HOROWITZ45_TABLE, wide).value


def test_an_accelerators_larger_buffers_and_wider_words_cost_more_per_access() -> None:
    base = access_energies(HOROWITZ45_TABLE, SIZED)
    bigger = access_energies(HOROWITZ45_TABLE, dataclasses.replace(SIZED, l1_size_elems=4096, l2_size_elems=2**21))
    wider = access_energies(HOROWITZ45_TABLE, dataclasses.replace(SIZED, word_bits=32))
    assert base.l1_read_pj < bigger.l1_read_pj and base.l2_read_pj < bigger.l2_read_pj
    assert base.l1_area_um2 is not None and bigger.l1_area_um2 is not None and base.l1_area_um2 < bigger.l1_area_um2
    assert base.l1_read_pj < wider.l1_read_pj and base.mac_pj < wider.mac_pj
    assert base.noc_pj_per_word_per_hop is not None and wider.noc_pj_per_word_per_hop == pytest.approx(2 * base.noc_pj_per_word_per_hop)
    assert base.dram_pj_per_word == pytest.approx(16 * 2000 / 64)


def test_the_published_rows_are_reproduced_at_their_own_size() -> None:
    for row in HOROWITZ45_TABLE.sram:
        cost = sram_cost(HOROWITZ45_TABLE.sram, row.capacity_bytes, row.word_bits)
        assert (cost.read_pj, cost.area_um2, cost.extrapolated) == (pytest.approx(row.read_pj), pytest.approx(row.area_um2), False)
    for row in HOROWITZ45_TABLE.mac:
        assert mac_energy_pj(HOROWITZ45_TABLE, row.word_bits).value == pytest.approx(row.energy_pj)


def test_between_two_rows_energy_follows_the_power_law_through_them() -> None:
    # 8 KiB -> 10 pJ and 32 KiB -> 20 pJ: energy ~ capacity^0.5, so 16 KiB -> 10 * sqrt(2)
    assert sram_cost(HOROWITZ45_TABLE.sram, 16 * 1024, 64).read_pj == pytest.approx(10 * math.sqrt(2))
    assert log_log([(1.0, 0.0), (100.0, 10.0)], 10.0).value == pytest.approx(5.0)  # a zero energy: linear in log x


def test_outside_the_rows_the_end_segment_is_extended_and_noted() -> None:
    energies = access_energies(HOROWITZ45_TABLE, SIZED)  # 1 KiB L1 (below 8 KiB), 1 MiB L2 (a row)
    assert [note.split(":")[0] for note in energies.notes] == ["L1 SRAM energy"]
    assert log_log([(8.0, 10.0), (32.0, 20.0)], 2.0).extrapolated
    assert log_log([(8.0, 10.0)], 2.0).value == 10.0


def test_a_capacity_based_table_needs_buffer_sizes() -> None:
    with pytest.raises(InputError, match=r"L1 has no capacity \(l1_size_elems is unlimited\)"):
        access_energies(HOROWITZ45_TABLE, Accelerator())


def test_reads_and_writes_of_different_cost_cannot_feed_todays_engine() -> None:
    level = BufferLevelRow(1.0, 2.0, "test")
    table = dataclasses.replace(MAESTRO_TABLE, name="uneven", l1_buffer=level)
    energies = access_energies(table, Accelerator())
    assert (energies.l1_read_pj, energies.l1_write_pj) == (1.0, 2.0)
    with pytest.raises(InputError, match="L1 reads 1 pJ and writes 2 pJ"):
        energies.engine_table()


def test_every_builtin_row_cites_a_source() -> None:
    for table in BUILTIN_TABLES.values():
        for component in ("mac", "sram", "register_file", "noc", "dram", "l1_buffer", "l2_buffer"):
            assert all(len(row.source) > 20 for row in table.rows(component))


def test_a_dram_type_the_table_lacks_is_named() -> None:
    with pytest.raises(InputError, match="no DRAM row of type 'HBM2' in energy table 'horowitz45'; it has: DDR3"):
        access_energies(HOROWITZ45_TABLE, SIZED, dram_type="HBM2")
    assert access_energies(HOROWITZ45_TABLE, SIZED, dram_type="DDR3").dram_type == "DDR3"


def test_sram_rows_of_different_word_widths_are_compared_per_bit() -> None:
    rows = (SramRow(1024, 32, 4.0, 4.0, "a"), SramRow(4096, 64, 16.0, 16.0, "b"))  # 0.125 and 0.25 pJ/bit
    assert sram_cost(rows, 2048, 8).read_pj == pytest.approx(8 * math.sqrt(0.125 * 0.25))
