"""Per-access energies: what one MAC, one L1 access and one L2 access cost (replaceable table).

Kept apart from the accelerator description (Accelerator says what the hardware is; an EnergyTable
says what its actions cost), as Accelergy does, so users can plug in numbers for their technology.
"""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.errors import InputError

#: MAESTRO's MAC energy, 0.00023 nJ. MAESTRO cites a bfloat16 article (Tom's Hardware) and CACM's
#: "Domain-specific hardware accelerators" for it (maestro-project/maestro issue #10).
MAESTRO_MAC_ENERGY_PJ = 0.23
MAESTRO_MAC_ENERGY_NJ = 0.00023  # the same, spelled as MAESTRO's CSV formula multiplies it
#: MAESTRO's L1 and L2 access energies relative to one MAC; from early CACTI runs of a CAM-like L1
#: whose data the authors say is lost (issue #10).
MAESTRO_L1_ACCESS_PER_MAC = 1.68
MAESTRO_L2_ACCESS_PER_MAC = 18.61


@dataclass(frozen=True)
class EnergyTable:
    """Energy of one action, in picojoules, with where the numbers come from."""

    mac_pj: float = MAESTRO_MAC_ENERGY_PJ
    l1_access_pj: float = MAESTRO_MAC_ENERGY_PJ * MAESTRO_L1_ACCESS_PER_MAC
    l2_access_pj: float = MAESTRO_MAC_ENERGY_PJ * MAESTRO_L2_ACCESS_PER_MAC
    source: str = "MAESTRO defaults: MAC 0.23 pJ (bfloat16, CACM DSA article), L1 1.68x and L2 18.61x a MAC (early CACTI)"

    def __post_init__(self) -> None:
        for name in ("mac_pj", "l1_access_pj", "l2_access_pj"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0 or value != value:
                raise InputError(f"{name} must be a non-negative number, got {value!r}", "energy table")


MAESTRO_ENERGY = EnergyTable()
