"""The hardware flags `analyze` and `map` share (``--num-pes``, ``--l1-size``, ...): one declaration per flag,
the accelerator field it sets, and the accelerator a command line describes.

`analyze` lets a hardware file win over the flags, with a warning, as MAESTRO does; `map`, which MAESTRO
does not have, lets the flags win over the file, as the Python API's keyword overrides do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from mapscope.cli.support import note, warning

if TYPE_CHECKING:
    from mapscope.hardware.accelerator import Accelerator

#: Each hardware flag and the `Accelerator` field it sets.
HARDWARE_FLAGS: dict[str, str] = {
    "--num-pes": "num_pes",
    "--simd": "simd_lanes",
    "--noc-bw": "noc_bandwidth_elems_per_cycle",
    "--noc-latency": "noc_latency_cycles",
    "--offchip-bw": "offchip_bandwidth_elems_per_cycle",
    "--l1-size": "l1_size_elems",
    "--l2-size": "l2_size_elems",
}

# The flags' declarations, for a command's parameters (``num_pes: NumPesFlag = None``).
NumPesFlag = Annotated[int | None, typer.Option("--num-pes", help="Number of PEs (MAESTRO default 7).")]
NocBwFlag = Annotated[int | None, typer.Option("--noc-bw", help="NoC bandwidth, elements/cycle.")]
L1SizeFlag = Annotated[
    int | None, typer.Option("--l1-size", help="L1 capacity per PE, elements (analyze: warnings only; map: a constraint).")
]
L2SizeFlag = Annotated[int | None, typer.Option("--l2-size", help="L2 capacity, elements (analyze: warnings only; map: a constraint).")]
OffchipBwFlag = Annotated[int | None, typer.Option("--offchip-bw", help="Off-chip bandwidth, elements/cycle.")]
SimdFlag = Annotated[int | None, typer.Option("--simd", help="SIMD lanes (ALUs) per PE.")]
NocLatencyFlag = Annotated[int | None, typer.Option("--noc-latency", help="NoC head latency, cycles.")]


def given_hardware_flags(
    *,
    num_pes: int | None,
    simd: int | None,
    noc_bw: int | None,
    noc_latency: int | None,
    offchip_bw: int | None,
    l1_size: int | None,
    l2_size: int | None,
) -> dict[str, int]:
    """The hardware flags given on the command line (flag -> value), from a command's parameters."""
    values = (num_pes, simd, noc_bw, noc_latency, offchip_bw, l1_size, l2_size)
    return {flag: value for flag, value in zip(HARDWARE_FLAGS, values) if value is not None}


def hardware_for_command_line(hardware: str | None, flag_values: Mapping[str, int], *, file_wins: bool = True) -> Accelerator:
    """The accelerator a command line describes: the hardware file (or MAESTRO's defaults, with a note when
    the PE count is not given either) and the flags; the file wins over a differing flag, with a warning,
    when `file_wins` (MAESTRO's rule), else the flags win."""
    from mapscope.formats.sources import build_accelerator, load_hardware_fields

    given = {HARDWARE_FLAGS[flag]: value for flag, value in flag_values.items()}
    if hardware is None:
        accelerator = build_accelerator(None, given)
        if "num_pes" not in given:
            from mapscope.report.summary import accelerator_summary

            note(f"no --hw or --num-pes given: using MAESTRO's default accelerator ({accelerator_summary(accelerator)})")
        return accelerator
    file_fields = load_hardware_fields(hardware)
    if not file_wins:
        return build_accelerator(None, {**file_fields, **given})
    for flag, value in flag_values.items():
        field = HARDWARE_FLAGS[flag]
        if field in file_fields and file_fields[field] != value:
            warning(
                f"{flag} {value} is overridden by {field} = {file_fields[field]} from the hardware file "
                f"{hardware} (a hardware file wins over flags, as in MAESTRO)"
            )
    return build_accelerator(None, {**given, **file_fields})
