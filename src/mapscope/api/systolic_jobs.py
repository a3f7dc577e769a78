"""The systolic jobs: the `flexsa` study (pruned training on one large array, four split cores and FlexSA),
one `gemm` on a systolic array, and a SCALE-Sim topology run (`systolic`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapscope.api.inputs import Progress

if TYPE_CHECKING:  # the systolic engine loads when a job runs
    from mapscope.systolic.flexsa_study import FlexsaStudy, StudySetup
    from mapscope.systolic.single_array import SingleArrayResult
    from mapscope.systolic.single_gemm import MachineGemm
    from mapscope.workload.pruning import Trajectory


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
        srams=settings.srams,
    )
