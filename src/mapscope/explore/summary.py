"""An exploration's outcome as one deterministic JSON document, and how its objectives read to a person.

The document holds the space (parameters, constraints, objectives, and `energy_table`, the name of the
table that priced every design, when one did), the counts, the best designs, the
Pareto front and why the other designs were infeasible. A design is written with the names of the
export's columns (`explore_export`): its parameters and metrics by name (counts as integers), and
``on_pareto_front``. A parameter's candidates are listed, except a
range of more than LISTED_CANDIDATES values: ``{"range": [first, last], "step": n}``. Objective values are given the way a person
reads them: a single-metric objective as that metric's value (a maximised throughput stays positive),
a weighted sum as its sum. The unit helpers here are shared with the report table and the plots.
`mapscope explore --json` writes this document through `formats.results.json_output`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mapscope.formats.results.json_output import _plain
from mapscope.formats.results.store import DesignRecord

if TYPE_CHECKING:
    from mapscope.explore.exploration import ExplorationResult
    from mapscope.explore.space import DesignSpace
    from mapscope.optimization.objectives import Objective

#: Version of the document layout below; bump it when a key changes meaning or disappears.
SUMMARY_SCHEMA_VERSION = 1

#: A range of more candidate values than this is written as ``{"range": [first, last], "step": n}``.
LISTED_CANDIDATES = 1024

#: Metric name endings and the unit they spell, longest first so `_per_mm2` wins over `_mm2`.
UNIT_SUFFIXES = (
    ("_macs_per_cycle_per_mm2", "MACs/cycle/mm²"),
    ("_macs_per_cycle", "MACs/cycle"),
    ("_elems_per_cycle", "elems/cycle"),
    ("_nj_cycles", "nJ·cycles"),
    ("_cycles", "cycles"),
    ("_elems", "elems"),
    ("_words", "words"),
    ("_mm2", "mm²"),
    ("_um2", "µm²"),
    ("_nj", "nJ"),
    ("_pj", "pJ"),
    ("_mw", "mW"),
)
#: Whole metric names that carry their unit without a suffix.
UNIT_NAMES = {"macs": "MACs", "utilization": "fraction of PEs"}

#: The value a constraint check appends to its label in DesignRecord.violation, e.g. " (is 41.2)".
_VIOLATION_VALUE = re.compile(r" \(is [^()]*\)$")

#: The pseudo-constraint of `buffers_fit`: the metrics compared and the label the evaluation uses, per level.
BUFFER_CHECKS = tuple(
    (f"{level.upper()} requirement <= {level.upper()} size", f"{level}_size_req_elems", f"{level}_size_elems")
    for level in ("l1", "l2")
)


def buffer_checks(space: DesignSpace) -> tuple[tuple[str, str, str], ...]:
    """The BUFFER_CHECKS of the levels `buffers_fit` holds the designs of `space` to."""
    return tuple(check for check in BUFFER_CHECKS if check[2].removesuffix("_size_elems") in space.fitted_levels)


def metric_unit(metric: str) -> str:
    """The unit a metric's name carries ("" when it names none)."""
    if metric in UNIT_NAMES:
        return UNIT_NAMES[metric]
    for suffix, unit in UNIT_SUFFIXES:
        if metric.endswith(suffix):
            return unit
    return ""


def single_metric(objective: Objective) -> str | None:
    """The metric an objective is (possibly negated to minimise a throughput), or None for a weighted sum."""
    if len(objective.terms) == 1 and abs(objective.terms[0][1]) == 1.0:
        return objective.terms[0][0]
    return None


def is_maximised(objective: Objective) -> bool:
    """True for a single-metric objective whose metric is maximised (minimised as its negation)."""
    return single_metric(objective) is not None and objective.terms[0][1] < 0


def objective_unit(objective: Objective) -> str:
    metric = single_metric(objective)
    return metric_unit(metric) if metric is not None else ""


def objective_label(objective: Objective) -> str:
    """The objective's name with its unit and direction, e.g. "energy (nJ)" or "throughput (MACs/cycle, maximised)"."""
    notes = [note for note in (objective_unit(objective), "maximised" if is_maximised(objective) else "") if note]
    return f"{objective.name} ({', '.join(notes)})" if notes else objective.name


def objective_value(objective: Objective, record: DesignRecord) -> float:
    """The objective of one design as a person reads it (nan when a metric is missing)."""
    metric = single_metric(objective)
    if metric is not None:
        return float(record.metrics.get(metric, math.nan))
    return float(sum(weight * record.metrics.get(name, math.nan) for name, weight in objective.terms))


def readable_number(value: float) -> str:
    """A number for people: thousands separators, four significant digits, or 7.05e7 beyond a million."""
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6 or magnitude < 1e-3:
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    if value == int(value):
        return f"{int(value):,}"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def with_unit(value: float, unit: str) -> str:
    """`readable_number` followed by the unit, if any."""
    text = readable_number(value)
    return f"{text} {unit}" if unit and math.isfinite(value) else text


def violation_reason(violation: str) -> str:
    """A violation text without the value of the design that broke it: "area_mm2 <= 40 (is 41.2)" -> "area_mm2 <= 40"."""
    return _VIOLATION_VALUE.sub("", violation)


def constraint_texts(result: ExplorationResult) -> list[str]:
    """Every constraint the designs were held to, as the violation texts name them."""
    texts = [constraint.describe() for constraint in result.space.constraints]
    for label, required, capacity in buffer_checks(result.space):
        if any(required in r.metrics and capacity in r.metrics for r in result.records):
            texts.append(label)
    return texts


def pareto_order(result: ExplorationResult) -> list[int]:
    """The Pareto front's record indices, sorted by the first objective (then the next ones, then the key)."""
    return sorted(result.front, key=lambda i: (tuple(float(v) for v in result.objectives[i]), result.key(i)))


def _design_entry(result: ExplorationResult, index: int) -> dict[str, Any]:
    """One design under the names the export's columns use: its parameters, metrics, objectives, front flag."""
    record = result.records[index]
    return {
        "parameters": dict(record.parameters),
        "metrics": dict(record.metrics),
        "objectives": {o.name: objective_value(o, record) for o in result.space.objectives},
        "on_pareto_front": index in result.front,
    }


def infeasible_reasons(records: tuple[DesignRecord, ...] | list[DesignRecord]) -> dict[str, int]:
    """How many infeasible designs each reason (first broken constraint or engine error) removed."""
    counts = Counter(violation_reason(r.violation or "infeasible") for r in records if not r.feasible)
    return dict(sorted(counts.items()))


def _candidates(values: Sequence[Any]) -> list[Any] | dict[str, Any]:
    """A parameter's candidate values as a list, or a long range (never listed) as {range: [first, last], step}."""
    if isinstance(values, range) and len(values) > LISTED_CANDIDATES:
        return {"range": [values[0], values[-1]], "step": values.step}
    return list(values)


def summary_document(result: ExplorationResult, best: int = 10) -> dict[str, Any]:
    """The exploration as a JSON-ready dict (NaN and infinities become null); see the module docstring."""
    space = result.space
    feasible = sum(1 for r in result.records if r.feasible)
    described = {
        "name": space.name,
        "engine": space.engine,
        "fingerprint": space.fingerprint,
        "parameters": {name: _candidates(values) for name, values in space.parameters},
        "constraints": constraint_texts(result),
        "objectives": [o.name for o in space.objectives],
    }
    table = getattr(space.workload, "energy_table", None)
    if table is not None:  # absent otherwise: documents of spaces without a table stay as they were
        described["energy_table"] = table.name
    return _plain(
        {
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "space": described,
            "counts": {
                "designs": len(result.records),
                "evaluated_now": len(result.records) - result.from_store,
                "from_store": result.from_store,
                "feasible": feasible,
                "pareto_front": len(result.front),
            },
            "best": [_design_entry(result, i) for i in result.best(best)],
            "pareto_front": [_design_entry(result, i) for i in pareto_order(result)],
            "infeasible_reasons": infeasible_reasons(result.records),
        }
    )
