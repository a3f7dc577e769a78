"""Time the start of the `mapscope` command: the import of `mapscope.cli`, and whole processes.

Usage: python benchmarks/bench_startup.py [--runs 15]

Each figure is the median of --runs fresh Python processes running this repository's `src` (put first
on PYTHONPATH). Prints, one line each:
- the interpreter alone (`python -c pass`, wall seconds): the floor under every figure below;
- `import mapscope.cli` (seconds inside the process, perf_counter around the import), and `import typer`
  alone, the floor of a typer command line;
- whole processes (wall seconds): `mapscope --version`, `mapscope --help`, `mapscope gemm 128 128 128`;
- one `mapscope analyze Resnet50_kcp_ws.m --hw accelerator_1.m` process (MAESTRO's bundled files, from
  ../shared/maestro-data/data relative to the repository root) next to MAESTRO -O2
  (../shared/peers/maestro) on the same files, the two run in turn, and their ratio; skipped with a
  message when the files or the binary are absent, or the binary does not run (its Boost libraries).
The last line is ``import_seconds=<s>``: the median import time of `mapscope.cli`.

Before timing, the tree's modules are compiled to bytecode (`__pycache__`, ignored by git), as `pip install`
does for an installed package and Python does on a source tree's first run: a user's second run reads
bytecode. (Where PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile every module of `src` in
every timed process.)
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from maestro_peer import MAESTRO_DATA, interleaved_medians, maestro_command, maestro_skip_reason

ROOT = Path(__file__).resolve().parent.parent
NETWORK = MAESTRO_DATA / "mapping" / "Resnet50_kcp_ws.m"
HARDWARE = MAESTRO_DATA / "hw" / "accelerator_1.m"

#: Prints the seconds the import of the module named by argv[1] takes in a fresh interpreter.
_IMPORT_TIMER = "import sys, time; t = time.perf_counter(); __import__(sys.argv[1]); print(time.perf_counter() - t)"


def _environment() -> dict[str, str]:
    """This process's environment with the repository's `src` first on PYTHONPATH (this tree is measured)."""
    paths = [str(ROOT / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def import_seconds(module: str) -> float:
    """Seconds a fresh interpreter takes to import `module` (measured inside it)."""
    command = [sys.executable, "-c", _IMPORT_TIMER, module]
    output = subprocess.run(command, env=_environment(), capture_output=True, text=True, check=True).stdout
    return float(output)


def wall_seconds(command: Sequence[str], cwd: Path | None = None) -> float:
    """Wall seconds of one process running `command` (output discarded); RuntimeError if it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} exited with {done.returncode}: {done.stderr.decode()[-300:]}")
    return seconds


def _mapscope(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "mapscope.cli", *arguments]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per figure (median)")
    runs = parser.parse_args(argv).runs
    compileall.compile_dir(ROOT / "src", quiet=1)

    startup = interleaved_medians(
        {
            "python -c pass": lambda: wall_seconds([sys.executable, "-c", "pass"]),
            "import typer": lambda: import_seconds("typer"),
            "import mapscope.cli": lambda: import_seconds("mapscope.cli"),
            "mapscope --version": lambda: wall_seconds(_mapscope("--version")),
            "mapscope --help": lambda: wall_seconds(_mapscope("--help")),
            "mapscope gemm 128 128 128": lambda: wall_seconds(_mapscope("gemm", "128", "128", "128")),
        },
        runs,
    )
    for name, seconds in startup.items():
        print(f"{name}: {seconds:.4f} s")

    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        reason = maestro_skip_reason(NETWORK, HARDWARE, scratch)
        analyze = _mapscope("analyze", str(NETWORK), "--hw", str(HARDWARE))
        if reason is not None:
            print(f"MAESTRO comparison skipped: {reason}")
            if NETWORK.exists() and HARDWARE.exists():
                alone = interleaved_medians({"analyze": lambda: wall_seconds(analyze, cwd=scratch)}, runs)
                print(f"mapscope analyze {NETWORK.name} (one process): {alone['analyze']:.4f} s")
        else:
            pair = interleaved_medians(
                {
                    "mapscope": lambda: wall_seconds(analyze, cwd=scratch),
                    "maestro": lambda: wall_seconds(maestro_command(NETWORK, HARDWARE), cwd=scratch),
                },
                runs,
            )
            print(
                f"{NETWORK.name} with {HARDWARE.name}, one process each: mapscope analyze {pair['mapscope']:.4f} s, "
                f"MAESTRO -O2 {pair['maestro']:.4f} s, ratio {pair['mapscope'] / pair['maestro']:.1f}x"
            )
    print(f"import_seconds={startup['import mapscope.cli']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
