"""MAESTRO's area and power model (docs/model.md, Area and power): 28 nm scaling coefficients, nominally um^2 and mW.

Inputs are the *requirements* MAESTRO derives (L1/L2 sizes), not the given capacities, and the NoC
bandwidth, on which the bus term is linear. UNLIMITED (2**31 - 1, "no limit") is not a size: fed as a
bandwidth it gives a 1,024-PE design 3.3e9 mm². `sized_for_area` replaces it by what the design
requires, as design-space exploration does (MAESTRO itself, and compat mode, keep the enormous value).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike

from mapscope.hardware.accelerator import UNLIMITED

MAC_AREA_UM2 = 283.0  # per SIMD lane
SRAM_AREA_UM2_PER_ELEM = 0.104
BUS_AREA_UM2 = 101.7938
BUS_UNIT_COEFFICIENT = 14.662
BUS_UNIT_CONSTANT = 28.895
ARBITER_AREA_UM2 = 395.473
ARBITER_QUADRATIC = 1.2886
ARBITER_LINEAR = 5.5814
ARBITER_CONSTANT = -23.711
MAC_POWER_MW = 1.2223
SRAM_POWER_MW_PER_ELEM = 0.00345
BUS_POWER_MW = 0.8
ARBITER_POWER_MW = 0.34


@dataclass(frozen=True)
class AreaPower:
    area_um2: float
    power_mw: float
    pe_power_mw: float
    l1_power_mw: float
    l2_power_mw: float
    noc_power_mw: float


@dataclass(frozen=True)
class AreaPowerArrays:
    """AreaPower for many designs at once (float64 arrays, one element per design)."""

    area_um2: np.ndarray
    power_mw: np.ndarray
    pe_power_mw: np.ndarray
    l1_power_mw: np.ndarray
    l2_power_mw: np.ndarray
    noc_power_mw: np.ndarray


def area_power_arrays(
    num_pes: ArrayLike, simd_lanes: ArrayLike, noc_bandwidth: ArrayLike, l1_size_elems: ArrayLike, l2_size_elems: ArrayLike
) -> AreaPowerArrays:
    """Area and power of PEs with the given buffer sizes (per-PE L1) and NoC bandwidth; numpy-broadcast."""
    pes = np.asarray(num_pes, dtype=np.float64)
    simd = np.asarray(simd_lanes, dtype=np.float64)
    bandwidth = np.asarray(noc_bandwidth, dtype=np.float64)
    l1 = np.maximum(np.asarray(l1_size_elems, dtype=np.float64), 1.0)
    l2 = np.maximum(np.asarray(l2_size_elems, dtype=np.float64), 1.0)
    bus_units = BUS_UNIT_COEFFICIENT * pes + BUS_UNIT_CONSTANT
    arbiter_units = ARBITER_QUADRATIC * pes * pes + ARBITER_LINEAR * pes + ARBITER_CONSTANT
    area = (
        pes * (MAC_AREA_UM2 * simd + SRAM_AREA_UM2_PER_ELEM * l1)
        + SRAM_AREA_UM2_PER_ELEM * l2
        + BUS_AREA_UM2 * bus_units * bandwidth
        + ARBITER_AREA_UM2 * np.maximum(1.0, arbiter_units)
    )
    pe_power = MAC_POWER_MW * simd * pes
    l1_power = SRAM_POWER_MW_PER_ELEM * l1 * pes
    l2_power = SRAM_POWER_MW_PER_ELEM * l2
    noc_power = BUS_POWER_MW * bus_units * bandwidth / 1000 + np.maximum(ARBITER_POWER_MW, ARBITER_POWER_MW * arbiter_units / 1000)
    return AreaPowerArrays(area, pe_power + l1_power + l2_power + noc_power, pe_power, l1_power, l2_power, noc_power)


def area_power(num_pes: int, simd_lanes: int, noc_bandwidth: float, l1_size_elems: int, l2_size_elems: int) -> AreaPower:
    """Area and power of `num_pes` PEs with the given buffer requirements and NoC bandwidth."""
    arrays = area_power_arrays(num_pes, simd_lanes, noc_bandwidth, l1_size_elems, l2_size_elems)
    return AreaPower(*(float(getattr(arrays, f.name)) for f in fields(AreaPower)))


def sized_for_area(given: ArrayLike, required: ArrayLike) -> np.ndarray:
    """What a buffer or the NoC bus is sized for: `given`, or `required` (at least 1) where `given` is UNLIMITED.

    An unlimited L1/L2 takes the largest requirement, an unlimited NoC its peak bandwidth requirement
    (the elements per cycle that keep it off the critical path, so the runtime is the one reported).
    """
    given_array = np.asarray(given, dtype=np.int64)
    return np.where(given_array == UNLIMITED, np.maximum(np.asarray(required, dtype=np.int64), 1), given_array)
