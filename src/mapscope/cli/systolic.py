"""`mapscope systolic`: a SCALE-Sim topology (and optionally its scale.cfg) on one systolic array.

Parses the flags, calls `mapscope.api.systolic`, writes the requested files (all rendered before any is
written), prints the notes on stderr and the per-layer table on stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mapscope.systolic.single_array import Convention, Dataflow


def systolic(
    topology: Annotated[
        Path, typer.Argument(metavar="TOPOLOGY.csv", help="SCALE-Sim topology: conv rows or 'name, M, N, K' rows.")
    ],
    config: Annotated[
        Path | None, typer.Option("--config", help="SCALE-Sim scale.cfg: gives the array size, dataflow and SRAM sizes (for its DRAM counts).")
    ] = None,
    array: Annotated[
        str | None, typer.Option("--array", help="Array shape ROWSxCOLS (wins over the config; default 128x128).")
    ] = None,
    dataflow: Annotated[
        Dataflow | None, typer.Option("--dataflow", help="os, ws or is (wins over the config; default ws).")
    ] = None,
    convention: Annotated[
        Convention | None,
        typer.Option("--convention", help="Count as SCALE-Sim does or as mapscope (default: scalesim with --config, else mapscope)."),
    ] = None,
    double_buffered: Annotated[
        bool, typer.Option("--double-buffered", help="Preload the next weights while the current pass runs.")
    ] = False,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write settings, per-layer records and totals as JSON.")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write one row per layer as CSV.")] = None,
    parquet_path: Annotated[Path | None, typer.Option("--parquet", help="Write one row per layer as Parquet (needs pyarrow).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no table (files, notes and errors only).")] = False,
) -> None:
    """Run every layer of a SCALE-Sim topology on one systolic array (SCALE-Sim's os, ws and is dataflows)."""
    from mapscope.api import systolic as run_systolic
    from mapscope.formats.output_files import prepare_output_file, write_files
    from mapscope.formats.results.topology_output import render_topology_files
    from mapscope.report.console import stdout_console
    from mapscope.report.topology_report import render_topology

    outputs = {"--json": json_path, "--csv": csv_path, "--parquet": parquet_path}
    prepared = {option: None if path is None else prepare_output_file(path, option) for option, path in outputs.items()}
    run = run_systolic(
        topology, config, array=array, dataflow=dataflow, convention=convention, double_buffered=double_buffered
    )
    files = render_topology_files(
        run, json_path=prepared["--json"], csv_path=prepared["--csv"], parquet_path=prepared["--parquet"]
    )
    write_files(files)
    for note in run.notes:
        typer.echo(f"note: {note}", err=True)
    if not quiet:
        render_topology(run, stdout_console())
