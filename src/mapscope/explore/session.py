"""One `mapscope explore` run from the command line: checks first, then search, store, files and report.

Everything a user can get wrong (the space, the options, output paths, a store from another space,
budgets nothing can meet) is checked before the store is created or touched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from mapscope.formats.sources import resolve_input_path
from mapscope.errors import InputError
from mapscope.explore.engines import MONOTONE_COSTS, cheapest_design, load_design_space
from mapscope.explore.evaluation import evaluate_designs
from mapscope.explore.executors import make_executor
from mapscope.explore.exploration import ExplorationResult, expected_total, explore
from mapscope.explore.search import STRATEGY_NAMES
from mapscope.explore.space import DesignSpace, check_search_size, unmet_parameter_bound
from mapscope.formats.results.explore_export import TABLE_WRITERS, write_table
from mapscope.report.explore_plots import write_pareto_plot
from mapscope.formats.results.explore_summary import write_summary
from mapscope.formats.results.flexsa_output import prepare_output_file, writing_output
from mapscope.formats.results.store import ResultStore
from mapscope.report.explore_report import (
    nothing_feasible_message,
    render_explore_report,
)
from mapscope.report.progress import progress_bar

PLOT_SUFFIXES = (".png", ".svg")


@dataclass(frozen=True)
class ExploreOptions:
    space: Path
    store: Path | None = None
    resume: bool = False
    workers: int | None = None
    scheduler: Any = None  # an address ("tcp://host:8786") or a dask.distributed.Client
    strategy: str | None = None
    budget: int | None = None
    seed: int | None = None
    best: int = 10
    json_path: Path | None = None
    plot_path: Path | None = None
    export_path: Path | None = None


def prepared_space(options: ExploreOptions) -> DesignSpace:
    """The space with the command line's search overrides, checked for budgets no design can meet."""
    space = load_design_space(resolve_input_path(options.space, "design space"))
    search = space.search
    if options.strategy is not None:
        if options.strategy not in STRATEGY_NAMES:
            raise InputError(f"unknown strategy {options.strategy!r}; use {', '.join(STRATEGY_NAMES)}", "--strategy")
        search = replace(search, strategy=options.strategy)
    if options.budget is not None:
        if options.budget <= 0:
            raise InputError(f"must be positive, got {options.budget}", "--budget")
        search = replace(search, budget=options.budget)
    if options.seed is not None:
        if options.seed < 0:
            raise InputError(f"must be non-negative, got {options.seed}", "--seed")
        search = replace(search, seed=options.seed)
    if search.strategy == "evolve" and search.budget is None:
        raise InputError("the evolutionary search needs a budget (search.budget or --budget)", str(options.space))
    space = replace(space, search=search)
    check_search_size(space, str(options.space))
    check_satisfiable(space, f"{options.space}: constraints")
    return space


def check_satisfiable(space: DesignSpace, where: str = "constraints") -> None:
    """Refuse constraints that remove every design before any evaluation: bounds no parameter value meets,
    and area/power budgets the cheapest design of the space already exceeds."""
    problem = unmet_parameter_bound(space)
    if problem is not None:
        raise InputError(problem, where)
    budgets = [c for c in space.constraints if c.metric in MONOTONE_COSTS and c.maximum is not None]
    corner = cheapest_design(space) if budgets else None
    if corner is None:
        return
    record = evaluate_designs(space, [corner])[0]
    for constraint in budgets:
        value = record.metrics[constraint.metric]
        if value > constraint.maximum:  # type: ignore[operator]
            design = ", ".join(f"{name}={value}" for name, value in corner.items())
            raise InputError(
                f"constraint {constraint.describe()} removes every design: the cheapest one ({design}) already has "
                f"{constraint.metric} = {value:.4g}",
                where,
            )


def _outputs(options: ExploreOptions) -> None:
    """Check output paths (suffix, folder) before any work."""
    if options.plot_path is not None and options.plot_path.suffix.lower() not in PLOT_SUFFIXES:
        raise InputError(f"a plot is {' or '.join(PLOT_SUFFIXES)}", str(options.plot_path))
    if options.export_path is not None and options.export_path.suffix.lower() not in TABLE_WRITERS:
        raise InputError(f"export to one of {', '.join(TABLE_WRITERS)}", str(options.export_path))
    for path, option in ((options.json_path, "--json"), (options.plot_path, "--plot"), (options.export_path, "--export")):
        if path is not None:
            prepare_output_file(path, option)
    if options.resume and options.store is None:
        raise InputError("--resume continues a run kept in a store: give --store FILE", "--resume")
    if options.best < 1:
        raise InputError(f"must be at least 1, got {options.best}", "--best")


def run_exploration(options: ExploreOptions, console: Console) -> ExplorationResult:
    """Run a whole exploration as the CLI does; InputError for every user error (exit status 2)."""
    space = prepared_space(options)
    _outputs(options)
    store = None
    if options.store is not None:
        store = ResultStore.open(options.store, space_fingerprint=space.fingerprint, space_document=space.document, resume=options.resume)
    executor = None
    try:
        executor = make_executor(space, options.workers, options.scheduler)
        with progress_bar(f"{space.name}: {space.search.strategy}", expected_total(space), unit="designs") as advance:
            result = explore(space, executor, store, advance)
    finally:
        if executor is not None:
            executor.close()
        if store is not None:
            store.close()
    if not result.feasible:
        raise InputError(nothing_feasible_message(result), str(options.space))
    _write_files(result, options)
    render_explore_report(result, console, best=options.best)
    return result


def _write_files(result: ExplorationResult, options: ExploreOptions) -> None:
    """Every requested file, before anything is printed: a reader that closes stdout early (`| head`)
    must not cost the files."""
    if options.json_path is not None:
        with writing_output(options.json_path):
            write_summary(result, options.json_path, best=options.best)
    if options.plot_path is not None:
        with writing_output(options.plot_path):
            write_pareto_plot(result, options.plot_path)
    if options.export_path is not None:
        with writing_output(options.export_path):
            write_table(result, options.export_path)
