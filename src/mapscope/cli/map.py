"""`mapscope map`: search a mapping for every layer of a network (`mapscope.api.map`) on the accelerator of
--hw and `analyze`'s hardware flags (which win over the file here), write the requested files, then print
the per-layer table and the network's totals."""

from __future__ import annotations

from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mapscope.cli.assignments import parse_assignments
from mapscope.cli.hardware_flags import (
    L1SizeFlag,
    L2SizeFlag,
    NocBwFlag,
    NocLatencyFlag,
    NumPesFlag,
    OffchipBwFlag,
    SimdFlag,
    given_hardware_flags,
    hardware_for_command_line,
)
from mapscope.cli.html_option import HtmlOption, prepare_html, write_html
from mapscope.errors import InputError

if TYPE_CHECKING:
    from mapscope.mapper.network_search import NetworkMapping


class MapObjective(StrEnum):
    """What the mapper minimises per layer."""

    runtime = "runtime"
    energy = "energy"
    edp = "edp"


class MapStrategy(StrEnum):
    """How each distinct layer's space is searched."""

    exhaustive = "exhaustive"
    random = "random"
    genetic = "genetic"
    auto = "auto"


class MapCompat(StrEnum):
    """Which numbers the mapper optimises: MAESTRO's exact ones, or the corrected model."""

    maestro = "maestro"
    none = "none"


#: Suffixes `--out` writes: MAESTRO's layer form, or a YAML/JSON network description.
OUT_SUFFIXES = (".m", ".yaml", ".yml", ".json")


def map(  # noqa: A001 - the command's name
    source: Annotated[
        str, typer.Argument(help="What `analyze` takes: a .m, .yaml, .json, .onnx or SCALE-Sim .csv file, a zoo network or an example.")
    ],
    hw: Annotated[
        str | None, typer.Option("--hw", help="Hardware file (.m, .yaml, .json) or example; the flags below win over it.")
    ] = None,
    num_pes: NumPesFlag = None,
    noc_bw: NocBwFlag = None,
    l1_size: L1SizeFlag = None,
    l2_size: L2SizeFlag = None,
    offchip_bw: OffchipBwFlag = None,
    simd: SimdFlag = None,
    noc_latency: NocLatencyFlag = None,
    objective: Annotated[MapObjective, typer.Option("--objective", help="What each layer's mapping minimises.")] = MapObjective.edp,
    space: Annotated[
        Path | None, typer.Option("--space", help="Mapping space file (YAML/JSON) restricting every layer's space (docs/mapper.md).")
    ] = None,
    strategy: Annotated[MapStrategy, typer.Option("--strategy", help="Search per distinct layer.")] = MapStrategy.auto,
    budget_per_layer: Annotated[
        int, typer.Option("--budget-per-layer", help="Mappings evaluated per distinct layer (a median 1.1 s per 1,000 on one core).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random and genetic searches.")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the mapped network: .m (MAESTRO's form, `analyze` reads it back) or .yaml/.json.")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write per-layer results and totals as JSON (overwrites).")] = None,
    html_path: HtmlOption = None,
    workers: Annotated[int, typer.Option("--workers", help="Processes searching distinct layers in parallel.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786): its workers search the layers instead.")
    ] = None,
    compat: Annotated[
        MapCompat, typer.Option("--compat", help="'maestro': optimise MAESTRO's exact numbers; 'none': the corrected model.")
    ] = MapCompat.none,
    dims: Annotated[
        list[str] | None, typer.Option("--dim", help="Size NAME=VALUE (repeatable): an ONNX dynamic dimension or a zoo parameter.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no table and no progress bar (files and errors only).")] = False,
) -> None:
    """Search a mapping for every layer of SOURCE on an accelerator; print the mappings and the gain over the templates.

    Identical layers are searched once. The default, `auto` with 1,000 mappings per distinct layer (the
    exhaustive search from the templates' descent, certified optimal when it finishes within the budget;
    in compatibility mode or with imperfect tiles, a genetic search on 15% of the budget seeds it),
    maps ResNet-50 (24 distinct layers) in about 19 s on one core and certifies 23 of them optimal for runtime.
    """
    from mapscope import api
    from mapscope.formats.output_files import prepare_output_file
    from mapscope.formats.sources import integer_sizes
    from mapscope.task_pools import WorkerLost, check_pool_settings

    if budget_per_layer < 1:
        raise InputError(f"must be a positive number of mappings, got {budget_per_layer}", "--budget-per-layer")
    check_pool_settings(workers, scheduler)
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        raise InputError(f"cannot tell the format to write: expected {', '.join(OUT_SUFFIXES)}", str(out))
    out_file = None if out is None else prepare_output_file(out, "--out")
    json_file = None if json_path is None else prepare_output_file(json_path, "--json")
    html_file = prepare_html(html_path)
    sizes = integer_sizes(parse_assignments(dims or [], "--dim"), "--dim")
    flags = given_hardware_flags(
        num_pes=num_pes, simd=simd, noc_bw=noc_bw, noc_latency=noc_latency, offchip_bw=offchip_bw, l1_size=l1_size, l2_size=l2_size
    )
    accelerator = hardware_for_command_line(hw, flags, file_wins=False)
    progress = nullcontext(None)
    if not quiet:  # rich (the bar's library) is imported only when a bar may be drawn
        from mapscope.report.progress import progress_bar

        progress = progress_bar(f"mapping {source}", 0)  # type: ignore[assignment]
    try:
        with progress as advance:
            result = api.map(
                source, accelerator, objective=objective.value, space=space, strategy=strategy.value, budget_per_layer=budget_per_layer,
                seed=seed, workers=workers, scheduler=scheduler, compat=compat.value, dims=sizes, progress=advance,
            )
    except WorkerLost as error:  # not the user's input (status 1); the pool is shut down already
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    _write_files(result, source=source, out_file=out_file, json_file=json_file)
    write_html(result, html_file)
    if not quiet:
        from mapscope.report.console import stdout_console
        from mapscope.report.map_report import render_network_mapping

        render_network_mapping(result, stdout_console())


def _write_files(result: NetworkMapping, *, source: str, out_file: Path | None, json_file: Path | None) -> None:
    """The requested files, each written atomically before anything goes to stdout."""
    from mapscope.formats.output_files import writing_output

    if json_file is not None:
        from mapscope.formats.output_files import write_files
        from mapscope.formats.results.json_output import format_json_document

        write_files({json_file: format_json_document(result.document()).encode("utf-8")})
    if out_file is None:
        return
    with writing_output(out_file):
        if out_file.suffix.lower() == ".m":
            from mapscope.formats.maestro.network_writer import write_maestro_network

            header = f"{result.network}, mappings found by mapscope map from {source} ({result.strategy} search, objective {result.objective}, {result.accelerator.num_pes} PEs)"
            comments = {entry.name: _layer_comment(entry.search.certified_optimal, entry.search.value, entry.searched_as, entry.name) for entry in result.layers}
            write_maestro_network(result.mapped, out_file, comments, header)
        else:
            from mapscope.formats import write_network_description

            write_network_description(result.mapped, out_file)


def _layer_comment(certified: bool, value: float, searched_as: str, name: str) -> str:
    """The comment above a layer of the written .m file: its objective value, certificate and origin."""
    origin = "" if searched_as == name else f", the mapping of the identical layer {searched_as}"
    return f"objective value {value:.6g}{' (certified optimal)' if certified else ''}{origin}"
