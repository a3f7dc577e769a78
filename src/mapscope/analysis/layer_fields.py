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

from mapscope.hardware.accelerator import UNLIMITED
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


def ieee_ratio(numerator: float, denominator: float) -> float:
    """Floating division with C++'s IEEE results for a zero denominator (inf or nan), as MAESTRO prints them."""
    if denominator == 0:
        if numerator == 0:
            return float("nan")
        return float("inf") if numerator > 0 else float("-inf")
    return numerator / denominator


def l2_residency(totals: Mapping[str, Any], l2_capacity_elems: Any | None, ratio: Callable[[Any, Any], Any]) -> dict[str, Any]:
    """Which tensors L2 holds (a bool, or a bool array per mapping), the others bypassing it to DRAM
    (docs/energy.md, Energy that adds up).

    Tensors are kept in order of their reuse (L2 reads per fill, highest first; ties in TENSORS order) while
    the requirements of those kept so far fit the capacity; from the first that does not, all bypass.
    None, or MAESTRO's unlimited (UNLIMITED, whatever the requirement), holds everything.
    """
    if l2_capacity_elems is None:
        return dict.fromkeys(TENSORS, True)
    reuse = {t: ratio(totals[f"l2_read_{t}"], totals[f"l2_write_{t}"]) for t in TENSORS}
    kept: dict[str, Any] = {}
    for i, t in enumerate(TENSORS):
        needed = totals[f"l2_size_req_{t}"]  # this tensor's and every tensor's ahead of it
        for j, u in enumerate(TENSORS):
            if u != t:
                ahead = (reuse[u] > reuse[t]) | ((reuse[u] == reuse[t]) & (j < i))
                needed = needed + totals[f"l2_size_req_{u}"] * ahead
        kept[t] = (needed <= l2_capacity_elems) | (l2_capacity_elems == UNLIMITED)
    return kept


def l2_dram_traffic(totals: Mapping[str, Any], kept: Mapping[str, Any]) -> dict[str, Any]:
    """Per tensor, its L2 accesses (f"l2_{t}") and DRAM accesses (f"dram_{t}") given which tensors L2 holds.

    Held: an operand's L2 fills are its DRAM reads, the output's L2 reads (its drain) its DRAM writes.
    Bypassing: no L2 access; an operand's L2 reads come from DRAM instead, the output's L2 writes go to it
    (at least once per element either way: never less DRAM traffic than when held).
    """
    traffic: dict[str, Any] = {}
    for t in TENSORS:
        reads, writes = totals[f"l2_read_{t}"], totals[f"l2_write_{t}"]
        held_dram, bypass_dram = (reads, _at_least(writes, reads)) if t == "output" else (writes, _at_least(reads, writes))
        traffic[f"l2_{t}"] = (reads + writes) * kept[t]
        traffic[f"dram_{t}"] = held_dram * kept[t] + bypass_dram * (1 - kept[t])
    return traffic


def _at_least(a: Any, b: Any) -> Any:
    """max(a, b) for ints and int arrays alike."""
    return a + (b - a) * (b > a)


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
    l2_capacity_elems: Any | None = None,
) -> tuple[dict[str, Any], Any, Any, Any]:
    """The fields, and the layer's L1 accesses, L1 and L2 requirements (what a network carries on).

    `stale_l1_accesses`, when given, is what compat energy counts instead of this layer's L1 accesses
    (MAESTRO reads the previous layer's for a clustered dataflow). `l2_capacity_elems` (default mode only;
    None: unlimited) makes the tensors L2 cannot hold bypass it (`l2_residency`): their traffic goes to DRAM.
    """
    totals = counts.totals
    macs = counts.macs
    l1_accesses = sum(totals[f"l1_read_{t}"] + totals[f"l1_write_{t}"] for t in TENSORS)
    l2_accesses = sum(totals[f"l2_read_{t}"] + totals[f"l2_write_{t}"] for t in TENSORS)
    l2_size = sum(totals[f"l2_size_req_{t}"] for t in TENSORS)
    l1_size = sum(counts.l1_size_req[t] for t in TENSORS)
    # one traversal per element delivered: L2 -> PEs (the operands' L1 writes), PEs -> L2 (the output's L2 writes)
    noc_transfers = totals["l1_write_input"] + totals["l1_write_filter"] + totals["l2_write_output"]
    if compat == "maestro":
        l2_capacity_elems = None
    kept = l2_residency(totals, l2_capacity_elems, ratio)
    traffic = l2_dram_traffic(totals, kept)
    l2_held = traffic["l2_input"] + traffic["l2_filter"] + traffic["l2_output"]
    dram_reads = traffic["dram_input"] + traffic["dram_filter"]
    dram_writes = traffic["dram_output"]
    table = priced_energy_table(compat, energy_table)
    if compat == "maestro":
        l1_counted = l1_accesses if stale_l1_accesses is None else stale_l1_accesses
        l2_counted = totals["l2_read_input"] + totals["l2_write_input"] + totals["l2_read_filter"] + totals["l2_write_filter"] + totals["l2_write_output"]
        l2_units, l1_units = MAESTRO_L2_ACCESS_PER_MAC * l2_counted, MAESTRO_L1_ACCESS_PER_MAC * l1_counted
        energy = MAESTRO_MAC_ENERGY_NJ * (l2_units + l1_units)  # MAESTRO's CSV formula, to the bit
    else:
        l1_counted, l2_counted = l1_accesses, l2_held
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
