"""The weight-stationary machines of docs/flexsa.md, tick by tick: PEs with active and shadow weight
registers, groups (sub-arrays) placed in the physical array, the feeders that skew operands in, and the
passes of a GEMM plan clocked through one array (or through each core of a split machine).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mapscope.systolic.machine import Machine, Mode
from mapscope.systolic.plan import GemmPlan, Tile
from mapscope.systolic.simulator.buffers import (
    BUBBLE,
    BufferSet,
    OperandBuffer,
    OutputBuffer,
    SimulationCounts,
    Tally,
    Token,
    combined_outputs,
    integer_matrix,
    simulation_counts,
)


class PE:
    """One weight-stationary PE: active and shadow weight registers, east (streamed) and south (partial-sum) latches."""

    __slots__ = ("weight", "shadow", "east", "south")

    def __init__(self) -> None:
        self.weight: Token | None = None
        self.shadow: Token | None = None
        self.east: Token | None = None
        self.south: Token | None = None

    def loading(self, shadow: bool) -> Token | None:
        """The register the weight chain shifts through: the shadow one when double-buffered."""
        return self.shadow if shadow else self.weight

    def load(self, token: Token | None, shadow: bool) -> None:
        if shadow:
            self.shadow = token
        else:
            self.weight = token


def pe_grid(rows: int, cols: int) -> list[list[PE]]:
    """A physical array of fresh PEs, indexed [row][col]."""
    return [[PE() for _ in range(cols)] for _ in range(rows)]


@dataclass(frozen=True)
class Placement:
    """A group's window of the physical array: its top-left PE and its rows x cols geometry."""

    row: int
    col: int
    rows: int
    cols: int


Layout = tuple[tuple[Placement, Tile], ...]  # the (window, tile) of every busy group of one pass


class SubArray:
    """One group running one tile: streamed tokens enter its west edge, partial sums leave its south edge."""

    def __init__(self, pes: list[list[PE]], place: Placement, tile: Tile, output: OutputBuffer, tally: Tally) -> None:
        self.pes = [[pes[place.row + i][place.col + j] for j in range(place.cols)] for i in range(place.rows)]
        self.rows, self.cols = place.rows, place.cols
        self.tile = tile
        self.output = output
        self.tally = tally

    def shift_weights(self, north: Sequence[Token], shadow: bool) -> None:
        """One preload tick: every column's weight chain moves down one row and takes north[j] at the top."""
        for j in range(self.cols):
            for i in range(self.rows - 1, 0, -1):
                moving = self.pes[i - 1][j].loading(shadow)
                if moving is not None and moving.valid:
                    self.tally.weight_forwards += 1
                self.pes[i][j].load(moving, shadow)
            self.pes[0][j].load(north[j], shadow)

    def swap_in_shadow(self) -> None:
        """Double buffering: the preloaded shadow weights become the active ones at the start of the stream."""
        for row in self.pes:
            for pe in row:
                pe.weight, pe.shadow = pe.shadow, None

    def retire_weights(self) -> None:
        """At the end of its pass the tile's weights stop being valid data (a later preload shifts them out uncounted)."""
        for row in self.pes:
            for pe in row:
                pe.weight = None

    def stream_tick(self, cycle: int, west: Sequence[Token | None]) -> None:
        """One clock tick `cycle` ticks into the stream: each PE takes its inputs, multiply-accumulates, latches."""
        east: list[list[Token | None]] = [[None] * self.cols for _ in range(self.rows)]
        south: list[list[Token | None]] = [[None] * self.cols for _ in range(self.rows)]
        for i in range(self.rows):
            for j in range(self.cols):
                pe = self.pes[i][j]
                streamed = self._arrive(west[i] if j == 0 else self.pes[i][j - 1].east, pe, moved=j > 0)
                above = self.pes[i - 1][j].south if i > 0 else None
                if above is not None and above.valid:
                    self.tally.psum_forwards += 1
                east[i][j] = streamed
                south[i][j] = self._multiply_accumulate(pe.weight, streamed, above)
        for i in range(self.rows):
            for j in range(self.cols):
                self.pes[i][j].east, self.pes[i][j].south = east[i][j], south[i][j]
        for i in range(self.rows):
            self.pes[i][self.cols - 1].east = None  # leaves at the east edge
        for j in range(self.cols):
            leaving = self.pes[self.rows - 1][j].south
            if leaving is not None and leaving.valid:
                self._write(cycle, j, leaving.value)
            self.pes[self.rows - 1][j].south = None  # leaves at the south edge

    @property
    def holds_tokens(self) -> bool:
        return any(pe.east is not None or pe.south is not None for row in self.pes for pe in row)

    def _arrive(self, token: Token | None, pe: PE, moved: bool) -> Token | None:
        """A streamed token entering `pe`: it stays valid only where a valid weight sits (values stop at the last used column)."""
        if token is None:
            return None
        if token.valid and pe.weight is not None and pe.weight.valid:
            if moved:
                self.tally.streamed_forwards += 1
            return token
        return BUBBLE

    def _multiply_accumulate(self, weight: Token | None, streamed: Token | None, above: Token | None) -> Token | None:
        if streamed is None and above is None:
            return None
        valid = above is not None and above.valid
        total = above.value if above is not None and above.valid else 0
        if streamed is not None and streamed.valid and weight is not None and weight.valid:
            total += streamed.value * weight.value
            self.tally.macs += 1
            valid = True
        return Token(total, True) if valid else BUBBLE

    def _write(self, cycle: int, col: int, value: int) -> None:
        """The output sequencer's address, from the clock: streamed row t's sum leaves column `col` at stream tick t + R - 1 + col."""
        t = cycle - (self.rows - 1) - col
        tile = self.tile
        assert 0 <= t < tile.rows_streamed and col < tile.n1 - tile.n0, "a valid sum left the array outside its tile"
        self.output.accumulate(tile.m0 + t, tile.n0 + col, value)


class StreamFeeder:
    """Sends a tile's streamed rows to the west edge on the skew: row t enters group row i at stream tick t + i.

    Every group it feeds (a broadcast set) gets the same tokens from one buffer read per word.
    """

    def __init__(self, tile: Tile, rows: int, buffer: OperandBuffer) -> None:
        self.tile, self.rows, self.buffer = tile, rows, buffer

    def tokens(self, cycle: int) -> list[Token | None]:
        tile = self.tile
        edge: list[Token | None] = []
        for i in range(self.rows):
            t = cycle - i
            if not 0 <= t < tile.rows_streamed:
                edge.append(None)
            elif i < tile.k1 - tile.k0:
                edge.append(Token(self.buffer.read(tile.m0 + t, tile.k0 + i), True))
            else:
                edge.append(BUBBLE)  # an unused row keeps its skew slot
        return edge

    def finished(self, cycle: int) -> bool:
        """Whether the last row's last slot is behind tick `cycle`."""
        return cycle - (self.rows - 1) >= self.tile.rows_streamed


class WeightFeeder:
    """Sends a tile's weights to the top edge: preload tick c carries row R - 1 - c, so row i holds its weight after R ticks."""

    def __init__(self, tile: Tile, rows: int, cols: int, buffer: OperandBuffer) -> None:
        self.tile, self.rows, self.cols, self.buffer = tile, rows, cols, buffer

    def tokens(self, cycle: int) -> list[Token]:
        tile = self.tile
        i = self.rows - 1 - cycle
        used = i < tile.k1 - tile.k0
        return [
            Token(self.buffer.read(tile.k0 + i, tile.n0 + j), True) if used and j < tile.n1 - tile.n0 else BUBBLE
            for j in range(self.cols)
        ]

    def finished(self, cycle: int) -> bool:
        return cycle >= self.rows


def broadcast_sets(groups: list[SubArray], key: Callable[[Tile], tuple[int, ...]] | None) -> list[list[SubArray]]:
    """Groups fed by one buffer read per word: those with the same key when the machine broadcasts, else each alone."""
    if key is None:
        return [[group] for group in groups]
    sets: dict[tuple[int, ...], list[SubArray]] = {}
    for group in groups:
        sets.setdefault(key(group.tile), []).append(group)
    return list(sets.values())


class PassRun:
    """One pass in flight: its groups, the feeders that serve them, and its own preload and stream clocks."""

    def __init__(self, pes: list[list[PE]], layout: Layout, buffers: BufferSet, broadcast: bool, shadow: bool, tally: Tally) -> None:
        self.groups = [SubArray(pes, place, tile, buffers.output, tally) for place, tile in layout]
        self.shadow = shadow
        a_key = (lambda t: (t.m0, t.m1, t.k0, t.k1)) if broadcast else None
        b_key = (lambda t: (t.k0, t.k1, t.n0, t.n1)) if broadcast else None
        self.weight_feeds = [
            (WeightFeeder(members[0].tile, members[0].rows, members[0].cols, buffers.weight), members)
            for members in broadcast_sets(self.groups, b_key)
        ]
        self.stream_feeds = [
            (StreamFeeder(members[0].tile, members[0].rows, buffers.input), members) for members in broadcast_sets(self.groups, a_key)
        ]
        self.preload_cycle = 0
        self.stream_cycle = 0

    @property
    def preloaded(self) -> bool:
        return all(feeder.finished(self.preload_cycle) for feeder, _ in self.weight_feeds)

    @property
    def busy(self) -> bool:
        """Tokens still to enter or still inside a group (the pass lasts as long as its slowest group)."""
        pending = any(not feeder.finished(self.stream_cycle) for feeder, _ in self.stream_feeds)
        return pending or any(group.holds_tokens for group in self.groups)

    def preload_tick(self) -> None:
        for feeder, members in self.weight_feeds:
            north = feeder.tokens(self.preload_cycle)
            for group in members:
                group.shift_weights(north, self.shadow)
        self.preload_cycle += 1

    def start_stream(self) -> None:
        if self.shadow:
            for group in self.groups:
                group.swap_in_shadow()

    def stream_tick(self) -> None:
        for feeder, members in self.stream_feeds:
            west = feeder.tokens(self.stream_cycle)
            for group in members:
                group.stream_tick(self.stream_cycle, west)
        self.stream_cycle += 1
        if not self.busy:
            for group in self.groups:
                group.retire_weights()


def run_sequence(
    pes: list[list[PE]], passes: Sequence[Layout], buffers: BufferSet, broadcast: bool, double_buffered: bool, tally: Tally
) -> int:
    """Clock one array through its passes until it is idle; returns the number of ticks.

    Double-buffered, the next pass preloads its shadow weights from the tick the current pass starts
    streaming, and streams once both the current pass has drained and its own preload is complete.
    """
    pending = deque(passes)
    streaming: PassRun | None = None
    loading: PassRun | None = None
    ticks = 0
    while True:
        if streaming is None and loading is not None and loading.preloaded:
            streaming, loading = loading, None
            streaming.start_stream()
        if loading is None and pending and (double_buffered or streaming is None):
            loading = PassRun(pes, pending.popleft(), buffers, broadcast, double_buffered, tally)
        if streaming is None and loading is None:
            return ticks
        if loading is not None and not loading.preloaded:
            loading.preload_tick()
        if streaming is not None:
            streaming.stream_tick()
            if not streaming.busy:
                streaming = None
        ticks += 1


def placements(machine: Machine, mode: Mode) -> list[Placement]:
    """The windows of a mode's groups in the physical array, row-major (VSW: left, right; HSW: top, bottom)."""
    geometry = machine.geometry(mode)
    per_row = machine.cols // geometry.cols
    return [
        Placement((g // per_row) * geometry.rows, (g % per_row) * geometry.cols, geometry.rows, geometry.cols)
        for g in range(geometry.groups)
    ]


def simulate_plan(plan: GemmPlan, machine: Machine, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, SimulationCounts]:
    """Run one instance of `plan` on `machine` tick by tick; returns Out = a @ b (M x N) and what the hardware did.

    Transposed plans compute Outᵀ = Bᵀ · Aᵀ on the array (Bᵀ streamed, Aᵀ stationary). On split each core
    has its own clock and private buffers (GEMM cycles = the longest core); otherwise one shared set.
    """
    plan.validate(machine)
    gemm = plan.gemm
    a_words = integer_matrix(a, (gemm.m, gemm.k), "A")
    b_words = integer_matrix(b, (gemm.k, gemm.n), "B")
    if plan.transposed:
        streamed, stationary = [list(col) for col in zip(*b_words, strict=True)], [list(col) for col in zip(*a_words, strict=True)]
    else:
        streamed, stationary = a_words, b_words
    m, n, _ = plan.effective_dims
    passes = list(plan.passes(machine))
    tally = Tally()
    buffer_sets = [
        BufferSet(OperandBuffer(streamed), OperandBuffer(stationary), OutputBuffer()) for _ in range(machine.buffer_instances)
    ]
    if machine.independent_groups:
        geometry = machine.geometry(Mode.ISW)
        core = Placement(0, 0, geometry.rows, geometry.cols)
        cycles = 0
        for g, buffers in enumerate(buffer_sets):
            sequence: list[Layout] = [((core, p.tiles[g]),) for p in passes if g < len(p.tiles)]
            core_cycles = run_sequence(pe_grid(core.rows, core.cols), sequence, buffers, False, machine.double_buffered, tally)
            cycles = max(cycles, core_cycles)
    else:
        sequence = [tuple(zip(placements(machine, p.mode), p.tiles, strict=False)) for p in passes]
        pes = pe_grid(machine.rows, machine.cols)
        cycles = run_sequence(pes, sequence, buffer_sets[0], machine.shares_operands, machine.double_buffered, tally)
    out = combined_outputs(buffer_sets, m, n)
    return (out.T.copy() if plan.transposed else out), simulation_counts(cycles, tally, buffer_sets)
