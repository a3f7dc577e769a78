"""The JSON result document: schema, determinism, JSON-safe numbers, atomic overwrite."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from mapscope.formats.results.json_output import format_json, write_json
from mapscope.formats.maestro.csv_file import layer_stats_from_csv_row, read_maestro_csv
from mapscope.hardware.accelerator import Accelerator
from mapscope.stats import LayerStats, NetworkStats

REFERENCE_CSV = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "maestro" / "c05_vgg16_ckpws_cli256" / "outputs"
) / "vgg16_ckp_ws.csv"
ACCELERATOR = Accelerator(num_pes=256, noc_bandwidth_elems_per_cycle=64, noc_latency_cycles=1)


def vgg_stats(warnings: tuple[str, ...] = ("a warning",)) -> NetworkStats:
    layers = tuple(layer_stats_from_csv_row(row) for row in read_maestro_csv(REFERENCE_CSV))
    return NetworkStats("vgg16", "maestro", layers, warnings)


def test_document_schema(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    write_json(vgg_stats(), target, accelerator=ACCELERATOR, source="inputs/vgg16_ckp_ws.m")
    document = json.loads(target.read_text())
    assert {"network", "mode", "accelerator", "layers", "totals", "warnings", "source"} <= set(document)
    assert document["network"] == "vgg16"
    assert document["mode"] == "maestro"
    everything = dataclasses.asdict(ACCELERATOR)
    assert document["accelerator"] == {name: value for name, value in everything.items() if name != "word_bits"}  # at its default
    assert len(document["layers"]) == 13
    assert set(document["layers"][0]) == set(LayerStats.field_names())
    assert document["layers"][1]["runtime_cycles"] == 28387619
    assert document["totals"] == json.loads(json.dumps(vgg_stats().totals()))
    assert document["warnings"] == ["a warning"]


def test_default_mode_is_named_default() -> None:
    stats = dataclasses.replace(vgg_stats(), compat=None)
    assert json.loads(format_json(stats, accelerator=ACCELERATOR, source=None))["mode"] == "default"


def test_same_inputs_give_same_bytes_with_sorted_keys() -> None:
    first = format_json(vgg_stats(), accelerator=ACCELERATOR, source=Path("a.m"))
    second = format_json(vgg_stats(), accelerator=ACCELERATOR, source=Path("a.m"))
    assert first == second
    assert first.endswith("}\n")
    document = json.loads(first)
    assert list(document) == sorted(document)
    assert document["source"] == "a.m"


def test_non_finite_numbers_become_null_and_numpy_numbers_plain() -> None:
    numpy = pytest.importorskip("numpy")
    stats = vgg_stats()
    odd = dataclasses.replace(stats.layers[0], input_reuse_factor=math.nan, macs=numpy.int64(7), area_um2=math.inf)
    document = json.loads(format_json(NetworkStats("n", None, (odd,)), accelerator=ACCELERATOR, source=None))
    assert document["layers"][0]["input_reuse_factor"] is None
    assert document["layers"][0]["area_um2"] is None
    assert document["layers"][0]["macs"] == 7


def test_overwrites_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    target.write_text("old content that is longer than nothing" * 1000)
    write_json(vgg_stats(), target, accelerator=ACCELERATOR, source=None)
    assert json.loads(target.read_text())["network"] == "vgg16"
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_a_word_width_other_than_the_default_is_recorded(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    write_json(vgg_stats(), target, accelerator=dataclasses.replace(ACCELERATOR, word_bits=8), source="x.m")
    assert json.loads(target.read_text())["accelerator"]["word_bits"] == 8
