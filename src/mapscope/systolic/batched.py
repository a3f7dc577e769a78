"""One GEMM (or a network's GEMMs) on many single-array shapes at once, for design-space exploration.

`single_array_batch` returns, per numeric field of `SingleArrayResult`, a numpy array whose element i
equals `run_single_array(gemm, rows[i], cols[i], ...)`'s field exactly (the float bit for bit). Both
evaluate the same closed form, `single_array.array_counts`, here on int64 arrays of array shapes; the
magnitude check below keeps every count within int64. Where `run_single_array`'s utilisation is None
(undefined: SCALE-Sim's convention counts a one-cycle run as 0 cycles) the batched one is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mapscope.errors import InputError
from mapscope.systolic.scalesim_dram import DEFAULT_SRAMS, ScaleSimSrams
from mapscope.systolic.single_array import Convention, Dataflow, array_counts
from mapscope.limits import MAX_SIZE
from mapscope.workload.gemm import Gemm

#: The numeric fields of SingleArrayResult, in its order; all int64 except utilization (float64).
FIELDS = (
    "cycles", "macs", "utilization", "row_folds", "col_folds",
    "ifmap_sram_reads", "filter_sram_reads", "ofmap_sram_writes", "ofmap_sram_reads",
    "dram_ifmap_reads", "dram_filter_reads", "dram_ofmap_writes",
)

_INT64_LIMIT = 2**62  # bounds checked against half the int64 range: a margin for the bound's slack
_FLOAT_EXACT = 2**53  # integers up to here convert to float64 exactly


def _array_shapes(rows: Any, cols: Any) -> tuple[np.ndarray, np.ndarray]:
    """rows and cols as int64 1-D arrays of one length, or InputError."""
    where = "array shapes"
    checked = []
    for label, values in (("rows", rows), ("cols", cols)):
        array = np.asarray(values)
        if array.ndim != 1:
            raise InputError(f"{label} must be a 1-D array, got {array.ndim} dimensions", where)
        if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
            raise InputError(f"{label} must hold integers, got dtype {array.dtype}", where)
        if array.size and (array.min() <= 0 or array.max() > MAX_SIZE):
            bad = array[(array <= 0) | (array > MAX_SIZE)][0]
            raise InputError(f"{label} must be positive and at most {MAX_SIZE}, got {bad}", where)
        checked.append(array.astype(np.int64))
    if checked[0].shape != checked[1].shape:
        raise InputError(f"rows and cols differ in length ({checked[0].size} and {checked[1].size})", where)
    return checked[0], checked[1]


def _options(dataflow: Dataflow | str, convention: Convention | str) -> tuple[Dataflow, Convention]:
    try:
        return Dataflow(dataflow), Convention(convention)
    except ValueError:
        raise InputError(
            f"unknown dataflow {dataflow!r} or convention {convention!r}; dataflows: "
            f"{', '.join(Dataflow)}; conventions: {', '.join(Convention)}", "single array"
        ) from None


def _magnitude_bound(gemm: Gemm, dataflow: Dataflow, max_rows: int, max_cols: int) -> int:
    """An upper bound (Python int) on cycles * R * C, which bounds every count of every array shape.

    cycles * R * C >= MACs, and every buffer count is at most MACs or cycles; the bound uses
    ceil(x / R) * R <= x + R.
    """
    m, n, k, r, c = gemm.m, gemm.n, gemm.k, max_rows, max_cols
    if dataflow is Dataflow.OS:
        return (m + r) * (n + c) * (k + r + c)
    streamed, stationary_cols = (n, m) if dataflow is Dataflow.IS else (m, n)
    return (k + r) * (stationary_cols + c) * (streamed + 2 * r + c)


def _check_range(bound: int, what: str) -> None:
    if bound >= _INT64_LIMIT:
        raise InputError(f"{what} is too large for 64-bit batched counts; use run_single_array", "batched evaluation")


def _utilization(macs: np.ndarray, cycles: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """macs / (cycles * rows * cols) rounded exactly as Python's int / int (correctly rounded); NaN where
    cycles is 0 (SCALE-Sim's convention, a one-cycle run), where run_single_array gives None.

    float64 division of two exactly converted integers is correctly rounded too; the rare elements
    above 2**53 would be rounded twice, so they take Python's int division one by one.
    """
    pe_cycles = cycles * rows * cols
    ratio = np.full(pe_cycles.shape, np.nan)
    np.divide(macs.astype(np.float64), pe_cycles.astype(np.float64), out=ratio, where=pe_cycles != 0)
    inexact = np.flatnonzero((macs > _FLOAT_EXACT) | (pe_cycles > _FLOAT_EXACT))
    for i in inexact.tolist():
        ratio[i] = int(macs[i]) / int(pe_cycles[i])
    return ratio


def _fields(
    gemm: Gemm, rows: np.ndarray, cols: np.ndarray, dataflow: Dataflow, scalesim: bool, double_buffered: bool, srams: ScaleSimSrams
) -> dict[str, np.ndarray]:
    counts = array_counts(gemm, rows, cols, dataflow, scalesim, double_buffered, srams)
    ones = np.ones_like(rows)
    fields = {name: value * ones for name, value in counts.items()}  # per-GEMM constants broadcast
    fields["macs"] = gemm.m * gemm.n * gemm.k * ones
    fields["utilization"] = _utilization(fields["macs"], fields["cycles"], rows, cols)
    return fields


def single_array_batch(
    gemm: Gemm,
    rows: np.ndarray,
    cols: np.ndarray,
    dataflow: Dataflow,
    convention: Convention = Convention.MAPSCOPE,
    double_buffered: bool = False,
    srams: ScaleSimSrams = DEFAULT_SRAMS,
) -> dict[str, np.ndarray]:
    """`run_single_array` of `gemm` on every shape rows[i] x cols[i]: field name -> array over i.

    One repetition (`gemm.count` ignored, as in run_single_array). Integer fields are int64,
    utilization float64; values equal the scalar function's exactly (`srams` as there: the scalesim
    convention's DRAM counts).
    """
    rows, cols = _array_shapes(rows, cols)
    dataflow, convention = _options(dataflow, convention)
    if rows.size == 0:
        return {name: np.zeros(0, np.float64 if name == "utilization" else np.int64) for name in FIELDS}
    _check_range(_magnitude_bound(gemm, dataflow, int(rows.max()), int(cols.max())), f"GEMM {gemm.name}")
    result = _fields(gemm, rows, cols, dataflow, convention is Convention.SCALESIM, bool(double_buffered), srams)
    return {name: np.asarray(result[name], dtype=np.float64 if name == "utilization" else np.int64) for name in FIELDS}


def network_batch(
    gemms: Sequence[Gemm],
    rows: np.ndarray,
    cols: np.ndarray,
    dataflow: Dataflow,
    convention: Convention = Convention.MAPSCOPE,
    double_buffered: bool = False,
    srams: ScaleSimSrams = DEFAULT_SRAMS,
) -> dict[str, np.ndarray]:
    """Every field summed over `gemms`, each weighted by `gemm.count`, on every shape rows[i] x cols[i].

    GEMMs of one shape (m, n, k) are evaluated once. utilization is run_single_array's definition on
    the totals: total MACs / (total cycles * rows * cols), cycles counted in `convention` (SCALESIM:
    the sum of the per-GEMM last-cycle indices, as its per-GEMM reports would add up).
    """
    rows, cols = _array_shapes(rows, cols)
    dataflow, convention = _options(dataflow, convention)
    if not gemms:
        raise InputError("no GEMMs to evaluate", "network")
    repeats: dict[tuple[int, int, int], int] = {}
    for gemm in gemms:
        repeats[gemm.shape_key()] = repeats.get(gemm.shape_key(), 0) + gemm.count
    if rows.size:
        max_rows, max_cols = int(rows.max()), int(cols.max())
        bound = sum(count * _magnitude_bound(Gemm(*shape), dataflow, max_rows, max_cols) for shape, count in repeats.items())
        _check_range(bound, f"the network of {len(gemms)} GEMMs")
    totals = {name: np.zeros(rows.shape, dtype=np.int64) for name in FIELDS if name != "utilization"}
    for shape, count in repeats.items():  # a loop over distinct GEMMs; every shape is vectorised
        each = single_array_batch(Gemm(*shape), rows, cols, dataflow, convention, double_buffered, srams)
        for name, total in totals.items():
            total += count * each[name]
    result: dict[str, np.ndarray] = dict(totals)
    result["utilization"] = _utilization(totals["macs"], totals["cycles"], rows, cols)
    return {name: result[name] for name in FIELDS}
