"""Design records for result-store tests, importable by the writer processes those tests start."""

from __future__ import annotations

from pathlib import Path

from mapscope.formats.results.store import DesignRecord, ResultStore, design_key

FINGERPRINT = "5e1f0c2a9b8d7e6f5a4b3c2d1e0f9a8b"


def make_record(index: int) -> DesignRecord:
    """Design `index`: a few parameters of each type, metrics with a NaN, every fifth one infeasible."""
    parameters: dict[str, int | float | str | bool] = {
        "num_pes": 8 * (index + 1),
        "noc_bandwidth_elems_per_cycle": 0.25 * index,
        "dataflow": ("kcp_ws", "yr_os")[index % 2],
        "double_buffering": index % 3 == 0,
    }
    metrics = {"runtime_cycles": 1000.0 + index, "energy_nj": (float("nan"), 2.5)[index % 2], "area_mm2": 0.1 * index}
    feasible = index % 5 != 0
    return DesignRecord(design_key(parameters), parameters, metrics, feasible, None if feasible else "area_mm2 <= 1")


def open_store(path: Path, resume: bool = True) -> ResultStore:
    return ResultStore.open(path, space_fingerprint=FINGERPRINT, space_document="", resume=resume)
