"""The LayerStats fields that follow from a layer's counts: accesses, sizes, energy and reuse (docs/model.md, Energy).

One set of formulas for the scalar engine (Python ints) and the batched one (numpy arrays, one entry per
mapping): every operation here is one that both support, and the caller passes the division it wants
(`ratio`: C++'s IEEE results for a zero denominator either way). No numpy import: a single analysis
does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mapscope.hardware.energy import (
    MAESTRO_ENERGY,
    MAESTRO_L1_ACCESS_PER_MAC,
    MAESTRO_L2_ACCESS_PER_MAC,
    MAESTRO_MAC_ENERGY_NJ,
    MAESTRO_MAC_ENERGY_PJ,
    EnergyTable,
)
from mapscope.stats import TENSORS

PJ_PER_NJ = 1000.0
#: What compat mode prices, per counted action (pJ): MAESTRO's CSV formula has no MAC, NoC or DRAM term.
MAESTRO_CSV_ENERGY = EnergyTable(
    mac_pj=0.0,
    l1_access_pj=MAESTRO_MAC_ENERGY_PJ * MAESTRO_L1_ACCESS_PER_MAC,
    l2_access_pj=MAESTRO_MAC_ENERGY_PJ * MAESTRO_L2_ACCESS_PER_MAC,
    noc_transfer_pj=0.0,
    dram_access_pj=0.0,
    source="MAESTRO's CSV energy formula: L1 1.68x and L2 18.61x a 0.23 pJ MAC; no MAC, NoC or DRAM term",
)


def priced_energy_table(compat: str | None, energy_table: EnergyTable | None) -> EnergyTable:
    """The per-access energies a layer's energy components use: MAESTRO's CSV ones in compat mode, else
    `energy_table` (None: the default table, MAESTRO's constants with NoC and DRAM added)."""
    if compat == "maestro":
        return MAESTRO_CSV_ENERGY
    return energy_table or MAESTRO_ENERGY


#: The names of a layer's summed counts, per tensor: reads and writes of L1 and L2, and the L2 requirement.
COUNT_KINDS = ("l1_read", "l1_write", "l2_read", "l2_write", "l2_size_req")


@dataclass(frozen=True)
class LayerCounts:
    """A layer's top-level counts, each an int or an int64 array (one entry per mapping).

    `totals` maps f"{kind}_{tensor}" (kind in COUNT_KINDS) to its count; `l1_size_req` maps a tensor to
    the innermost level's L1 requirement.
    """

    totals: Mapping[str, Any]
    l1_size_req: Mapping[str, Any]
    macs: Any
    avg_utilized_pes: Any
    arithmetic_intensity: Any


def volume_fields(
    counts: LayerCounts,
    *,
    compat: str | None,
    energy_table: EnergyTable | None,
    stale_l1_accesses: Any | None,
    ratio: Callable[[Any, Any], Any],
) -> tuple[dict[str, Any], Any, Any, Any]:
    """The fields, and the layer's L1 accesses, L1 and L2 requirements (what a network carries on).

    `stale_l1_accesses`, when given, is what compat energy counts instead of this layer's L1 accesses
    (MAESTRO reads the previous layer's for a clustered dataflow).
    """
    totals = counts.totals
    macs = counts.macs
    l1_accesses = sum(totals[f"l1_read_{t}"] + totals[f"l1_write_{t}"] for t in TENSORS)
    l2_accesses = sum(totals[f"l2_read_{t}"] + totals[f"l2_write_{t}"] for t in TENSORS)
    l2_size = sum(totals[f"l2_size_req_{t}"] for t in TENSORS)
    l1_size = sum(counts.l1_size_req[t] for t in TENSORS)
    # one traversal per element delivered: L2 -> PEs (the operands' L1 writes), PEs -> L2 (the output's L2 writes)
    noc_transfers = totals["l1_write_input"] + totals["l1_write_filter"] + totals["l2_write_output"]
    dram_reads = totals["l2_write_input"] + totals["l2_write_filter"]  # each operand's L2 fills come from DRAM
    dram_writes = totals["l2_read_output"]  # the output's L2 reads drain it to DRAM
    table = priced_energy_table(compat, energy_table)
    if compat == "maestro":
        l1_counted = l1_accesses if stale_l1_accesses is None else stale_l1_accesses
        l2_counted = totals["l2_read_input"] + totals["l2_write_input"] + totals["l2_read_filter"] + totals["l2_write_filter"] + totals["l2_write_output"]
        l2_units, l1_units = MAESTRO_L2_ACCESS_PER_MAC * l2_counted, MAESTRO_L1_ACCESS_PER_MAC * l1_counted
        energy = MAESTRO_MAC_ENERGY_NJ * (l2_units + l1_units)  # MAESTRO's CSV formula, to the bit
    else:
        l1_counted, l2_counted = l1_accesses, l2_accesses
    components = {
        "mac_energy_pj": table.mac_pj * macs,
        "l1_energy_pj": table.l1_access_pj * l1_counted,
        "l2_energy_pj": table.l2_access_pj * l2_counted,
        "noc_energy_pj": table.noc_transfer_pj * noc_transfers,
        "dram_energy_pj": table.dram_access_pj * (dram_reads + dram_writes),
    }
    if compat != "maestro":
        energy = sum(components.values()) / PJ_PER_NJ
    fields: dict[str, Any] = {
        "macs": macs,
        "energy_nj": energy,
        **components,
        "l1_access_elems": l1_counted,
        "l2_access_elems": l2_counted,
        "noc_transfer_elems": noc_transfers,
        "dram_read_elems": dram_reads,
        "dram_write_elems": dram_writes,
        "console_energy_mac_units": MAESTRO_L2_ACCESS_PER_MAC * l2_accesses + MAESTRO_L1_ACCESS_PER_MAC * l1_accesses + macs,
        "ops_per_joule": ratio(macs, energy) * 1e9,
        "l2_size_req_elems": l2_size,
        "l1_size_req_elems": l1_size,
        "multicast_factor_weight": ratio(totals["l1_write_filter"], totals["l2_read_filter"]),
        "multicast_factor_input": ratio(totals["l1_write_input"], totals["l2_read_input"]),
        "input_tensor_elems": totals["l2_write_input"],
        "filter_tensor_elems": totals["l2_write_filter"],
        "avg_utilized_pes": counts.avg_utilized_pes,
        "arithmetic_intensity_macs_per_elem": counts.arithmetic_intensity,
    }
    for t in TENSORS:
        fields[f"{t}_l2_size_req_elems"] = totals[f"l2_size_req_{t}"]
        fields[f"{t}_l1_size_req_elems"] = counts.l1_size_req[t]
        fields[f"{t}_l1_read_elems"] = totals[f"l1_read_{t}"]
        fields[f"{t}_l1_write_elems"] = totals[f"l1_write_{t}"]
        fields[f"{t}_l2_read_elems"] = totals[f"l2_read_{t}"]
        fields[f"{t}_l2_write_elems"] = totals[f"l2_write_{t}"]
        fields[f"{t}_reuse_factor"] = ratio(totals[f"l1_read_{t}"], totals[f"l1_write_{t}"])
    return fields, l1_accesses, l1_size, l2_size
