"""The cycle-level simulator: exact products on every machine and mode, and counts derived by hand from docs/flexsa.md."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.errors import InputError
from mapscope.systolic.machine import Machine, MachineKind, Mode
from mapscope.systolic.plan import ORDERS, GemmPlan, Region
from mapscope.systolic.simulator import (
    SimulationCounts,
    simulate_output_stationary,
    simulate_plan,
)
from mapscope.workload.gemm import Gemm

LARGE, SPLIT, FLEXSA = MachineKind.LARGE, MachineKind.SPLIT, MachineKind.FLEXSA
MACHINE_MODES = [(LARGE, Mode.FW), (SPLIT, Mode.ISW)] + [(FLEXSA, mode) for mode in Mode]


def operands(m: int, n: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(-9, 10, (m, k), dtype=np.int64), rng.integers(-9, 10, (k, n), dtype=np.int64)


def run(
    kind: MachineKind, size: int, gemm: tuple[int, int, int], regions: list[Region], transposed: bool = False, double_buffered: bool = False
) -> SimulationCounts:
    """Simulate a plan for the (M, N, K) gemm, check the product against numpy, return the counts."""
    m, n, k = gemm
    a, b = operands(m, n, k)
    plan = GemmPlan(Gemm(m, n, k), transposed, tuple(regions))
    out, counts = simulate_plan(plan, Machine(kind, size, size, double_buffered=double_buffered), a, b)
    assert out.shape == (m, n)
    np.testing.assert_array_equal(out, a @ b)
    assert counts.macs == m * n * k
    return counts


# --- products ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("double_buffered", [False, True])
@pytest.mark.parametrize(("kind", "mode"), MACHINE_MODES)
def test_product_every_machine_mode_order(kind: MachineKind, mode: Mode, transposed: bool, double_buffered: bool, order: str) -> None:
    # partial tiles: chunks one smaller than the group, K and N not multiples of them, uneven M-blocks
    machine = Machine(kind, 8, 8)
    geometry = machine.geometry(mode)
    m, n, k = 7, 9, 10
    em, en = (n, m) if transposed else (m, n)
    region = Region(mode, 0, k, 0, en, max(1, geometry.rows - 1), max(1, geometry.cols - 1), m_blocks=min(2, em), order=order)
    run(kind, 8, (m, n, k), [region], transposed, double_buffered)


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("double_buffered", [False, True])
def test_product_four_regions_in_four_modes(transposed: bool, double_buffered: bool) -> None:
    m, n, k = 6, 11, 13
    en = m if transposed else n
    regions = [
        Region(Mode.FW, 0, 9, 0, 4, 8, 3, m_blocks=2, order="nkm"),
        Region(Mode.VSW, 0, 9, 4, en, 5, 4, order="kmn"),
        Region(Mode.HSW, 9, 13, 0, 3, 2, 8, m_blocks=3, order="mnk"),
        Region(Mode.ISW, 9, 13, 3, en, 3, 2, m_blocks=2, order="knm"),
    ]
    run(FLEXSA, 8, (m, n, k), regions, transposed, double_buffered)


@pytest.mark.parametrize("kind", [SPLIT, FLEXSA])
def test_product_two_isw_regions_on_16x16(kind: MachineKind) -> None:
    regions = [Region(Mode.ISW, 0, 5, 0, 12, 5, 8, m_blocks=2, order="mnk"), Region(Mode.ISW, 5, 17, 0, 12, 8, 7, order="nmk")]
    run(kind, 16, (9, 12, 17), regions, double_buffered=True)


@st.composite
def random_cases(draw: st.DrawFn) -> tuple[Machine, GemmPlan]:
    """A random machine (4x4 or 8x8) and a random valid one- or two-region plan for a small GEMM."""
    m, n, k = (draw(st.integers(1, 20)) for _ in range(3))
    size = draw(st.sampled_from([4, 8]))
    machine = Machine(draw(st.sampled_from(list(MachineKind))), size, size, double_buffered=draw(st.booleans()))
    transposed = draw(st.booleans())
    em, en = (n, m) if transposed else (m, n)

    def region(k0: int, k1: int) -> Region:
        mode = draw(st.sampled_from(machine.modes))
        geometry = machine.geometry(mode)
        k_chunk = draw(st.integers(min(geometry.rows, k1 - k0, max(1, (k1 - k0) // 3)), min(geometry.rows, k1 - k0)))
        n_chunk = draw(st.integers(min(geometry.cols, en, max(1, en // 3)), min(geometry.cols, en)))
        m_blocks = draw(st.integers(1, min(3, em)))
        return Region(mode, k0, k1, 0, en, k_chunk, n_chunk, m_blocks, draw(st.sampled_from(ORDERS)))

    split = draw(st.integers(0, k - 1))  # 0: one region; else two regions split along K
    regions = (region(0, k),) if split == 0 else (region(0, split), region(split, k))
    return machine, GemmPlan(Gemm(m, n, k), transposed, regions)


def documented_cycles(folds: list[tuple[int, int, int]], double_buffered: bool) -> int:
    """docs/flexsa.md timing of one sequence of (R, C, T) passes (or of one split core's folds)."""
    if not double_buffered:
        return sum(2 * r + c + t - 2 for r, c, t in folds)
    lengths = [t + r + c - 2 for r, c, t in folds]
    waits = [max(0, folds[p + 1][0] - lengths[p]) for p in range(len(folds) - 1)]
    return folds[0][0] + sum(lengths) + sum(waits) if folds else 0


def documented_timing_and_sharing(plan: GemmPlan, machine: Machine) -> tuple[int, int, int, int]:
    """Cycles, input reads, weight reads and output reads of docs/flexsa.md, from the plan's passes."""
    passes = list(plan.passes(machine))
    if machine.independent_groups:  # split: core g runs group g of every pass, with private buffers
        cores = [[tile for p in passes for tile in p.tiles[g : g + 1]] for g in range(4)]
        geometry = machine.geometry(Mode.ISW)
        cycles = max(documented_cycles([(geometry.rows, geometry.cols, t.rows_streamed) for t in core], machine.double_buffered) for core in cores)
        a_reads = sum(t.rows_streamed * (t.k1 - t.k0) for core in cores for t in core)
        b_reads = sum((t.k1 - t.k0) * (t.n1 - t.n0) for core in cores for t in core)
        instances = cores
    else:
        folds = [(machine.geometry(p.mode).rows, machine.geometry(p.mode).cols, max(t.rows_streamed for t in p.tiles)) for p in passes]
        cycles = documented_cycles(folds, machine.double_buffered)
        a_sets = [{(t.m0, t.m1, t.k0, t.k1) for t in p.tiles} for p in passes]  # broadcast (large: one tile a pass)
        b_sets = [{(t.k0, t.k1, t.n0, t.n1) for t in p.tiles} for p in passes]
        a_reads = sum((m1 - m0) * (k1 - k0) for group in a_sets for m0, m1, k0, k1 in group)
        b_reads = sum((k1 - k0) * (n1 - n0) for group in b_sets for k0, k1, n0, n1 in group)
        instances = [[t for p in passes for t in p.tiles]]
    out_reads = 0
    for tiles in instances:  # contributions minus distinct outputs, per buffer instance
        outputs = {(m, n) for t in tiles for m in range(t.m0, t.m1) for n in range(t.n0, t.n1)}
        out_reads += sum(t.rows_streamed * (t.n1 - t.n0) for t in tiles) - len(outputs)
    return cycles, a_reads, b_reads, out_reads


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=random_cases(), seed=st.integers(0, 2**16))
def test_random_plans_compute_the_product_with_the_documented_counts(case: tuple[Machine, GemmPlan], seed: int) -> None:
    machine, plan = case
    g = plan.gemm
    a, b = operands(g.m, g.n, g.k, seed)
    out, counts = simulate_plan(plan, machine, a, b)
    np.testing.assert_array_equal(out, a @ b)
    # per-fold counts of docs/flexsa.md, whatever the sharing and timing
    tiles = [(tile, machine.geometry(p.mode).rows) for p in plan.passes(machine) for tile in p.tiles]
    assert counts.macs == g.m * g.n * g.k
    assert counts.output_buffer_writes == sum(t.rows_streamed * (t.n1 - t.n0) for t, _ in tiles)
    assert counts.streamed_forwards == sum(t.rows_streamed * (t.k1 - t.k0) * (t.n1 - t.n0 - 1) for t, _ in tiles)
    assert counts.psum_forwards == sum(t.rows_streamed * (t.n1 - t.n0) * (rows - 1) for t, rows in tiles)
    assert counts.weight_forwards == sum((t.n1 - t.n0) * (t.k1 - t.k0) * (t.k1 - t.k0 - 1) // 2 for t, _ in tiles)
    # timing, broadcast and read-modify-write rules of docs/flexsa.md
    timing_and_sharing = (counts.cycles, counts.input_buffer_reads, counts.weight_buffer_reads, counts.output_buffer_reads)
    assert timing_and_sharing == documented_timing_and_sharing(plan, machine)


# --- hand-checked counts ----------------------------------------------------------------------------


def test_one_full_fold_on_a_large_4x4() -> None:
    # T=3, kr=nc=4, R=C=4: 2R + C + T - 2 = 13 cycles
    counts = run(LARGE, 4, (3, 4, 4), [Region(Mode.FW, 0, 4, 0, 4, 4, 4)])
    assert counts == SimulationCounts(
        cycles=13,
        macs=48,
        input_buffer_reads=12,
        weight_buffer_reads=16,
        output_buffer_reads=0,
        output_buffer_writes=12,
        streamed_forwards=3 * 4 * 3,
        psum_forwards=3 * 4 * 3,
        weight_forwards=4 * (0 + 1 + 2 + 3),
    )


def test_transposed_fold_streams_bt() -> None:
    # Out is 4x3; transposed, Bᵀ (3 rows) streams through Aᵀ: the same fold as above
    assert run(LARGE, 4, (4, 3, 4), [Region(Mode.FW, 0, 4, 0, 4, 4, 4)], transposed=True) == run(
        LARGE, 4, (3, 4, 4), [Region(Mode.FW, 0, 4, 0, 4, 4, 4)]
    )


def test_partial_fold_keeps_the_geometry_schedule() -> None:
    # T=2, kr=3, nc=2 on 4x4: still 2*4 + 4 + 2 - 2 = 12 cycles; values stop at column 1, sums cross all 4 rows
    counts = run(LARGE, 4, (2, 2, 3), [Region(Mode.FW, 0, 3, 0, 2, 4, 4)])
    assert counts == SimulationCounts(12, 12, 6, 6, 0, 4, streamed_forwards=2 * 3 * 1, psum_forwards=2 * 2 * 3, weight_forwards=2 * 3)


@pytest.mark.parametrize(("kind", "a_reads"), [(FLEXSA, 5 * 4), (SPLIT, 2 * 5 * 4)])
def test_isw_tiles_sharing_a_rows_read_them_once_only_on_flexsa(kind: MachineKind, a_reads: int) -> None:
    # order mkn: the pass's two tiles are (A rows 0:5, K 0:4) x N 0:4 and x N 4:8
    counts = run(kind, 8, (5, 8, 4), [Region(Mode.ISW, 0, 4, 0, 8, 4, 4, order="mkn")])
    assert counts.input_buffer_reads == a_reads
    assert counts.weight_buffer_reads == 2 * 16
    assert counts.cycles == 2 * 4 + 4 + 5 - 2


@pytest.mark.parametrize(("kind", "b_reads"), [(FLEXSA, 16), (SPLIT, 32)])
def test_isw_tiles_sharing_a_b_tile_read_it_once_only_on_flexsa(kind: MachineKind, b_reads: int) -> None:
    # order knm, two M-blocks of 3 rows: the pass's two tiles share B[0:4, 0:4]
    counts = run(kind, 8, (6, 4, 4), [Region(Mode.ISW, 0, 4, 0, 4, 4, 4, m_blocks=2, order="knm")])
    assert counts.weight_buffer_reads == b_reads
    assert counts.input_buffer_reads == 6 * 4
    assert counts.weight_forwards == 2 * 4 * 6


@pytest.mark.parametrize(("kind", "out_reads"), [(SPLIT, 0), (FLEXSA, 12), (LARGE, 12)])
def test_split_k_output_reads(kind: MachineKind, out_reads: int) -> None:
    # K=8 in two chunks of 4 for 3x4 outputs: two contributions per output; on split they land in two
    # private buffers (no read-modify-write there, summed above), otherwise in one buffer (12 RMW reads)
    mode = Mode.FW if kind is LARGE else Mode.ISW
    counts = run(kind, 8, (3, 4, 8), [Region(mode, 0, 8, 0, 4, 4, 4, order="mnk")])
    assert counts.output_buffer_writes == 24
    assert counts.output_buffer_reads == out_reads


def test_double_buffering_hides_all_but_the_first_preload() -> None:
    # two passes of T=3 on a 4x4: 2 * (2*4 + 4 + 3 - 2) = 26 without; 4 + 2 * (3 + 4 + 4 - 2) = 22 with
    regions = [Region(Mode.FW, 0, 8, 0, 4, 4, 4)]
    assert run(LARGE, 4, (3, 4, 8), regions).cycles == 26
    assert run(LARGE, 4, (3, 4, 8), regions, double_buffered=True).cycles == 22


def test_a_longer_preload_than_the_pass_before_waits() -> None:
    # ISW pass (R=C=4, T=1) lasts 1 + 4 + 4 - 2 = 7; the FW pass after it preloads 8 rows, so it waits 1:
    # 4 + 7 + 1 + (1 + 8 + 8 - 2) = 27. Without double buffering: (8 + 4 + 1 - 2) + (16 + 8 + 1 - 2) = 34.
    regions = [Region(Mode.ISW, 0, 4, 0, 4, 4, 4), Region(Mode.FW, 4, 8, 0, 4, 4, 4)]
    assert run(FLEXSA, 8, (1, 4, 8), regions, double_buffered=True).cycles == 27
    assert run(FLEXSA, 8, (1, 4, 8), regions).cycles == 34
    assert run(FLEXSA, 8, (1, 4, 8), regions).output_buffer_reads == 4


def test_split_cores_keep_their_own_clock_and_flexsa_passes_wait_for_the_slowest_group() -> None:
    # M=4 in blocks of 2, 1, 1 rows, N=16 in four chunks, order knm -> twelve units, T by pass and group:
    # pass 0 = 2 1 1 2, pass 1 = 1 1 2 1, pass 2 = 1 2 1 1; every core streams 2 + 1 + 1 rows in total
    regions = [Region(Mode.ISW, 0, 4, 0, 16, 4, 4, m_blocks=3, order="knm")]
    # split: each core 3 folds of 2R + C - 2 = 10 cycles plus its rows; flexsa: 3 passes of T_p = 2
    assert run(SPLIT, 8, (4, 16, 4), regions).cycles == 3 * 10 + 4 == 34
    assert run(FLEXSA, 8, (4, 16, 4), regions).cycles == 3 * (10 + 2) == 36
    # double-buffered: the first R = 4, then passes of T + R + C - 2 = T + 6 (preloads of 4 never wait)
    assert run(SPLIT, 8, (4, 16, 4), regions, double_buffered=True).cycles == 4 + 3 * 6 + 4 == 26
    assert run(FLEXSA, 8, (4, 16, 4), regions, double_buffered=True).cycles == 4 + 3 * (6 + 2) == 28


def test_same_cycle_contributions_to_one_output_are_read_modify_writes() -> None:
    # order mnk on flexsa ISW: both K halves of the same outputs run in one pass and reach the shared
    # output buffer in the same cycles; the second contribution is still a read-modify-write
    counts = run(FLEXSA, 8, (2, 3, 8), [Region(Mode.ISW, 0, 8, 0, 3, 4, 4, order="mnk")])
    assert counts.cycles == 2 * 4 + 4 + 2 - 2
    assert (counts.output_buffer_writes, counts.output_buffer_reads) == (12, 6)


def test_rejects_operands_of_the_wrong_shape_or_type() -> None:
    plan = GemmPlan(Gemm(2, 2, 2), False, (Region(Mode.FW, 0, 2, 0, 2, 2, 2),))
    machine = Machine(LARGE, 4, 4)
    with pytest.raises(InputError):
        simulate_plan(plan, machine, np.ones((2, 3), dtype=np.int64), np.ones((2, 2), dtype=np.int64))
    with pytest.raises(InputError):
        simulate_plan(plan, machine, np.ones((2, 2)), np.ones((2, 2), dtype=np.int64))


# --- output stationary ------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "n", "k", "size"), [(1, 1, 1, 4), (5, 6, 3, 4), (9, 4, 7, 4), (13, 17, 5, 8), (3, 20, 11, 4)])
def test_output_stationary_product_and_cycles(m: int, n: int, k: int, size: int) -> None:
    a, b = operands(m, n, k, seed=m + n + k)
    out, counts = simulate_output_stationary(a, b, size, size)
    np.testing.assert_array_equal(out, a @ b)
    folds = -(-m // size) * -(-n // size)
    assert counts.cycles == folds * (k + size + size - 2)  # SCALE-Sim's os formula
    assert (counts.macs, counts.output_buffer_writes, counts.output_buffer_reads, counts.psum_forwards) == (m * n * k, m * n, 0, 0)


def test_output_stationary_counts_by_hand() -> None:
    # M=5, N=6, K=3 on 4x4: folds of (4|1 rows) x (4|2 cols), each K + R + C - 2 = 9 cycles
    a, b = operands(5, 6, 3)
    _, counts = simulate_output_stationary(a, b, 4, 4)
    assert counts == SimulationCounts(
        cycles=4 * 9,
        macs=90,
        input_buffer_reads=(4 + 1) * 3 * 2,  # A rows of each fold, once per column block
        weight_buffer_reads=(4 + 2) * 3 * 2,  # B columns of each fold, once per row block
        output_buffer_reads=0,
        output_buffer_writes=30,
        streamed_forwards=3 * (4 * 3 + 4 * 1 + 1 * 3 + 1 * 1),  # A moves right up to the last used column
        psum_forwards=0,
        weight_forwards=3 * (4 * 3 + 2 * 3),  # B moves down up to the last used row (none for a 1-row block)
    )


def test_output_stationary_on_a_non_square_array() -> None:
    a, b = operands(7, 5, 4)
    out, counts = simulate_output_stationary(a, b, 2, 6)
    np.testing.assert_array_equal(out, a @ b)
    assert counts.cycles == 4 * 1 * (4 + 2 + 6 - 2)
