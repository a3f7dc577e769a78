"""FlexSA's compile heuristic: per GEMM, the stationary operand, tiling, modes and sharing.

For every way of cutting the stationary matrix at S- and S/2-multiples into at most four regions
(full blocks, a K strip, an N strip, a corner), each region independently takes the mode, M-blocking
and unit order with the fewest cycles, then the fewest on-chip buffer accesses; the best cut and
transposition wins. Uncut single-mode plans are among the candidates, so the heuristic is never
worse than a fixed single-mode policy (tests check it on the whole reproduction workload).
Costs of one region are closed forms (numpy over its units only for broadcast counting and
uneven M-blocks); the chosen plan is then counted exactly by `evaluate.count_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

from mapscope.systolic.evaluate import PlanCounts, count_plan
from mapscope.systolic.machine import Machine, MachineKind, Mode
from mapscope.systolic.plan import ORDERS, GemmPlan, Region, block_bounds, chunk_bounds
from mapscope.workload.gemm import Gemm


@dataclass(frozen=True)
class RegionCost:
    """What a region adds to a plan on a lockstep machine: cycles, then on-chip accesses."""

    cycles: int
    accesses: int  # streamed reads + stationary reads + 2 x partial-sum writes (each write but the first is also a read)

    def __add__(self, other: RegionCost) -> RegionCost:
        return RegionCost(self.cycles + other.cycles, self.accesses + other.accesses)


@dataclass(frozen=True)
class CompiledGemm:
    """A GEMM's chosen plan on a machine and its exact counts."""

    plan: GemmPlan
    counts: PlanCounts


def _effective_orders(m_blocks: int, k_chunks: int, n_chunks: int) -> list[str]:
    """Unit orders that differ once axes of size one are ignored (the rest enumerate identically)."""
    sizes = {"m": m_blocks, "k": k_chunks, "n": n_chunks}
    seen: dict[str, str] = {}
    for order in ORDERS:
        seen.setdefault("".join(axis for axis in order if sizes[axis] > 1), order)
    return list(seen.values())


def _unit_indices(region: Region, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sizes = {"m": region.m_blocks, "k": region.k_chunks, "n": region.n_chunks}
    grid = np.indices(tuple(sizes[axis] for axis in region.order), dtype=np.int64).reshape(3, -1)
    index = {axis: grid[position] for position, axis in enumerate(region.order)}
    return index["m"], index["k"], index["n"]


def region_cycles(region: Region, m: int, machine: Machine) -> int:
    """Cycles one region adds to a plan on a lockstep machine (large or flexsa), as count_plan counts them.

    With double-buffered weights the first preload and any wait between passes are left out (they
    are not the region's own); `count_plan` counts them on the whole plan.
    """
    geometry = machine.geometry(region.mode)
    groups, rows, cols = geometry.groups, geometry.rows, geometry.cols
    k_chunks, n_chunks, m_blocks = region.k_chunks, region.n_chunks, region.m_blocks
    units = m_blocks * k_chunks * n_chunks
    passes = -(-units // groups)
    short, longer = divmod(m, m_blocks)
    if longer == 0:
        long_passes = 0
    elif region.order[0] == "m":
        long_passes = -(-(longer * k_chunks * n_chunks) // groups)
    elif units <= groups:
        long_passes = 1
    else:
        is_long = np.zeros(passes * groups, dtype=bool)
        is_long[:units] = _unit_indices(region, m)[0] < longer
        long_passes = int(is_long.reshape(passes, groups).any(axis=1).sum())
    per_pass = rows + cols - 2 if machine.double_buffered else 2 * rows + cols - 2
    return passes * (per_pass + short) + long_passes


def region_accesses(region: Region, m: int, machine: Machine) -> int:
    """On-chip accesses one region adds: streamed + stationary reads + 2 x partial-sum writes.

    Each partial-sum write but an output's first is also a read; the first ones are a constant of the GEMM.
    """
    groups = machine.geometry(region.mode).groups
    k_size, n_size = region.k1 - region.k0, region.n1 - region.n0
    k_chunks, n_chunks, m_blocks = region.k_chunks, region.n_chunks, region.m_blocks
    units = m_blocks * k_chunks * n_chunks
    output_writes = k_chunks * m * n_size
    if not (machine.shares_operands and groups > 1 and units > 1):
        return n_chunks * m * k_size + m_blocks * k_size * n_size + 2 * output_writes
    mi, ki, ni = _unit_indices(region, m)
    t = np.diff(block_bounds(m, m_blocks))[mi]
    kr = np.diff(chunk_bounds(region.k0, region.k1, region.k_chunk))[ki]
    nc = np.diff(chunk_bounds(region.n0, region.n1, region.n_chunk))[ni]
    pass_index = np.arange(units, dtype=np.int64) // groups
    _, first_input = np.unique((pass_index * m_blocks + mi) * k_chunks + ki, return_index=True)
    _, first_weight = np.unique((pass_index * k_chunks + ki) * n_chunks + ni, return_index=True)
    input_reads = int((t[first_input] * kr[first_input]).sum())
    weight_reads = int((kr[first_weight] * nc[first_weight]).sum())
    return input_reads + weight_reads + 2 * output_writes


def region_cost(region: Region, m: int, machine: Machine) -> RegionCost:
    """Cycles and accesses of one region on a lockstep machine (see region_cycles, region_accesses)."""
    return RegionCost(region_cycles(region, m, machine), region_accesses(region, m, machine))


def _region_candidates(mode: Mode, k0: int, k1: int, n0: int, n1: int, m: int, machine: Machine) -> list[Region]:
    geometry = machine.geometry(mode)
    k_chunk, n_chunk = min(geometry.rows, k1 - k0), min(geometry.cols, n1 - n0)
    k_chunks, n_chunks = -(-(k1 - k0) // k_chunk), -(-(n1 - n0) // n_chunk)
    candidates = []
    block_options = sorted({b for b in (1, 2, geometry.groups) if b <= m and b <= geometry.groups})
    for m_blocks in block_options:
        for order in _effective_orders(m_blocks, k_chunks, n_chunks):
            candidates.append(Region(mode, k0, k1, n0, n1, k_chunk, n_chunk, m_blocks, order))
    return candidates


def _best_region(k0: int, k1: int, n0: int, n1: int, m: int, machine: Machine, modes: tuple[Mode, ...]) -> tuple[Region, RegionCost]:
    """The region choice with the fewest cycles, then the fewest accesses (first found on ties)."""
    timed = [(region_cycles(region, m, machine), region) for mode in modes for region in _region_candidates(mode, k0, k1, n0, n1, m, machine)]
    fewest = min(cycles for cycles, _ in timed)
    best: tuple[Region, RegionCost] | None = None
    for cycles, region in timed:
        if cycles == fewest:
            cost = RegionCost(cycles, region_accesses(region, m, machine))
            if best is None or cost.accesses < best[1].accesses:
                best = (region, cost)
    assert best is not None
    return best


def _cuts(extent: int, size: int) -> list[int]:
    """Where to cut an axis: nowhere, or after the last full S block, or after the last full S/2 block."""
    cuts = {extent}
    for step in (size, size // 2):
        if step > 0:
            cut = (extent // step) * step
            if 0 < cut < extent:
                cuts.add(cut)
    return sorted(cuts, reverse=True)


def _lockstep_plan(gemm: Gemm, machine: Machine, modes: tuple[Mode, ...], cut: bool) -> GemmPlan:
    """The best plan over transposition and (if `cut`) region decompositions, restricted to `modes`."""
    best: tuple[tuple[int, int], GemmPlan] | None = None
    for transposed in (False, True):
        m, n, k = (gemm.n, gemm.m, gemm.k) if transposed else (gemm.m, gemm.n, gemm.k)
        k_cuts = _cuts(k, machine.rows) if cut else [k]
        n_cuts = _cuts(n, machine.cols) if cut else [n]
        memo: dict[tuple[int, int, int, int], tuple[Region, RegionCost]] = {}
        for k_cut, n_cut in product(k_cuts, n_cuts):
            rectangles = [
                (k0, k1, n0, n1)
                for (k0, k1), (n0, n1) in product(((0, k_cut), (k_cut, k)), ((0, n_cut), (n_cut, n)))
                if k1 > k0 and n1 > n0
            ]
            total = RegionCost(0, 0)
            regions = []
            for rectangle in rectangles:
                if rectangle not in memo:
                    memo[rectangle] = _best_region(*rectangle, m, machine, modes)
                region, cost = memo[rectangle]
                regions.append(region)
                total = total + cost
            key = (total.cycles, total.accesses)
            if best is None or key < best[0]:
                best = (key, GemmPlan(gemm, transposed, tuple(regions)))
    assert best is not None
    return best[1]


def _split_plan(gemm: Gemm, machine: Machine) -> GemmPlan:
    """Naive splitting: the stationary matrix in core-sized tiles dealt to the four cores; best M-blocking and order."""
    best: tuple[tuple[int, int], GemmPlan] | None = None
    for transposed in (False, True):
        m, n, k = (gemm.n, gemm.m, gemm.k) if transposed else (gemm.m, gemm.n, gemm.k)
        for region in _region_candidates(Mode.ISW, 0, k, 0, n, m, machine):
            plan = GemmPlan(gemm, transposed, (region,))
            counts = count_plan(plan, machine)
            key = (counts.cycles, counts.onchip_accesses)
            if best is None or key < best[0]:
                best = (key, plan)
    assert best is not None
    return best[1]


def _unit_gemm(gemm: Gemm) -> Gemm:
    return Gemm(gemm.m, gemm.n, gemm.k)


@lru_cache(maxsize=65536)
def _compile_shape(m: int, n: int, k: int, machine: Machine, modes: tuple[Mode, ...] | None) -> CompiledGemm:
    gemm = Gemm(m, n, k)
    if machine.kind is MachineKind.SPLIT:
        plan = _split_plan(gemm, machine)
    elif modes is not None:
        plan = _lockstep_plan(gemm, machine, modes, cut=False)
    else:
        plan = _lockstep_plan(gemm, machine, machine.modes, cut=machine.kind is MachineKind.FLEXSA)
    return CompiledGemm(plan, count_plan(plan, machine))


def compile_gemm(gemm: Gemm, machine: Machine) -> CompiledGemm:
    """The heuristic's plan for `gemm` on `machine` and its exact counts (cached per shape and machine)."""
    return _relabel(_compile_shape(gemm.m, gemm.n, gemm.k, machine, None), gemm)


def fixed_mode_plan(gemm: Gemm, machine: Machine, mode: Mode) -> CompiledGemm:
    """A fixed single-mode policy: every tile in `mode`, best transposition, M-blocking and order."""
    if machine.kind is not MachineKind.FLEXSA:
        machine.geometry(mode)  # raises unless the machine has the mode
    return _relabel(_compile_shape(gemm.m, gemm.n, gemm.k, machine, (mode,)), gemm)


def _relabel(compiled: CompiledGemm, gemm: Gemm) -> CompiledGemm:
    plan = GemmPlan(gemm, compiled.plan.transposed, compiled.plan.regions)
    counts = compiled.counts.scaled(gemm.count) if gemm.count != 1 else compiled.counts
    return CompiledGemm(plan, counts)
