"""Time parse + analysis of every `.m` mapping in a folder on one accelerator, in one process.

Usage: python benchmarks/bench_analyze.py MAPPING_DIR HW_FILE [--compat] [--runs N]

Prints one line per file (name, layers, seconds; from the first pass), then how many files were rejected
(InputError), and as its last line ``layers=<n> seconds=<s>``: layers analysed and the parse + analysis
time summed over all files (the median of --runs passes). No output files are written.

When MAESTRO -O2 (../shared/peers/maestro beside the repository) runs here, every pass is followed by
MAESTRO run as its users run it, one process per file that mapscope analysed, in a scratch folder; the
line before the last gives its median batch seconds and the ratio mapscope / MAESTRO.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from maestro_peer import maestro_command, maestro_skip_reason, run_seconds

from mapscope.analysis import analyze_network
from mapscope.api import build_accelerator
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.formats import load_mapped_network


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mapping_dir", type=Path, help="folder of MAESTRO .m mapping files")
    parser.add_argument("hw_file", help="hardware file (.m/.yaml/.json) or shipped hardware example name")
    parser.add_argument("--compat", action="store_true", help="MAESTRO-compatible mode (default: corrected)")
    parser.add_argument("--runs", type=int, default=3, help="passes over the folder (median), each followed by MAESTRO's")
    return parser.parse_args(argv)


def _pass(mapping_files: list[Path], accelerator: Accelerator, compat: str | None, verbose: bool) -> tuple[list[Path], int, float]:
    """One pass: the files analysed, their layers, and the parse + analysis seconds summed over all files."""
    analysed: list[Path] = []
    total_layers = 0
    total_seconds = 0.0
    for path in mapping_files:
        started = time.perf_counter()
        try:
            stats = analyze_network(load_mapped_network(path), accelerator, compat=compat)
        except InputError as error:
            total_seconds += time.perf_counter() - started
            if verbose:
                print(f"{path.name}: rejected: {error}")
            continue
        seconds = time.perf_counter() - started
        total_seconds += seconds
        total_layers += len(stats.layers)
        analysed.append(path)
        if verbose:
            print(f"{path.name}: layers={len(stats.layers)} seconds={seconds:.4f}")
    return analysed, total_layers, total_seconds


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 2 when the hardware or folder is unusable."""
    arguments = _arguments(argv)
    try:
        accelerator = build_accelerator(arguments.hw_file)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not arguments.mapping_dir.is_dir():
        print(f"error: {arguments.mapping_dir}: not a folder", file=sys.stderr)
        return 2
    hardware_path = Path(arguments.hw_file).resolve()
    mapping_files = [path for path in sorted(arguments.mapping_dir.glob("*.m")) if path.resolve() != hardware_path]
    compat = "maestro" if arguments.compat else None

    analysed, layers, seconds = _pass(mapping_files, accelerator, compat, verbose=True)
    print(f"files={len(mapping_files)} rejected={len(mapping_files) - len(analysed)}")
    ours, theirs = [seconds], []
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        reason = maestro_skip_reason(analysed[0], hardware_path, scratch) if analysed else "no file was analysed"
        for run in range(max(arguments.runs, 1)):
            if run:
                ours.append(_pass(mapping_files, accelerator, compat, verbose=False)[2])
            if reason is None:
                theirs.append(sum(run_seconds(maestro_command(path, hardware_path), scratch) for path in analysed))
    median = statistics.median(ours)
    if reason is None:
        maestro = statistics.median(theirs)
        print(f"maestro_seconds={maestro:.4f} (MAESTRO -O2, one process per analysed file) ratio={median / maestro:.3f}")
    else:
        print(f"MAESTRO comparison skipped: {reason}")
    print(f"layers={layers} seconds={median:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
