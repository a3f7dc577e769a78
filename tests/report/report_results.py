"""Small runs of every command that writes an HTML report, each with its JSON and its `--html` page, for
the report tests (one call runs all four in a few seconds)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from mapscope.cli import main

#: A three-layer network (two layers the same shape: searched once) and a 16-PE accelerator for `map`.
SMALL_NETWORK = """Network small {
\tLayer conv_a {
\t\tType: CONV
\t\tStride { X: 1, Y: 1 }
\t\tDimensions { K: 16, C: 8, R: 3, S: 3, Y: 10, X: 10 }
\t}
\tLayer conv_b {
\t\tType: CONV
\t\tStride { X: 2, Y: 2 }
\t\tDimensions { K: 32, C: 16, R: 1, S: 1, Y: 9, X: 9 }
\t}
\tLayer conv_c {
\t\tType: CONV
\t\tStride { X: 1, Y: 1 }
\t\tDimensions { K: 16, C: 8, R: 3, S: 3, Y: 10, X: 10 }
\t}
}
"""
SMALL_HARDWARE = "num_pes: 16\nl1_size_cstr: 512\nl2_size_cstr: 65536\nnoc_bw_cstr: 16\noffchip_bw_cstr: 16\n"
#: Each command's arguments (outputs added by `run_all`): ResNet-50 for analyze (the 5 MB limit is its);
#: explore's JSON lists all 20 designs (`--best 20`), as its `--html` report does.
COMMANDS = {
    "analyze": ["analyze", "resnet50_kcp_ws", "--hw", "accelerator_256pe", "-q"],
    "map": ["map", "{folder}/small.m", "--hw", "{folder}/hw.m", "--budget-per-layer", "40", "-q"],
    "explore": ["explore", "resnet50_systolic_shapes", "--budget", "20", "--best", "20", "--workers", "1"],
    "flexsa": ["flexsa", "--model", "resnet56", "--epochs", "10", "--interval-epochs", "5", "--array", "16", "--batch", "2"],
}
#: Layers in each per-layer result: ResNet-50's 54, the small network's 3.
LAYERS = {"analyze": 54, "map": 3}


@dataclass(frozen=True)
class ReportRun:
    """One command's outputs: its JSON result and the HTML page its `--html` wrote."""

    kind: str
    json_path: Path
    html_path: Path


def run_quietly(arguments: list[str]) -> int:
    """Run the CLI in-process, its output swallowed; the exit status."""
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return main(arguments)


def run_all(folder: Path) -> dict[str, ReportRun]:
    """Run every command of COMMANDS with `--json` and `--html` into `folder`."""
    (folder / "small.m").write_text(SMALL_NETWORK)
    (folder / "hw.m").write_text(SMALL_HARDWARE)
    runs = {}
    for kind, arguments in COMMANDS.items():
        run = ReportRun(kind, folder / f"{kind}.json", folder / f"{kind}.html")
        given = [argument.replace("{folder}", str(folder)) for argument in arguments]
        status = run_quietly([*given, "--json", str(run.json_path), "--html", str(run.html_path)])
        assert status == 0, f"{kind} failed"
        runs[kind] = run
    return runs
