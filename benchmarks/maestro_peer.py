"""MAESTRO -O2 (../shared/peers/maestro beside the repository) as a peer that benchmarks time in the same run.

MAESTRO's users run it as one process per mapping file; it writes its CSV into the current folder, so
every run here happens in a scratch folder. Its README says which Boost libraries it needs.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
MAESTRO = SHARED / "peers" / "maestro"
MAESTRO_DATA = SHARED / "maestro-data" / "data"


def maestro_command(mapping: Path, hardware: Path) -> list[str]:
    """MAESTRO as its users run it on one mapping file (CSV and console results, no log file)."""
    return [
        str(MAESTRO),
        f"--HW_file={hardware}",
        f"--Mapping_file={mapping}",
        "--print_res=true",
        "--print_res_csv_file=true",
        "--print_log_file=false",
    ]


def run_seconds(command: list[str], cwd: Path) -> float:
    """Wall seconds of one process (output discarded); RuntimeError when it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}")
    return seconds


def maestro_skip_reason(mapping: Path, hardware: Path, scratch: Path) -> str | None:
    """Why MAESTRO cannot be timed here (absent, or it does not run: missing Boost libraries), or None."""
    missing = [str(path) for path in (MAESTRO, mapping, hardware) if not path.exists()]
    if missing:
        return f"not found: {', '.join(missing)}"
    try:
        run_seconds(maestro_command(mapping, hardware), scratch)
    except (OSError, RuntimeError) as error:
        return f"MAESTRO does not run here: {error}"
    return None


def interleaved_medians(measures: dict[str, Callable[[], float]], runs: int) -> dict[str, float]:
    """The median of `runs` calls of each measure, the measures called in turn (a noisy moment hits all)."""
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            samples[name].append(measure())
    return {name: statistics.median(values) for name, values in samples.items()}
