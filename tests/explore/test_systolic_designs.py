"""The systolic engine's design evaluator against run_single_array summed by hand over a network's GEMMs."""

from __future__ import annotations

import math
import resource

import numpy as np
import pytest

from mapscope.errors import InputError
from mapscope.explore.metrics import INTEGER_METRICS, design_metrics
from mapscope.explore.search import Value
from mapscope.explore.systolic_designs import (
    METRICS,
    check_parameter,
    evaluate_systolic,
    systolic_workload,
)
from mapscope.hardware.area_power import (
    MAC_AREA_UM2,
    MAC_POWER_MW,
    SRAM_AREA_UM2_PER_ELEM,
    SRAM_POWER_MW_PER_ELEM,
)
from mapscope.limits import MAX_SIZE
from mapscope.systolic.energy import SystolicEnergyTable, plan_energy
from mapscope.systolic.evaluate import count_plan
from mapscope.systolic.machine import MIB, Machine, MachineKind, Mode
from mapscope.systolic.plan import GemmPlan, Region
from mapscope.systolic.single_array import Dataflow, run_single_array
from mapscope.workload.cnn_models import training_model
from mapscope.workload.gemm import Gemm, TrainingPass
from mapscope.workload.training import lower_network, training_macs

BATCH = 2
SRAM_ELEMS = 16 * MIB // 2  # 8 + 4 + 4 MiB of buffers in 16-bit elements
Point = dict[str, Value]


def forward_gemms(batch: int = BATCH) -> list[Gemm]:
    return [g for g in lower_network(training_model("resnet56"), batch) if g.training_pass is TrainingPass.FORWARD]


def by_hand(gemms: list[Gemm], rows: int, cols: int, dataflow: str, double_buffered: bool = False) -> dict[str, float]:
    """Every metric from run_single_array per GEMM, weighted by gemm.count, with the documented rules."""
    table = SystolicEnergyTable()
    results = [(g.count, run_single_array(g, rows, cols, Dataflow(dataflow), double_buffered=double_buffered)) for g in gemms]

    def total(field: str) -> int:
        return sum(count * getattr(result, field) for count, result in results)

    cycles, macs = total("cycles"), total("macs")
    ifmap_buffer, filter_buffer = (4 * MIB, 8 * MIB) if dataflow == "is" else (8 * MIB, 4 * MIB)
    energy_pj = (
        macs * 2.0
        + total("ifmap_sram_reads") * table.sram_pj_per_word(ifmap_buffer, 16)
        + total("filter_sram_reads") * table.sram_pj_per_word(filter_buffer, 16)
        + (total("ofmap_sram_writes") + total("ofmap_sram_reads")) * table.sram_pj_per_word(4 * MIB, 32)
        + (total("dram_ifmap_reads") + total("dram_filter_reads")) * 2000.0 / 4
        + total("dram_ofmap_writes") * 2000.0 / 2
    )
    pes = rows * cols
    area_um2 = pes * MAC_AREA_UM2 + SRAM_ELEMS * SRAM_AREA_UM2_PER_ELEM
    return {
        "runtime_cycles": cycles,
        "energy_nj": energy_pj / 1000,
        "edp_nj_cycles": energy_pj / 1000 * cycles,
        "macs": macs,
        "throughput_macs_per_cycle": macs / cycles,
        "throughput_macs_per_cycle_per_mm2": macs / cycles / (area_um2 / 1e6),
        "utilization": macs / (cycles * pes),
        "area_um2": area_um2,
        "area_mm2": area_um2 / 1e6,
        "power_mw": pes * MAC_POWER_MW + SRAM_ELEMS * SRAM_POWER_MW_PER_ELEM,
        "sram_read_words": total("ifmap_sram_reads") + total("filter_sram_reads") + total("ofmap_sram_reads"),
        "sram_write_words": total("ofmap_sram_writes"),
        "dram_read_words": total("dram_ifmap_reads") + total("dram_filter_reads"),
        "dram_write_words": total("dram_ofmap_writes"),
    }


DESIGNS: list[Point] = [
    {"rows": 16, "cols": 16, "dataflow": "ws"},
    {"rows": 32, "cols": 8, "dataflow": "os"},
    {"rows": 8, "cols": 64, "dataflow": "is"},
    {"rows": 128, "cols": 128, "dataflow": "ws", "double_buffered": True},
    {"rows": 7, "cols": 12, "dataflow": "is", "double_buffered": True},
]


def test_metrics_equal_run_single_array_summed_by_hand() -> None:
    workload = systolic_workload("resnet56", BATCH, "inference", {}, "test")
    batch = evaluate_systolic(workload, DESIGNS)
    assert batch.errors == {}
    assert set(batch.metrics) == set(METRICS)
    gemms = forward_gemms()
    for index, design in enumerate(DESIGNS):
        expected = by_hand(gemms, int(design["rows"]), int(design["cols"]), str(design["dataflow"]), bool(design.get("double_buffered", False)))
        for name in METRICS:
            assert batch.metrics[name].dtype == (np.int64 if name in INTEGER_METRICS else np.float64), name
            assert batch.metrics[name][index] == pytest.approx(expected[name], rel=1e-12), (design, name)


def test_training_uses_every_gemm_and_about_three_times_the_forward_macs() -> None:
    cnn = training_model("resnet56")
    design: list[Point] = [{"rows": 32, "cols": 32}]
    inference = evaluate_systolic(systolic_workload("resnet56", BATCH, "inference", {}, "i"), design).metrics
    training = evaluate_systolic(systolic_workload("resnet56", BATCH, "training", {}, "t"), design).metrics
    assert inference["macs"][0] == sum(g.macs for g in forward_gemms())
    assert training["macs"][0] == training_macs(cnn, BATCH)
    assert 2.9 < training["macs"][0] / inference["macs"][0] <= 3.0  # the first layer has no data gradient
    expected = by_hand(list(lower_network(cnn, BATCH)), 32, 32, "ws")
    assert training["runtime_cycles"][0] == expected["runtime_cycles"]
    assert training["energy_nj"][0] == pytest.approx(expected["energy_nj"], rel=1e-12)


def test_base_values_fill_parameters_not_swept() -> None:
    workload = systolic_workload("resnet56", BATCH, "inference", {"rows": 16, "dataflow": "os"}, "base")
    swept = evaluate_systolic(workload, [{"cols": 8}]).metrics
    expected = by_hand(forward_gemms(), 16, 8, "os")
    assert swept["runtime_cycles"][0] == expected["runtime_cycles"]
    default = evaluate_systolic(systolic_workload("resnet56", BATCH, "inference", {}, "d"), [{}]).metrics
    assert default["runtime_cycles"][0] == by_hand(forward_gemms(), 128, 128, "ws")["runtime_cycles"]


def test_grouped_and_deduplicated_equals_one_at_a_time() -> None:
    workload = systolic_workload("resnet56", BATCH, "training", {}, "group")
    points: list[Point] = [
        {"rows": r, "cols": c, "dataflow": d, "double_buffered": b}
        for r, c in ((16, 16), (8, 32), (16, 16), (64, 4))
        for d in ("ws", "os", "is")
        for b in (False, True)
    ]
    points += points[:5]  # repeated designs
    together = evaluate_systolic(workload, points)
    assert together.errors == {}
    for index, point in enumerate(points):
        alone = evaluate_systolic(workload, [point])
        for name in METRICS:
            assert together.metrics[name][index] == alone.metrics[name][0], (point, name)


def test_energy_rule_matches_plan_energy_without_forwarding() -> None:
    """ws and is are the FW plan on a large machine: plan_energy minus its forward term, exactly."""
    gemm = Gemm(300, 70, 150)
    workload = systolic_workload("resnet56", BATCH, "inference", {}, "e")
    table = SystolicEnergyTable()
    for dataflow, transposed in (("ws", False), ("is", True)):
        machine = Machine(MachineKind.LARGE, 16, 32)
        stationary_cols = gemm.m if transposed else gemm.n
        region = Region(Mode.FW, 0, gemm.k, 0, stationary_cols, min(16, gemm.k), min(32, stationary_cols))
        energy = plan_energy(count_plan(GemmPlan(gemm, transposed, (region,)), machine), machine, table)
        result = run_single_array(gemm, 16, 32, Dataflow(dataflow))
        expected = by_hand([gemm], 16, 32, dataflow)["energy_nj"]
        assert result.cycles == by_hand([gemm], 16, 32, dataflow)["runtime_cycles"]
        assert expected == pytest.approx((energy.total_pj - energy.forward_pj) / 1000, rel=1e-12)
    assert workload.energy == table


def test_bad_designs_are_reported_per_design() -> None:
    workload = systolic_workload("resnet56", BATCH, "inference", {}, "bad")
    points: list[Point] = [{"rows": 16, "cols": 16}, {"rows": 0}, {"rows": MAX_SIZE, "cols": MAX_SIZE}, {"dataflow": "xs"}, {"rows": 16, "cols": 16}]
    batch = evaluate_systolic(workload, points)
    assert 0 not in batch.errors and 4 not in batch.errors
    assert batch.errors[1] is not None and batch.errors[1].startswith("rows must be between 1")
    assert batch.errors[2] is not None and "64-bit" in batch.errors[2]
    assert batch.errors[3] is not None and "dataflow" in batch.errors[3]
    for index, metrics in enumerate(design_metrics(batch)):
        error = batch.errors.get(index)
        assert math.isnan(metrics["runtime_cycles"]) == (error is not None)  # no metrics for a design in error
    assert batch.metrics["runtime_cycles"][0] == by_hand(forward_gemms(), 16, 16, "ws")["runtime_cycles"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("rows", 0), ("rows", -3), ("cols", 2.5), ("cols", True), ("rows", "8"), ("rows", MAX_SIZE + 1),
     ("dataflow", "rs"), ("dataflow", 1), ("double_buffered", 1), ("double_buffered", "yes"), ("pes", 4)],
)
def test_check_parameter_reports_bad_values(name: str, value: object) -> None:
    problem = check_parameter(name, value)  # type: ignore[arg-type]
    assert problem is not None and "\n" not in problem


@pytest.mark.parametrize(
    ("name", "value"), [("rows", 1), ("cols", 256), ("dataflow", "os"), ("dataflow", "ws"), ("dataflow", "is"), ("double_buffered", False)]
)
def test_check_parameter_accepts_good_values(name: str, value: object) -> None:
    assert check_parameter(name, value) is None  # type: ignore[arg-type]


def test_unknown_model_pass_or_base_value_is_an_input_error() -> None:
    with pytest.raises(InputError, match="resnet50, resnet56"):
        systolic_workload("alexnet", 1, "inference", {}, "x")
    with pytest.raises(InputError, match="inference, training"):
        systolic_workload("resnet56", 1, "backward", {}, "x")
    with pytest.raises(InputError, match="dataflow"):
        systolic_workload("resnet56", 1, "inference", {"dataflow": "rs"}, "x")
    with pytest.raises(InputError, match="batch"):
        systolic_workload("resnet56", 0, "inference", {}, "x")


def test_a_batch_of_32000_takes_little_memory_in_every_dataflow() -> None:
    # issue 11: dram_operand_reads allocated one entry per output column, 3 GiB for the is dataflow
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workload = systolic_workload("resnet50", 32_000, "training", {}, "big")
    designs: list[Point] = [{"rows": r, "cols": c, "dataflow": d} for r, c in ((8, 8), (128, 128)) for d in ("os", "ws", "is")]
    batch = evaluate_systolic(workload, designs)
    assert batch.errors == {}
    assert all(np.isfinite(values).all() for values in batch.metrics.values())
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB


def test_a_batch_too_large_for_the_network_names_the_batch() -> None:
    with pytest.raises(InputError, match="batch 2147483647 does not fit resnet50") as caught:
        systolic_workload("resnet50", 2**31 - 1, "inference", {}, "x")
    assert caught.value.where == "batch"
