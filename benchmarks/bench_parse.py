"""Time reading every `.m` mapping file in a folder (read + tokenize + parse, no analysis), N rounds.

Usage: python benchmarks/bench_parse.py MAPPING_DIR [--repeat N]

Each round reads and parses every ``*.m`` file of the folder with `read_mapping_file`; a file the reader
rejects (InputError) still counts its time. Prints the files, the rejected files, the layers of one round,
the median and best round in seconds, and as its last line ``layers_per_second=<n>``: layers of one round
divided by the median round.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from mapscope.errors import InputError
from mapscope.formats.maestro.mapping_file import read_mapping_file


def _one_round(paths: list[Path]) -> tuple[float, int, int]:
    """Seconds, layers read and files rejected for one pass over `paths`."""
    layers = rejected = 0
    started = time.perf_counter()
    for path in paths:
        try:
            layers += len(read_mapping_file(path).layers)
        except InputError:
            rejected += 1
    return time.perf_counter() - started, layers, rejected


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 2 when the folder is unusable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mapping_dir", type=Path, help="folder of MAESTRO .m mapping files")
    parser.add_argument("--repeat", type=int, default=20, help="rounds over the whole folder (default 20)")
    arguments = parser.parse_args(argv)
    paths = sorted(arguments.mapping_dir.glob("*.m"))
    if not arguments.mapping_dir.is_dir() or not paths or arguments.repeat < 1:
        print(f"error: {arguments.mapping_dir}: not a folder with .m files (or --repeat < 1)", file=sys.stderr)
        return 2
    rounds = [_one_round(paths) for _ in range(arguments.repeat)]
    seconds = [round_seconds for round_seconds, _, _ in rounds]
    _, layers, rejected = rounds[0]
    median = statistics.median(seconds)
    print(f"files={len(paths)} rejected={rejected} layers={layers}")
    print(f"rounds={arguments.repeat} median_seconds={median:.5f} best_seconds={min(seconds):.5f}")
    print(f"layers_per_second={layers / median:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
