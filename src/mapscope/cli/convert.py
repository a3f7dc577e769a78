"""`mapscope convert`: write a network in MAESTRO's layer form (.m) or as a YAML/JSON description."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mapscope.cli.assignments import parse_assignments
from mapscope.cli.support import note
from mapscope.errors import InputError


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
    from mapscope.api import load_workload
    from mapscope.formats import write_network_description
    from mapscope.formats.descriptions import DESCRIPTION_SUFFIXES
    from mapscope.formats.maestro.network_writer import write_maestro_network
    from mapscope.formats.output_files import prepare_output_file, writing_output
    from mapscope.mapping.mapped_workload import map_workload
    from mapscope.formats.sources import integer_sizes

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
    for message in mapped.notes + (mapped.lowered.summary() if mapped.lowered is not None else ()):
        note(message)
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
    note(f"wrote {len(mapped.network.layers)} layers to {output}")
