"""The reader families the fuzz suite attacks: for each, how to make a mutated input and how to run it.

Shared by the Hypothesis tests beside this file (tests/fuzz/test_fuzz_families.py) and by
``benchmarks/fuzz_readers.py``, which imports this module by path. The dependency points from the
benchmark to the tests, not the other way, because the tests must run in the default test run with
nothing but the test folder on the path, while the benchmark is a driver that adds worker processes,
counts and reports around the same mutators and runners.

A family's `make_case(rng)` draws every choice from `rng` (a `random.Random`, or Hypothesis's
`st.randoms()`), so a (seed, family, index) triple names one input for good; `run(case, folder)`
runs it in the current process and classifies the outcome (see fuzz_runner).
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fuzz_seeds as seeds
import yaml
from fuzz_documents import mutate_document
from fuzz_isolation import run_isolated
from fuzz_mutations import Rng, mutate_text
from fuzz_runner import ACCEPTED, CLEAN_ERROR, Case, Outcome, function_outcome, run_cli
from fuzz_store import mutate_store
from fuzz_vocabulary import (
    DIRECTIVES,
    HARDWARE_KEYS,
    HARDWARE_WORDS,
    MAESTRO_WORDS,
    NETWORK_KEYS,
    SCALESIM_WORDS,
    SPACE_KEYS,
    SPACE_KEY_VALUES,
    SPACE_VALUES,
    TRAJECTORY_KEYS,
    TRAJECTORY_KEY_VALUES,
    TRAJECTORY_WORDS,
)

EXAMPLE_HARDWARE_M = (seeds.EXAMPLES / "accelerator_256pe.m").read_bytes()
EXAMPLE_HARDWARE_YAML = (seeds.EXAMPLES / "accelerator_256pe.yaml").read_bytes()

@dataclass(frozen=True)
class Family:
    """One reader family: its mutated inputs and how they are run."""

    name: str
    description: str
    make_case: Callable[[Rng], Case]
    seeds: Callable[[], object]  # builds (and caches) the family's seeds
    run: Callable[[Case, Path], Outcome] = run_cli
    needs: str | None = None  # an optional module the family needs (its tests skip without it)

    def available(self) -> bool:
        return self.needs is None or importlib.util.find_spec(self.needs) is not None

    def prepare(self) -> None:
        """Build the seeds now (once per process), so forked workers inherit them."""
        self.seeds()


def _analyze(network: str, hardware: str, *extra: str) -> tuple[str, ...]:
    return ("analyze", f"{{folder}}/{network}", "--hw", f"{{folder}}/{hardware}", "-q", *extra)


# ---- the families ------------------------------------------------------------------------------------------
def _maestro_mapping(rng: Rng) -> Case:
    data, steps = mutate_text(rng, rng.choice(seeds.mapping_seeds()), MAESTRO_WORDS)
    compat = ("--compat", "maestro") if rng.random() < 0.25 else ()
    return Case("maestro_mapping", {"net.m": data, "hw.m": EXAMPLE_HARDWARE_M}, _analyze("net.m", "hw.m", *compat), tuple(steps))


def _maestro_hardware(rng: Rng) -> Case:
    data, steps = mutate_text(rng, rng.choice(seeds.hardware_seeds()), HARDWARE_WORDS)
    files = {"net.m": seeds.small_mapping().encode(), "hw.m": data}
    return Case("maestro_hardware", files, _analyze("net.m", "hw.m"), tuple(steps))


def _document_case(
    rng: Rng, documents: Any, keys: tuple[str, ...], values: tuple[Any, ...] = (), key_values: dict[str, tuple[Any, ...]] | None = None
) -> tuple[str, bytes, list[str]]:
    suffix, document = rng.choice(documents)
    data, steps = mutate_document(rng, document, suffix[1:], keys, values, key_values)
    return suffix, data, steps


def _network_description(rng: Rng) -> Case:
    suffix, data, steps = _document_case(rng, seeds.network_description_seeds(), NETWORK_KEYS, DIRECTIVES)
    files = {f"net{suffix}": data, "hw.yaml": EXAMPLE_HARDWARE_YAML}
    return Case("network_description", files, _analyze(f"net{suffix}", "hw.yaml"), tuple(steps))


def _hardware_description(rng: Rng) -> Case:
    suffix, data, steps = _document_case(rng, seeds.hardware_description_seeds(), HARDWARE_KEYS)
    files = {"net.m": seeds.small_mapping().encode(), f"hw{suffix}": data}
    return Case("hardware_description", files, _analyze("net.m", f"hw{suffix}"), tuple(steps))


def _design_space(rng: Rng) -> Case:
    suffix, data, steps = _document_case(rng, seeds.space_seeds(), SPACE_KEYS, SPACE_VALUES, SPACE_KEY_VALUES)
    files = {**seeds.space_folder_files(), f"space{suffix}": data}
    arguments = ("explore", f"{{folder}}/space{suffix}", "--budget", "3", "--workers", "1")
    return Case("design_space", files, arguments, tuple(steps))


def _trajectory(rng: Rng) -> Case:
    suffix, text = rng.choice(seeds.trajectory_seeds())
    if suffix == ".csv":
        data, steps = mutate_text(rng, text, TRAJECTORY_WORDS)
    else:
        data, steps = mutate_document(rng, yaml.safe_load(text), "yaml", TRAJECTORY_KEYS, ("resnet50", [3, 12]), TRAJECTORY_KEY_VALUES)
    arguments = ("flexsa", "--model", "resnet56", "--trajectory", f"{{folder}}/t{suffix}", "--array", "128", "--batch", "1")
    return Case("trajectory", {f"t{suffix}": data}, arguments, tuple(steps))


def _onnx(rng: Rng) -> Case:
    from fuzz_onnx import mutate_onnx, onnx_seeds

    data, steps = mutate_onnx(rng, rng.choice(onnx_seeds()))
    skip = ("--skip-unsupported",) if rng.random() < 0.3 else ()
    files = {"model.onnx": data, "hw.yaml": EXAMPLE_HARDWARE_YAML}
    return Case("onnx", files, ("analyze", "{folder}/model.onnx", "--dataflow", "kcp_ws", "--hw", "{folder}/hw.yaml", "-q", *skip), tuple(steps))


def _onnx_seeds() -> object:
    from fuzz_onnx import onnx_seeds

    return onnx_seeds()


def _result_store(rng: Rng) -> Case:
    space_text, store = rng.choice(seeds.store_seeds())
    damaged, steps = mutate_store(rng, store)
    files = {**seeds.space_folder_files(), "space.yaml": space_text.encode(), **damaged}
    arguments = ("explore", "{folder}/space.yaml", "--store", "{folder}/store.db", "--resume", "--budget", "6", "--workers", "1")
    return Case("result_store", files, arguments, tuple(steps))


def _scalesim(rng: Rng) -> Case:
    name, text = rng.choice(seeds.scalesim_seeds())
    data, steps = mutate_text(rng, text, SCALESIM_WORDS)
    reader = "read_scalesim_config" if name.endswith(".cfg") else "read_scalesim_topology"
    return Case("scalesim", {name: data}, (reader, f"{{folder}}/{name}"), tuple(steps))


def _run_scalesim(case: Case, folder: Path) -> Outcome:
    """SCALE-Sim files have no CLI command yet: call the reader; InputError is the clean error."""
    from mapscope.formats.importers import scalesim_files

    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    reader, path = case.arguments
    return function_outcome(lambda: getattr(scalesim_files, reader)(path.replace("{folder}", str(folder))))


def _space_seeds() -> object:
    return seeds.space_seeds(), seeds.space_folder_files()


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("maestro_mapping", "MAESTRO .m mappings (analyze)", _maestro_mapping, seeds.mapping_seeds),
        Family("maestro_hardware", "MAESTRO .m hardware files (analyze --hw)", _maestro_hardware, seeds.hardware_seeds),
        Family(
            "network_description", "YAML/JSON network descriptions (analyze)", _network_description, seeds.network_description_seeds
        ),
        Family(
            "hardware_description",
            "YAML/JSON hardware descriptions (analyze --hw)",
            _hardware_description,
            seeds.hardware_description_seeds,
        ),
        Family("design_space", "design-space files (explore --budget 3)", _design_space, _space_seeds),
        Family("trajectory", "pruning trajectories, CSV and YAML (flexsa --trajectory)", _trajectory, seeds.trajectory_seeds),
        Family("onnx", "ONNX models (analyze --dataflow kcp_ws)", _onnx, _onnx_seeds, needs="onnx"),
        Family("result_store", "damaged result stores (explore --resume)", _result_store, seeds.store_seeds),
        Family(
            "scalesim", "SCALE-Sim scale.cfg and topology files (reader functions)", _scalesim, seeds.scalesim_seeds, _run_scalesim
        ),
    )
}


def case_for(name: str, seed: int, index: int) -> Case:
    """Input `index` of family `name` for `seed`: the same on every run and in every process."""
    return FAMILIES[name].make_case(random.Random(f"{seed}/{name}/{index}"))


#: Limits of one input in the test run: short, since Hypothesis reruns a failing input while shrinking.
TEST_SECONDS = 5.0
TEST_MEMORY_MB = 1500


def failure_report(case: Case, outcome: Outcome) -> str:
    """What a failing test prints: the crash class, how the input was made, and the traceback."""
    sizes = ", ".join(f"{name} ({len(content):,} bytes)" for name, content in case.files.items())
    return (
        f"{case.family}: uncaught: {outcome.crash_class}\n"
        f"mutations: {'; '.join(case.steps)}\n"
        f"command: mapscope {' '.join(case.arguments)}\nfiles: {sizes}\n{outcome.detail[-3000:]}"
    )


def check_family(name: str, rng: Rng) -> Outcome:
    """Make one input of family `name` from `rng`, run it isolated, and fail unless it is accepted or a
    clean error (see fuzz_runner for both)."""
    family = FAMILIES[name]
    case = family.make_case(rng)
    outcome = run_isolated(case, family.run, TEST_SECONDS, TEST_MEMORY_MB)
    assert outcome.kind in (ACCEPTED, CLEAN_ERROR), failure_report(case, outcome)
    return outcome
