"""The built-in energy/area tables: `maestro` (MAESTRO's constants, plus Eyeriss-relative NoC and DRAM) and `horowitz45` (published 45 nm data).

Each row cites where its numbers come from; docs/energy.md lists them with the reasoning. Users write
their own tables as YAML (formats/energy_table_file.py); `mapscope` reads a name here first.
"""

from __future__ import annotations

from mapscope.hardware.area_power import MAC_AREA_UM2
from mapscope.hardware.energy import DEFAULT_NOC_DRAM_SOURCE, MAESTRO_ENERGY, MAESTRO_MAC_ENERGY_PJ, MAESTRO_SOURCE
from mapscope.hardware.energy_tables import BufferLevelRow, DramRow, EnergyAreaTable, MacRow, NocRow, SramRow

KIB = 1024

# ---- maestro: MAESTRO's constants, with NoC and DRAM added ------------------------------------------------
#: MAESTRO prices a MAC and one element access of L1 and of L2, whatever their size (1.68x and 18.61x a
#: MAC). It has no NoC or DRAM energy: the default model adds Eyeriss's 2x and 200x a MAC, as rows of a
#: 16-bit word (MAESTRO's bfloat16); the table has no register-file row.
_MAESTRO_WORD_BITS = 16
MAESTRO_TABLE = EnergyAreaTable(
    name="maestro",
    technology="28 nm (MAESTRO's area model; its energies are relative to one bfloat16 MAC)",
    mac=(MacRow(_MAESTRO_WORD_BITS, MAESTRO_MAC_ENERGY_PJ, MAESTRO_SOURCE, MAC_AREA_UM2),),
    noc=(NocRow(_MAESTRO_WORD_BITS, MAESTRO_ENERGY.noc_transfer_pj, DEFAULT_NOC_DRAM_SOURCE),),
    dram=(DramRow("generic", MAESTRO_ENERGY.dram_access_pj / _MAESTRO_WORD_BITS, DEFAULT_NOC_DRAM_SOURCE),),
    l1_buffer=BufferLevelRow(MAESTRO_ENERGY.l1_access_pj, MAESTRO_ENERGY.l1_access_pj, MAESTRO_SOURCE),
    l2_buffer=BufferLevelRow(MAESTRO_ENERGY.l2_access_pj, MAESTRO_ENERGY.l2_access_pj, MAESTRO_SOURCE),
)

# ---- horowitz45: published 45 nm numbers ------------------------------------------------------------------
_HOROWITZ = "Horowitz, 'Computing's energy problem (and what we can do about it)', ISSCC 2014, Fig. 1.1.9 (45 nm, 0.9 V)"
#: Intel's 45 nm 6T SRAM cell (Mistry et al., IEDM 2007): 0.346 µm². Cells only, no periphery: a lower bound.
SRAM_CELL_AREA_UM2 = 0.346
_CELL_AREA = "area: cells only, 0.346 µm² per bit (Mistry et al., 'A 45nm logic technology ...', IEDM 2007), periphery excluded: a lower bound"
#: Eyeriss's energy per access relative to one MAC (Chen, Emer, Sze, ISCA 2016, Table IV; 65 nm, 16-bit):
#: register file 1x, inter-PE network 2x, global buffer 6x, DRAM 200x. Anchored here as the project's
#: systolic table does: the 8 KiB SRAM's 16-bit access (10 pJ x 16/64 = 2.5 pJ) stands for 6x.
_EYERISS_UNIT_PJ = 10.0 * 16 / 64 / 6
_EYERISS = "Chen, Emer, Sze, 'Eyeriss', ISCA 2016, Table IV (RF 1x, inter-PE 2x, buffer 6x a MAC), 6x anchored to Horowitz's 8 KB SRAM at 16 bits (2.5 pJ)"


def _horowitz_sram(capacity_bytes: int, pj_per_64bit: float) -> SramRow:
    area = capacity_bytes * 8 * SRAM_CELL_AREA_UM2
    source = f"{_HOROWITZ}: 64-bit access of a {capacity_bytes // KIB} KB SRAM {pj_per_64bit:g} pJ (read and write alike); {_CELL_AREA}"
    return SramRow(capacity_bytes, 64, pj_per_64bit, pj_per_64bit, source, area)


HOROWITZ45_TABLE = EnergyAreaTable(
    name="horowitz45",
    technology="45 nm, 0.9 V",
    mac=(
        MacRow(8, 0.2 + 0.03, f"{_HOROWITZ}: 8-bit integer multiply 0.2 pJ + 8-bit add 0.03 pJ; areas 282 + 36 µm²", 282.0 + 36.0),
        MacRow(32, 3.1 + 0.1, f"{_HOROWITZ}: 32-bit integer multiply 3.1 pJ + 32-bit add 0.1 pJ; areas 3495 + 137 µm²", 3495.0 + 137.0),
    ),
    sram=(_horowitz_sram(8 * KIB, 10.0), _horowitz_sram(32 * KIB, 20.0), _horowitz_sram(1024 * KIB, 100.0)),
    register_file=(
        SramRow(512, 16, _EYERISS_UNIT_PJ, _EYERISS_UNIT_PJ, f"{_EYERISS}; 0.5 KB per PE as in Eyeriss", 512 * 8 * SRAM_CELL_AREA_UM2),
    ),
    noc=(NocRow(16, 2 * _EYERISS_UNIT_PJ, _EYERISS),),
    dram=(
        DramRow(
            "DDR3",
            2000.0 / 64,
            f"{_HOROWITZ}: DRAM 1.3-2.6 nJ per 64-bit access (2.0 nJ used, i.e. 31.25 pJ/bit); "
            "Horowitz names no DRAM type: commodity DDR3 of the time is assumed",
        ),
    ),
)

#: Built-in tables by the name `--energy-table` and `load_energy_table` accept.
BUILTIN_TABLES: dict[str, EnergyAreaTable] = {table.name: table for table in (MAESTRO_TABLE, HOROWITZ45_TABLE)}
