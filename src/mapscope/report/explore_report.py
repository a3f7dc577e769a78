"""Terminal rendering of an exploration: what ran, the best feasible designs, the Pareto front.

When no design is feasible there is nothing to tabulate; `nothing_feasible_message` explains instead
which constraints removed the designs, for the caller to raise as the error.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from mapscope.explore.exploration import ExplorationResult
from mapscope.explore.summary import (
    BUFFER_CHECKS,
    buffer_checks,
    metric_unit,
    objective_unit,
    objective_value,
    pareto_order,
    readable_number,
    single_metric,
    violation_reason,
    with_unit,
)
from mapscope.formats.results.store import DesignRecord
from mapscope.optimization.objectives import Constraint

#: Metrics shown beside the objectives when the engine reports them (and no objective already shows them).
KEY_METRICS = ("runtime_cycles", "energy_nj", "area_mm2", "power_mw")


def explore_header(result: ExplorationResult) -> str:
    """One line: the space, its engine, and how many designs were evaluated, reused, feasible, on the front."""
    total = len(result.records)
    feasible = len(result.feasible)
    return (
        f"{result.space.name} ({result.space.engine} engine): {total:,} design{'' if total == 1 else 's'}, "
        f"{total - result.from_store:,} evaluated now, {result.from_store:,} from the store; "
        f"{feasible:,} feasible, {len(result.front):,} on the Pareto front"
    )


#: Header lines are wrapped at underscores to about this many characters, so long names stay readable.
HEADER_WIDTH = 14


def _wrapped(name: str) -> str:
    """`name` over several lines, broken after underscores (rich would cut it mid-word)."""
    lines = [""]
    for piece in name.replace("_", "_\0").split("\0"):
        if lines[-1] and len(lines[-1]) + len(piece) > HEADER_WIDTH:
            lines.append("")
        lines[-1] += piece
    return "\n".join(lines)


def _header(name: str, unit: str = "") -> str:
    return f"{_wrapped(name)}\n({unit})" if unit else _wrapped(name)


def _parameter_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return readable_number(value)
    return str(value)


def best_designs_table(result: ExplorationResult, best: int = 10) -> Table:
    """The `best` best feasible designs by the first objective: rank, swept parameters, objectives, key metrics."""
    space = result.space
    chosen = result.best(best)
    on_front = set(result.front)
    swept = [name for name, values in space.parameters if len(values) > 1]
    fixed = [(name, values[0]) for name, values in space.parameters if len(values) == 1]
    shown_metrics = {single_metric(o) for o in space.objectives}
    metrics = [m for m in KEY_METRICS if m not in shown_metrics and any(m in result.records[i].metrics for i in chosen)]
    first = space.objectives[0].name
    table = Table(
        title=f"Best {len(chosen)} of {len(result.feasible):,} feasible designs by {first}",
        title_justify="left",
        header_style="bold",
        caption=f"fixed: {', '.join(f'{n} = {_parameter_text(v)}' for n, v in fixed)}" if fixed else None,
        caption_justify="left",
    )
    headers = [
        *(_header(name) for name in swept),
        *(_header(o.name, objective_unit(o)) for o in space.objectives),
        *(_header(m, metric_unit(m)) for m in metrics),
    ]
    rows = []
    for rank, index in enumerate(chosen, start=1):
        record = result.records[index]
        rows.append(
            [
                str(rank),
                "yes" if index in on_front else "",
                *(_parameter_text(record.parameters.get(name, "-")) for name in swept),
                *(readable_number(objective_value(o, record)) for o in space.objectives),
                *(readable_number(record.metrics.get(m, math.nan)) for m in metrics),
            ]
        )
    table.add_column("#", justify="right", min_width=len(str(len(rows))))
    table.add_column("Pareto\nfront", justify="center", min_width=3)
    objective_columns = range(len(swept), len(swept) + len(space.objectives))
    for column, header in enumerate(headers):
        widest = max((len(row[2 + column]) for row in rows), default=1)  # numbers never wrap; headers do
        table.add_column(
            header, justify="right", overflow="fold", min_width=widest, style="bold" if column in objective_columns else None
        )
    for row in rows:
        table.add_row(*row)
    return table


def front_summary(result: ExplorationResult) -> str:
    """The front's size and, per objective, the range it spans."""
    objectives = result.space.objectives
    order = pareto_order(result)
    size = len(order)
    over = objectives[0].name if len(objectives) == 1 else f"{len(objectives)} objectives"
    spans = []
    for objective in objectives:
        values = [objective_value(objective, result.records[i]) for i in order]
        low, high = min(values), max(values)
        unit = objective_unit(objective)
        span = with_unit(low, unit) if low == high else f"{readable_number(low)} to {with_unit(high, unit)}"
        spans.append(f"{objective.name} {span}")
    designs = "design" if size == 1 else "designs"
    points = len({tuple(float(v) for v in result.objectives[i]) for i in order})
    distinct = f" ({points:,} distinct {'point' if points == 1 else 'points'})" if points < size else ""
    return f"Pareto front over {over}: {size:,} {designs}{distinct}; " + ", ".join(spans)


def render_explore_report(result: ExplorationResult, console: Console | None = None, best: int = 10) -> None:
    """Print the header line, then (when any design is feasible) the best designs and the front summary."""
    console = console or Console()
    console.print(explore_header(result), highlight=False)
    if not result.feasible:
        return  # the caller reports `nothing_feasible_message` as the error
    console.print(best_designs_table(result, best))
    console.print(front_summary(result), highlight=False)


@dataclass(frozen=True)
class _Rejection:
    label: str
    count: int
    closest: str  # the value nearest to passing, e.g. "smallest value 12.3 mm²"


def _numeric(value: object) -> float:
    """A parameter as the constraint checks read it: numbers as floats, anything else as nan (breaks every bound)."""
    return float(value) if isinstance(value, int | float) else math.nan


def _constraint_rejection(constraint: Constraint, records: Sequence[DesignRecord]) -> _Rejection:
    """How many of `records` break `constraint` on its own, and the value that came nearest to passing."""
    values = [r.metrics[constraint.metric] if constraint.metric in r.metrics else _numeric(r.parameters.get(constraint.metric)) for r in records]
    low = constraint.minimum if constraint.minimum is not None else -math.inf
    high = constraint.maximum if constraint.maximum is not None else math.inf
    broken = [v for v in values if math.isnan(v) or not low <= v <= high]
    measured = [v for v in broken if not math.isnan(v)]
    unit = metric_unit(constraint.metric)
    closest = ""
    if measured:
        if constraint.minimum is None:
            closest = f"smallest value {with_unit(min(measured), unit)}"
        elif constraint.maximum is None:
            closest = f"largest value {with_unit(max(measured), unit)}"
        else:
            nearest = min(measured, key=lambda v: low - v if v < low else v - high)
            closest = f"closest value {with_unit(nearest, unit)}"
    return _Rejection(constraint.describe(), len(broken), closest)


def _buffer_rejection(label: str, required: str, capacity: str, records: Sequence[DesignRecord]) -> _Rejection | None:
    """How many designs need more buffer than they have, and the design that came closest to fitting."""
    pairs = [(r.metrics[required], r.metrics[capacity]) for r in records if required in r.metrics and capacity in r.metrics]
    if not pairs:
        return None
    short = [(need, have) for need, have in pairs if need > have]
    closest = ""
    if short:
        need, have = min(short, key=lambda pair: (pair[0] - pair[1], pair[0]))
        closest = f"closest: requirement {with_unit(need, 'elems')} vs size {with_unit(have, 'elems')}"
    return _Rejection(label, len(short), closest)


def nothing_feasible_message(result: ExplorationResult) -> str:
    """One line saying why no design is feasible: per constraint (each judged on its own) how many it rejects.

    Designs the engine could not evaluate are counted by their error; the other constraints are judged
    on the designs the engine did evaluate.
    """
    records = result.records
    if not records:
        return "no design was evaluated: the search asked for none"
    space = result.space
    labels = {c.describe() for c in space.constraints} | {label for label, _, _ in BUFFER_CHECKS}
    unranked = Counter(violation_reason(r.violation or "") for r in records if not r.feasible)
    unranked_parts = [
        f"{objective.name} is not a finite number for {unranked[objective.finite_label]:,}"
        + (" (weights too large?)" if any(abs(weight) != 1 for _, weight in objective.terms) else "")
        for objective in space.objectives
        if unranked[objective.finite_label]
    ]
    labels |= {objective.finite_label for objective in space.objectives}
    errors = Counter(r.violation or "infeasible" for r in records if not r.feasible and violation_reason(r.violation or "") not in labels)
    evaluated = [r for r in records if r.feasible or violation_reason(r.violation or "") in labels]
    rejections = [_constraint_rejection(c, evaluated) for c in space.constraints]
    rejections += [rejection for check in buffer_checks(space) if (rejection := _buffer_rejection(*check, evaluated))]
    parts = []
    for rejection in sorted((r for r in rejections if r.count), key=lambda r: -r.count):
        detail = f" ({rejection.closest})" if rejection.closest else ""
        parts.append(f"{rejection.label} removed {rejection.count:,}{detail}")
    parts += unranked_parts
    if errors:
        failed = sum(errors.values())
        common, _ = errors.most_common(1)[0]
        more = f"; {len(errors) - 1:,} other error {'message' if len(errors) == 2 else 'messages'}" if len(errors) > 1 else ""
        parts.append(f"the {space.engine} engine could not evaluate {failed:,} (e.g. {common}{more})")
    if not parts:  # every design was marked infeasible without a reason these checks recognise
        parts = [f"{reason} removed {count:,}" for reason, count in Counter(violation_reason(r.violation or "infeasible") for r in records if not r.feasible).most_common()]
    judged = ", each check on its own" if len(parts) > 1 else ""
    return f"no feasible design among {len(records):,}{judged}: " + "; ".join(parts)
