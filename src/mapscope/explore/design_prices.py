"""Designs priced by an energy/area table at their own buffer sizes (a space's `energy_table`).

An engine counts, per design, the network's five priced actions (MACs, L1 and L2 accesses, NoC transfers,
DRAM reads + writes); here they meet per-design price vectors, and the table's SRAM area replaces MAESTRO's
per-element buffer area. docs/energy.md, In design-space exploration.
"""

from __future__ import annotations

import numpy as np

from mapscope.analysis.layer_fields import PJ_PER_NJ
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.area_power import SRAM_AREA_UM2_PER_ELEM
from mapscope.hardware.energy_lookup import price_columns
from mapscope.hardware.energy_tables import EnergyAreaTable


def priced_by_table(
    table: EnergyAreaTable,
    base: Accelerator,
    num_pes: np.ndarray,
    l1_size_elems: np.ndarray,
    l2_size_elems: np.ndarray,
    counts: np.ndarray,
    maestro_area_um2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Energy (nJ) and area (µm²) of designs (`base` with each one's PEs and L1/L2 sizes; `counts`: designs x 5)
    priced by `table`: per-access energies from `price_columns`, and the table's SRAM area in place of MAESTRO's
    per-element L1 and L2 area where the table gives one (PEs, NoC bus and arbiter stay MAESTRO's)."""
    prices = price_columns(table, base, l1_size_elems, l2_size_elems)
    energy_nj = (counts * prices.per_access_pj).sum(axis=1) / PJ_PER_NJ  # mac, l1, l2, noc, dram: the analysis's order
    area_um2 = maestro_area_um2
    pes = num_pes.astype(np.float64)
    if prices.l1_area_um2 is not None:
        area_um2 = area_um2 - pes * SRAM_AREA_UM2_PER_ELEM * np.maximum(l1_size_elems, 1) + pes * prices.l1_area_um2
    if prices.l2_area_um2 is not None:
        area_um2 = area_um2 - SRAM_AREA_UM2_PER_ELEM * np.maximum(l2_size_elems, 1) + prices.l2_area_um2
    return energy_nj, area_um2
