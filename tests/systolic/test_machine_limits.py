"""Bounds of the three machines (issue 11): GEMMs with too many tiles or counts beyond 64 bits, and arrays
beyond MAX_SIZE, are refused with one InputError before anything is allocated; below the bounds the
counts are exact."""

from __future__ import annotations

import resource

import pytest
from cli_helpers import assert_one_line_error, run
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.errors import InputError
from mapscope.limits import MAX_SIZE
from mapscope.systolic.single_gemm import parse_array_shape
from mapscope.systolic.compiler import compile_gemm
from mapscope.systolic.energy import SystolicEnergyTable
from mapscope.systolic.machine import ALL_MODES, Machine, MachineKind, Mode
from mapscope.systolic.plan import GemmPlan, Region, check_plan_size, plan_units_bound
from mapscope.systolic.training_run import run_trajectory, standard_machines
from mapscope.workload.cnn_models import training_model
from mapscope.workload.gemm import MAX_GEMM_DIM, Gemm
from mapscope.workload.pruning import synthetic_trajectory


def _grown_kib(before: int) -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before


@pytest.mark.parametrize("kind", list(MachineKind))
def test_too_many_tiles_are_refused_before_any_allocation(kind: MachineKind) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    side = 2**31 - 1
    with pytest.raises(InputError, match=r"may need [0-9,]+ tiles .* more than the 2,097,152") as caught:
        compile_gemm(Gemm(side, side, side, "huge"), Machine(kind, 128, 128))
    assert caught.value.where == "GEMM huge"
    if kind is not MachineKind.LARGE:  # four 1x1 groups: 4 million tiles, which took 3 GB on flexsa
        with pytest.raises(InputError, match="tiles"):
            compile_gemm(Gemm(1000, 1000, 1000), Machine(kind, 2, 2))
    assert _grown_kib(before) < 50_000


def test_an_array_beyond_max_size_is_named_as_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["flexsa", "--array", str(10**21)], capsys)
    assert_one_line_error(status, err)
    assert err.startswith(f"error: --array: must be at most {MAX_SIZE}")


def test_a_hand_made_plan_with_too_many_tiles_is_refused() -> None:
    gemm = Gemm(4, 3000, 3000)
    plan = GemmPlan(gemm, False, (Region(Mode.FW, 0, 3000, 0, 3000, 1, 1),))
    with pytest.raises(InputError, match="9,000,000 tiles"):
        plan.unit_table(Machine(MachineKind.LARGE, 2, 2))


def test_counts_beyond_64_bits_are_refused_not_wrapped_around() -> None:
    side = MAX_GEMM_DIM  # 2**40: MACs 2**120; the machine's int64 arrays used to give MACs 0 and negative reads
    with pytest.raises(InputError, match="64-bit"):
        compile_gemm(Gemm(side, side, side), Machine(MachineKind.LARGE, MAX_SIZE, MAX_SIZE))


def test_counts_just_below_the_64_bit_bound_are_exact() -> None:
    rows = cols = 2**30
    gemm = Gemm(2**19, 2**10, 2**8)  # partial sums pass all 2**30 rows: 2**29 (2**30 - 1) forwards, near 2**59
    counts = compile_gemm(gemm, Machine(MachineKind.LARGE, rows, cols)).counts
    assert counts.psum_forwards == gemm.m * gemm.n * (rows - 1)
    assert counts.macs == gemm.m * gemm.n * gemm.k


dims = st.one_of(st.integers(1, 300), st.integers(1, 2**20), st.integers(1, MAX_GEMM_DIM))
sizes = st.one_of(st.integers(1, 64), st.integers(1, MAX_SIZE)).map(lambda s: 2 * max(1, s // 2))


@settings(max_examples=examples(60), deadline=None)
@given(m=dims, n=dims, k=dims, rows=sizes, cols=sizes, kind=st.sampled_from(MachineKind))
def test_below_the_bounds_counts_are_exact(m: int, n: int, k: int, rows: int, cols: int, kind: MachineKind) -> None:
    gemm, machine = Gemm(m, n, k), Machine(kind, rows, cols)
    assume(plan_units_bound(gemm, machine) <= 2_000)  # keep examples fast
    try:
        check_plan_size(gemm, machine)
    except InputError:
        assume(False)
    counts = compile_gemm(gemm, machine).counts
    assert counts.macs == sum(counts.mode_macs) == m * n * k
    assert counts.cycles >= counts.passes >= 1
    assert counts.output_buffer_writes >= m * n and counts.output_buffer_reads >= 0
    assert min(counts.input_buffer_reads, counts.weight_buffer_reads, counts.psum_forwards, counts.weight_forwards) >= 0
    assert counts.dram_input_reads + counts.dram_weight_reads >= m * k + k * n  # each operand at least once


def test_plan_units_bound_covers_every_compiled_plan() -> None:
    for kind in MachineKind:
        machine = Machine(kind, 8, 8)
        for gemm in (Gemm(1, 1, 1), Gemm(37, 5, 300), Gemm(300, 37, 5), Gemm(7, 300, 41)):
            plan = compile_gemm(gemm, machine).plan
            assert sum(region.units for region in plan.regions) <= plan_units_bound(gemm, machine)
            assert all(mode in ALL_MODES for mode in machine.modes)


def test_a_trajectory_with_a_huge_batch_is_refused_before_compiling_anything() -> None:
    cnn = training_model("resnet56")
    trajectory = synthetic_trajectory(cnn, target_inference_reduction=0.5, interval_epochs=30, total_epochs=90, seed=0)
    with pytest.raises(InputError, match="tiles"):
        run_trajectory(cnn, trajectory, standard_machines(128), 10**6, SystolicEnergyTable())


@pytest.mark.parametrize("kind", list(MachineKind))
def test_arrays_beyond_max_size_are_refused(kind: MachineKind) -> None:
    with pytest.raises(InputError, match="at most 2147483647"):
        Machine(kind, 2 * MAX_SIZE, 2)
    with pytest.raises(InputError, match="at most 2147483647"):
        Machine(kind, 2, 10**30)


@pytest.mark.parametrize(
    ("text", "message"),
    [("1" * 5000 + "x1", "5,000 digits"), ("99999999999x1", "between 1 and 2147483647"), ("0x4", "between 1"), ("١٢x3", "ROWSxCOLS")],
)
def test_array_option_bounds(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_array_shape(text)
    assert parse_array_shape(f"{MAX_SIZE}x1") == (MAX_SIZE, 1)


@pytest.mark.parametrize(
    "arguments",
    [
        ["flexsa", "--batch", "100000"],
        ["flexsa", "--array", "2"],
        ["flexsa", "--array", str(10**21)],
        ["gemm", "1000", "1000", "1000", "--array", "2x2", "--machine", "flexsa"],
        ["gemm", str(2**31 - 1), str(2**31 - 1), str(2**31 - 1), "--machine", "large"],
        ["gemm", "1", "1", "1", "--array", "1" * 5000 + "x1"],
    ],
    ids=["flexsa-batch", "flexsa-array-2", "flexsa-array-huge", "gemm-2x2-flexsa", "gemm-huge-large", "gemm-array-digits"],
)
def test_cli_refuses_with_one_line(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    status, _, err = run(arguments, capsys)
    assert_one_line_error(status, err)
    assert _grown_kib(before) < 50_000
