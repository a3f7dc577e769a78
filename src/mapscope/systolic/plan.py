"""A compiled GEMM: which operand is stationary, how it is cut into tiles, and which mode runs them.

The stationary matrix (K x N after an optional transposition) is partitioned into rectangular regions.
Each region runs in one mode: it is cut into tiles of k_chunk x n_chunk (the last ones smaller), the
M rows of the streamed operand into m_blocks near-equal blocks, and the resulting work units
(m-block, k-chunk, n-chunk) are enumerated in `order` (outermost first) and packed, G at a time, into
the passes of the mode's G groups: unit i of a region runs on group i % G of the region's pass i // G.
The order decides which units share a pass and so which operand groups can share (docs/flexsa.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from mapscope.errors import InputError
from mapscope.limits import MAX_PLAN_UNITS
from mapscope.systolic.machine import Machine, Mode
from mapscope.workload.gemm import Gemm

_INT64_LIMIT = 2**62  # counts are int64 in the model: half the range, a margin for the bound's slack

#: Unit enumeration orders, outermost index first. The innermost index varies between the groups of
#: one pass: n innermost -> same A rows (A broadcast); m innermost -> same B tile (B broadcast);
#: k innermost -> same outputs (split-K, partial sums added in the output buffer).
ORDERS = ("mkn", "kmn", "knm", "nkm", "mnk", "nmk")


@dataclass(frozen=True)
class Tile:
    """One group's work in one pass: A rows [m0, m1) x reduction [k0, k1) times B [k0, k1) x [n0, n1)."""

    m0: int
    m1: int
    k0: int
    k1: int
    n0: int
    n1: int

    @property
    def rows_streamed(self) -> int:
        return self.m1 - self.m0

    @property
    def macs(self) -> int:
        return (self.m1 - self.m0) * (self.k1 - self.k0) * (self.n1 - self.n0)


@dataclass(frozen=True)
class Pass:
    """Groups of one mode running concurrently; tiles[g] is group g's tile (fewer tiles: idle groups)."""

    mode: Mode
    tiles: tuple[Tile, ...]


@dataclass(frozen=True)
class Region:
    """A rectangle [k0, k1) x [n0, n1) of the stationary matrix, run in one mode (see module doc)."""

    mode: Mode
    k0: int
    k1: int
    n0: int
    n1: int
    k_chunk: int
    n_chunk: int
    m_blocks: int = 1
    order: str = "mkn"

    @property
    def k_chunks(self) -> int:
        return -(-(self.k1 - self.k0) // self.k_chunk)

    @property
    def n_chunks(self) -> int:
        return -(-(self.n1 - self.n0) // self.n_chunk)

    @property
    def units(self) -> int:
        return self.m_blocks * self.k_chunks * self.n_chunks

    def describe(self) -> str:
        return (
            f"{self.mode:<3} K[{self.k0}:{self.k1}] x N[{self.n0}:{self.n1}] in {self.k_chunk}x{self.n_chunk} tiles"
            f" x {self.m_blocks} M-block{'s' if self.m_blocks > 1 else ''}, order {self.order}"
        )


class UnitTable(NamedTuple):
    """All work units of a plan as parallel integer arrays, one entry per (pass, group) tile."""

    pass_index: np.ndarray
    group: np.ndarray
    m0: np.ndarray
    m1: np.ndarray
    k0: np.ndarray
    k1: np.ndarray
    n0: np.ndarray
    n1: np.ndarray
    pass_mode: tuple[Mode, ...]  # mode of each pass

    def columns(self) -> tuple[np.ndarray, ...]:
        """The eight per-tile arrays, pass_index first."""
        return (self.pass_index, self.group, self.m0, self.m1, self.k0, self.k1, self.n0, self.n1)


@dataclass(frozen=True)
class GemmPlan:
    """How one GEMM runs on one machine. `transposed`: Aᵀ is stationary (Outᵀ = Bᵀ · Aᵀ)."""

    gemm: Gemm
    transposed: bool
    regions: tuple[Region, ...]

    @property
    def effective_dims(self) -> tuple[int, int, int]:
        """(M, N, K) of the product the array computes: B stationary, or Aᵀ stationary if transposed."""
        g = self.gemm
        return (g.n, g.m, g.k) if self.transposed else (g.m, g.n, g.k)

    def validate(self, machine: Machine) -> None:
        """Raise InputError unless the regions tile the stationary matrix exactly and fit the machine."""
        m, n, k = self.effective_dims
        where = f"plan for GEMM {self.gemm.name}"
        area = 0
        for region in self.regions:
            geometry = machine.geometry(region.mode)
            if not (0 <= region.k0 < region.k1 <= k and 0 <= region.n0 < region.n1 <= n):
                raise InputError(f"region {region.describe()} lies outside the {k}x{n} stationary matrix", where)
            if not (1 <= region.k_chunk <= geometry.rows and 1 <= region.n_chunk <= geometry.cols):
                raise InputError(f"tile {region.k_chunk}x{region.n_chunk} does not fit a {geometry.rows}x{geometry.cols} {region.mode} group", where)
            if not 1 <= region.m_blocks <= m:
                raise InputError(f"m_blocks = {region.m_blocks} must be between 1 and M = {m}", where)
            if region.order not in ORDERS:
                raise InputError(f"unknown unit order {region.order!r}; expected one of {', '.join(ORDERS)}", where)
            area += (region.k1 - region.k0) * (region.n1 - region.n0)
        for i, a in enumerate(self.regions):
            for b in self.regions[i + 1 :]:
                if a.k0 < b.k1 and b.k0 < a.k1 and a.n0 < b.n1 and b.n0 < a.n1:
                    raise InputError(f"regions overlap: {a.describe()} and {b.describe()}", where)
        if area != k * n:
            raise InputError(f"regions cover {area} of the {k * n} stationary elements", where)

    def unit_table(self, machine: Machine) -> UnitTable:
        """Every tile of the plan, in pass order, as arrays (the analytical model's input).

        At most MAX_PLAN_UNITS tiles (docs/limits.md), checked before anything is allocated.
        """
        units = sum(region.units for region in self.regions)
        if units > MAX_PLAN_UNITS:
            raise InputError(
                f"the plan has {units:,} tiles, more than the {MAX_PLAN_UNITS:,} mapscope evaluates (docs/limits.md)",
                f"plan for GEMM {self.gemm.name}",
            )
        m = self.effective_dims[0]
        parts: list[tuple[np.ndarray, ...]] = []
        modes: list[Mode] = []
        first_pass = 0
        for region in self.regions:
            groups = machine.geometry(region.mode).groups
            units = region_units(region, m)
            count = units[0].size
            local = np.arange(count, dtype=np.int64)
            parts.append((local // groups + first_pass, local % groups, *units))
            passes = -(-count // groups)
            modes.extend([region.mode] * passes)
            first_pass += passes
        p, g, m0, m1, k0, k1, n0, n1 = (np.concatenate([part[i] for part in parts]) for i in range(8))
        return UnitTable(p, g, m0, m1, k0, k1, n0, n1, pass_mode=tuple(modes))

    def passes(self, machine: Machine) -> Iterator[Pass]:
        """The plan expanded pass by pass (for the cycle-level simulator and for printing)."""
        table = self.unit_table(machine)
        rows = zip(*(column.tolist() for column in table.columns()), strict=True)
        current: list[Tile] = []
        current_pass = 0
        for pass_index, _group, m0, m1, k0, k1, n0, n1 in rows:
            if pass_index != current_pass:
                yield Pass(table.pass_mode[current_pass], tuple(current))
                current, current_pass = [], pass_index
            current.append(Tile(m0, m1, k0, k1, n0, n1))
        if current:
            yield Pass(table.pass_mode[current_pass], tuple(current))


def plan_units_bound(gemm: Gemm, machine: Machine) -> int:
    """An upper bound on the work units of any plan the heuristic tries for `gemm` on `machine`.

    A region of a mode with G groups of r x c PEs has at most min(M, G) M-blocks times its K- and
    N-chunks; cutting the stationary matrix adds at most one chunk along each axis.
    """
    most = 0
    for m, n, k in ((gemm.m, gemm.n, gemm.k), (gemm.n, gemm.m, gemm.k)):  # B or Aᵀ stationary
        for mode in machine.modes:
            geometry = machine.geometry(mode)
            most = max(most, min(m, geometry.groups) * (-(-k // geometry.rows) + 1) * (-(-n // geometry.cols) + 1))
    return most


def check_plan_size(gemm: Gemm, machine: Machine) -> None:
    """InputError unless every plan the heuristic may try for `gemm` has at most MAX_PLAN_UNITS work
    units (checked before any allocation) and counts that fit the model's 64-bit integers.

    With at most U units (so at most U passes and U K-chunks), every count is bounded by one of: MACs
    M N K (streamed forwards and DRAM operand words too); cycles U (2R + C + M + 1); partial-sum
    writes and forwards M N U (R + 1); stationary reads and weight forwards 4 (M + N) K (min(R, K) + 1).
    """
    units = plan_units_bound(gemm, machine)
    if units > MAX_PLAN_UNITS:
        raise InputError(
            f"may need {units:,} tiles on the {machine.rows}x{machine.cols} {machine.kind} machine, more than the "
            f"{MAX_PLAN_UNITS:,} mapscope compiles (docs/limits.md); use a larger array, or a smaller GEMM or batch",
            f"GEMM {gemm.name}",
        )
    m, n, k, rows, cols = gemm.m, gemm.n, gemm.k, machine.rows, machine.cols
    magnitude = max(m * n * k, units * (2 * rows + cols + max(m, n) + 1), m * n * units * (rows + 1), 4 * (m + n) * k * (min(rows, k) + 1))
    if magnitude >= _INT64_LIMIT:
        raise InputError(
            f"its counts on the {rows}x{cols} {machine.kind} machine may exceed the 64-bit integers of the model; "
            "use a smaller GEMM or array, or a single array (--dataflow), whose counts have no limit",
            f"GEMM {gemm.name}",
        )


def block_bounds(extent: int, blocks: int) -> np.ndarray:
    """Boundaries of `blocks` near-equal consecutive blocks of [0, extent); the first extent % blocks are one longer."""
    size, longer = divmod(extent, blocks)
    b = np.arange(blocks + 1, dtype=np.int64)
    return b * size + np.minimum(b, longer)


def chunk_bounds(start: int, stop: int, chunk: int) -> np.ndarray:
    """Boundaries of [start, stop) cut into chunks of `chunk` (the last one shorter)."""
    return np.append(np.arange(start, stop, chunk, dtype=np.int64), np.int64(stop))


def region_units(region: Region, m: int) -> tuple[np.ndarray, ...]:
    """(m0, m1, k0, k1, n0, n1) of every unit of a region, in the region's enumeration order."""
    m_b = block_bounds(m, region.m_blocks)
    k_b = chunk_bounds(region.k0, region.k1, region.k_chunk)
    n_b = chunk_bounds(region.n0, region.n1, region.n_chunk)
    mi, ki, ni = unit_indices(m_b.size - 1, k_b.size - 1, n_b.size - 1, region.order)
    return (m_b[mi], m_b[mi + 1], k_b[ki], k_b[ki + 1], n_b[ni], n_b[ni + 1])


def unit_indices(m_blocks: int, k_chunks: int, n_chunks: int, order: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """M-block, k-chunk and n-chunk index of every unit, in the enumeration order `order` (outermost first)."""
    sizes = {"m": m_blocks, "k": k_chunks, "n": n_chunks}
    grid = np.indices(tuple(sizes[axis] for axis in order), dtype=np.int64).reshape(3, -1)
    index = {axis: grid[position] for position, axis in enumerate(order)}
    return index["m"], index["k"], index["n"]
