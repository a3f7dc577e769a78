"""`mapscope analyze`: parse the options (MAESTRO's hardware flags included), call `mapscope.api.analyze`,
write the requested files, then print the report.

Hardware flags (`mapscope.cli.hardware_flags`, shared with `map`) are overridden by a hardware file, with
a warning, as in MAESTRO (the Python API lets keyword overrides win instead).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mapscope.cli.assignments import parse_assignments
from mapscope.cli.hardware_flags import (
    L1SizeFlag,
    L2SizeFlag,
    NocBwFlag,
    NocLatencyFlag,
    NumPesFlag,
    OffchipBwFlag,
    SimdFlag,
    given_hardware_flags,
    hardware_for_command_line,
)
from mapscope.cli.html_option import HtmlOption, prepare_html, write_html
from mapscope.cli.maestro_flags import MAESTRO_STYLE_OPTION, NO_MAESTRO_CSV_OPTION
from mapscope.cli.support import note
from mapscope.formats.results.layer_table import CsvFormat

if TYPE_CHECKING:
    from mapscope.hardware.accelerator import Accelerator
    from mapscope.hardware.energy import EnergyTable
    from mapscope.stats import NetworkStats


class CompatMode(StrEnum):
    """Which numbers `analyze` computes: MAESTRO's exact ones, or the corrected model."""

    maestro = "maestro"
    none = "none"


def analyze(
    mapping: Annotated[
        str,
        typer.Argument(
            help="Mapping or model file (.m, .yaml, .json, .onnx, a SCALE-Sim topology .csv), a zoo network (`mapscope zoo`) or a shipped example."
        ),
    ],
    hw: Annotated[
        str | None, typer.Option("--hw", help="Hardware file (.m, .yaml, .json) or example; wins over the flags below.")
    ] = None,
    num_pes: NumPesFlag = None,
    noc_bw: NocBwFlag = None,
    l1_size: L1SizeFlag = None,
    l2_size: L2SizeFlag = None,
    offchip_bw: OffchipBwFlag = None,
    simd: SimdFlag = None,
    noc_latency: NocLatencyFlag = None,
    compat: Annotated[
        CompatMode | None, typer.Option("--compat", help="'maestro' for MAESTRO's exact numbers and CSV bytes.")
    ] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write per-layer results as CSV (overwrites).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write all results as JSON (overwrites).")] = None,
    csv_format: Annotated[
        CsvFormat | None,
        typer.Option("--csv-format", help="'mapscope': the JSON's columns; 'maestro': MAESTRO's CSV (default in compat mode)."),
    ] = None,
    parquet_path: Annotated[
        Path | None, typer.Option("--parquet", help="Write per-layer results as Parquet (overwrites; needs pyarrow).")
    ] = None,
    stats_path: Annotated[
        Path | None,
        typer.Option("--stats", help="Write per-level statistics (L1, L2, DRAM: capacity used, traffic per tensor, energy) as .txt or .json."),
    ] = None,
    html_path: HtmlOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no table (files and errors only).")] = False,
    dataflow: Annotated[
        str | None,
        typer.Option("--dataflow", help="Map every layer with this dataflow template (`mapscope templates` lists them)."),
    ] = None,
    params: Annotated[
        list[str] | None, typer.Option("--param", help="Template parameter NAME=VALUE (repeatable), e.g. cluster_size=32.")
    ] = None,
    dims: Annotated[
        list[str] | None,
        typer.Option("--dim", help="Size NAME=VALUE (repeatable): an ONNX dynamic dimension or a zoo parameter (batch, seq_len)."),
    ] = None,
    skip_unsupported: Annotated[
        bool, typer.Option("--skip-unsupported", help="Leave unsupported ONNX operators out (each one noted) instead of failing.")
    ] = False,
    energy_table: Annotated[
        str | None,
        typer.Option(
            "--energy-table",
            help="Price the MAC, L1, L2, NoC and DRAM energies with a table: maestro (the default's numbers), horowitz45, or a FILE.yaml (docs/energy.md).",
        ),
    ] = None,
    maestro_style: Annotated[bool, typer.Option(MAESTRO_STYLE_OPTION, hidden=True)] = False,
    maestro_csv: Annotated[bool, typer.Option("--maestro-csv/" + NO_MAESTRO_CSV_OPTION, hidden=True)] = True,
) -> None:
    """Analyse every layer of MAPPING on an accelerator and print runtime, energy, buffer and bandwidth needs."""
    from mapscope import api  # the workload is loaded through the module, where tests can replace the loader
    from mapscope.formats.maestro.csv_file import maestro_csv_file_name
    from mapscope.formats.output_files import prepare_output_file
    from mapscope.formats.results.layer_table import default_csv_format, parquet_target
    from mapscope.formats.sources import integer_sizes

    flags = given_hardware_flags(
        num_pes=num_pes, simd=simd, noc_bw=noc_bw, noc_latency=noc_latency, offchip_bw=offchip_bw, l1_size=l1_size, l2_size=l2_size
    )
    if csv_path is None and maestro_style and maestro_csv:
        csv_path = Path(maestro_csv_file_name(mapping))
    csv_file = None if csv_path is None else prepare_output_file(csv_path, "--csv")
    json_file = None if json_path is None else prepare_output_file(json_path, "--json")
    parquet_file = None if parquet_path is None else parquet_target(prepare_output_file(parquet_path, "--parquet"))
    stats_file = None
    if stats_path is not None:
        from mapscope.formats.results.memory_stats_file import stats_target

        stats_file = stats_target(prepare_output_file(stats_path, "--stats"))
    html_file = prepare_html(html_path)
    sizes = integer_sizes(parse_assignments(dims or [], "--dim"), "--dim")
    workload = api.load_workload(mapping, sizes=sizes, skip_unsupported=skip_unsupported)
    accelerator = hardware_for_command_line(hw, flags)
    if compat is None:
        compat = CompatMode.maestro if maestro_style else CompatMode.none
    parameters = parse_assignments(params or [], "--param")
    table = None if energy_table is None else engine_energy_table(energy_table, accelerator, compat)
    stats = api.analyze(workload, accelerator, dataflow=dataflow, params=parameters, compat=compat.value, energy_table=table)
    for message in stats.notes:
        note(message)
    table_format = csv_format or default_csv_format(compat=stats.compat, maestro_style=maestro_style)
    write_result_files(stats, csv_file=csv_file, csv_format=table_format, json_file=json_file, parquet_file=parquet_file, stats_file=stats_file)
    write_html(stats, html_file)
    _report(stats, quiet=quiet, maestro_style=maestro_style, csv_written=csv_file is not None)


def engine_energy_table(name_or_path: str, accelerator: Accelerator, compat: CompatMode) -> EnergyTable:
    """The per-access energies of `--energy-table` for `accelerator`; compat mode keeps MAESTRO's own constants."""
    from mapscope.errors import InputError
    from mapscope.formats.energy_table_file import load_energy_table
    from mapscope.hardware.energy_builtin import MAESTRO_TABLE
    from mapscope.hardware.energy_lookup import access_energies

    table = load_energy_table(name_or_path)
    if compat is CompatMode.maestro and table != MAESTRO_TABLE:
        raise InputError("compat mode computes MAESTRO's numbers with MAESTRO's energies; drop --energy-table or use --compat none", "--energy-table")
    energies = access_energies(table, accelerator)
    for message in energies.notes:
        note(message)
    return energies.engine_table()


def write_result_files(
    stats: NetworkStats,
    *,
    csv_file: Path | None,
    csv_format: CsvFormat,
    json_file: Path | None,
    parquet_file: Path | None,
    stats_file: Path | None = None,
) -> None:
    """Every file `analyze` was asked for, written before anything goes to stdout (a reader that closes it
    early must not cost the files). The CSV has the JSON's columns, or MAESTRO's format (`csv_format`),
    whose bytes match MAESTRO's in compat mode; `stats_file` gets the per-level statistics."""
    if csv_file is None and json_file is None and parquet_file is None and stats_file is None:
        return  # the writers' modules are imported only when a file is asked for
    from mapscope.formats.output_files import writing_output
    from mapscope.formats.results.json_output import write_json
    from mapscope.formats.results.layer_table import write_layer_csv, write_layer_parquet

    if csv_file is not None:
        with writing_output(csv_file):
            write_layer_csv(stats, csv_file, csv_format)
    if json_file is not None:
        with writing_output(json_file):
            write_json(stats, json_file)
    if parquet_file is not None:
        with writing_output(parquet_file):
            write_layer_parquet(stats, parquet_file)
    if stats_file is not None:
        from mapscope.formats.results.memory_stats_file import write_memory_stats

        with writing_output(stats_file):
            write_memory_stats(stats, stats_file)


def _report(stats: NetworkStats, *, quiet: bool, maestro_style: bool, csv_written: bool) -> None:
    """The table on stdout (unless `quiet`), and MAESTRO's summary lines when called with its flags."""
    from mapscope.report.summary import maestro_summary_lines

    assert stats.accelerator is not None  # mapscope.api.analyze fills it in
    if not quiet:  # rich (the table library) is imported only when a table is printed
        from mapscope.report.console import render_network_report, stdout_console

        render_network_report(stats, stats.accelerator, stdout_console())
    if maestro_style:
        for line in maestro_summary_lines(stats, stats.accelerator, csv_written, print_results=not quiet):
            typer.echo(line)
