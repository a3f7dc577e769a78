"""The `mapscope` command: analyse a mapped network, or any network (ONNX, zoo, MAESTRO model file) with a
dataflow template, on an accelerator; list the shipped examples, zoo networks and templates; convert a
network to MAESTRO's `.m` form; run the FlexSA pruned-training study (`flexsa`); inspect one GEMM on a
systolic array or machine (`gemm`); explore a design space (`explore`).

MAESTRO's own flag spellings are accepted too (see `mapscope.cli.maestro_flags`); user errors print one line
``error: ...`` on stderr and exit with status 2. Every requested file is written before anything goes to
stdout, and a closed stdout (`| head`) ends a command quietly with status 0; Ctrl-C exits with 130,
SIGTERM with 143, after the same clean-up (see `mapscope.cli.support`).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mapscope.api import analyze as analyze_mapped_network
from mapscope.api import build_accelerator, load_hardware_fields
from mapscope.cli.support import (
    STOPPED,
    interrupt_message,
    interrupt_status,
    show_flags_as_flags,
    sigterm_as_interrupt,
    silence_stdout,
    stdout_closed,
)
from mapscope.errors import InputError
from mapscope.limits import MAX_ERROR_LINE_CHARS
from mapscope.explore.executors import WorkerLost
from mapscope.explore.session import ExploreOptions, run_exploration
from mapscope.systolic.flexsa_study import (
    DEFAULT_ARRAY,
    DEFAULT_MODEL,
    StudySettings,
    prepare_study,
)
from mapscope.formats.results.flexsa_output import (
    prepare_output_file,
    prepare_output_folder,
    render_study_files,
    write_files,
    writing_output,
)
from mapscope.formats.results.json_output import write_json, write_json_document
from mapscope.formats.maestro.csv_file import maestro_csv_file_name
from mapscope.formats.results.layer_table import (
    CsvFormat,
    default_csv_format,
    parquet_target,
    write_layer_csv,
    write_layer_parquet,
)
from mapscope.hardware.accelerator import Accelerator
from mapscope.cli.maestro_flags import (
    MAESTRO_STYLE_OPTION,
    NO_MAESTRO_CSV_OPTION,
    is_maestro_argument,
    translate_maestro_arguments,
)
from mapscope.report.console import (
    accelerator_summary,
    maestro_summary_lines,
    render_network_report,
    stdout_console,
)
from mapscope.report.flexsa_plots import ENERGY_PLOT, UTILIZATION_PLOT, energy_plot_png, utilization_plot_png
from mapscope.report.flexsa_report import render_flexsa_report
from mapscope.report.gemm_report import render_machine_gemm, render_single_array
from mapscope.report.progress import progress_bar
from mapscope.systolic.single_gemm import (
    command_line_gemm,
    command_line_machine,
    gemm_on_machine,
    parse_array_shape,
)
from mapscope.systolic.compiler import CYCLE_TOLERANCE
from mapscope.systolic.machine import MachineKind
from mapscope.systolic.single_array import Convention, Dataflow, run_single_array
from mapscope.workload.cnn_models import TRAINING_MODELS
from mapscope.cli.assignments import parse_assignments
from mapscope.cli.systolic import systolic as systolic_command
from mapscope.formats.sources import load_workload
from mapscope.mapping.mapped_workload import map_workload
from mapscope.workload.source import integer_sizes

try:  # typer >= 0.24 carries its own copy of click; older versions use click itself
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException, UsageError  # type: ignore[assignment]

app = typer.Typer(
    name="mapscope",
    help="Cost models for DNN accelerators: MAESTRO's data-centric model, exact (--compat maestro) and corrected.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class CompatMode(StrEnum):
    """Which numbers `analyze` computes: MAESTRO's exact ones, or the corrected model."""

    maestro = "maestro"
    none = "none"


#: Hardware flags of `analyze` and the `Accelerator` field each one sets.
HARDWARE_FLAGS: dict[str, str] = {
    "--num-pes": "num_pes",
    "--simd": "simd_lanes",
    "--noc-bw": "noc_bandwidth_elems_per_cycle",
    "--noc-latency": "noc_latency_cycles",
    "--offchip-bw": "offchip_bandwidth_elems_per_cycle",
    "--l1-size": "l1_size_elems",
    "--l2-size": "l2_size_elems",
}


def _note(message: str) -> None:
    """A one-line note on stderr."""
    typer.echo(f"note: {message}", err=True)


def _warning(message: str) -> None:
    """A one-line warning on stderr."""
    typer.echo(f"warning: {message}", err=True)


def hardware_for_command_line(hardware: str | None, flag_values: Mapping[str, int]) -> Accelerator:
    """The accelerator of an `analyze` call: flags, overridden by a hardware file as in MAESTRO (with warnings)."""
    given = {HARDWARE_FLAGS[flag]: value for flag, value in flag_values.items()}
    if hardware is None:
        accelerator = build_accelerator(None, given)
        if "num_pes" not in given:
            summary = accelerator_summary(accelerator)
            _note(f"no --hw or --num-pes given: using MAESTRO's default accelerator ({summary})")
        return accelerator
    file_fields = load_hardware_fields(hardware)
    for flag, value in flag_values.items():
        field = HARDWARE_FLAGS[flag]
        if field in file_fields and file_fields[field] != value:
            _warning(
                f"{flag} {value} is overridden by {field} = {file_fields[field]} from the hardware file "
                f"{hardware} (a hardware file wins over flags, as in MAESTRO)"
            )
    return build_accelerator(None, {**given, **file_fields})


@app.command()
def analyze(
    mapping: Annotated[
        str,
        typer.Argument(
            help="Mapping or model file (.m, .yaml, .json, .onnx), a zoo network (`mapscope zoo`) or a shipped example."
        ),
    ],
    hw: Annotated[
        str | None, typer.Option("--hw", help="Hardware file (.m, .yaml, .json) or example; wins over the flags below.")
    ] = None,
    num_pes: Annotated[int | None, typer.Option("--num-pes", help="Number of PEs (MAESTRO default 7).")] = None,
    noc_bw: Annotated[int | None, typer.Option("--noc-bw", help="NoC bandwidth, elements/cycle.")] = None,
    l1_size: Annotated[
        int | None, typer.Option("--l1-size", help="L1 capacity per PE, elements (warnings only).")
    ] = None,
    l2_size: Annotated[int | None, typer.Option("--l2-size", help="L2 capacity, elements (warnings only).")] = None,
    offchip_bw: Annotated[int | None, typer.Option("--offchip-bw", help="Off-chip bandwidth, elements/cycle.")] = None,
    simd: Annotated[int | None, typer.Option("--simd", help="SIMD lanes (ALUs) per PE.")] = None,
    noc_latency: Annotated[int | None, typer.Option("--noc-latency", help="NoC head latency, cycles.")] = None,
    compat: Annotated[
        CompatMode | None, typer.Option("--compat", help="'maestro' for MAESTRO's exact numbers and CSV bytes.")
    ] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write per-layer results as CSV (overwrites).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write all results as JSON (overwrites).")] = None,
    csv_format: Annotated[
        CsvFormat | None,
        typer.Option("--csv-format", help="'mapscope': the JSON's columns; 'maestro': MAESTRO's CSV (default in compat mode)."),
    ] = None,
    parquet_path: Annotated[
        Path | None, typer.Option("--parquet", help="Write per-layer results as Parquet (overwrites; needs pyarrow).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no table (files and errors only).")] = False,
    dataflow: Annotated[
        str | None,
        typer.Option("--dataflow", help="Map every layer with this dataflow template (`mapscope templates` lists them)."),
    ] = None,
    params: Annotated[
        list[str] | None, typer.Option("--param", help="Template parameter NAME=VALUE (repeatable), e.g. cluster_size=32.")
    ] = None,
    dims: Annotated[
        list[str] | None,
        typer.Option("--dim", help="Size NAME=VALUE (repeatable): an ONNX dynamic dimension or a zoo parameter (batch, seq_len)."),
    ] = None,
    skip_unsupported: Annotated[
        bool, typer.Option("--skip-unsupported", help="Leave unsupported ONNX operators out (each one noted) instead of failing.")
    ] = False,
    maestro_style: Annotated[bool, typer.Option(MAESTRO_STYLE_OPTION, hidden=True)] = False,
    maestro_csv: Annotated[bool, typer.Option("--maestro-csv/" + NO_MAESTRO_CSV_OPTION, hidden=True)] = True,
) -> None:
    """Analyse every layer of MAPPING on an accelerator and print runtime, energy, buffer and bandwidth needs."""
    flags = {
        "--num-pes": num_pes,
        "--simd": simd,
        "--noc-bw": noc_bw,
        "--noc-latency": noc_latency,
        "--offchip-bw": offchip_bw,
        "--l1-size": l1_size,
        "--l2-size": l2_size,
    }
    if csv_path is None and maestro_style and maestro_csv:
        csv_path = Path(maestro_csv_file_name(mapping))
    csv_file = None if csv_path is None else prepare_output_file(csv_path, "--csv")
    json_file = None if json_path is None else prepare_output_file(json_path, "--json")
    parquet_file = None if parquet_path is None else parquet_target(prepare_output_file(parquet_path, "--parquet"))
    sizes = integer_sizes(parse_assignments(dims or [], "--dim"), "--dim")
    workload = load_workload(mapping, sizes=sizes, skip_unsupported=skip_unsupported)
    accelerator = hardware_for_command_line(hw, {flag: value for flag, value in flags.items() if value is not None})
    if compat is None:
        compat = CompatMode.maestro if maestro_style else CompatMode.none
    compat_name = None if compat is CompatMode.none else compat.value
    parameters = parse_assignments(params or [], "--param")
    mapped = map_workload(workload, dataflow=dataflow, num_pes=accelerator.num_pes, parameters=parameters, compat=compat_name)
    for note in mapped.notes + (mapped.lowered.summary() if mapped.lowered is not None else ()):
        _note(note)
    stats = analyze_mapped_network(mapped.network, accelerator, compat=compat_name)
    workload_document = None
    if mapped.lowered is not None:
        workload_document = {"dataflow": dataflow, "parameters": parameters, **mapped.lowered.document(), "notes": list(mapped.notes)}

    if csv_file is not None:
        with writing_output(csv_file):
            write_layer_csv(stats, csv_file, csv_format or default_csv_format(compat=compat_name, maestro_style=maestro_style))
    if parquet_file is not None:
        with writing_output(parquet_file):
            write_layer_parquet(stats, parquet_file)
    if json_file is not None:
        with writing_output(json_file):
            write_json(stats, json_file, accelerator=accelerator, source=mapping, workload=workload_document)
    if not quiet:
        render_network_report(stats, accelerator, stdout_console())
    if maestro_style:
        for line in maestro_summary_lines(stats, accelerator, csv_file is not None, print_results=not quiet):
            typer.echo(line)


@app.command()
def examples() -> None:
    """List the shipped example mappings and accelerators (usable by name wherever a file is expected)."""
    from mapscope.examples import list_examples

    table = Table(header_style="bold")
    for header in ("Name", "Kind", "Description"):
        table.add_column(header)
    for example in list_examples():
        table.add_row(example.name, example.kind, example.description)
    stdout_console().print(table)


@app.command()
def zoo() -> None:
    """List the networks shipped in the model zoo (usable by name wherever a network is expected)."""
    from mapscope.workload.lowering import lower_model
    from mapscope.workload.zoo import ZOO

    table = Table(header_style="bold")
    for header in ("Name", "Operators", "Layers", "GMACs", "Sizes", "Description"):
        table.add_column(header, justify="right" if header in ("Operators", "Layers", "GMACs") else "left")
    for entry in ZOO.values():
        model = entry.build()
        layers = len(lower_model(model).network.layers)
        sizes = ", ".join(f"{name}={value}" for name, value in entry.parameters.items())
        table.add_row(entry.name, str(len(model.operators)), str(layers), f"{model.macs / 1e9:.3f}", sizes, entry.description)
    stdout_console().print(table)


@app.command()
def templates() -> None:
    """List the dataflow templates `--dataflow` accepts, with their parameters and defaults."""
    from mapscope.mapping.templates import TEMPLATES

    table = Table(header_style="bold")
    for header in ("Name", "Parameters (default)", "Description"):
        table.add_column(header)
    for template in TEMPLATES.values():
        parameters = "\n".join(f"{p.name}={p.default_from or p.default}" for p in template.parameters)
        table.add_row(template.name, parameters, template.description)
    stdout_console().print(table)


@app.command()
def convert(
    source: Annotated[str, typer.Argument(help="Model or mapping: .onnx, .m, .yaml, .json, a zoo network or an example.")],
    output: Annotated[Path, typer.Argument(help="File to write: .m (MAESTRO syntax), .yaml or .json.")],
    dataflow: Annotated[
        str | None, typer.Option("--dataflow", help="Also map every layer with this template (default: no dataflows).")
    ] = None,
    num_pes: Annotated[int, typer.Option("--num-pes", help="PE count the template maps for.")] = 256,
    params: Annotated[list[str] | None, typer.Option("--param", help="Template parameter NAME=VALUE (repeatable).")] = None,
    dims: Annotated[
        list[str] | None, typer.Option("--dim", help="ONNX dynamic dimension or zoo parameter NAME=VALUE (repeatable).")
    ] = None,
    skip_unsupported: Annotated[
        bool, typer.Option("--skip-unsupported", help="Leave unsupported ONNX operators out (each one noted).")
    ] = False,
) -> None:
    """Write a network in MAESTRO's layer form (.m, runnable by MAESTRO) or as a YAML/JSON description.

    What MAESTRO cannot express (padding, dilation, transposed convolutions, pooling) is lowered as
    `analyze` does, and said in comments above each layer of a .m file.
    """
    from mapscope.formats import write_network_description
    from mapscope.formats.descriptions import DESCRIPTION_SUFFIXES
    from mapscope.formats.maestro.network_writer import write_maestro_network

    suffix = output.suffix.lower()
    if suffix != ".m" and suffix not in DESCRIPTION_SUFFIXES:
        raise InputError(f"cannot tell the format to write: expected .m, {', '.join(DESCRIPTION_SUFFIXES)}", str(output))
    prepare_output_file(output, "OUTPUT")
    if num_pes <= 0:
        raise InputError(f"must be a positive integer, got {num_pes}", "--num-pes")
    sizes = integer_sizes(parse_assignments(dims or [], "--dim"), "--dim")
    workload = load_workload(source, sizes=sizes, skip_unsupported=skip_unsupported)
    parameters = parse_assignments(params or [], "--param")
    mapped = map_workload(workload, dataflow=dataflow, num_pes=num_pes, parameters=parameters, unmapped_ok=True)
    for note in mapped.notes + (mapped.lowered.summary() if mapped.lowered is not None else ()):
        _note(note)
    if suffix == ".m":
        comments: dict[str, str] = {}
        header = [f"{mapped.network.name}, written by mapscope from {source}"]
        if mapped.lowered is not None:
            for part in mapped.lowered.parts:
                if part.layers and part.note:
                    comments[part.layers[0].name] = f"{part.operator.name}: {part.note}"
            skipped = [part.operator.name for part in mapped.lowered.skipped]
            if skipped:
                header.append(f"not written (no MACs, no MAESTRO layer type): {', '.join(skipped)}")
        with writing_output(output):
            write_maestro_network(mapped.network, output, comments, "\n".join(header))
    else:
        with writing_output(output):
            write_network_description(mapped.network, output)
    _note(f"wrote {len(mapped.network.layers)} layers to {output}")


@app.command()
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
) -> None:
    """Run a pruned-training trajectory on one large array, four split cores and FlexSA; compare with the paper."""
    settings = StudySettings(
        model=model,
        trajectory_file=trajectory,
        seed=seed,
        target_reduction=target_reduction,
        interval_epochs=interval_epochs,
        epochs=epochs,
        batch=batch,
        array=array,
        double_buffered=double_buffered,
        cycle_tolerance=cycle_tolerance,
    )
    setup = prepare_study(settings)
    json_file = None if json_path is None else prepare_output_file(json_path, "--json")
    csv_file = None if csv_path is None else prepare_output_file(csv_path, "--csv")
    plots_folder = None if plots is None else prepare_output_folder(plots, "--plots")
    with progress_bar(f"{setup.cnn.name} on large, split, flexsa", setup.steps) as advance:
        study = setup.run(advance)
    files = render_study_files(study, json_path=json_file, csv_path=csv_file)
    if plots_folder is not None:
        files[plots_folder / UTILIZATION_PLOT] = utilization_plot_png(study)
        files[plots_folder / ENERGY_PLOT] = energy_plot_png(study)
    write_files(files)
    render_flexsa_report(study, stdout_console())


@app.command()
def gemm(
    m: Annotated[int, typer.Argument(metavar="M", help="Rows of the output (and of A).")],
    n: Annotated[int, typer.Argument(metavar="N", help="Columns of the output (and of B).")],
    k: Annotated[int, typer.Argument(metavar="K", help="The reduction (columns of A, rows of B).")],
    array: Annotated[str, typer.Option("--array", help="Array shape ROWSxCOLS.")] = f"{DEFAULT_ARRAY}x{DEFAULT_ARRAY}",
    dataflow: Annotated[
        Dataflow | None, typer.Option("--dataflow", help="SCALE-Sim dataflow on a single array (default ws).")
    ] = None,
    convention: Annotated[
        Convention | None,
        typer.Option("--convention", help="Count as SCALE-Sim does, or as mapscope (default mapscope)."),
    ] = None,
    machine: Annotated[
        MachineKind | None,
        typer.Option("--machine", help="Compile for this machine instead (shows the chosen plan); excludes --dataflow."),
    ] = None,
    double_buffered: Annotated[
        bool, typer.Option("--double-buffered", help="Preload the next weights while the current pass runs.")
    ] = False,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write every figure as JSON.")] = None,
) -> None:
    """Cycles and buffer accesses of one GEMM Out[M x N] = A[M x K] . B[K x N] on a systolic array."""
    the_gemm = command_line_gemm(m, n, k)
    rows, cols = parse_array_shape(array)
    if machine is not None and dataflow is not None:
        raise InputError("--machine and --dataflow cannot be combined (a machine's plan picks its own)", "options")
    if machine is not None and convention is not None:
        raise InputError("--convention applies to a single array (--dataflow), not to --machine", "options")
    target = None if machine is None else command_line_machine(machine, rows, cols, double_buffered)
    json_file = None if json_path is None else prepare_output_file(json_path, "--json")
    if target is not None:
        compiled = gemm_on_machine(the_gemm, target)
        _write_gemm_json(compiled.stats.as_dict(), json_file)
        render_machine_gemm(compiled, stdout_console())
    else:
        result = run_single_array(
            the_gemm, rows, cols, dataflow or Dataflow.WS, convention or Convention.MAPSCOPE, double_buffered
        )
        _write_gemm_json(dataclasses.asdict(result), json_file)
        render_single_array(result, stdout_console())


app.command()(systolic_command)  # `mapscope systolic` (cli/systolic.py)


def _write_gemm_json(document: dict[str, object], json_file: Path | None) -> None:
    if json_file is not None:
        with writing_output(json_file):
            write_json_document(document, json_file)


@app.command()
def explore(
    space: Annotated[Path, typer.Argument(metavar="SPACE.yaml", help="Design-space file (YAML or JSON); see docs/explore.md.")],
    store: Annotated[Path | None, typer.Option("--store", help="SQLite file results stream into (needed to resume).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run kept in --store; evaluates only what is missing.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", help="Local worker processes (default: all cores).")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786) instead of local workers.")] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="grid, random or evolve (default: the space file's).")] = None,
    budget: Annotated[int | None, typer.Option("--budget", help="At most this many designs (default: the space file's, or all).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of random and evolve (default: the space file's, or 0).")] = None,
    best: Annotated[int, typer.Option("--best", help="How many of the best designs to list.")] = 10,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write a JSON summary: counts, best designs, Pareto front.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the Pareto-front plot (.png or .svg).")] = None,
    export: Annotated[Path | None, typer.Option("--export", help="Write every evaluated design (.csv, .parquet or .jsonl).")] = None,
) -> None:
    """Search a design space (hardware and mapping parameters) under constraints; list the best designs and the Pareto front."""
    options = ExploreOptions(space, store, resume, workers, scheduler, strategy, budget, seed, best, json_path, plot, export)
    try:
        run_exploration(options, stdout_console())
    except (*STOPPED, WorkerLost) as error:
        # Here the store is committed and closed and the worker pool shut down (run_exploration's finally).
        kept = f"; results so far are in {store}: rerun with --resume to continue" if store is not None else ""
        stopped = isinstance(error, STOPPED)
        typer.echo(f"error: {interrupt_message(error) if stopped else error}{kept}", err=True)
        raise typer.Exit(interrupt_status(error) if stopped else 1) from None


def _version_callback(show: bool) -> None:
    if show:
        from mapscope import __version__

        typer.echo(f"mapscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """mapscope: what does it cost to run this network on this accelerator with this mapping?"""


def _command() -> typer.core.TyperGroup:
    """The click command group behind `app`, with flags shown as flags in the help."""
    return show_flags_as_flags(typer.main.get_command(app))  # type: ignore[no-any-return]


def _analyze_option_names(group: typer.core.TyperGroup) -> set[str]:
    """Every option string `analyze` declares (e.g. "--csv", "-q", "--help")."""
    names = {"--help"}
    for parameter in group.commands["analyze"].params:
        names.update(parameter.opts)
        names.update(parameter.secondary_opts)
    return names


def translate_command_line(arguments: Sequence[str], group: typer.core.TyperGroup | None = None) -> list[str]:
    """Our arguments for `arguments`: MAESTRO spellings translated (notes go to stderr), the rest unchanged.

    ``mapscope --Mapping_file=F ...`` (no subcommand, a drop-in for the `maestro` binary) means `analyze`.
    """
    arguments = list(arguments)
    own_options = _analyze_option_names(group or _command())
    if arguments and is_maestro_argument(arguments[0], own_options | {"--version"}):
        arguments.insert(0, "analyze")
    if not arguments or arguments[0] != "analyze":
        return arguments
    translation = translate_maestro_arguments(arguments[1:], own_options)
    for note in translation.notes:
        _note(note)
    return ["analyze", *translation.arguments]


def _one_line(message: str) -> str:
    """`message` on one line, its middle elided past MAX_ERROR_LINE_CHARS so that no input floods stderr."""
    line = " ".join(message.split())
    if len(line) <= MAX_ERROR_LINE_CHARS:
        return line
    half = MAX_ERROR_LINE_CHARS // 2 - 20
    return f"{line[:half]} … ({len(line) - 2 * half:,} characters elided) … {line[-half:]}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on `argv` (default: sys.argv[1:]) and return the exit status: 0 on success (also when
    stdout was closed early), 2 for user errors and unwritable files, 130 after Ctrl-C, 143 after SIGTERM."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        with sigterm_as_interrupt():
            command = _command()
            result = command.main(
                args=translate_command_line(arguments, command) or ["--help"], prog_name="mapscope", standalone_mode=False
            )
            sys.stdout.flush()  # a closed stdout shows here, not at interpreter exit
    except BrokenPipeError:  # stdout's reader went away (`| head`); the files were written before any output
        silence_stdout()
        return 0
    except SystemExit as exit_:  # typer's and rich's answer to the same
        if not stdout_closed(exit_):
            raise
        silence_stdout()
        return 0
    except InputError as error:
        typer.echo(f"error: {_one_line(str(error))}", err=True)
        return 2
    except OSError as error:
        reason = error.strerror or str(error)
        typer.echo(f"error: {_one_line(f'{error.filename}: {reason}' if error.filename else reason)}", err=True)
        return 2
    except UsageError as error:
        typer.echo(f"error: {_one_line(error.format_message())}", err=True)
        return 2
    except ClickException as error:
        typer.echo(f"error: {_one_line(error.format_message())}", err=True)
        return error.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 1
    except STOPPED as error:  # Ctrl-C (typer makes most of them a silent exit 130), or SIGTERM
        typer.echo(f"error: {interrupt_message(error)}", err=True)
        return interrupt_status(error)
    return result if isinstance(result, int) else 0

