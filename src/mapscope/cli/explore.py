"""`mapscope explore`: the space checked (`mapscope.api.design_space`), the output paths checked, the search
run (`mapscope.api.explore`), then the files written and the report printed.

Everything a user can get wrong (the space, the options, output paths, a store from another space,
budgets nothing can meet) is checked before the store is created or touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mapscope.cli.html_option import HtmlOption, prepare_html, write_html
from mapscope.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from mapscope.explore.exploration import ExplorationResult

PLOT_SUFFIXES = (".png", ".svg")


@dataclass(frozen=True)
class ExploreOptions:
    """What `mapscope explore` was asked: the search (space, store, workers, overrides) and the outputs."""

    space: Path
    store: Path | None = None
    resume: bool = False
    workers: int | None = None
    scheduler: Any = None  # an address ("tcp://host:8786") or a dask.distributed.Client
    strategy: str | None = None
    budget: int | None = None
    seed: int | None = None
    energy_table: str | None = None
    best: int = 10
    json_path: Path | None = None
    plot_path: Path | None = None
    export_path: Path | None = None
    html_path: Path | None = None


def explore(
    space: Annotated[Path, typer.Argument(metavar="SPACE.yaml", help="Design-space file (YAML or JSON); see docs/explore.md.")],
    store: Annotated[Path | None, typer.Option("--store", help="SQLite file results stream into (needed to resume).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run kept in --store; evaluates only what is missing.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", help="Local worker processes (default: all cores).")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786) instead of local workers.")] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="grid, random or evolve (default: the space file's).")] = None,
    budget: Annotated[int | None, typer.Option("--budget", help="At most this many designs (default: the space file's, or all).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of random and evolve (default: the space file's, or 0).")] = None,
    energy_table: Annotated[
        str | None,
        typer.Option(
            "--energy-table",
            help="Price each design's energy and SRAM area by its own buffer sizes with a table: maestro, horowitz45, or a FILE.yaml (replaces the space's energy_table; docs/energy.md).",
        ),
    ] = None,
    best: Annotated[int, typer.Option("--best", help="How many of the best designs to list.")] = 10,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write a JSON summary: counts, best designs, Pareto front.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the Pareto-front plot (.png or .svg).")] = None,
    export: Annotated[Path | None, typer.Option("--export", help="Write every evaluated design (.csv, .parquet or .jsonl).")] = None,
    html: HtmlOption = None,
) -> None:
    """Search a design space (hardware and mapping parameters) under constraints; list the best designs and the Pareto front."""
    from mapscope.cli.support import STOPPED, interrupt_message, interrupt_status
    from mapscope.explore.executors import WorkerLost
    from mapscope.report.console import stdout_console

    options = ExploreOptions(space, store, resume, workers, scheduler, strategy, budget, seed, energy_table, best, json_path, plot, export, html)
    try:
        run_exploration(options, stdout_console())
    except (*STOPPED, WorkerLost) as error:
        # Here the store is committed and closed and the worker pool shut down (mapscope.api.explore's finally).
        kept = f"; results so far are in {store}: rerun with --resume to continue" if store is not None else ""
        stopped = isinstance(error, STOPPED)
        typer.echo(f"error: {interrupt_message(error) if stopped else error}{kept}", err=True)
        raise typer.Exit(interrupt_status(error) if stopped else 1) from None


def run_exploration(options: ExploreOptions, console: Console) -> ExplorationResult:
    """Run a whole exploration as the command does; InputError for every user error (exit status 2)."""
    from mapscope.api import design_space
    from mapscope.api import explore as run_search
    from mapscope.explore.exploration import expected_total
    from mapscope.report.explore_report import nothing_feasible_message, render_explore_report
    from mapscope.report.progress import progress_bar

    space = design_space(options.space, strategy=options.strategy, budget=options.budget, seed=options.seed, energy_table=options.energy_table)
    _check_outputs(options)
    with progress_bar(f"{space.name}: {space.search.strategy}", expected_total(space), unit="designs") as advance:
        result = run_search(
            space, workers=options.workers, scheduler=options.scheduler, store=options.store, resume=options.resume, progress=advance
        )
    if not result.feasible:
        raise InputError(nothing_feasible_message(result), str(options.space))
    _write_files(result, options)
    render_explore_report(result, console, best=options.best)
    return result


def _check_outputs(options: ExploreOptions) -> None:
    """Check output paths (suffix, folder) and the options that go with them, before any work."""
    from mapscope.formats.results.explore_export import TABLE_WRITERS
    from mapscope.formats.output_files import prepare_output_file

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
    prepare_html(options.html_path)


def _write_files(result: ExplorationResult, options: ExploreOptions) -> None:
    """Every requested file, before anything is printed: a reader that closes stdout early (`| head`)
    must not cost the files."""
    from mapscope.explore.summary import summary_document
    from mapscope.formats.results.explore_export import write_records
    from mapscope.formats.results.json_output import write_json_document
    from mapscope.formats.output_files import writing_output
    from mapscope.report.explore_plots import write_pareto_plot

    if options.json_path is not None:
        with writing_output(options.json_path):
            write_json_document(summary_document(result, options.best), options.json_path)
    if options.plot_path is not None:
        with writing_output(options.plot_path):
            write_pareto_plot(result, options.plot_path)
    if options.export_path is not None:
        with writing_output(options.export_path):
            write_records(result.records, options.export_path, result.front)
    write_html(result, options.html_path)
