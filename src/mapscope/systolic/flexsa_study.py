"""The FlexSA study: one model's pruned-training trajectory on the large, split and flexsa machines.

`prepare_study` checks every setting and builds the trajectory before the (long) run, so that bad
input fails at once; `StudySetup.run` then compiles and counts it (see docs/flexsa.md). A trajectory file
is read by the caller (`mapscope.api.flexsa`) and passed in: the study itself reads no file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mapscope.errors import InputError
from mapscope.limits import MAX_SIZE, quoted
from mapscope.stats import SystolicGemmStats
from mapscope.systolic.compiler import CYCLE_TOLERANCE
from mapscope.systolic.energy import SystolicEnergyTable
from mapscope.systolic.machine import Machine
from mapscope.systolic.training_run import (
    TrajectoryRun,
    run_trajectory,
    standard_machines,
)
from mapscope.workload.cnn import CNN
from mapscope.workload.cnn_models import training_model
from mapscope.workload.pruning import (
    Trajectory,
    final_inference_reduction,
    synthetic_trajectory,
    training_flop_reduction,
)

DEFAULT_MODEL = "resnet50"
DEFAULT_SEED = 0
DEFAULT_TARGET_REDUCTION = 0.53  # PruneTrain's ResNet-50/ImageNet inference-FLOP reduction
DEFAULT_INTERVAL_EPOCHS = 5
DEFAULT_EPOCHS = 90
DEFAULT_ARRAY = 128

#: The machines in the order they are reported.
MACHINE_ORDER = ("large", "split", "flexsa")

#: What the totals add up, said once in the JSON document (and the console table's title).
TOTALS_BASIS = (
    "machine totals add one training iteration per epoch (each trajectory entry weighted by the epochs it "
    "lasts); per_epoch values are one training iteration of the network of that entry"
)


@dataclass(frozen=True)
class StudySettings:
    """What the user asked for; the synthetic-trajectory settings are None unless given explicitly."""

    model: str = DEFAULT_MODEL
    trajectory_file: str | None = None
    seed: int | None = None
    target_reduction: float | None = None
    interval_epochs: int | None = None
    epochs: int | None = None
    batch: int | None = None
    array: int = DEFAULT_ARRAY
    double_buffered: bool = False
    cycle_tolerance: float = CYCLE_TOLERANCE


@dataclass(frozen=True)
class TrajectorySource:
    """Where the trajectory came from: a file, or the synthetic generator with its settings."""

    file: str | None
    seed: int | None
    target_reduction: float | None
    interval_epochs: int | None


@dataclass(frozen=True)
class StudySetup:
    """Checked inputs of a study, ready to run."""

    settings: StudySettings
    cnn: CNN
    trajectory: Trajectory
    source: TrajectorySource
    batch: int
    machines: dict[str, Machine]
    table: SystolicEnergyTable

    def run(self, progress: Callable[[int, int], None] | None = None) -> FlexsaStudy:
        """Compile and count every trajectory entry on every machine; `progress(done, total)` after each step."""
        run = run_trajectory(self.cnn, self.trajectory, self.machines, self.batch, self.table, progress, self.settings.cycle_tolerance)
        return FlexsaStudy(
            setup=self,
            run=run,
            inference_reduction=final_inference_reduction(self.trajectory, self.cnn),
            training_flop_reduction=training_flop_reduction(self.trajectory, self.cnn, self.batch),
        )

    @property
    def steps(self) -> int:
        """How many progress steps `run` reports: one per (trajectory entry, machine)."""
        return len(self.trajectory.epochs) * len(self.machines)


def _positive_integer(value: int, option: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputError(f"must be a positive integer, got {value!r}", option)
    return value


def check_array_size(size: int) -> int:
    """`size` if an S x S array of that size can be split into four (S/2) x (S/2) sub-arrays."""
    _positive_integer(size, "--array")
    if size > MAX_SIZE:
        raise InputError(f"must be at most {MAX_SIZE}, got {quoted(size)}", "--array")
    if size % 2:
        raise InputError(f"a {size}x{size} array cannot be split into four equal sub-arrays: the size must be even", "--array")
    return size


def check_settings(settings: StudySettings, trajectory_given: bool = False) -> CNN:
    """The model to train, after checking every setting a trajectory file is not needed for (the synthetic
    trajectory's settings cannot go with a trajectory file, or with a `trajectory_given` otherwise)."""
    cnn = training_model(settings.model)
    if settings.batch is not None:
        _positive_integer(settings.batch, "--batch")
    check_array_size(settings.array)
    if settings.trajectory_file is not None or trajectory_given:
        given = [
            option
            for option, value in (
                ("--seed", settings.seed),
                ("--target-reduction", settings.target_reduction),
                ("--interval-epochs", settings.interval_epochs),
                ("--epochs", settings.epochs),
            )
            if value is not None
        ]
        if given:
            raise InputError(f"the synthetic-trajectory options ({', '.join(given)}) cannot be combined with --trajectory", "options")
    return cnn


def prepare_study(settings: StudySettings, trajectory: Trajectory | None = None) -> StudySetup:
    """Check `settings` and build the trajectory and machines; every problem is an InputError.

    `trajectory` is the one read from `settings.trajectory_file` (which then names it); without one, the
    synthetic trajectory of the settings is built.
    """
    if settings.trajectory_file is not None and trajectory is None:
        raise InputError("the trajectory file is read by the caller and passed in as `trajectory`", settings.trajectory_file)
    cnn = check_settings(settings, trajectory is not None)
    batch = cnn.default_batch if settings.batch is None else settings.batch
    size = settings.array
    if trajectory is not None:
        source = TrajectorySource(settings.trajectory_file, None, None, None)
    else:
        seed = DEFAULT_SEED if settings.seed is None else settings.seed
        target = DEFAULT_TARGET_REDUCTION if settings.target_reduction is None else settings.target_reduction
        interval = DEFAULT_INTERVAL_EPOCHS if settings.interval_epochs is None else settings.interval_epochs
        if seed < 0:
            raise InputError(f"must be a non-negative integer, got {seed}", "--seed")
        trajectory = synthetic_trajectory(
            cnn,
            target_inference_reduction=target,
            interval_epochs=interval,
            total_epochs=DEFAULT_EPOCHS if settings.epochs is None else settings.epochs,
            seed=seed,
        )
        source = TrajectorySource(None, seed, target, interval)
    if not 0 <= settings.cycle_tolerance <= 1:
        raise InputError(f"must be between 0 and 1, got {settings.cycle_tolerance}", "--cycle-tolerance")
    machines = standard_machines(size, double_buffered=settings.double_buffered)
    return StudySetup(settings, cnn, trajectory, source, batch, machines, SystolicEnergyTable())


@dataclass(frozen=True)
class FlexsaStudy:
    """A finished study: the run on the three machines and the trajectory's FLOP reductions."""

    setup: StudySetup
    run: TrajectoryRun
    inference_reduction: float
    training_flop_reduction: float

    @property
    def machine_names(self) -> tuple[str, ...]:
        return tuple(name for name in MACHINE_ORDER if name in self.run.per_entry)

    def per_epoch(self, machine: str) -> list[dict[str, Any]]:
        """One training iteration of each trajectory entry on `machine`, with the epoch it starts at."""
        return [
            {
                "epoch": epoch,
                "span_epochs": span,
                "cycles": summary.cycles,
                "utilization": summary.utilization,
                "onchip_reuse": summary.onchip_reuse,
                "energy_pj": summary.energy.total_pj,
            }
            for epoch, span, summary in zip(self.run.epochs, self.run.spans, self.run.per_entry[machine], strict=True)
        ]

    def trajectory_summary(self) -> dict[str, Any]:
        """The trajectory as the JSON document describes it."""
        trajectory, source = self.setup.trajectory, self.setup.source
        return {
            "synthetic": trajectory.synthetic,
            "file": source.file,
            "seed": source.seed,
            "interval_epochs": source.interval_epochs,
            "target_inference_reduction": source.target_reduction,
            "epochs": trajectory.total_epochs,
            "reconfiguration_epochs": list(trajectory.epochs),
            "inference_reduction": self.inference_reduction,
            "training_flop_reduction": self.training_flop_reduction,
            "description": trajectory.description,
        }

    def document(self) -> dict[str, Any]:
        """Everything the study found, as the `--json` document."""
        setup = self.setup
        return {
            "model": setup.cnn.name,
            "dataset": setup.cnn.dataset,
            "batch": setup.batch,
            "array": setup.settings.array,
            "double_buffered": setup.settings.double_buffered,
            "cycle_tolerance": setup.settings.cycle_tolerance,
            "trajectory": self.trajectory_summary(),
            "machines": {name: self.run.totals(name).as_dict() for name in self.machine_names},
            "per_epoch": {name: self.per_epoch(name) for name in self.machine_names},
            "comparison": self.run.comparison(),
            "totals_basis": TOTALS_BASIS,
            "energy_table_source": setup.table.source,
        }

    def rows(self) -> list[SystolicGemmStats]:
        """One row per (machine, trajectory entry, GEMM), for the `--csv` file."""
        return self.run.rows(self.setup.table)


def energy_unit(largest_pj: float) -> tuple[str, float]:
    """The unit energies of this size read best in (J from 1 J up, mJ below) and picojoules per unit."""
    return ("J", 1e12) if largest_pj >= 1e12 else ("mJ", 1e9)
