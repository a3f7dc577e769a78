"""Per-access energies: what one MAC, one L1, L2 and DRAM access and one NoC transfer cost (replaceable table).

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
#: MAESTRO prices no NoC and no DRAM traffic. The default model adds them at Eyeriss's costs relative to
#: a MAC (Chen, Emer, Sze, ISCA 2016, Table IV: inter-PE network 2x, DRAM 200x), in MAESTRO's own form
#: (multiples of its 0.23 pJ MAC), so that off-chip traffic is not free (docs/energy.md).
EYERISS_NOC_TRANSFER_PER_MAC = 2.0
EYERISS_DRAM_ACCESS_PER_MAC = 200.0
MAESTRO_SOURCE = "MAESTRO defaults: MAC 0.23 pJ (bfloat16, CACM DSA article), L1 1.68x and L2 18.61x a MAC (early CACTI)"
EYERISS_SOURCE = "Chen, Emer, Sze, 'Eyeriss', ISCA 2016, Table IV: inter-PE network 2x and DRAM 200x a MAC (65 nm, 16-bit)"
#: The source of the default NoC and DRAM energies (and of the `maestro` table's noc and dram rows).
DEFAULT_NOC_DRAM_SOURCE = f"{EYERISS_SOURCE}, times MAESTRO's 0.23 pJ MAC"

#: The five components of the default model's energy, in the order every output lists them.
ENERGY_COMPONENTS = ("mac", "l1", "l2", "noc", "dram")


@dataclass(frozen=True)
class EnergyTable:
    """Energy of one action, in picojoules, with where the numbers come from.

    One MAC; one element read or written in a PE's L1 or in L2; one element carried once over the NoC
    (L2 to a PE or back); one element read from or written to DRAM.
    """

    mac_pj: float = MAESTRO_MAC_ENERGY_PJ
    l1_access_pj: float = MAESTRO_MAC_ENERGY_PJ * MAESTRO_L1_ACCESS_PER_MAC
    l2_access_pj: float = MAESTRO_MAC_ENERGY_PJ * MAESTRO_L2_ACCESS_PER_MAC
    noc_transfer_pj: float = MAESTRO_MAC_ENERGY_PJ * EYERISS_NOC_TRANSFER_PER_MAC
    dram_access_pj: float = MAESTRO_MAC_ENERGY_PJ * EYERISS_DRAM_ACCESS_PER_MAC
    source: str = f"{MAESTRO_SOURCE}; {DEFAULT_NOC_DRAM_SOURCE}"

    def __post_init__(self) -> None:
        for name in ("mac_pj", "l1_access_pj", "l2_access_pj", "noc_transfer_pj", "dram_access_pj"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0 or value != value:
                raise InputError(f"{name} must be a non-negative number, got {value!r}", "energy table")

    def per_access_pj(self) -> dict[str, float]:
        """The energy of one counted action of each component (ENERGY_COMPONENTS order), in pJ."""
        return {
            "mac": self.mac_pj,
            "l1": self.l1_access_pj,
            "l2": self.l2_access_pj,
            "noc": self.noc_transfer_pj,
            "dram": self.dram_access_pj,
        }


MAESTRO_ENERGY = EnergyTable()
