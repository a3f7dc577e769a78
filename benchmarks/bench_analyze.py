"""Time parse + analysis of every `.m` mapping in a folder on one accelerator, in one process.

Usage: python benchmarks/bench_analyze.py MAPPING_DIR HW_FILE [--compat]

Prints one line per file (name, layers, seconds), then how many files were rejected (InputError), and as
its last line ``layers=<n> seconds=<s>``: layers analysed and the parse + analysis time summed over all
files. No output files are written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mapscope.analysis import analyze_network
from mapscope.api import build_accelerator
from mapscope.errors import InputError
from mapscope.formats import load_mapped_network


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mapping_dir", type=Path, help="folder of MAESTRO .m mapping files")
    parser.add_argument("hw_file", help="hardware file (.m/.yaml/.json) or shipped hardware example name")
    parser.add_argument("--compat", action="store_true", help="MAESTRO-compatible mode (default: corrected)")
    return parser.parse_args(argv)


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

    total_layers = 0
    total_seconds = 0.0
    rejected = 0
    for path in mapping_files:
        started = time.perf_counter()
        try:
            stats = analyze_network(load_mapped_network(path), accelerator, compat=compat)
        except InputError as error:
            total_seconds += time.perf_counter() - started
            rejected += 1
            print(f"{path.name}: rejected: {error}")
            continue
        seconds = time.perf_counter() - started
        total_seconds += seconds
        total_layers += len(stats.layers)
        print(f"{path.name}: layers={len(stats.layers)} seconds={seconds:.4f}")
    print(f"files={len(mapping_files)} rejected={rejected}")
    print(f"layers={total_layers} seconds={total_seconds:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
