"""Energy table files: round trips, located one-line errors, and `analyze --energy-table`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_helpers import assert_one_line_error, run
from mapscope.errors import InputError
from mapscope.formats.energy_table_file import (
    format_energy_table,
    load_energy_table,
    parse_energy_table,
    read_energy_table,
    write_energy_table,
)
from mapscope.hardware.energy_builtin import BUILTIN_TABLES, HOROWITZ45_TABLE, MAESTRO_TABLE

SMALL = """\
name: small
technology: 28 nm
components:
  mac:
    - {word_bits: 8, energy_pj: 0.2, source: "a paper, Table 1"}
  sram:
    - {capacity_bytes: 1024, word_bits: 32, read_pj: 1.0, write_pj: 1.0, area_um2: 900, source: "a paper, Table 2"}
    - {capacity_bytes: 65536, word_bits: 32, read_pj: 8, write_pj: 8, source: "a paper, Table 2"}
  dram:
    - {type: LPDDR4, pj_per_bit: 4, source: a datasheet}
"""


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_table_round_trips_through_a_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"table{suffix}"
    write_energy_table(HOROWITZ45_TABLE, path)
    assert read_energy_table(path) == HOROWITZ45_TABLE
    small = parse_energy_table(SMALL, "small.yaml")
    write_energy_table(small, path)
    assert read_energy_table(path) == small


def test_a_hand_written_table_reads_as_written() -> None:
    table = parse_energy_table(SMALL, "small.yaml")
    assert [row.capacity_bytes for row in table.sram] == [1024, 65536]
    assert table.sram[0].area_um2 == 900 and table.sram[1].area_um2 is None
    assert table.dram_row() == table.dram[0] and table.dram[0].type == "LPDDR4"


def test_tables_load_by_name_or_path(tmp_path: Path) -> None:
    assert load_energy_table("maestro") is MAESTRO_TABLE and load_energy_table("horowitz45") is HOROWITZ45_TABLE
    path = tmp_path / "mine.yml"
    path.write_text(SMALL)
    assert load_energy_table(path).name == "small"
    with pytest.raises(InputError, match="neither a built-in energy table \\(maestro, horowitz45\\) nor a .yaml/.json file"):
        load_energy_table("horowitz28")


def _edit(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new, 1)


BAD_TABLES = {
    "negative energy": (_edit("read_pj: 8", "read_pj: -8"), 8, "components.sram[1].read_pj: should be greater than or equal to 0, found -8"),
    "unknown component": (SMALL + "  gpu: []\n", 11, "components.gpu: unknown key 'gpu'; accepted keys: mac, sram, register_file, noc, dram, l1_buffer, l2_buffer"),
    "unknown key": (_edit("energy_pj: 0.2", "energy: 0.2"), 5, "components.mac[0].energy: unknown key 'energy'; accepted keys: word_bits, energy_pj, source, area_um2"),
    "missing dram": (SMALL.split("  dram:")[0], 3, "components.dram: required key is missing"),
    "empty dram": (SMALL.split("  dram:")[0] + "  dram: []\n", 9, "components.dram: needs at least 1 entry"),
    "no source": (_edit(", source: a datasheet", ""), 10, "components.dram[0].source: required key is missing"),
    "repeated capacity": (_edit("capacity_bytes: 65536", "capacity_bytes: 1024"), 8, "components.sram[1].capacity_bytes: capacity_bytes 1024 is also in row 0"),
    "not finite": (_edit("pj_per_bit: 4", "pj_per_bit: .inf"), 10, "components.dram[0].pj_per_bit: '.inf' is not a finite number"),
    "text for a number": (_edit("pj_per_bit: 4", "pj_per_bit: four"), 10, "components.dram[0].pj_per_bit: should be a valid number, found 'four' (str)"),
    "no buffers": (_edit("  sram:", "  register_file:"), 3, "components.sram: the table needs sram rows (or both l1_buffer and l2_buffer)"),
    "not a mapping": ("- 1\n", None, "expected an energy table: a mapping with keys name, technology, components, found list"),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_bad_tables_are_located_one_line_errors(case: str) -> None:
    text, line, message = BAD_TABLES[case]
    place = "t.yaml" if line is None else f"t.yaml:{line}"
    with pytest.raises(InputError) as caught:
        parse_energy_table(text, "t.yaml")
    assert str(caught.value).startswith(f"{place}: {message}"), str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("case", ["negative energy", "unknown component", "missing dram"])
def test_analyze_exits_2_with_one_line_on_a_bad_table(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_TABLES[case][0])
    status, out, err = run(["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "-q", "--energy-table", str(path)], capsys)
    assert_one_line_error(status, err)
    assert BAD_TABLES[case][2] in err and out == ""


def test_analyze_with_the_maestro_table_writes_the_same_bytes_as_without(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for extra in ([], ["--energy-table", "maestro"]):
        target = tmp_path / f"run{len(outputs)}.json"
        status, out, _ = run(["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "--json", str(target), *extra], capsys)
        assert status == 0
        outputs.append((target.read_bytes(), out))
    assert outputs[0] == outputs[1]


def test_analyze_with_a_sized_table_prices_buffers_by_capacity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    totals = {}
    for name in ("maestro", "horowitz45"):
        target = tmp_path / f"{name}.json"
        status, _, err = run(["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "-q", "--json", str(target), "--energy-table", name], capsys)
        assert status == 0
        totals[name] = json.loads(target.read_text())["totals"]
    assert "L1 SRAM energy: 1,024 B is outside the table's sram rows (extrapolated)" in err
    assert totals["maestro"]["runtime_cycles"] == totals["horowitz45"]["runtime_cycles"]
    assert totals["maestro"]["l2_energy_pj"] < totals["horowitz45"]["l2_energy_pj"]  # 4.3 pJ vs 34.5 pJ per access of a 1 MiB L2


def test_analyze_refuses_a_table_in_compat_mode(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "-q", "--compat", "maestro", "--energy-table", "horowitz45"], capsys)
    assert_one_line_error(status, err)


def test_every_builtin_table_writes_as_valid_yaml() -> None:
    assert parse_energy_table(format_energy_table(HOROWITZ45_TABLE), "h.yaml") == HOROWITZ45_TABLE
    assert parse_energy_table(format_energy_table(MAESTRO_TABLE), "m.yaml") == MAESTRO_TABLE  # it has a DRAM row now
    assert set(BUILTIN_TABLES) == {"maestro", "horowitz45"}


def test_the_examples_in_docs_energy_md_read_as_described() -> None:
    from mapscope.formats.descriptions import parse_hardware_description

    page = (Path(__file__).resolve().parents[2] / "docs" / "energy.md").read_text(encoding="utf-8")
    table_text, hardware_text = re.findall(r"```yaml\n(.*?)```", page, re.S)
    table = parse_energy_table(table_text, "my28nm.yaml")
    assert (table.name, len(table.sram), table.dram[0].type) == ("my28nm", 2, "LPDDR4")
    assert parse_hardware_description(hardware_text, "hw.yaml") == {"num_pes": 256, "word_bits": 8, "l1_size_elems": 1024, "l2_size_elems": 2 * 2**20}
    broken = {
        "my28nm.yaml:8: components.sram[1].read_pj": table_text.replace("read_pj: 22.0", "read_pj: -22.0"),
        "my28nm.yaml:3: components.dram": table_text.split("  dram:")[0],
        "my28nm.yaml:16: components.gpu": table_text + "  gpu: []\n",
    }
    for place, text in broken.items():
        with pytest.raises(InputError) as caught:
            parse_energy_table(text, "my28nm.yaml")
        assert f"    error: {caught.value}\n" in page
        assert str(caught.value).startswith(place)


def test_analyze_names_a_table_file_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "-q", "--energy-table", str(tmp_path / "absent.yaml")], capsys)
    assert_one_line_error(status, err)
    assert "absent.yaml: No such file or directory" in err
