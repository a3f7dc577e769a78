"""`mapscope flexsa`: the FlexSA pruned-training study, through `mapscope.api.flexsa_setup` and its run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mapscope.cli.html_option import HtmlOption, prepare_html, write_html
from mapscope.systolic.compiler import CYCLE_TOLERANCE
from mapscope.systolic.flexsa_study import DEFAULT_ARRAY, DEFAULT_MODEL
from mapscope.workload.cnn_models import TRAINING_MODELS


def flexsa(
    model: Annotated[
        str, typer.Option("--model", help=f"Network to train: {' or '.join(TRAINING_MODELS)}.")
    ] = DEFAULT_MODEL,
    trajectory: Annotated[
        str | None, typer.Option("--trajectory", help="Pruning trajectory file (CSV or YAML); default: a synthetic one.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the synthetic trajectory (default 0).")] = None,
    target_reduction: Annotated[
        float | None,
        typer.Option("--target-reduction", help="Synthetic: final inference-FLOP reduction, 0..1 (default 0.53)."),
    ] = None,
    interval_epochs: Annotated[
        int | None, typer.Option("--interval-epochs", help="Synthetic: epochs between pruning steps (default 5).")
    ] = None,
    epochs: Annotated[int | None, typer.Option("--epochs", help="Synthetic: training epochs (default 90).")] = None,
    batch: Annotated[int | None, typer.Option("--batch", help="Training batch (default the model's usual one).")] = None,
    array: Annotated[int, typer.Option("--array", help="Array size S: the three machines are S x S (S even).")] = DEFAULT_ARRAY,
    double_buffered: Annotated[
        bool, typer.Option("--double-buffered", help="Preload the next weights while the current pass runs.")
    ] = False,
    cycle_tolerance: Annotated[
        float,
        typer.Option("--cycle-tolerance", help="Compile heuristic: cycle counts within this fraction of the fewest are a tie, broken by fewer buffer accesses."),
    ] = CYCLE_TOLERANCE,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write totals, per-epoch values and the comparison as JSON.")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write one row per (machine, epoch, GEMM) as CSV.")] = None,
    plots: Annotated[Path | None, typer.Option("--plots", help="Write the utilisation and energy figures (PNG) to this folder.")] = None,
    html_path: HtmlOption = None,
) -> None:
    """Run a pruned-training trajectory on one large array, four split cores and FlexSA; compare with the paper."""
    from mapscope.api import flexsa_setup
    from mapscope.formats.output_files import prepare_output_file, prepare_output_folder, write_files
    from mapscope.formats.results.flexsa_output import render_study_files
    from mapscope.report.console import stdout_console
    from mapscope.report.flexsa_plots import ENERGY_PLOT, UTILIZATION_PLOT, energy_plot_png, utilization_plot_png
    from mapscope.report.flexsa_report import render_flexsa_report
    from mapscope.report.progress import progress_bar

    setup = flexsa_setup(
        model,
        trajectory=trajectory,
        seed=seed,
        target_reduction=target_reduction,
        interval_epochs=interval_epochs,
        epochs=epochs,
        batch=batch,
        array=array,
        double_buffered=double_buffered,
        cycle_tolerance=cycle_tolerance,
    )
    json_file = None if json_path is None else prepare_output_file(json_path, "--json")
    csv_file = None if csv_path is None else prepare_output_file(csv_path, "--csv")
    plots_folder = None if plots is None else prepare_output_folder(plots, "--plots")
    html_file = prepare_html(html_path)
    with progress_bar(f"{setup.cnn.name} on large, split, flexsa", setup.steps) as advance:
        study = setup.run(advance)
    files = render_study_files(study, json_path=json_file, csv_path=csv_file)
    if plots_folder is not None:
        files[plots_folder / UTILIZATION_PLOT] = utilization_plot_png(study)
        files[plots_folder / ENERGY_PLOT] = energy_plot_png(study)
    write_files(files)
    write_html(study, html_file)
    render_flexsa_report(study, stdout_console())
