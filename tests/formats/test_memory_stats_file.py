"""`analyze --stats`: per-level statistics whose numbers are the LayerStats' own and add up to the energy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run

from mapscope.api import analyze, level_stats
from mapscope.errors import InputError
from mapscope.stats import NetworkStats

COMMAND = ["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "-q"]


def _per_level_energy_adds_up(stats: NetworkStats) -> None:
    for layer, levels in zip(stats.layers, level_stats(stats), strict=True):
        by_level = {level.level: level for level in levels.levels}
        assert [by_level[name].energy_pj for name in ("L1", "L2", "DRAM")] == [layer.l1_energy_pj, layer.l2_energy_pj, layer.dram_energy_pj]
        for level in levels.levels:
            assert level.energy_pj == level.access_elems * level.energy_per_access_pj, (layer.layer, level.level)
        pj = levels.mac_energy_pj + levels.noc_energy_pj + sum(level.energy_pj for level in levels.levels)
        assert layer.energy_nj == pytest.approx(pj / 1000, rel=1e-12)
        l1 = by_level["L1"]
        assert sum(t.read_elems + t.write_elems for t in l1.tensors) == layer.l1_access_elems or stats.compat == "maestro"
        assert (l1.capacity_elems, l1.utilized_elems) == (512, layer.l1_size_req_elems)
        assert by_level["DRAM"].capacity_elems is None
        dram = by_level["DRAM"]
        assert sum(t.read_elems for t in dram.tensors) == layer.dram_read_elems
        assert sum(t.write_elems for t in dram.tensors) == layer.dram_write_elems
        if stats.compat is None:
            assert sum(t.read_elems + t.write_elems for t in by_level["L2"].tensors) == layer.l2_access_elems


@pytest.mark.parametrize("compat", [None, "maestro"])
@pytest.mark.parametrize("l2_size_elems", [524288, 4096, 256])  # the example's, and two that make tensors spill
def test_the_levels_are_the_layer_stats_components(compat: str | None, l2_size_elems: int) -> None:
    stats = analyze("vgg16_kcp_ws", "accelerator_256pe", compat=compat, l2_size_elems=l2_size_elems)
    assert compat == "maestro" or l2_size_elems == 524288 or any(layer.l2_size_req_elems > l2_size_elems for layer in stats.layers)
    _per_level_energy_adds_up(stats)


def test_the_json_file_carries_the_same_totals_as_the_analysis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run([*COMMAND, "--json", str(tmp_path / "run.json"), "--stats", str(tmp_path / "s.json")], capsys)
    assert status == 0, err
    document, run_totals = json.loads((tmp_path / "s.json").read_text()), json.loads((tmp_path / "run.json").read_text())["totals"]
    totals = document["totals"]
    assert totals["energy_nj"] == pytest.approx(run_totals["energy_nj"], rel=1e-12)
    for name, prefix, count in (("mac", "mac", "macs"), ("L1", "l1", "l1_access_elems"), ("L2", "l2", "l2_access_elems"), ("noc", "noc", "noc_transfer_elems")):
        assert totals[name] == {"count": run_totals[count], "energy_pj": pytest.approx(run_totals[f"{prefix}_energy_pj"], rel=1e-12)}
    assert totals["DRAM"]["count"] == run_totals["dram_read_elems"] + run_totals["dram_write_elems"]
    layer = document["layers"][0]
    assert [level["level"] for level in layer["levels"]] == ["L1", "L2", "DRAM"]
    assert set(layer["levels"][0]["tensors"]) == {"input", "filter", "output"}


def test_the_text_file_has_a_section_per_layer_and_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "stats.txt"
    status, _, err = run([*COMMAND, "--stats", str(target)], capsys)
    assert status == 0, err
    text = target.read_text()
    stats = analyze("vgg16_kcp_ws", "accelerator_256pe")
    assert text.count("=== Layer ") == len(stats.layers)
    assert text.count("  === L1 ===") == text.count("  === L2 ===") == text.count("  === DRAM ===") == len(stats.layers)
    assert f"Energy: {stats.energy_nj:,.1f} nJ" in text


@pytest.mark.parametrize("name", ["stats.csv", "folder"])
def test_a_bad_stats_path_is_one_line_and_writes_nothing(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "folder").mkdir()
    status, out, err = run([*COMMAND, "--csv", str(tmp_path / "run.csv"), "--stats", str(tmp_path / name)], capsys)
    assert_one_line_error(status, err)
    assert "--stats" in err and not (tmp_path / "run.csv").exists()


def test_statistics_need_the_analysis_accelerator() -> None:
    stats = analyze("vgg16_kcp_ws", "accelerator_256pe")
    with pytest.raises(InputError, match="need the analysis' accelerator"):
        level_stats(NetworkStats(stats.network, None, stats.layers))
