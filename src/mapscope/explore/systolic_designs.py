"""Network-level metrics of many single-systolic-array designs (rows, cols, dataflow, double buffering).

Designs are grouped by (dataflow, double_buffered); per group the distinct (rows, cols) shapes go to
one `network_batch` call, exact per GEMM, and the results are scattered back to the designs. The
lowered GEMMs of a (model, batch, passes) are cached here (lowering is pure).

Energy (pJ, reported as nJ) uses the workload's `SystolicEnergyTable`, with the word widths and
buffers of the default `large` machine (systolic/machine.py), as `systolic.energy.plan_energy` does:

- MACs x mac_pj.
- SRAM: A and B words are 16 bits, partial sums 32 bits. Each access costs `sram_pj_per_word` at the
  capacity of the buffer holding it, the machine's defaults: the streamed operand in the 8 MiB input
  buffer, the stationary one in the 4 MiB weight buffer (ws: ifmap streamed; is: filter streamed; os
  has no stationary operand and keeps ifmap in the input buffer), ofmap writes and reads in the 4 MiB
  output buffer. Capacities are fixed, not swept, so per-access energies do not depend on the shape.
- DRAM: dram_pj_per_64bit / 64 per bit, i.e. / 4 per 16-bit A or B word, / 2 per 32-bit output word.
- PE-to-PE forwarding is left out: `network_batch` (like `run_single_array`) reports no forward counts,
  and docs/flexsa.md defines them for the weight-stationary folds only, not for os, so including them
  for ws/is alone would make the dataflows incomparable. For ws/is they would add roughly one 16-bit
  and one 32-bit forward per MAC (about 2.5 pJ per MAC with the default table), so energies here are a
  lower bound that understates the array's share.

Area and power are a first-order estimate with MAESTRO's 28 nm coefficients (hardware/area_power.py):
rows x cols PEs of one MAC each (MAC_AREA_UM2, MAC_POWER_MW) plus the on-chip SRAM, the three default
buffers (16 MiB = 8,388,608 16-bit elements) at SRAM_AREA_UM2_PER_ELEM / SRAM_POWER_MW_PER_ELEM. Left
out: the bus and arbiter terms of MAESTRO's model (a systolic array has only nearest-neighbour links,
no NoC), PE pipeline registers and control, DRAM interface and leakage; power is MAESTRO's
activity-free per-component figure, not energy / runtime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from mapscope.errors import InputError
from mapscope.explore.metrics import INTEGER_METRICS, NETWORK_METRICS, Designs, MetricBatch, design_points
from mapscope.explore.search import Value
from mapscope.limits import MAX_SIZE, quoted
from mapscope.hardware.area_power import (
    MAC_AREA_UM2,
    MAC_POWER_MW,
    SRAM_AREA_UM2_PER_ELEM,
    SRAM_POWER_MW_PER_ELEM,
)
from mapscope.systolic.batched import FIELDS, network_batch
from mapscope.systolic.energy import SystolicEnergyTable
from mapscope.systolic.machine import Machine, MachineKind
from mapscope.systolic.single_array import Dataflow
from mapscope.workload.cnn_models import training_model
from mapscope.workload.gemm import Gemm, TrainingPass
from mapscope.workload.training import lower_network

HARDWARE_PARAMETERS = ("rows", "cols", "dataflow", "double_buffered")
PASSES = ("inference", "training")
DEFAULT_BASE: dict[str, Value] = {"rows": 128, "cols": 128, "dataflow": "ws", "double_buffered": False}
METRICS = NETWORK_METRICS + (
    "utilization",
    "sram_read_words",  # ifmap + filter + ofmap (partial-sum) reads
    "sram_write_words",  # ofmap (partial-sum) writes
    "dram_read_words",  # ifmap + filter
    "dram_write_words",  # ofmap
)

_MACHINE = Machine(MachineKind.LARGE)  # word widths and buffer capacities of every design
_OPERAND_BITS, _ACCUMULATOR_BITS = 8 * _MACHINE.operand_bytes, 8 * _MACHINE.accumulator_bytes
_BUFFERS = _MACHINE.buffers
#: On-chip SRAM of every design in 16-bit elements (area and power).
BUFFER_ELEMS = (_BUFFERS.input_bytes + _BUFFERS.weight_bytes + _BUFFERS.output_bytes) // _MACHINE.operand_bytes


@dataclass(frozen=True)
class SystolicWorkload:
    """A CNN at a batch size, inference or training, and the values of parameters not swept."""

    model: str
    batch: int
    passes: str  # "inference" (forward GEMMs) or "training" (every GEMM of lower_network)
    base: dict[str, Value]
    energy: SystolicEnergyTable
    identity: str


def check_parameter(name: str, value: Value) -> str | None:
    """A one-line problem with `value` for hardware parameter `name`, or None when it is fine."""
    if name in ("rows", "cols"):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            return f"must be an integer, got {value!r}"
        if not 1 <= value <= MAX_SIZE:
            return f"must be between 1 and {MAX_SIZE}, got {value}"
        return None
    if name == "dataflow":
        if value not in tuple(Dataflow):
            return f"must be one of {', '.join(Dataflow)}, got {value!r}"
        return None
    if name == "double_buffered":
        return None if isinstance(value, (bool, np.bool_)) else f"must be true or false, got {value!r}"
    return f"is not a systolic hardware parameter; known: {', '.join(HARDWARE_PARAMETERS)}"


def systolic_workload(
    model: str,
    batch: int,
    passes: str,
    base_overrides: Mapping[str, Value],
    identity: str,
    energy: SystolicEnergyTable | None = None,
) -> SystolicWorkload:
    """The workload, checked: a known model and pass, a positive batch, valid base values."""
    if passes not in PASSES:
        raise InputError(f"unknown passes {passes!r}; choose one of {', '.join(PASSES)}", "passes")
    base = dict(DEFAULT_BASE)
    for name, value in base_overrides.items():
        problem = check_parameter(name, value)
        if problem is not None:
            raise InputError(f"{name} {problem}", "base hardware")
        base[name] = value
    training_model(model)  # an unknown model: InputError now, not per batch of designs
    if isinstance(batch, bool) or not isinstance(batch, int) or batch <= 0:
        raise InputError(f"the batch must be a positive integer, got {quoted(batch)}", "batch")
    try:
        _lowered_gemms(model, batch, passes)  # a bad batch likewise
    except InputError as error:
        raise InputError(f"batch {quoted(batch)} does not fit {model}: {error}", "batch") from None
    return SystolicWorkload(model, batch, passes, base, SystolicEnergyTable() if energy is None else energy, identity)


@lru_cache(maxsize=32)
def _lowered_gemms(model: str, batch: int, passes: str) -> tuple[Gemm, ...]:
    gemms = lower_network(training_model(model), batch)
    if passes == "inference":
        return tuple(gemm for gemm in gemms if gemm.training_pass is TrainingPass.FORWARD)
    return gemms


def _group_fields(gemms: Sequence[Gemm], shapes: np.ndarray, dataflow: Dataflow, double_buffered: bool) -> tuple[dict[str, np.ndarray], list[str | None]]:
    """network_batch on every (rows, cols) row of `shapes` (int64 counts, float64 utilization); a shape it
    rejects gets zeros and a message."""
    try:
        fields = network_batch(gemms, shapes[:, 0], shapes[:, 1], dataflow, double_buffered=double_buffered)
        problems: list[str | None] = [None] * len(shapes)
    except InputError:  # isolate the shapes that fail (counts beyond 64 bits) from the rest
        fields = {name: np.zeros(len(shapes), dtype=np.float64 if name == "utilization" else np.int64) for name in FIELDS}
        problems = []
        for index, (rows, cols) in enumerate(shapes.tolist()):
            try:
                single = network_batch(gemms, np.array([rows]), np.array([cols]), dataflow, double_buffered=double_buffered)
            except InputError as error:
                problems.append(f"cannot evaluate a {rows}x{cols} array: {error}")
                continue
            problems.append(None)
            for name, values in single.items():
                fields[name][index] = values[0]
    for index in np.flatnonzero(_word_sums_wrap(fields)):
        problems[index] = f"the word counts of a {shapes[index, 0]}x{shapes[index, 1]} array reach 2**63, beyond what is counted exactly"
        for values in fields.values():
            values[index] = 0
    return fields, problems


#: Where a sum of int64 counts would wrap; network_batch keeps each count below 2**62, not their sum.
_COUNT_LIMIT = 2.0**63


def _word_sums_wrap(fields: dict[str, np.ndarray]) -> np.ndarray:
    """True for the shapes whose SRAM or DRAM read-word sum int64 cannot hold (judged in float64)."""
    sums = (
        ("ifmap_sram_reads", "filter_sram_reads", "ofmap_sram_reads"),
        ("dram_ifmap_reads", "dram_filter_reads"),
    )
    return np.any([sum(fields[name].astype(np.float64) for name in names) >= _COUNT_LIMIT for names in sums], axis=0)


def _design_metrics(table: SystolicEnergyTable, dataflow: Dataflow, shapes: np.ndarray, fields: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every metric of each shape from its network totals: counts as int64, the rest float64."""
    pes = (shapes[:, 0] * shapes[:, 1]).astype(np.float64)
    cycles, macs = fields["cycles"], fields["macs"]
    ifmap_bytes, filter_bytes = _BUFFERS.input_bytes, _BUFFERS.weight_bytes
    if dataflow is Dataflow.IS:  # A (ifmap) is the stationary operand, B (filter) streams
        ifmap_bytes, filter_bytes = filter_bytes, ifmap_bytes
    ofmap_words = fields["ofmap_sram_writes"].astype(np.float64) + fields["ofmap_sram_reads"]
    sram_pj = (
        fields["ifmap_sram_reads"] * table.sram_pj_per_word(ifmap_bytes, _OPERAND_BITS)
        + fields["filter_sram_reads"] * table.sram_pj_per_word(filter_bytes, _OPERAND_BITS)
        + ofmap_words * table.sram_pj_per_word(_BUFFERS.output_bytes, _ACCUMULATOR_BITS)
    )
    dram_reads = fields["dram_ifmap_reads"] + fields["dram_filter_reads"]
    dram_writes = fields["dram_ofmap_writes"]
    dram_pj = table.dram_pj_per_64bit / 64 * (dram_reads * _OPERAND_BITS + dram_writes * _ACCUMULATOR_BITS)
    energy_nj = (macs * table.mac_pj + sram_pj + dram_pj) / 1000
    area_um2 = pes * MAC_AREA_UM2 + SRAM_AREA_UM2_PER_ELEM * BUFFER_ELEMS
    area_mm2 = area_um2 / 1e6
    with np.errstate(divide="ignore", invalid="ignore"):
        throughput = macs.astype(np.float64) / cycles.astype(np.float64)
    return {
        "runtime_cycles": cycles,
        "energy_nj": energy_nj,
        "edp_nj_cycles": energy_nj * cycles,
        "macs": macs,
        "throughput_macs_per_cycle": throughput,
        "throughput_macs_per_cycle_per_mm2": throughput / area_mm2,
        "utilization": fields["utilization"],
        "area_um2": area_um2,
        "area_mm2": area_mm2,
        "power_mw": pes * MAC_POWER_MW + SRAM_POWER_MW_PER_ELEM * BUFFER_ELEMS,
        "sram_read_words": fields["ifmap_sram_reads"] + fields["filter_sram_reads"] + fields["ofmap_sram_reads"],
        "sram_write_words": fields["ofmap_sram_writes"],
        "dram_read_words": dram_reads,
        "dram_write_words": dram_writes,
    }


def evaluate_systolic(workload: SystolicWorkload, designs: Designs) -> MetricBatch:
    """Metrics of every design in `designs` (hardware parameter values; missing ones from the base)."""
    points = design_points(designs)
    count = len(points)
    metrics = {name: np.zeros(count, dtype=np.int64 if name in INTEGER_METRICS else np.float64) for name in METRICS}
    errors: dict[int, str] = {}
    groups: dict[tuple[Dataflow, bool], list[tuple[int, int, int]]] = {}
    for index, point in enumerate(points):
        design = {**workload.base, **point}
        problem = next((f"{name} {p}" for name, value in design.items() if (p := check_parameter(name, value))), None)
        if problem is not None:
            errors[index] = problem
            continue
        key = (Dataflow(str(design["dataflow"])), bool(design["double_buffered"]))
        groups.setdefault(key, []).append((index, int(design["rows"]), int(design["cols"])))
    gemms = _lowered_gemms(workload.model, workload.batch, workload.passes)
    for (dataflow, double_buffered), members in groups.items():
        table = np.array(members, dtype=np.int64)
        shapes, inverse = np.unique(table[:, 1:], axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        fields, problems = _group_fields(gemms, shapes, dataflow, double_buffered)
        for name, values in _design_metrics(workload.energy, dataflow, shapes, fields).items():
            metrics[name][table[:, 0]] = values[inverse]
        for index, shape in zip(table[:, 0].tolist(), inverse.tolist()):
            if problems[shape] is not None:
                errors[index] = problems[shape]
    return MetricBatch(metrics, errors)
