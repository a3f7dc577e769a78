"""FlexSA's compile heuristic: per GEMM, the stationary operand, tiling, modes and sharing.

For every way of cutting the stationary matrix at S- and S/2-multiples into at most four regions
(full blocks, a K strip, an N strip, a corner), each region takes the mode, M-blocking and unit order
that is fastest, counting cycle counts within `cycle_tolerance` of the fewest as equal and then
preferring the fewest on-chip buffer accesses (a compiler does not double the partial-sum traffic
to save 0.2% of the cycles). The fixed single-mode policies, chosen by the same rule, are candidates
too, so the heuristic never does worse than any of them under that rule (tests check it).

Costs are closed forms over a region's unit structure; the broadcast and per-core terms that need
the units themselves are computed once per structure (chunk counts, order, groups) and cached, which
is what makes a whole ResNet-50 training iteration compile in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import NamedTuple

import numpy as np

from mapscope.systolic.evaluate import PlanCounts, count_plan
from mapscope.systolic.machine import Machine, MachineKind, Mode
from mapscope.systolic.plan import GemmPlan, Region, check_plan_size, unit_indices
from mapscope.workload.gemm import Gemm

#: Cycle counts within this fraction of the fewest are a tie, broken by on-chip accesses.
CYCLE_TOLERANCE = 0.01

#: Unit orders the heuristic tries: n innermost (groups share A rows), m innermost (groups share the
#: B tile), k innermost (split-K: groups add partial sums of the same outputs).
CANDIDATE_ORDERS = ("mkn", "knm", "mnk")


@dataclass(frozen=True)
class CompiledGemm:
    """A GEMM's chosen plan on a machine and its exact counts."""

    plan: GemmPlan
    counts: PlanCounts


def _coefficients(first: np.ndarray, first_mask: np.ndarray, second: np.ndarray, second_mask: np.ndarray) -> tuple[int, int, int, int]:
    """Counts of distinct entries overall, with the first axis flagged, the second flagged, and both.

    Such quadruples weight a sum over distinct index pairs so that it can be evaluated for any block
    and chunk sizes (see _weighted).
    """
    a, b = first_mask[first], second_mask[second]
    return (int(first.size), int(a.sum()), int(b.sum()), int((a & b).sum()))


@lru_cache(maxsize=4)  # a few: each is up to MAX_PLAN_UNITS x 24 bytes, and the callers' results are cached
def _unit_grid(m_blocks: int, k_chunks: int, n_chunks: int, order: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """plan.unit_indices, cached: the compiler asks for the same few structures over and over."""
    return unit_indices(m_blocks, k_chunks, n_chunks, order)


def _first_of_each(units: int, *keys: tuple[np.ndarray, int]) -> np.ndarray:
    """Index of the first unit of each distinct combination of the integer keys (key, key range)."""
    combined = np.zeros(units, dtype=np.int64)
    for key, size in keys:
        combined = combined * size + key
    _, first = np.unique(combined, return_index=True)
    return first


@lru_cache(maxsize=1 << 16)
def long_passes(m_blocks: int, k_chunks: int, n_chunks: int, order: str, groups: int, longer: int) -> int:
    """Passes holding a unit of one of the `longer` leading M-blocks (one row longer than the rest)."""
    if longer == 0:
        return 0
    if order[0] == "m" or m_blocks == 1:
        return -(-(longer * k_chunks * n_chunks) // groups)
    if order[2] == "m" and groups % m_blocks == 0:  # every pass starts a new round of M-blocks
        return -(-(m_blocks * k_chunks * n_chunks) // groups)
    if order[2] == "m" and m_blocks % groups == 0:  # each round of M-blocks spans m_blocks / G whole passes
        return k_chunks * n_chunks * -(-longer // groups)
    mi, _, _ = _unit_grid(m_blocks, k_chunks, n_chunks, order)
    return int(np.unique((np.arange(mi.size) // groups)[mi < longer]).size)


@lru_cache(maxsize=1 << 16)
def shared_read_pairs(m_blocks: int, k_chunks: int, n_chunks: int, order: str, groups: int, longer: int) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """Coefficients of the distinct (pass, m, k) streamed reads and distinct (pass, k, n) stationary reads."""
    mi, ki, ni = _unit_grid(m_blocks, k_chunks, n_chunks, order)
    units = mi.size
    pass_index = np.arange(units, dtype=np.int64) // groups
    passes = -(-units // groups)
    m_long, k_last, n_last = np.arange(m_blocks) < longer, np.arange(k_chunks) == k_chunks - 1, np.arange(n_chunks) == n_chunks - 1
    inputs = _first_of_each(units, (pass_index, passes), (mi, m_blocks), (ki, k_chunks))
    weights = _first_of_each(units, (pass_index, passes), (ki, k_chunks), (ni, n_chunks))
    return (_coefficients(mi[inputs], m_long, ki[inputs], k_last), _coefficients(ki[weights], k_last, ni[weights], n_last))


@lru_cache(maxsize=1 << 16)
def core_timing(m_blocks: int, k_chunks: int, n_chunks: int, order: str, groups: int, longer: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Units, and units of the `longer` leading M-blocks, of each independent core (unit i runs on core i mod G)."""
    units = m_blocks * k_chunks * n_chunks
    core_units = tuple(-(-(units - g) // groups) for g in range(groups))
    if longer == 0:
        return core_units, (0,) * groups
    if order[0] == "m" or m_blocks == 1:
        leading = longer * k_chunks * n_chunks
        return core_units, tuple(max(0, -(-(leading - g) // groups)) for g in range(groups))
    mi, _, _ = _unit_grid(m_blocks, k_chunks, n_chunks, order)
    group = np.arange(units, dtype=np.int64) % groups
    return core_units, tuple(int(c) for c in np.bincount(group[mi < longer], minlength=groups))


@lru_cache(maxsize=1 << 16)
def core_outputs(m_blocks: int, k_chunks: int, n_chunks: int, order: str, groups: int, longer: int) -> tuple[int, int, int, int]:
    """Coefficients of the distinct (core, m-block, n-chunk) outputs of independent cores."""
    mi, _, ni = _unit_grid(m_blocks, k_chunks, n_chunks, order)
    units = mi.size
    group = np.arange(units, dtype=np.int64) % groups
    m_long, n_last = np.arange(m_blocks) < longer, np.arange(n_chunks) == n_chunks - 1
    outputs = _first_of_each(units, (group, groups), (mi, m_blocks), (ni, n_chunks))
    return _coefficients(mi[outputs], m_long, ni[outputs], n_last)


def _weighted(coefficients: tuple[int, int, int, int], base_a: int, extra_a: int, base_b: int, extra_b: int) -> int:
    """Σ over counted pairs of (base_a + extra_a·[a flagged]) · (base_b + extra_b·[b flagged])."""
    c_all, c_a, c_b, c_ab = coefficients
    return base_a * base_b * c_all + extra_a * base_b * c_a + base_a * extra_b * c_b + extra_a * extra_b * c_ab


class RegionCost(NamedTuple):
    """What a region adds to a plan: cycles and on-chip accesses, plus what joins it to its neighbours."""

    cycles: int
    accesses: int  # streamed + stationary reads + 2 x partial-sum writes (each write but an output's first is also a read)
    first_rows: int  # R of its first pass (the exposed preload when double-buffered)
    last_body: int  # T + R + C - 2 of its last pass (hides the next region's preload when double-buffered)


def region_cycles(region: Region, m: int, machine: Machine) -> tuple[int, int, int]:
    """(cycles, first_rows, last_body) of one region, exactly as count_plan counts them within a plan.

    On split the cycles are those of the busiest core. With double-buffered weights the first
    preload and the waits at region boundaries belong to the plan (plan_cost); first_rows is the
    region's exposed preload and last_body the length of its last pass that hides the next one.
    """
    geometry = machine.geometry(region.mode)
    groups, rows, cols = geometry.groups, geometry.rows, geometry.cols
    k_chunks, n_chunks, m_blocks = region.k_chunks, region.n_chunks, region.m_blocks
    short, longer = divmod(m, m_blocks)
    per_pass = rows + cols - 2 if machine.double_buffered else 2 * rows + cols - 2
    if machine.independent_groups:
        core_units, core_long = core_timing(m_blocks, k_chunks, n_chunks, region.order, groups, longer)
        cycles = max(units * (per_pass + short) + long for units, long in zip(core_units, core_long, strict=True))
    else:
        passes = -(-(m_blocks * k_chunks * n_chunks) // groups)
        cycles = passes * (per_pass + short) + long_passes(m_blocks, k_chunks, n_chunks, region.order, groups, longer)
    if machine.double_buffered and cols == 1:
        cycles += _single_column_waits(region, m, machine)
    last_long = longer > 0 and min(_last_pass_blocks(m_blocks, k_chunks, n_chunks, region.order, groups)) < longer
    return cycles, rows, short + int(last_long) + rows + cols - 2


def region_accesses(region: Region, m: int, machine: Machine) -> int:
    """On-chip accesses of one region: streamed + stationary reads + 2 x partial-sum writes, less the
    first writes per core on split (those are not read back); exact, as count_plan counts them."""
    groups = machine.geometry(region.mode).groups
    k_size, n_size = region.k1 - region.k0, region.n1 - region.n0
    k_chunks, n_chunks, m_blocks = region.k_chunks, region.n_chunks, region.m_blocks
    short, longer = divmod(m, m_blocks)
    k_extra = k_size - k_chunks * region.k_chunk
    n_extra = n_size - n_chunks * region.n_chunk
    if machine.shares_operands and groups > 1:
        input_pairs, weight_pairs = shared_read_pairs(m_blocks, k_chunks, n_chunks, region.order, groups, longer)
        input_reads = _weighted(input_pairs, short, 1, region.k_chunk, k_extra)
        weight_reads = _weighted(weight_pairs, region.k_chunk, k_extra, region.n_chunk, n_extra)
    else:
        input_reads = n_chunks * m * k_size
        weight_reads = m_blocks * k_size * n_size
    output_writes = k_chunks * m * n_size
    accesses = input_reads + weight_reads + 2 * output_writes
    if machine.buffer_instances > 1:
        first_writes = _weighted(core_outputs(m_blocks, k_chunks, n_chunks, region.order, groups, longer), short, 1, region.n_chunk, n_extra)
        accesses += m * n_size - first_writes
    return accesses


def region_cost(region: Region, m: int, machine: Machine) -> RegionCost:
    """region_cycles and region_accesses together."""
    cycles, first_rows, last_body = region_cycles(region, m, machine)
    return RegionCost(cycles, region_accesses(region, m, machine), first_rows, last_body)


@lru_cache(maxsize=1 << 14)
def _last_pass_blocks(m_blocks: int, k_chunks: int, n_chunks: int, order: str, groups: int) -> tuple[int, ...]:
    """M-block indices of the units in a region's last pass."""
    sizes = {"m": m_blocks, "k": k_chunks, "n": n_chunks}
    units = m_blocks * k_chunks * n_chunks
    inner = 1
    for axis in order[order.index("m") + 1 :]:
        inner *= sizes[axis]
    return tuple((local // inner) % m_blocks for local in range(((units - 1) // groups) * groups, units))


def _single_column_waits(region: Region, m: int, machine: Machine) -> int:
    """Double-buffered waits inside a region whose groups are one column wide (the only case they occur)."""
    plan = GemmPlan(Gemm(m, region.n1, region.k1), False, (region,))
    table = plan.unit_table(machine)
    t = table.m1 - table.m0
    geometry = machine.geometry(region.mode)
    rows = geometry.rows
    if machine.independent_groups:
        worst = 0
        for g in range(geometry.groups):
            mine = t[table.group == g]
            worst = max(worst, int(np.maximum(rows - (mine[:-1] + rows - 1), 0).sum()))
        return worst
    starts = np.flatnonzero(np.r_[True, table.pass_index[1:] != table.pass_index[:-1]])
    pass_t = np.maximum.reduceat(t, starts)
    return int(np.maximum(rows - (pass_t[:-1] + rows - 1), 0).sum())


def plan_cost(costs: list[RegionCost], machine: Machine) -> tuple[int, int]:
    """(cycles, accesses) of regions run in sequence: their sum, plus the preload exposure when double-buffered."""
    cycles = sum(cost.cycles for cost in costs)
    if machine.double_buffered and costs:
        if machine.independent_groups:
            raise ValueError("plan_cost composes lockstep regions only")
        cycles += costs[0].first_rows
        cycles += sum(max(0, after.first_rows - before.last_body) for before, after in zip(costs, costs[1:], strict=False))
    return cycles, sum(cost.accesses for cost in costs)


def _effective_orders(m_blocks: int, k_chunks: int, n_chunks: int) -> list[str]:
    """Candidate orders that differ once axes of size one are ignored."""
    sizes = {"m": m_blocks, "k": k_chunks, "n": n_chunks}
    seen: dict[str, str] = {}
    for order in CANDIDATE_ORDERS:
        seen.setdefault("".join(axis for axis in order if sizes[axis] > 1), order)
    return list(seen.values())


@lru_cache(maxsize=1 << 16)
def region_candidates(mode: Mode, k0: int, k1: int, n0: int, n1: int, m: int, machine: Machine) -> tuple[Region, ...]:
    """Regions the heuristic tries for one rectangle in one mode: group-sized tiles, 1/2/G M-blocks, each order."""
    geometry = machine.geometry(mode)
    k_chunk, n_chunk = min(geometry.rows, k1 - k0), min(geometry.cols, n1 - n0)
    k_chunks, n_chunks = -(-(k1 - k0) // k_chunk), -(-(n1 - n0) // n_chunk)
    candidates = []
    for m_blocks in sorted({b for b in (1, 2, geometry.groups) if b <= min(m, geometry.groups)}):
        for order in _effective_orders(m_blocks, k_chunks, n_chunks):
            candidates.append(Region(mode, k0, k1, n0, n1, k_chunk, n_chunk, m_blocks, order))
    return tuple(candidates)


def _pick(options: list[tuple[int, int, object]], tolerance: float) -> int:
    """Index of the option with the fewest accesses among those within `tolerance` of the fewest cycles."""
    fewest = min(cycles for cycles, _, _ in options)
    limit = fewest * (1 + tolerance)
    best = -1
    for i, (cycles, accesses, _) in enumerate(options):
        if cycles <= limit and (best < 0 or (accesses, cycles) < (options[best][1], options[best][0])):
            best = i
    return best


def _best_region(candidates: list[Region] | tuple[Region, ...], m: int, machine: Machine, tolerance: float) -> tuple[Region, RegionCost]:
    """The tolerance rule on regions; accesses are computed only for the candidates fast enough to count."""
    order_free: dict[tuple[Mode, int], tuple[int, int, int]] = {}  # even M-blocks: lockstep cycles ignore the order

    def cycles_of(region: Region) -> tuple[int, int, int]:
        if machine.independent_groups or m % region.m_blocks:
            return region_cycles(region, m, machine)
        key = (region.mode, region.m_blocks)
        if key not in order_free:
            order_free[key] = region_cycles(region, m, machine)
        return order_free[key]

    timed = [(region, cycles_of(region)) for region in candidates]
    limit = min(cycles for _, (cycles, _, _) in timed) * (1 + tolerance)
    best: tuple[Region, RegionCost] | None = None
    for region, (cycles, first_rows, last_body) in timed:
        if cycles <= limit:
            cost = RegionCost(cycles, region_accesses(region, m, machine), first_rows, last_body)
            if best is None or (cost.accesses, cost.cycles) < (best[1].accesses, best[1].cycles):
                best = (region, cost)
    assert best is not None
    return best


def _cuts(extent: int, size: int) -> list[int]:
    """Where to cut an axis: nowhere, after the last full S block, or after the last full S/2 block."""
    cuts = {extent}
    for step in (size, size // 2):
        if step > 0:
            cut = (extent // step) * step
            if 0 < cut < extent:
                cuts.add(cut)
    return sorted(cuts, reverse=True)


def _plan_options(gemm: Gemm, machine: Machine, modes: tuple[Mode, ...], cut: bool, tolerance: float) -> list[tuple[int, int, object]]:
    """(cycles, accesses, plan) of every decomposition and transposition, regions chosen by the tolerance rule."""
    options: list[tuple[int, int, object]] = []
    for transposed in (False, True):
        m, n, k = (gemm.n, gemm.m, gemm.k) if transposed else (gemm.m, gemm.n, gemm.k)
        memo: dict[tuple[int, int, int, int], tuple[Region, RegionCost]] = {}
        for k_cut, n_cut in product(_cuts(k, machine.rows) if cut else [k], _cuts(n, machine.cols) if cut else [n]):
            chosen: list[tuple[Region, RegionCost]] = []
            for (k0, k1), (n0, n1) in product(((0, k_cut), (k_cut, k)), ((0, n_cut), (n_cut, n))):
                if k1 <= k0 or n1 <= n0:
                    continue
                key = (k0, k1, n0, n1)
                if key not in memo:
                    memo[key] = _best_region([region for mode in modes for region in region_candidates(mode, k0, k1, n0, n1, m, machine)], m, machine, tolerance)
                chosen.append(memo[key])
            cycles, accesses = plan_cost([cost for _, cost in chosen], machine)
            options.append((cycles, accesses, GemmPlan(gemm, transposed, tuple(region for region, _ in chosen))))
    return options


def _single_region_options(gemm: Gemm, machine: Machine, mode: Mode, tolerance: float) -> list[tuple[int, int, object]]:
    """(cycles, accesses, plan) of every whole-matrix region in `mode`, both transpositions (exact counts;
    accesses only for the options within tolerance of the fewest cycles, the others cannot be picked)."""
    options: list[tuple[int, int, object]] = []
    for transposed in (False, True):
        m, n, k = (gemm.n, gemm.m, gemm.k) if transposed else (gemm.m, gemm.n, gemm.k)
        for region in region_candidates(mode, 0, k, 0, n, m, machine):
            cycles, first_rows, _ = region_cycles(region, m, machine)
            cycles += first_rows if machine.double_buffered else 0
            options.append((cycles, -1, GemmPlan(gemm, transposed, (region,))))
    limit = min(cycles for cycles, _, _ in options) * (1 + tolerance)
    for i, (cycles, _, plan) in enumerate(options):
        if cycles <= limit:
            assert isinstance(plan, GemmPlan)
            options[i] = (cycles, region_accesses(plan.regions[0], plan.effective_dims[0], machine), plan)
    return options


@lru_cache(maxsize=1 << 16)
def _compile_shape(m: int, n: int, k: int, machine: Machine, mode: Mode | None, tolerance: float) -> CompiledGemm:
    gemm = Gemm(m, n, k)
    if mode is not None:
        options = _single_region_options(gemm, machine, mode, tolerance)
    elif machine.kind is MachineKind.FLEXSA:
        options = _plan_options(gemm, machine, machine.modes, cut=True, tolerance=tolerance)
        for fixed in machine.modes:  # the fixed single-mode policies' own choices
            policy = _single_region_options(gemm, machine, fixed, tolerance)
            options.append(policy[_pick(policy, tolerance)])
    else:
        options = _single_region_options(gemm, machine, machine.modes[0], tolerance)
    plan = options[_pick(options, tolerance)][2]
    assert isinstance(plan, GemmPlan)
    return CompiledGemm(plan, count_plan(plan, machine))


def compile_gemm(gemm: Gemm, machine: Machine, cycle_tolerance: float = CYCLE_TOLERANCE) -> CompiledGemm:
    """The heuristic's plan for `gemm` on `machine` and its exact counts (cached per shape and machine).

    large: one array, B or Aᵀ stationary. split ("naive splitting"): core-sized tiles dealt to the four
    cores in turn, with the best transposition, M-blocking and order. flexsa: the full heuristic.
    InputError when the GEMM has too many tiles for the machine (`check_plan_size`).
    """
    check_plan_size(gemm, machine)
    return _relabel(_compile_shape(gemm.m, gemm.n, gemm.k, machine, None, cycle_tolerance), gemm)


def fixed_mode_plan(gemm: Gemm, machine: Machine, mode: Mode, cycle_tolerance: float = CYCLE_TOLERANCE) -> CompiledGemm:
    """A fixed single-mode policy: every tile in `mode`; transposition, M-blocking and order by the same rule."""
    machine.geometry(mode)  # raises unless the machine has the mode
    check_plan_size(gemm, machine)
    return _relabel(_compile_shape(gemm.m, gemm.n, gemm.k, machine, mode, cycle_tolerance), gemm)


def _relabel(compiled: CompiledGemm, gemm: Gemm) -> CompiledGemm:
    plan = GemmPlan(gemm, compiled.plan.transposed, compiled.plan.regions)
    counts = compiled.counts.scaled(gemm.count) if gemm.count != 1 else compiled.counts
    return CompiledGemm(plan, counts)


def clear_caches() -> None:
    """Forget every cached plan and unit structure (for benchmarks that time a cold start)."""
    for cached in (_compile_shape, region_candidates, long_passes, shared_read_pairs, core_timing, core_outputs, _unit_grid, _last_pass_blocks):
        cached.cache_clear()
