"""`mapscope gemm`: one GEMM on a systolic array or machine, through `mapscope.api.gemm`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mapscope.systolic.flexsa_study import DEFAULT_ARRAY
from mapscope.systolic.machine import MachineKind
from mapscope.systolic.single_array import Convention, Dataflow


def gemm(
    m: Annotated[int, typer.Argument(metavar="M", help="Rows of the output (and of A).")],
    n: Annotated[int, typer.Argument(metavar="N", help="Columns of the output (and of B).")],
    k: Annotated[int, typer.Argument(metavar="K", help="The reduction (columns of A, rows of B).")],
    array: Annotated[str, typer.Option("--array", help="Array shape ROWSxCOLS.")] = f"{DEFAULT_ARRAY}x{DEFAULT_ARRAY}",
    dataflow: Annotated[
        Dataflow | None, typer.Option("--dataflow", help="SCALE-Sim dataflow on a single array (default ws).")
    ] = None,
    convention: Annotated[
        Convention | None,
        typer.Option("--convention", help="Count as SCALE-Sim does, or as mapscope (default mapscope)."),
    ] = None,
    machine: Annotated[
        MachineKind | None,
        typer.Option("--machine", help="Compile for this machine instead (shows the chosen plan); excludes --dataflow."),
    ] = None,
    double_buffered: Annotated[
        bool, typer.Option("--double-buffered", help="Preload the next weights while the current pass runs.")
    ] = False,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write every figure as JSON.")] = None,
) -> None:
    """Cycles and buffer accesses of one GEMM Out[M x N] = A[M x K] . B[K x N] on a systolic array."""
    from mapscope.api import gemm as run_gemm
    from mapscope.api import gemm_document
    from mapscope.formats.output_files import prepare_output_file, writing_output
    from mapscope.formats.results.json_output import write_json_document
    from mapscope.report.console import stdout_console
    from mapscope.report.gemm_report import render_machine_gemm, render_single_array
    from mapscope.systolic.single_gemm import MachineGemm

    result = run_gemm(m, n, k, array=array, dataflow=dataflow, convention=convention, machine=machine, double_buffered=double_buffered)
    if json_path is not None:  # one GEMM takes no time: the file is checked after the run
        json_file = prepare_output_file(json_path, "--json")
        with writing_output(json_file):
            write_json_document(gemm_document(result), json_file)
    if isinstance(result, MachineGemm):
        render_machine_gemm(result, stdout_console())
    else:
        render_single_array(result, stdout_console())
