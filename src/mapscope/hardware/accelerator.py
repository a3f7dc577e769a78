"""The accelerator as MAESTRO sees it: PEs, SIMD lanes, one NoC, two buffer levels, off-chip bandwidth."""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.errors import InputError

#: MAESTRO's stand-in for "unlimited" (C++ INT_MAX); used as its default bandwidths and capacities.
UNLIMITED = 2**31 - 1


@dataclass(frozen=True)
class Accelerator:
    """Hardware parameters. Capacities (`l1_size_elems`, `l2_size_elems`) only produce warnings.

    Sizes are in tensor elements (MAESTRO counts one element as one "byte"); bandwidths in elements
    per cycle. `noc_latency_cycles` is the head latency of every NoC level.
    """

    num_pes: int = 7
    simd_lanes: int = 1
    noc_bandwidth_elems_per_cycle: int = UNLIMITED
    noc_latency_cycles: int = 0
    offchip_bandwidth_elems_per_cycle: int = 70000
    l1_size_elems: int = UNLIMITED
    l2_size_elems: int = UNLIMITED

    def __post_init__(self) -> None:
        positive = {
            "num_pes": self.num_pes,
            "simd_lanes": self.simd_lanes,
            "noc_bandwidth_elems_per_cycle": self.noc_bandwidth_elems_per_cycle,
            "offchip_bandwidth_elems_per_cycle": self.offchip_bandwidth_elems_per_cycle,
            "l1_size_elems": self.l1_size_elems,
            "l2_size_elems": self.l2_size_elems,
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
