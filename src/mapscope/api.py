"""The one-call library entry: `mapscope.analyze(mapping, hardware)` -> per-layer statistics.

Inputs may be objects, file paths, or names of shipped examples (`mapscope examples` lists them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.sources import (
    HARDWARE_FIELDS,
    build_accelerator,
    load_hardware_fields,
    load_network,
    resolve_input_path,
)
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.mapping.mapped_network import MappedNetwork
from mapscope.stats import NetworkStats

__all__ = [
    "COMPAT_MODES",
    "HARDWARE_FIELDS",
    "analyze",
    "build_accelerator",
    "design_space",
    "explore",
    "load_hardware_fields",
    "load_network",
    "resolve_input_path",
]

#: The `compat` values `analyze` accepts: None (corrected default model) or MAESTRO's exact numbers.
COMPAT_MODES = (None, "maestro")


def analyze(
    network_or_path: MappedNetwork | str | os.PathLike[str],
    hardware: Accelerator | str | os.PathLike[str] | None = None,
    *,
    compat: str | None = None,
    energy_table: EnergyTable | None = None,
    **hardware_overrides: int,
) -> NetworkStats:
    """Analyse every layer of a mapped network on an accelerator with the data-centric (MAESTRO) model.

    `compat="maestro"` reproduces MAESTRO's numbers, quirks included; None gives the corrected model.
    `energy_table` replaces the default per-access energies (corrected mode). Keyword arguments such as
    ``num_pes=512`` override single `Accelerator` fields.
    """
    if compat not in COMPAT_MODES:
        raise InputError(f"compat must be None or 'maestro', got {compat!r}")
    from mapscope.analysis import (
        analyze_network,  # the engine; imported here to keep `import mapscope` light
    )

    network = load_network(network_or_path)
    accelerator = build_accelerator(hardware, hardware_overrides)
    return analyze_network(network, accelerator, compat=compat, energy_table=energy_table)


def design_space(space: Mapping[str, Any] | str | os.PathLike[str], directory: str | os.PathLike[str] | None = None) -> Any:
    """A checked DesignSpace from a space file (path or shipped example) or from a dict with the file's keys.

    Relative paths in a dict are taken from `directory` (default: the current folder). See docs/explore.md.
    """
    import yaml

    from mapscope.explore.engines import design_space as build_space
    from mapscope.explore.engines import load_design_space
    from mapscope.formats.space_file import parse_space_text

    if isinstance(space, Mapping):
        text = yaml.safe_dump(dict(space), sort_keys=False)
        return build_space(parse_space_text(text, "<space>.yaml", Path(directory) if directory is not None else None))
    return load_design_space(resolve_input_path(space, "design space"))


def explore(
    space: Any,
    *,
    workers: int | None = 1,
    scheduler: Any = None,
    store: str | os.PathLike[str] | None = None,
    resume: bool = False,
) -> Any:
    """Run a design space's search; returns an ExplorationResult (records, objectives, Pareto front).

    `space` is a DesignSpace, a dict, a path or a shipped example name; `scheduler` a Dask address or
    `dask.distributed.Client`; with `store`, results stream into that SQLite file (resumable).
    """
    from mapscope.explore.executors import make_executor
    from mapscope.explore.exploration import explore as run_search
    from mapscope.explore.space import DesignSpace, check_search_size
    from mapscope.formats.results.store import ResultStore

    checked = space if isinstance(space, DesignSpace) else design_space(space)
    check_search_size(checked, checked.name)  # before the store is created or touched
    opened = (
        ResultStore.open(Path(store), space_fingerprint=checked.fingerprint, space_document=checked.document, resume=resume)
        if store is not None
        else None
    )
    try:
        executor = make_executor(checked, workers, scheduler)  # after the store, so a refused store starts no worker
        try:
            return run_search(checked, executor, opened)
        finally:
            executor.close()
    finally:
        if opened is not None:
            opened.close()


def systolic(
    topology: str | os.PathLike[str] | tuple[Any, ...] | list[Any],
    config: str | os.PathLike[str] | Any | None = None,
    *,
    array: str | tuple[int, int] | None = None,
    dataflow: str | None = None,
    convention: str | None = None,
    double_buffered: bool = False,
) -> Any:
    """Run every layer of a SCALE-Sim topology on one systolic array; returns a `TopologyRun` (per-layer
    `SystolicLayerStats` records, `totals()`, `to_dataframe()`, `document()`), as `mapscope systolic` does.

    `topology` is a topology CSV (conv rows become SCALE-Sim's im2col GEMM) or a sequence of `Gemm` /
    `TopologyLayer`; `config` a `scale.cfg` (or a `ScaleSimArray`) giving the array and dataflow. `array`
    ("RxC" or (rows, cols)) and `dataflow` ("os", "ws", "is") win over the config, with a note in
    `notes` when they differ; without either, a 128x128 array in ws. `convention` is "scalesim"
    (SCALE-Sim's figures) or "mapscope"; by default "scalesim" when a config is given, else "mapscope".
    """
    from mapscope.formats.importers.scalesim_files import ScaleSimArray, read_scalesim_config, read_scalesim_layers
    from mapscope.systolic.flexsa_study import DEFAULT_ARRAY
    from mapscope.systolic.single_array import Convention, Dataflow
    from mapscope.systolic.single_gemm import parse_array_shape
    from mapscope.systolic.topology_run import TopologyLayer, run_topology
    from mapscope.workload.gemm import Gemm

    def choice(value: str, kind: type[Dataflow] | type[Convention], what: str) -> Any:
        try:
            return kind(str(value).lower())
        except ValueError:
            raise InputError(f"unknown {what} {value!r}; expected {', '.join(str(item) for item in kind)}", what) from None

    source = None
    if isinstance(topology, str | os.PathLike):
        source = os.fspath(topology)
        layers = read_scalesim_layers(topology)
    else:
        layers = tuple(item if isinstance(item, TopologyLayer) else TopologyLayer(item) for item in topology)
        if not layers or not all(isinstance(layer.gemm, Gemm) for layer in layers):
            raise InputError("a topology is a CSV file or a non-empty sequence of Gemm or TopologyLayer", "topology")
    config_name = None
    if config is not None and not isinstance(config, ScaleSimArray):
        config_name = os.fspath(config)
        config = read_scalesim_config(config)
    notes: list[str] = [] if config is None else list(config.notes)
    if isinstance(array, str):
        array = parse_array_shape(array)
    chosen_flow = None if dataflow is None else choice(dataflow, Dataflow, "dataflow")
    if config is not None:
        if array is not None and tuple(array) != (config.rows, config.cols):
            notes.append(f"array {array[0]}x{array[1]} overrides the config's {config.rows}x{config.cols}")
        if chosen_flow is not None and chosen_flow != config.dataflow:
            notes.append(f"dataflow {chosen_flow} overrides the config's {config.dataflow}")
    rows, cols = array or ((config.rows, config.cols) if config is not None else (DEFAULT_ARRAY, DEFAULT_ARRAY))
    chosen_flow = chosen_flow or (Dataflow(config.dataflow) if config is not None else Dataflow.WS)
    default_convention = Convention.SCALESIM if config is not None else Convention.MAPSCOPE
    chosen_convention = default_convention if convention is None else choice(convention, Convention, "convention")
    network = Path(source).stem if source is not None else "topology"
    return run_topology(
        layers, rows, cols, chosen_flow, chosen_convention, double_buffered,
        network=network, source=source, config=config_name, notes=notes,
    )
