"""MAESTRO's closing summary (Buffer/BW Analysis) reproduced line for line, and the rich report."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from rich.console import Console
from shared_data import MAESTRO_REFERENCE as REFERENCE_DIR
from shared_data import REFERENCE_CASES as CASES

from mapscope.formats import load_hardware
from mapscope.formats.maestro.csv_file import layer_stats_from_csv_row, read_maestro_csv
from mapscope.hardware.accelerator import Accelerator
from mapscope.cli.maestro_flags import translate_maestro_arguments
from mapscope.api import analyze
from mapscope.report.console import energy_line, maestro_summary_lines, render_network_report
from mapscope.stats import NetworkStats

#: MAESTRO options that set an accelerator field.
FIELD_OF_OPTION = {
    "num_pes": "num_pes",
    "num_simd_lanes": "simd_lanes",
    "noc_bw_cstr": "noc_bandwidth_elems_per_cycle",
    "offchip_bw_cstr": "offchip_bandwidth_elems_per_cycle",
    "l1_size_cstr": "l1_size_elems",
    "l2_size_cstr": "l2_size_elems",
}


def case_accelerator(case: Path) -> Accelerator:
    """The accelerator of a reference case: its command's flags, overridden by its hardware file."""
    arguments = (case / "command.txt").read_text().split("&& maestro ", 1)[1].split()
    values = translate_maestro_arguments(arguments, own_options=set()).maestro_values
    fields = {FIELD_OF_OPTION[name]: int(value) for name, value in values.items() if name in FIELD_OF_OPTION}
    if "HW_file" in values:
        fields.update(load_hardware(case / values["HW_file"]))
    return Accelerator(**fields)


def case_stats(case: Path) -> NetworkStats:
    """NetworkStats with the numbers of the case's MAESTRO CSV."""
    (csv_path,) = (case / "outputs").glob("*.csv")
    layers = tuple(layer_stats_from_csv_row(row) for row in read_maestro_csv(csv_path))
    return NetworkStats(layers[0].network, "maestro", layers)


def test_all_six_cases_present() -> None:
    assert len(CASES) == 6, f"expected six reference cases under {REFERENCE_DIR}"


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_summary_matches_maestro(case: Path) -> None:
    expected = (case / "outputs" / "console_summary.txt").read_text().splitlines()
    assert maestro_summary_lines(case_stats(case), case_accelerator(case), csv_written=True) == expected


def test_c13_prefix_flags_give_its_capacities() -> None:
    accelerator = case_accelerator(REFERENCE_DIR / "c13_vgg16_maeri_validation")
    assert accelerator.noc_bandwidth_elems_per_cycle == 1_000_000_000
    assert (accelerator.l1_size_elems, accelerator.l2_size_elems) == (5120, 1024000)


def test_without_csv_there_is_no_bandwidth_block() -> None:
    case = REFERENCE_DIR / "c05_vgg16_ckpws_cli256"
    lines = maestro_summary_lines(case_stats(case), case_accelerator(case), csv_written=False)
    assert lines[0] == "Buffer Analysis:"
    assert not any(line.startswith(("BW Analysis", "[WARNING:BW]")) for line in lines)


def test_without_print_res_only_the_bandwidth_block() -> None:
    case = REFERENCE_DIR / "c05_vgg16_ckpws_cli256"
    lines = maestro_summary_lines(case_stats(case), case_accelerator(case), csv_written=True, print_results=False)
    assert lines == (case / "outputs" / "console_summary.txt").read_text().splitlines()[5:]


def test_requirement_equal_to_capacity_passes() -> None:
    case = REFERENCE_DIR / "c15_gemm_example_simd4"
    accelerator = dataclasses.replace(case_accelerator(case), noc_bandwidth_elems_per_cycle=37)
    assert maestro_summary_lines(case_stats(case), accelerator, csv_written=True)[-1] == "[PASS]"


def test_rich_report_shows_layers_totals_and_warnings() -> None:
    case = REFERENCE_DIR / "c01_resnet50_kcpws_hw256_example"
    stats = dataclasses.replace(case_stats(case), warnings=("Per-layer L1 size requirement [294] is too big",))
    console = Console(record=True, width=200)
    render_network_report(stats, case_accelerator(case), console)
    text = console.export_text()
    assert "CONV1" in text and "FC1000" in text
    assert "9,504,801" in text  # CONV1 runtime (cycles)
    assert "Totals" in text and "256 PEs" in text
    assert "Per-layer L1 size requirement [294] is too big" in text


def test_the_totals_panel_breaks_the_default_energy_into_its_five_components() -> None:
    stats = analyze("vgg16_kcp_ws", "accelerator_256pe")
    totals = stats.totals()
    line = energy_line(totals, stats.compat)
    parts = dict(re.findall(r"(MAC|L1|L2|NoC|DRAM) ([\d,.]+) \(\d+%\)", line))
    assert list(parts) == ["MAC", "L1", "L2", "NoC", "DRAM"]
    shown = sum(float(value.replace(",", "")) for value in parts.values())
    assert shown == pytest.approx(float(totals["energy_nj"]), abs=0.1 * len(parts))  # each rounded to 0.1 nJ
    compat = analyze("vgg16_kcp_ws", "accelerator_256pe", compat="maestro")
    assert energy_line(compat.totals(), compat.compat) == f"Energy: {compat.totals()['energy_nj']:,.1f} nJ"
