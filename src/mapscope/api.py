"""One entry point per job, the same as the command line's: `analyze` a network on an accelerator, `explore`
a design space, run the `flexsa` study, count one `gemm` on a systolic array. The `mapscope` command parses
its options, calls these functions and renders what they return.

Inputs may be objects, file paths, or names of shipped examples (`mapscope examples` lists them) and zoo
networks (`mapscope zoo`). Every user error is an `InputError` with the command line's message.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapscope.errors import InputError
from mapscope.formats.sources import HARDWARE_FIELDS, build_accelerator, integer_sizes, load_hardware_fields, load_network, load_workload, resolve_input_path
from mapscope.hardware.accelerator import Accelerator
from mapscope.limits import quoted
from mapscope.hardware.energy import EnergyTable
from mapscope.mapping.mapped_network import MappedNetwork
from mapscope.stats import NetworkStats
from mapscope.workload.operators import Model
from mapscope.mapping.workload_source import Workload

if TYPE_CHECKING:  # the other jobs' types; their modules load when the job runs
    from mapscope.explore.exploration import ExplorationResult
    from mapscope.explore.space import DesignSpace
    from mapscope.mapper.network_search import NetworkMapping, SpaceRestrictions
    from mapscope.systolic.flexsa_study import FlexsaStudy, StudySetup
    from mapscope.systolic.single_array import SingleArrayResult
    from mapscope.systolic.single_gemm import MachineGemm
    from mapscope.workload.pruning import Trajectory

__all__ = [
    "COMPAT_MODES",
    "HARDWARE_FIELDS",
    "analyze",
    "build_accelerator",
    "design_space",
    "explore",
    "flexsa",
    "flexsa_setup",
    "gemm",
    "gemm_document",
    "load_hardware_fields",
    "load_network",
    "load_workload",
    "map",
    "resolve_input_path",
    "systolic",
]

#: The `compat` values `analyze` accepts: None (the corrected model; "none" as the command line spells it)
#: or "maestro" (MAESTRO's exact numbers).
COMPAT_MODES = (None, "none", "maestro")

#: A progress callback: `progress(done, total)` after each step of a long run.
Progress = Callable[[int, int], None]

Source = str | os.PathLike[str] | Model | MappedNetwork | Workload | Any  # Any: a torch.nn.Module


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
    gives the JSON document `mapscope analyze --json` writes.
    """
    compat_name = _compat_name(compat)
    workload = _workload(source, dims, skip_unsupported, example_inputs)
    accelerator = build_accelerator(hardware, hardware_overrides)
    from mapscope.analysis import analyze_network  # the engine; imported here to keep `import mapscope` light
    from mapscope.mapping.mapped_workload import map_workload

    parameters = dict(params or {})
    mapped = map_workload(workload, dataflow=dataflow, num_pes=accelerator.num_pes, parameters=parameters, compat=compat_name)
    notes = mapped.notes + (mapped.lowered.summary() if mapped.lowered is not None else ())
    stats = analyze_network(mapped.network, accelerator, compat=compat_name, energy_table=energy_table)
    lowering = None
    if mapped.lowered is not None:
        lowering = {"dataflow": dataflow, "parameters": parameters, **mapped.lowered.document(), "notes": list(mapped.notes)}
    return replace(stats, accelerator=accelerator, source=workload.source, workload=lowering, notes=notes)


def _compat_name(compat: str | None) -> str | None:
    """The engine's name of a compat mode: None (corrected) or "maestro"."""
    if compat not in COMPAT_MODES:
        raise InputError(f"compat must be None, 'none' or 'maestro', got {quoted(compat)}")
    return None if compat in (None, "none") else compat


def _workload(source: Source, dims: Mapping[str, int] | None, skip_unsupported: bool, example_inputs: Any) -> Workload:
    """`source` loaded: a Workload as given, a PyTorch module run on its example inputs, else `load_workload`."""
    if isinstance(source, Workload):
        if dims:
            raise InputError("sizes (dims) apply when a source is read, not to a loaded Workload")
        return source
    torch = sys.modules.get("torch")  # a torch.nn.Module exists only once torch is imported
    if torch is not None and isinstance(source, torch.nn.Module):
        if example_inputs is None:
            raise InputError("a PyTorch module is analysed on example inputs: give example_inputs (a tensor or a tuple of tensors)")
        if dims:
            raise InputError("sizes (dims) apply to ONNX models and zoo networks; a PyTorch module takes them from example_inputs")
        from mapscope.formats.importers.torch_model import model_from_torch

        model, notes = model_from_torch(source, example_inputs, skip_unsupported=skip_unsupported)
        return Workload(model.source or model.name, model=model, notes=notes)
    if example_inputs is not None:
        raise InputError(f"example_inputs apply to a torch.nn.Module, not to a {type(source).__name__}")
    if not isinstance(source, str | os.PathLike | Model | MappedNetwork):
        raise InputError(
            f"cannot analyse a {type(source).__name__}: give a file path, example or zoo name, a Model, a MappedNetwork "
            "or a torch.nn.Module"
        )
    return load_workload(source, sizes=integer_sizes(dict(dims or {}), "dims"), skip_unsupported=skip_unsupported)


def map(  # noqa: A001 - the job's name, as `mapscope map` is the command's
    source: Source, hardware: Accelerator | str | os.PathLike[str] | None = None, *, objective: str | Mapping[str, float] = "edp",
    space: SpaceRestrictions | str | os.PathLike[str] | None = None, strategy: str | None = None, budget_per_layer: int | None = None,
    seed: int = 0, workers: int = 1, scheduler: Any = None, compat: str | None = None, dims: Mapping[str, int] | None = None,
    progress: Progress | None = None,
) -> NetworkMapping:
    """Search a mapping for every layer of `source` on `hardware` (`mapscope map`; `source`, `hardware`, `compat`, `dims` as for
    `analyze`; distinct layers on `workers` processes or a Dask `scheduler` (address or `distributed.Client`); the rest:
    `mapper.network_search.map_workload_network`). `document()` of the result is the JSON --json writes."""
    from mapscope.mapper.network_search import map_workload_network
    from mapscope.task_pools import check_pool_settings

    check_pool_settings(workers, scheduler)
    return map_workload_network(
        _workload(source, dims, False, None), build_accelerator(hardware), objective=objective, space=space, strategy=strategy, seed=seed,
        budget_per_layer=budget_per_layer, workers=workers, scheduler=scheduler, compat=_compat_name(compat), progress=progress)


def design_space(
    space: Mapping[str, Any] | str | os.PathLike[str] | DesignSpace,
    directory: str | os.PathLike[str] | None = None,
    *,
    strategy: str | None = None,
    budget: int | None = None,
    seed: int | None = None,
) -> DesignSpace:
    """A checked DesignSpace from a space file (path or shipped example), a dict with the file's keys, or a
    DesignSpace; `strategy` (grid, random, evolve), `budget` and `seed` replace the file's search settings.

    Relative paths in a dict are taken from `directory` (default: the current folder). The space is
    refused here, before any evaluation, when its search is too large or its constraints remove every
    design. See docs/explore.md.
    """
    from mapscope.explore.engines import design_space as build_space
    from mapscope.explore.engines import load_design_space
    from mapscope.explore.preparation import checked_space, with_search_overrides
    from mapscope.explore.space import DesignSpace

    if isinstance(space, DesignSpace):
        built, where = space, space.name
    elif isinstance(space, Mapping):
        import yaml

        from mapscope.formats.space_file import parse_space_text

        text = yaml.safe_dump(dict(space), sort_keys=False)
        built = build_space(parse_space_text(text, "<space>.yaml", Path(directory) if directory is not None else None))
        where = "<space>"
    else:
        built, where = load_design_space(resolve_input_path(space, "design space")), os.fspath(space)
    return checked_space(with_search_overrides(built, strategy=strategy, budget=budget, seed=seed, where=where), where)


def explore(
    space: Mapping[str, Any] | str | os.PathLike[str] | DesignSpace,
    *,
    workers: int | None = 1,
    scheduler: Any = None,
    store: str | os.PathLike[str] | None = None,
    resume: bool = False,
    strategy: str | None = None,
    budget: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
) -> ExplorationResult:
    """Run a design space's search; returns an ExplorationResult (records, objectives, Pareto front).

    `space` is what `design_space` takes; a DesignSpace without search overrides is used as it is (built
    and checked by `design_space`). `workers` local processes (None: all cores) or a `scheduler` (a Dask
    address or `dask.distributed.Client`) evaluate the designs. With `store`, results stream into that
    SQLite file; `resume` continues the run kept there. `progress(done, total)` follows the run.
    """
    from mapscope.explore.executors import make_executor
    from mapscope.explore.exploration import explore as run_search
    from mapscope.explore.space import DesignSpace, check_search_size
    from mapscope.formats.results.store import ResultStore

    if resume and store is None:
        raise InputError("--resume continues a run kept in a store: give --store FILE", "--resume")
    if isinstance(space, DesignSpace) and strategy is None and budget is None and seed is None:
        checked = space
        check_search_size(checked, checked.name)
    else:
        checked = design_space(space, strategy=strategy, budget=budget, seed=seed)
    opened = (
        ResultStore.open(Path(store), space_fingerprint=checked.fingerprint, space_document=checked.document, resume=resume)
        if store is not None
        else None
    )
    try:
        executor = make_executor(checked, workers, scheduler)  # after the store, so a refused store starts no worker
        try:
            return run_search(checked, executor, opened, progress)
        finally:
            executor.close()
    finally:
        if opened is not None:
            opened.close()


def flexsa_setup(
    model: str | None = None,
    *,
    trajectory: str | os.PathLike[str] | Trajectory | None = None,
    seed: int | None = None,
    target_reduction: float | None = None,
    interval_epochs: int | None = None,
    epochs: int | None = None,
    batch: int | None = None,
    array: int | None = None,
    double_buffered: bool = False,
    cycle_tolerance: float | None = None,
) -> StudySetup:
    """The FlexSA study checked and ready to run (`.run(progress)`, `.steps`); see `flexsa` for the settings.

    Every problem is an InputError here, before the (long) run.
    """
    from mapscope.systolic.flexsa_study import DEFAULT_ARRAY, DEFAULT_MODEL, StudySettings, check_settings, prepare_study
    from mapscope.systolic.compiler import CYCLE_TOLERANCE

    trajectory_file = None if trajectory is None or not isinstance(trajectory, str | os.PathLike) else os.fspath(trajectory)
    settings = StudySettings(
        model=DEFAULT_MODEL if model is None else model,
        trajectory_file=trajectory_file,
        seed=seed,
        target_reduction=target_reduction,
        interval_epochs=interval_epochs,
        epochs=epochs,
        batch=batch,
        array=DEFAULT_ARRAY if array is None else array,
        double_buffered=double_buffered,
        cycle_tolerance=CYCLE_TOLERANCE if cycle_tolerance is None else cycle_tolerance,
    )
    if trajectory_file is not None:
        from mapscope.formats.trajectory_file import read_trajectory

        cnn = check_settings(settings)  # before the file is read, so that a bad setting is said first
        return prepare_study(settings, read_trajectory(trajectory_file, cnn))
    return prepare_study(settings, trajectory)  # type: ignore[arg-type]  # a Trajectory or None here


def flexsa(
    model: str | None = None,
    *,
    trajectory: str | os.PathLike[str] | Trajectory | None = None,
    seed: int | None = None,
    target_reduction: float | None = None,
    interval_epochs: int | None = None,
    epochs: int | None = None,
    batch: int | None = None,
    array: int | None = None,
    double_buffered: bool = False,
    cycle_tolerance: float | None = None,
    progress: Progress | None = None,
) -> FlexsaStudy:
    """Run a pruned-training trajectory on one large array, four split cores and FlexSA (`mapscope flexsa`).

    `model` is a training network (default resnet50); `trajectory` a trajectory file (CSV or YAML) or a
    `Trajectory`, else a synthetic one from `seed`, `target_reduction`, `interval_epochs` and `epochs`.
    `array` is the size S of the S x S machines (even); `batch` the training batch (default the model's);
    `cycle_tolerance` the compile heuristic's tie margin. Returns the study: `.document()` is the JSON
    `--json` writes, `.rows()` the CSV rows.
    """
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
    return setup.run(progress)


def gemm(
    m: int,
    n: int,
    k: int,
    *,
    array: str | int | tuple[int, int] | None = None,
    dataflow: str | None = None,
    convention: str | None = None,
    machine: str | None = None,
    double_buffered: bool = False,
) -> SingleArrayResult | MachineGemm:
    """Cycles and buffer accesses of one GEMM Out[M x N] = A[M x K] . B[K x N] on a systolic array (`mapscope gemm`).

    `array` is ROWSxCOLS ("128x64"), a (rows, cols) pair or one size for a square array (default 128x128,
    the FlexSA study's). On a single array `dataflow` is SCALE-Sim's ws (default), os or is, and
    `convention` counts as "mapscope" (default) or "scalesim"; with `machine` ("large", "split" or "flexsa") the GEMM is compiled for that machine instead
    and the chosen plan returned. `gemm_document` gives the JSON `--json` writes.
    """
    from mapscope.systolic.single_gemm import run_gemm

    return run_gemm(
        m, n, k, array=array, dataflow=dataflow, convention=convention, machine=machine, double_buffered=double_buffered
    )


def gemm_document(result: SingleArrayResult | MachineGemm) -> dict[str, Any]:
    """The JSON document `mapscope gemm --json` writes for a `gemm` result."""
    from mapscope.systolic.single_gemm import gemm_document as document

    return document(result)


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
    from mapscope.formats.importers.scalesim_files import read_scalesim_config, read_scalesim_layers
    from mapscope.systolic.topology_run import run_topology
    from mapscope.systolic.topology_settings import ScaleSimArray, topology_layers, topology_settings

    source = None if not isinstance(topology, str | os.PathLike) else os.fspath(topology)
    layers = read_scalesim_layers(topology) if source is not None else topology_layers(topology)
    config_name = None
    if config is not None and not isinstance(config, ScaleSimArray):
        config_name = os.fspath(config)
        config = read_scalesim_config(config)
    settings = topology_settings(config, array=array, dataflow=dataflow, convention=convention)
    return run_topology(
        layers,
        settings.rows,
        settings.cols,
        settings.dataflow,
        settings.convention,
        double_buffered,
        network=Path(source).stem if source is not None else "topology",
        source=source,
        config=config_name,
        notes=list(settings.notes),
    )
