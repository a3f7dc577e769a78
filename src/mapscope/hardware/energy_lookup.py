"""Per-access energies (and buffer areas) of one accelerator, looked up in an `EnergyAreaTable`.

Rows are normalised per bit and interpolated log-log: SRAM and register-file energy and area over
capacity, MAC and NoC energy over word width. Outside the rows the end segment is extended (one row:
the same energy per bit everywhere) and a note says so. An access of `word_bits` bits costs the per-bit
energy times `word_bits` (bit-line energy scales with the bits read; docs/energy.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mapscope.errors import InputError
from mapscope.hardware.accelerator import UNLIMITED, Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.hardware.energy_tables import EnergyAreaTable, SramRow

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Interpolated:
    """A value read off a table, and whether it lies outside the table's rows (extrapolated)."""

    value: float
    extrapolated: bool


def log_log(points: Sequence[tuple[float, float]], x: float) -> Interpolated:
    """y at `x` on the piecewise line through `points` in log-log space (linear in log x where a y is 0)."""
    ordered = sorted(points)
    if len(ordered) == 1:
        return Interpolated(ordered[0][1], x != ordered[0][0])
    inside = ordered[0][0] <= x <= ordered[-1][0]
    segment = next((i for i in range(len(ordered) - 1) if x <= ordered[i + 1][0]), len(ordered) - 2)
    (x0, y0), (x1, y1) = ordered[segment], ordered[segment + 1]
    t = (math.log(x) - math.log(x0)) / (math.log(x1) - math.log(x0))
    if y0 > 0 and y1 > 0:
        return Interpolated(math.exp(math.log(y0) + t * (math.log(y1) - math.log(y0))), not inside)
    return Interpolated(max(0.0, y0 + t * (y1 - y0)), not inside)


@dataclass(frozen=True)
class SramCost:
    """One access of a sized SRAM: read and write energy, area (None when the table gives none)."""

    read_pj: float
    write_pj: float
    area_um2: float | None
    extrapolated: bool


def sram_cost(rows: Sequence[SramRow], capacity_bytes: int, word_bits: int) -> SramCost:
    """The cost of a `word_bits` access to an SRAM of `capacity_bytes`, from sized rows."""
    read = log_log([(row.capacity_bytes, row.read_pj / row.word_bits) for row in rows], capacity_bytes)
    write = log_log([(row.capacity_bytes, row.write_pj / row.word_bits) for row in rows], capacity_bytes)
    sized = [(row.capacity_bytes, row.area_um2) for row in rows if row.area_um2 is not None]
    area = log_log(sized, capacity_bytes).value if sized else None
    return SramCost(read.value * word_bits, write.value * word_bits, area, read.extrapolated)


def mac_energy_pj(table: EnergyAreaTable, word_bits: int) -> Interpolated:
    """Energy of one MAC of `word_bits`-bit operands (log-log over word width between rows)."""
    return log_log([(row.word_bits, row.energy_pj) for row in table.mac], word_bits)


@dataclass(frozen=True)
class AccessEnergies:
    """What one action costs on one accelerator, in pJ; None where the table has no such component.

    L1 is one PE's buffer (`l1_size_elems` per PE), L2 the shared buffer; areas are of one instance.
    """

    table: str
    word_bits: int
    mac_pj: float
    l1_read_pj: float
    l1_write_pj: float
    l2_read_pj: float
    l2_write_pj: float
    l1_area_um2: float | None
    l2_area_um2: float | None
    register_file_read_pj: float | None
    register_file_write_pj: float | None
    noc_pj_per_word_per_hop: float | None
    dram_type: str | None
    dram_pj_per_word: float | None
    notes: tuple[str, ...]
    sources: tuple[str, ...]  # of the MAC, L1, L2, NoC and DRAM rows used, each once

    def engine_table(self) -> EnergyTable:
        """The analysis engine's table (one energy per MAC, L1, L2 and DRAM access and NoC transfer); buffer
        reads and writes must cost alike. A table without NoC or DRAM rows prices those at 0 (noted)."""
        for level, read, write in (("L1", self.l1_read_pj, self.l1_write_pj), ("L2", self.l2_read_pj, self.l2_write_pj)):
            if read != write:
                raise InputError(
                    f"energy table {self.table!r} gives {level} reads {read:.4g} pJ and writes {write:.4g} pJ; "
                    "the analysis prices every buffer access alike, so give equal read_pj and write_pj"
                )
        return EnergyTable(
            mac_pj=self.mac_pj,
            l1_access_pj=self.l1_read_pj,
            l2_access_pj=self.l2_read_pj,
            noc_transfer_pj=self.noc_pj_per_word_per_hop or 0.0,
            dram_access_pj=self.dram_pj_per_word or 0.0,
            source="; ".join(self.sources),
        )


def access_energies(table: EnergyAreaTable, accelerator: Accelerator, dram_type: str | None = None) -> AccessEnergies:
    """Per-access energies of `accelerator` (its L1 and L2 capacities and word width) priced with `table`."""
    bits = accelerator.word_bits
    notes: list[str] = []
    mac = mac_energy_pj(table, bits)
    if mac.extrapolated:
        notes.append(f"MAC energy: {bits}-bit is outside the table's mac rows (extrapolated)")
    levels = {}
    sources = [row.source for row in table.mac]
    for level, size_elems, fixed in (("L1", accelerator.l1_size_elems, table.l1_buffer), ("L2", accelerator.l2_size_elems, table.l2_buffer)):
        if fixed is not None:
            levels[level] = SramCost(fixed.read_pj, fixed.write_pj, None, False)
            sources.append(fixed.source)
            continue
        if size_elems == UNLIMITED:
            field = f"{level.lower()}_size_elems"
            raise InputError(f"{level} has no capacity ({field} is unlimited); table {table.name!r} prices SRAM by capacity: give {field}")
        capacity_bytes = size_elems * bits / 8
        cost = sram_cost(table.sram, math.ceil(capacity_bytes), bits)
        if cost.extrapolated:
            notes.append(f"{level} SRAM energy: {capacity_bytes:,.0f} B is outside the table's sram rows (extrapolated)")
        levels[level] = cost
        sources.extend(row.source for row in table.sram)
    # a PE's register file is the table's first register_file row (the accelerator gives no RF size)
    register_file = sram_cost(table.register_file, table.register_file[0].capacity_bytes, bits) if table.register_file else None
    noc = log_log([(row.word_bits, row.pj_per_word_per_hop / row.word_bits) for row in table.noc], bits).value * bits if table.noc else None
    dram = table.dram_row(dram_type)
    sources.extend(row.source for row in table.noc)
    if dram is not None:
        sources.append(dram.source)
    for component, label, missing in (("noc", "NoC", noc is None), ("dram", "DRAM", dram is None)):
        if missing:
            notes.append(f"energy table {table.name!r} has no {component} rows: {label} energy is counted as 0")
    return AccessEnergies(
        table=table.name,
        word_bits=bits,
        mac_pj=mac.value,
        l1_read_pj=levels["L1"].read_pj,
        l1_write_pj=levels["L1"].write_pj,
        l2_read_pj=levels["L2"].read_pj,
        l2_write_pj=levels["L2"].write_pj,
        l1_area_um2=levels["L1"].area_um2,
        l2_area_um2=levels["L2"].area_um2,
        register_file_read_pj=None if register_file is None else register_file.read_pj,
        register_file_write_pj=None if register_file is None else register_file.write_pj,
        noc_pj_per_word_per_hop=noc,
        dram_type=None if dram is None else dram.type,
        dram_pj_per_word=None if dram is None else dram.pj_per_bit * bits,
        notes=tuple(notes),
        sources=tuple(dict.fromkeys(sources)),
    )


def unequal_read_write(table: EnergyAreaTable) -> str | None:
    """Why `table` cannot give the analysis one energy per buffer access (a row it would price L1 or L2 with
    reads and writes unequal), or None: every capacity's lookup then passes `engine_table`."""
    buffer_rows = [(level, table.rows(f"{level.lower()}_buffer")) for level in ("L1", "L2")]
    if any(not rows for _, rows in buffer_rows):
        buffer_rows.append(("sram", table.sram))
    for level, rows in buffer_rows:
        for row in rows:
            if row.read_pj != row.write_pj:
                return (
                    f"energy table {table.name!r} gives {level} reads {row.read_pj:.4g} pJ and writes {row.write_pj:.4g} pJ; "
                    "the analysis prices every buffer access alike, so give equal read_pj and write_pj"
                )
    return None


@dataclass(frozen=True)
class PriceColumns:
    """Per-design prices (float64 arrays, one entry per design): pJ per counted action of each analysis
    component (ENERGY_COMPONENTS order, one column each), and one L1 and one L2 instance's SRAM area in
    µm² (None when the table gives that level no area)."""

    per_access_pj: np.ndarray  # designs x 5: mac, l1, l2, noc, dram
    l1_area_um2: np.ndarray | None
    l2_area_um2: np.ndarray | None


def price_columns(table: EnergyAreaTable, base: Accelerator, l1_size_elems: ArrayLike, l2_size_elems: ArrayLike) -> PriceColumns:
    """`access_energies` of every design (`base` with that design's L1 and L2 sizes) as columns.

    Each distinct L1 and each distinct L2 size is looked up once: the i-th call pairs the i-th distinct L1
    size with the i-th distinct L2 size (the last one repeated past the end), so a batch costs as many
    lookups as its more varied level has sizes, and every price is the scalar lookup's, to the bit.
    """
    import numpy as np  # only explore's batches price many designs: one analysis stays free of numpy's import

    l1_values, l1_index = np.unique(np.asarray(l1_size_elems, dtype=np.int64), return_inverse=True)
    l2_values, l2_index = np.unique(np.asarray(l2_size_elems, dtype=np.int64), return_inverse=True)
    lookups = max(len(l1_values), len(l2_values))
    l1_prices, l2_prices = np.zeros((len(l1_values), 2)), np.zeros((len(l2_values), 2))  # (pJ, area) per size
    fixed = np.zeros(3)  # mac, noc, dram: the same for every design (they depend on the word width only)
    has_area = [True, True]
    for i in range(lookups):
        l1, l2 = l1_values[min(i, len(l1_values) - 1)], l2_values[min(i, len(l2_values) - 1)]
        energies = access_energies(table, replace(base, l1_size_elems=int(l1), l2_size_elems=int(l2)))
        engine = energies.engine_table()
        fixed[:] = (engine.mac_pj, engine.noc_transfer_pj, engine.dram_access_pj)
        for level, prices, index, price, area in (
            (0, l1_prices, min(i, len(l1_values) - 1), engine.l1_access_pj, energies.l1_area_um2),
            (1, l2_prices, min(i, len(l2_values) - 1), engine.l2_access_pj, energies.l2_area_um2),
        ):
            prices[index] = (price, math.nan if area is None else area)
            has_area[level] = has_area[level] and area is not None
    count = len(l1_index.reshape(-1))
    per_access = np.empty((count, 5))
    per_access[:, 0], per_access[:, 3], per_access[:, 4] = fixed
    per_access[:, 1] = l1_prices[l1_index.reshape(-1), 0]
    per_access[:, 2] = l2_prices[l2_index.reshape(-1), 0]
    return PriceColumns(
        per_access,
        l1_prices[l1_index.reshape(-1), 1] if has_area[0] else None,
        l2_prices[l2_index.reshape(-1), 1] if has_area[1] else None,
    )
