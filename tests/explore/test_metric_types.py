"""Counts are integers from the engines to the records: int64 arrays, Python ints, nan only for a design in error."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from mapscope.explore.engines import ENGINES, load_design_space
from mapscope.explore.evaluation import evaluate_designs
from mapscope.explore.metrics import INTEGER_METRICS, MetricBatch, design_metrics

SPACES = {
    "maestro": """\
name: m
network: resnet50_kcp_ws
mapping:
  template: kcp_ws
  parameters:
    cluster_size: [16, 64]
hardware:
  num_pes: [64, 256]
  l1_size_elems: [512]
objectives: [runtime_cycles, energy_nj]
""",
    "systolic": """\
name: s
engine: systolic
network: resnet56
hardware:
  rows: [8, 16]
  cols: [16]
objectives: [runtime_cycles, energy_nj]
""",
}


@pytest.mark.parametrize("engine", sorted(SPACES))
def test_engines_give_counts_as_int64_and_records_as_int(engine: str, tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(SPACES[engine])
    space = load_design_space(path)
    points = [{"num_pes": 64, "l1_size_elems": 512, "cluster_size": 16}] if engine == "maestro" else [{"rows": 8, "cols": 16}]
    batch = ENGINES[engine].evaluate(space.workload, points)
    assert batch.errors == {}
    for name in ENGINES[engine].metrics:
        assert batch.metrics[name].dtype == (np.int64 if name in INTEGER_METRICS else np.float64), name
    (record,) = evaluate_designs(space, points)
    for name, value in record.metrics.items():
        assert type(value) is (int if name in INTEGER_METRICS else float), name


def test_a_design_in_error_has_nan_for_every_metric() -> None:
    batch = MetricBatch({"runtime_cycles": np.array([5, 0]), "energy_nj": np.array([1.5, 0.0])}, {1: "mapping rejected"})
    good, bad = design_metrics(batch)
    assert good == {"runtime_cycles": 5, "energy_nj": 1.5} and type(good["runtime_cycles"]) is int
    assert list(bad) == ["runtime_cycles", "energy_nj"] and all(math.isnan(value) for value in bad.values())
