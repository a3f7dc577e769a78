"""A whole `mapscope explore --export --json` run: the export's front is the reported one, its names are the
summary's, and a run resumed from its store writes the same bytes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas
import pyarrow.parquet
import pytest
from rich.console import Console

from mapscope.explore.exploration import ExplorationResult
from mapscope.cli.explore import ExploreOptions, run_exploration

SPACES = {
    "maestro": """\
name: tiny
network: resnet50_kcp_ws
mapping:
  template: kcp_ws
  parameters:
    cluster_size: [16, 32]
hardware:
  num_pes: [64, 256]
  noc_bandwidth_elems_per_cycle: [32, 128]
  l1_size_elems: [256, 512]
constraints:
  area_mm2: {max: 40}
objectives: [runtime_cycles, energy_nj]
""",
    "systolic": """\
name: shapes
engine: systolic
network: resnet56
hardware:
  rows: [8, 16, 32]
  cols: [8, 32]
  dataflow: [os, ws]
objectives: [runtime_cycles, area_mm2]
""",
}
SUFFIXES = (".csv", ".parquet", ".jsonl")


def _run(folder: Path, space: Path, store: Path, resume: bool) -> ExplorationResult:
    folder.mkdir()
    options = ExploreOptions(
        space=space,
        store=store,
        resume=resume,
        workers=1,
        json_path=folder / "summary.json",
        export_path=folder / "designs.csv",
    )
    result = run_exploration(options, Console(file=io.StringIO()))
    for suffix in SUFFIXES[1:]:  # a fresh run for the first folder, the store again for the resumed one
        options = ExploreOptions(space=space, store=store if resume else None, resume=resume, workers=1, export_path=folder / f"designs{suffix}")
        run_exploration(options, Console(file=io.StringIO()))
    return result


@pytest.fixture(scope="module", params=sorted(SPACES))
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ExplorationResult]:
    folder = tmp_path_factory.mktemp(request.param)
    space = folder / "space.yaml"
    space.write_text(SPACES[request.param])
    first = _run(folder / "first", space, folder / "store.db", resume=False)
    _run(folder / "resumed", space, folder / "store.db", resume=True)  # every design read back from the store
    return folder / "first", folder / "resumed", first


def test_on_pareto_front_is_the_front_the_summary_and_console_report(runs: tuple[Path, Path, ExplorationResult]) -> None:
    first, _, result = runs
    table = pandas.read_csv(first / "designs.csv")
    assert table.columns.is_unique
    assert sorted(table.index[table["on_pareto_front"]].tolist()) == sorted(result.front)
    summary = json.loads((first / "summary.json").read_text())
    parameters = list(summary["space"]["parameters"])
    front_rows = table[table["on_pareto_front"]]
    from_export = sorted(tuple(row) for row in front_rows[parameters].itertuples(index=False))
    from_summary = sorted(tuple(entry["parameters"][name] for name in parameters) for entry in summary["pareto_front"])
    assert from_export == from_summary
    assert summary["counts"]["pareto_front"] == len(front_rows)
    assert all(entry["on_pareto_front"] for entry in summary["pareto_front"])


def test_the_summary_names_things_as_the_export_does(runs: tuple[Path, Path, ExplorationResult]) -> None:
    first, _, _ = runs
    columns = set(pandas.read_csv(first / "designs.csv").columns)
    summary = json.loads((first / "summary.json").read_text())
    for entry in summary["best"] + summary["pareto_front"]:
        assert set(entry["parameters"]) <= columns and set(entry["metrics"]) <= columns
        assert "on_pareto_front" in entry
    assert isinstance(summary["best"][0]["metrics"]["runtime_cycles"], int)
    assert isinstance(summary["best"][0]["metrics"]["macs"], int)


def test_counts_are_int64_and_measures_float64_in_parquet(runs: tuple[Path, Path, ExplorationResult]) -> None:
    first, _, _ = runs
    schema = {field.name: str(field.type) for field in pyarrow.parquet.read_schema(first / "designs.parquet")}
    assert schema["runtime_cycles"] == schema["macs"] == "int64"
    assert schema["energy_nj"] == schema["area_mm2"] == "double"
    assert schema["feasible"] == schema["on_pareto_front"] == "bool" and schema["violation"] == "string"
    assert "key" not in schema and not any(name.startswith("metric.") for name in schema)


def test_a_run_resumed_from_its_store_writes_the_same_bytes(runs: tuple[Path, Path, ExplorationResult]) -> None:
    first, resumed, _ = runs
    for name in (f"designs{suffix}" for suffix in SUFFIXES):
        assert (first / name).read_bytes() == (resumed / name).read_bytes(), name
    summaries = [json.loads((folder / "summary.json").read_text()) for folder in (first, resumed)]
    assert summaries[1]["counts"]["from_store"] == summaries[1]["counts"]["designs"] > 0
    for summary in summaries:
        del summary["counts"]["from_store"], summary["counts"]["evaluated_now"]
    assert summaries[0] == summaries[1]
