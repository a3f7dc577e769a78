"""The three machines that run the same GEMM stream: one large array, four split cores, and FlexSA.

A machine is an R x C weight-stationary array. `split` and `flexsa` divide it into four (R/2) x (C/2)
sub-arrays; FlexSA can also run them as one array (FW) or as two halves (VSW, HSW). See docs/flexsa.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from mapscope.errors import InputError
from mapscope.limits import MAX_SIZE, quoted

MIB = 1024 * 1024


class MachineKind(StrEnum):
    LARGE = "large"  # one R x C array
    SPLIT = "split"  # four independent (R/2) x (C/2) cores with private buffers, no operand sharing
    FLEXSA = "flexsa"  # four sub-arrays with four modes and operand broadcast from shared buffers


class Mode(StrEnum):
    """How the array is grouped for one pass: group geometry and number of concurrent groups."""

    FW = "FW"  # full wave: one R x C array
    VSW = "VSW"  # vertical sub-wave: two R x (C/2) arrays (left, right)
    HSW = "HSW"  # horizontal sub-wave: two (R/2) x C arrays (top, bottom)
    ISW = "ISW"  # independent sub-wave: four (R/2) x (C/2) arrays


ALL_MODES = (Mode.FW, Mode.VSW, Mode.HSW, Mode.ISW)


@dataclass(frozen=True)
class GroupGeometry:
    """`groups` concurrent arrays of `rows` x `cols` PEs each."""

    rows: int
    cols: int
    groups: int


@dataclass(frozen=True)
class BufferCapacities:
    """On-chip buffer capacities of the whole machine; `split` gives each core a quarter of each."""

    input_bytes: int = 8 * MIB  # the streamed operand
    weight_bytes: int = 4 * MIB  # the stationary operand
    output_bytes: int = 4 * MIB  # partial sums (accumulator words)

    def __post_init__(self) -> None:
        for name in ("input_bytes", "weight_bytes", "output_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InputError(f"{name} must be a positive integer, got {value!r}", "buffer capacities")


@dataclass(frozen=True)
class Machine:
    """A weight-stationary array of `rows` x `cols` PEs organised as `kind` (see MachineKind).

    double_buffered: weights for the next pass preload into shadow registers while the current pass
    runs (TPU-like). Off, every pass pays its own R-cycle preload (SCALE-Sim's convention).
    """

    kind: MachineKind
    rows: int = 128
    cols: int = 128
    double_buffered: bool = False
    buffers: BufferCapacities = field(default_factory=BufferCapacities)
    operand_bytes: int = 2  # bf16 A and B words
    accumulator_bytes: int = 4  # fp32 partial sums
    frequency_ghz: float = 1.0

    def __post_init__(self) -> None:
        where = f"{self.kind} machine"
        for name in ("rows", "cols", "operand_bytes", "accumulator_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SIZE:
                raise InputError(f"{name} must be a positive integer of at most {MAX_SIZE}, got {quoted(value)}", where)
        if self.kind is not MachineKind.LARGE and (self.rows % 2 or self.cols % 2):
            raise InputError(
                f"a {self.rows}x{self.cols} array cannot be split into four equal sub-arrays (rows and columns must be even)",
                where,
            )
        if not self.frequency_ghz > 0:
            raise InputError(f"frequency_ghz must be positive, got {self.frequency_ghz}", where)

    @property
    def num_pes(self) -> int:
        return self.rows * self.cols

    @property
    def modes(self) -> tuple[Mode, ...]:
        """The modes a plan for this machine may use."""
        return _modes(self.kind)

    @property
    def shares_operands(self) -> bool:
        """Groups of one pass that need the same A rows or the same B tile read them once (broadcast)."""
        return self.kind is MachineKind.FLEXSA

    @property
    def independent_groups(self) -> bool:
        """Groups run their own sequence of folds (split cores) instead of passes in lockstep."""
        return self.kind is MachineKind.SPLIT

    @property
    def buffer_instances(self) -> int:
        """Private buffer sets: one per core for `split`, one shared set otherwise."""
        return 4 if self.kind is MachineKind.SPLIT else 1

    def geometry(self, mode: Mode) -> GroupGeometry:
        """Group shape and count of `mode` on this machine (raises if the machine lacks the mode)."""
        return _geometry(self.kind, self.rows, self.cols, mode)


def _modes(kind: MachineKind) -> tuple[Mode, ...]:
    if kind is MachineKind.LARGE:
        return (Mode.FW,)
    if kind is MachineKind.SPLIT:
        return (Mode.ISW,)
    return ALL_MODES


@lru_cache(maxsize=1024)
def _geometry(kind: MachineKind, rows: int, cols: int, mode: Mode) -> GroupGeometry:
    if mode not in _modes(kind):
        raise InputError(f"mode {mode} is not available on the {kind} machine", "plan")
    half_r, half_c = rows // 2, cols // 2
    if mode is Mode.FW:
        return GroupGeometry(rows, cols, 1)
    if mode is Mode.VSW:
        return GroupGeometry(rows, half_c, 2)
    if mode is Mode.HSW:
        return GroupGeometry(half_r, cols, 2)
    return GroupGeometry(half_r, half_c, 4)
