"""A matrix multiplication as the systolic engines see it: Out[m x n] = A[m x k] . B[k x n]."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mapscope.errors import InputError


class TrainingPass(StrEnum):
    """The three GEMMs one training step runs per layer."""

    FORWARD = "forward"
    DATA_GRADIENT = "data_gradient"
    WEIGHT_GRADIENT = "weight_gradient"


#: Largest GEMM dimension accepted (the analytical model is exact in 64-bit integers well beyond it).
MAX_GEMM_DIM = 2**40


@dataclass(frozen=True)
class Gemm:
    """Out[m x n] = A[m x k] . B[k x n], run `count` times (conv groups, stride phases).

    m: rows of the output (streamed rows of A); n: output columns; k: the reduction.
    """

    m: int
    n: int
    k: int
    name: str = "gemm"
    training_pass: TrainingPass | None = None
    count: int = 1

    def __post_init__(self) -> None:
        for label, value in (("M", self.m), ("N", self.n), ("K", self.k), ("count", self.count)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"{label} must be an integer, got {value!r}", f"GEMM {self.name}")
            if value <= 0:
                raise InputError(f"{label} must be positive, got {value}", f"GEMM {self.name}")
            if value > MAX_GEMM_DIM:
                raise InputError(f"{label} = {value} is above the largest size supported ({MAX_GEMM_DIM})", f"GEMM {self.name}")

    @property
    def macs(self) -> int:
        """Multiply-accumulates of all `count` repetitions."""
        return self.m * self.n * self.k * self.count

    def shape_key(self) -> tuple[int, int, int]:
        """What the systolic cost depends on (names, pass and count aside): plans are cached on it."""
        return (self.m, self.n, self.k)
