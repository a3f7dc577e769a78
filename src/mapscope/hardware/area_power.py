"""MAESTRO's area and power model (docs/model.md, Area and power): 28 nm scaling coefficients, nominally um^2 and mW.

Inputs are the *requirements* MAESTRO derives (L1/L2 sizes), not the given capacities, and the NoC
bandwidth, on which the bus term is linear. UNLIMITED (2**31 - 1, "no limit") is not a size: fed as a
bandwidth it gives a 1,024-PE design 3.3e9 mm². `sized_for_area` replaces it by what the design
requires, as design-space exploration does (MAESTRO itself, and compat mode, keep the enormous value).

One formula serves one design (plain Python floats: analysing a network imports no numpy) and many
(numpy arrays, imported when first asked for): `_costs` is written with operators both understand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from mapscope.hardware.accelerator import UNLIMITED

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

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

#: A float or a float64 array: what `_costs` computes with.
Number = TypeVar("Number")


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


def _costs(
    pes: Number, simd: Number, bandwidth: Number, l1: Number, l2: Number, maximum: Callable[[Any, Any], Any]
) -> tuple[Number, Number, Number, Number, Number, Number]:
    """(area, power, PE, L1, L2 and NoC power) of floats or float64 arrays; `maximum` is `max` or `np.maximum`.

    The one copy of the model's formulas: operators only, so that a float and an array take the same steps
    (the same IEEE operations in the same order, hence the same bits).
    """
    l1 = maximum(l1, 1.0)
    l2 = maximum(l2, 1.0)
    bus_units = BUS_UNIT_COEFFICIENT * pes + BUS_UNIT_CONSTANT
    arbiter_units = ARBITER_QUADRATIC * pes * pes + ARBITER_LINEAR * pes + ARBITER_CONSTANT
    area = (
        pes * (MAC_AREA_UM2 * simd + SRAM_AREA_UM2_PER_ELEM * l1)
        + SRAM_AREA_UM2_PER_ELEM * l2
        + BUS_AREA_UM2 * bus_units * bandwidth
        + ARBITER_AREA_UM2 * maximum(1.0, arbiter_units)
    )
    pe_power = MAC_POWER_MW * simd * pes
    l1_power = SRAM_POWER_MW_PER_ELEM * l1 * pes
    l2_power = SRAM_POWER_MW_PER_ELEM * l2
    noc_power = BUS_POWER_MW * bus_units * bandwidth / 1000 + maximum(ARBITER_POWER_MW, ARBITER_POWER_MW * arbiter_units / 1000)
    return area, pe_power + l1_power + l2_power + noc_power, pe_power, l1_power, l2_power, noc_power


def area_power_arrays(
    num_pes: ArrayLike, simd_lanes: ArrayLike, noc_bandwidth: ArrayLike, l1_size_elems: ArrayLike, l2_size_elems: ArrayLike
) -> AreaPowerArrays:
    """Area and power of PEs with the given buffer sizes (per-PE L1) and NoC bandwidth; numpy-broadcast."""
    import numpy as np  # only batches need it: one design's analysis stays free of numpy's import

    inputs = (num_pes, simd_lanes, noc_bandwidth, l1_size_elems, l2_size_elems)
    return AreaPowerArrays(*_costs(*(np.asarray(value, dtype=np.float64) for value in inputs), maximum=np.maximum))


def area_power(num_pes: int, simd_lanes: int, noc_bandwidth: float, l1_size_elems: int, l2_size_elems: int) -> AreaPower:
    """Area and power of `num_pes` PEs with the given buffer requirements and NoC bandwidth (plain Python)."""
    inputs = (num_pes, simd_lanes, noc_bandwidth, l1_size_elems, l2_size_elems)
    return AreaPower(*_costs(*(float(value) for value in inputs), maximum=max))


def _sized(given: Number, required: Number, maximum: Callable[[Any, Any], Any]) -> Number:
    """`given`, or max(`required`, 1) where `given` is UNLIMITED: the rule of `sized_for_area`, in operators."""
    return given + (given == UNLIMITED) * (maximum(required, 1) - given)  # type: ignore[operator]


def sized_for_area(given: ArrayLike, required: ArrayLike) -> Any:
    """What a buffer or the NoC bus is sized for: `given`, or `required` (at least 1) where `given` is UNLIMITED.

    An unlimited L1/L2 takes the largest requirement, an unlimited NoC its peak bandwidth requirement
    (the elements per cycle that keep it off the critical path, so the runtime is the one reported).
    Two Python ints give an int (no numpy import); anything else an int64 array.
    """
    if isinstance(given, int) and isinstance(required, int):
        return _sized(given, required, max)
    import numpy as np

    return _sized(np.asarray(given, dtype=np.int64), np.asarray(required, dtype=np.int64), np.maximum)
