"""The accelerator as MAESTRO sees it: PEs, SIMD lanes, one NoC, two buffer levels, off-chip bandwidth."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from mapscope.errors import InputError

#: MAESTRO's stand-in for "unlimited" (C++ INT_MAX); used as its default bandwidths and capacities.
UNLIMITED = 2**31 - 1
#: The word width when none is given: 16 bits (MAESTRO has no word width; its energy figures are for
#: bfloat16, and its sizes count elements). Changes no size: sizes stay in elements.
DEFAULT_WORD_BITS = 16
#: The widest word accepted (a sanity bound for hand-written files).
MAX_WORD_BITS = 1024
#: Fields added after results were first written: repr and documents show them only when they differ from
#: their default, so the identity of an explored space and every document written before stay the same.
ADDED_FIELDS = ("word_bits",)


@dataclass(frozen=True, repr=False)
class Accelerator:
    """Hardware parameters. Capacities (`l1_size_elems`, `l2_size_elems`) only produce warnings.

    Sizes are in tensor elements (MAESTRO counts one element as one "byte"); bandwidths in elements
    per cycle. `noc_latency_cycles` is the head latency of every NoC level. `word_bits` is the width of
    one element: it converts sizes given in bytes to elements and sizes SRAM for the energy tables.
    """

    num_pes: int = 7
    simd_lanes: int = 1
    noc_bandwidth_elems_per_cycle: int = UNLIMITED
    noc_latency_cycles: int = 0
    offchip_bandwidth_elems_per_cycle: int = 70000
    l1_size_elems: int = UNLIMITED
    l2_size_elems: int = UNLIMITED
    word_bits: int = DEFAULT_WORD_BITS

    def __post_init__(self) -> None:
        positive = {
            "num_pes": self.num_pes,
            "simd_lanes": self.simd_lanes,
            "noc_bandwidth_elems_per_cycle": self.noc_bandwidth_elems_per_cycle,
            "offchip_bandwidth_elems_per_cycle": self.offchip_bandwidth_elems_per_cycle,
            "l1_size_elems": self.l1_size_elems,
            "l2_size_elems": self.l2_size_elems,
            "word_bits": self.word_bits,
        }
        for name, value in positive.items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise InputError(f"{name} must be a positive integer, got {value!r}", "hardware")
            if value > UNLIMITED:
                raise InputError(f"{name} = {value} is above the largest value supported ({UNLIMITED})", "hardware")
        if not isinstance(self.noc_latency_cycles, int) or self.noc_latency_cycles < 0:
            raise InputError(
                f"noc_latency_cycles must be a non-negative integer, got {self.noc_latency_cycles!r}", "hardware"
            )
        if self.word_bits > MAX_WORD_BITS:
            raise InputError(f"word_bits must be at most {MAX_WORD_BITS}, got {self.word_bits}", "hardware")

    def as_dict(self) -> dict[str, Any]:
        """The fields by name, leaving out an `ADDED_FIELDS` field at its default (see ADDED_FIELDS)."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if field.name not in ADDED_FIELDS or getattr(self, field.name) != field.default
        }

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.as_dict().items())
        return f"{type(self).__name__}({shown})"
