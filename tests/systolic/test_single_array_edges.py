"""The single-array model at its edges (issue 11): one-cycle runs, 1xN and Nx1 arrays, huge GEMMs.

mapscope's convention never gives 0 cycles nor a utilisation above 100%; SCALE-Sim's keeps its numbers
but says when its utilisation is undefined or above 100%, and never divides by zero. The ws/is closed
form equals the analytical model (`count_plan`, itself checked against the simulator) tile by tile.
"""

from __future__ import annotations

import json
import math
import resource
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run
from hypothesis import example, given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.systolic.batched import FIELDS, single_array_batch
from mapscope.systolic.evaluate import count_plan
from mapscope.systolic.machine import Machine, MachineKind, Mode
from mapscope.systolic.plan import GemmPlan, Region
from mapscope.systolic.single_array import (
    UNDEFINED_UTILIZATION,
    UTILIZATION_ABOVE_ONE,
    Convention,
    Dataflow,
    run_single_array,
)
from mapscope.workload.gemm import Gemm

small = st.integers(1, 12)
# arrays 1xN, Nx1 and NxN as well as any small shape
arrays = st.one_of(
    st.tuples(st.just(1), small), st.tuples(small, st.just(1)), small.map(lambda s: (s, s)), st.tuples(small, small)
)


@settings(max_examples=examples(300), deadline=None)
@given(m=small, n=small, k=small, array=arrays, dataflow=st.sampled_from(Dataflow), double_buffered=st.booleans())
@example(m=1, n=1, k=1, array=(1, 1), dataflow=Dataflow.OS, double_buffered=False)
@example(m=2, n=1, k=1, array=(1, 1), dataflow=Dataflow.OS, double_buffered=False)
def test_both_conventions_on_small_gemms(
    m: int, n: int, k: int, array: tuple[int, int], dataflow: Dataflow, double_buffered: bool
) -> None:
    gemm, (rows, cols) = Gemm(m, n, k), array
    ours = run_single_array(gemm, rows, cols, dataflow, Convention.MAPSCOPE, double_buffered)
    assert ours.cycles >= 1
    assert ours.utilization is not None and 0 < ours.utilization <= 1
    assert ours.utilization_note is None
    scalesim = run_single_array(gemm, rows, cols, dataflow, Convention.SCALESIM, double_buffered)
    assert scalesim.cycles == ours.cycles - 1  # SCALE-Sim's figure: the index of the last cycle
    if scalesim.cycles == 0:
        assert scalesim.utilization is None and scalesim.utilization_note == UNDEFINED_UTILIZATION
    else:
        assert scalesim.utilization == scalesim.macs / (scalesim.cycles * rows * cols)
        above = scalesim.utilization > 1
        assert scalesim.utilization_note == (UTILIZATION_ABOVE_ONE if above else None)
        assert not above or (dataflow is Dataflow.OS and rows == cols == 1)  # the only place it happens
    for convention, scalar in ((Convention.MAPSCOPE, ours), (Convention.SCALESIM, scalesim)):
        batch = single_array_batch(gemm, np.array([rows]), np.array([cols]), dataflow, convention, double_buffered)
        for name in FIELDS:
            value = getattr(scalar, name)
            assert math.isnan(batch[name][0]) if value is None else batch[name][0].item() == value, name


@settings(max_examples=examples(150), deadline=None)
@given(m=small, n=small, k=small, array=arrays, dataflow=st.sampled_from([Dataflow.WS, Dataflow.IS]), double_buffered=st.booleans())
def test_ws_and_is_closed_form_equals_the_analytical_model(
    m: int, n: int, k: int, array: tuple[int, int], dataflow: Dataflow, double_buffered: bool
) -> None:
    rows, cols = array
    transposed = dataflow is Dataflow.IS
    stationary_cols = m if transposed else n
    region = Region(Mode.FW, 0, k, 0, stationary_cols, min(rows, k), min(cols, stationary_cols))
    counts = count_plan(GemmPlan(Gemm(m, n, k), transposed, (region,)), Machine(MachineKind.LARGE, rows, cols, double_buffered))
    result = run_single_array(Gemm(m, n, k), rows, cols, dataflow, Convention.MAPSCOPE, double_buffered)
    streamed, stationary = (result.filter_sram_reads, result.ifmap_sram_reads) if transposed else (result.ifmap_sram_reads, result.filter_sram_reads)
    dram_streamed, dram_stationary = (result.dram_filter_reads, result.dram_ifmap_reads) if transposed else (result.dram_ifmap_reads, result.dram_filter_reads)
    assert (result.cycles, result.macs) == (counts.cycles, counts.macs)
    assert (streamed, stationary) == (counts.input_buffer_reads, counts.weight_buffer_reads)
    assert (result.ofmap_sram_writes, result.ofmap_sram_reads) == (counts.output_buffer_writes, counts.output_buffer_reads)
    assert (dram_streamed, dram_stationary, result.dram_ofmap_writes) == (counts.dram_input_reads, counts.dram_weight_reads, counts.dram_output_writes)
    assert (result.row_folds, result.col_folds) == (region.k_chunks, region.n_chunks)


@pytest.mark.parametrize("dataflow", list(Dataflow))
@pytest.mark.parametrize("array", [(1, 1), (2**31 - 1, 1), (1, 2**31 - 1), (2**31 - 1, 2**31 - 1), (3, 7)])
def test_the_largest_gemms_on_any_array_take_no_time_or_memory(dataflow: Dataflow, array: tuple[int, int]) -> None:
    # the ws/is model used to materialise one entry per tile: 16 GiB for K = 2**31 - 1 on a 1x1 array
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    side = 2**31 - 1
    result = run_single_array(Gemm(side, side, side), *array, dataflow)
    assert result.cycles >= 1 and result.utilization is not None and 0 < result.utilization <= 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


def test_cli_one_mac_on_a_1x1_array_in_scalesim_counting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = tmp_path / "gemm.json"
    status, out, err = run(
        ["gemm", "1", "1", "1", "--array", "1x1", "--dataflow", "os", "--convention", "scalesim", "--json", str(document)], capsys
    )
    assert status == 0, err
    assert "inf" not in out and "undefined" in out and "index of the last cycle" in " ".join(out.split())
    saved = json.loads(document.read_text(), parse_constant=lambda constant: pytest.fail(f"bare {constant} in JSON"))
    assert saved["runtime_cycles"] == 0 and saved["utilization"] is None and saved["utilization_note"] == UNDEFINED_UTILIZATION


def test_cli_above_100_percent_in_scalesim_counting_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["gemm", "2", "1", "1", "--array", "1x1", "--dataflow", "os", "--convention", "scalesim"], capsys)
    assert status == 0
    assert "200.00%" in out and "above 100%" in out
    status, out, _ = run(["gemm", "2", "1", "1", "--array", "1x1", "--dataflow", "os"], capsys)
    assert status == 0 and "100.00%" in out and "200" not in out and "above" not in out
