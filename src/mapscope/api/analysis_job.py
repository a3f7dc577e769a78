"""The `analyze` job: a network on an accelerator with the data-centric (MAESTRO) model."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mapscope.api.inputs import Source, compat_name, workload_of
from mapscope.formats.sources import build_accelerator
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.stats import NetworkStats

if TYPE_CHECKING:  # the engine is imported when a job runs, to keep `import mapscope` light
    from mapscope.analysis.memory_levels import LayerMemoryStats


def analyze(
    source: Source,
    hardware: Accelerator | str | os.PathLike[str] | None = None,
    *,
    dataflow: str | None = None,
    params: Mapping[str, int | str] | None = None,
    dims: Mapping[str, int] | None = None,
    compat: str | None = None,
    skip_unsupported: bool = False,
    energy_table: EnergyTable | None = None,
    example_inputs: Any = None,
    **hardware_overrides: int,
) -> NetworkStats:
    """Analyse every layer of a network on an accelerator with the data-centric (MAESTRO) model.

    `source` is what `mapscope analyze` takes: a zoo network ("resnet50"), an ONNX file, a MAESTRO `.m`,
    YAML or JSON file or shipped example, a `Model`, a `MappedNetwork`, a loaded `Workload`, or a
    `torch.nn.Module` with `example_inputs` (a tensor or a tuple of tensors). `dataflow` maps every layer
    with that template (`params` its parameters); a model needs one, a mapped network keeps its own
    without. `dims` sizes ONNX dynamic dimensions or zoo parameters (batch, seq_len); `skip_unsupported`
    leaves unsupported ONNX or PyTorch operators out (each one noted) instead of failing.

    `hardware` is an `Accelerator`, a hardware file or shipped example, or None for MAESTRO's defaults;
    keyword arguments such as ``num_pes=512`` override single fields and win over the file.
    `compat="maestro"` reproduces MAESTRO's numbers, quirks included; None gives the corrected model.
    `energy_table` replaces the default per-access energies (corrected mode).

    The result carries the accelerator, the source, the lowering document (`workload`, for a model mapped
    with a template) and the notes, so that `mapscope.formats.results.json_output.network_stats_document`
    gives the JSON document `mapscope analyze --json` writes; `level_stats(result)` gives what `--stats` writes.
    """
    mode = compat_name(compat)
    workload = workload_of(source, dims, skip_unsupported, example_inputs)
    accelerator = build_accelerator(hardware, hardware_overrides)
    from mapscope.analysis import analyze_network  # the engine; imported here to keep `import mapscope` light
    from mapscope.mapping.mapped_workload import map_workload

    parameters = dict(params or {})
    mapped = map_workload(workload, dataflow=dataflow, num_pes=accelerator.num_pes, parameters=parameters, compat=mode)
    notes = mapped.notes + (mapped.lowered.summary() if mapped.lowered is not None else ())
    stats = analyze_network(mapped.network, accelerator, compat=mode, energy_table=energy_table)
    lowering = None
    if mapped.lowered is not None:
        lowering = {"dataflow": dataflow, "parameters": parameters, **mapped.lowered.document(), "notes": list(mapped.notes)}
    return replace(stats, accelerator=accelerator, source=workload.source, workload=lowering, notes=notes)


def level_stats(stats: NetworkStats) -> tuple[LayerMemoryStats, ...]:
    """Per-memory-level statistics (L1, L2, DRAM) of an `analyze` result, what `mapscope analyze --stats` writes:
    per layer and level, the capacity used, reads, writes and fills per tensor, energy per access and total."""
    from mapscope.analysis.memory_levels import network_memory_stats

    return network_memory_stats(stats)
