"""The reader families the fuzz suite attacks: for each, how to make a mutated input and how to run it.

Shared by the Hypothesis tests beside this file (tests/fuzz/test_fuzz_<family>.py) and by
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
from fuzz_documents import Raw, mutate_document
from fuzz_mutations import Rng, mutate_text
from fuzz_isolation import run_isolated
from fuzz_runner import ACCEPTED, CLEAN_ERROR, Case, Outcome, function_outcome, run_cli
from fuzz_store import mutate_store

EXAMPLE_HARDWARE_M = (seeds.EXAMPLES / "accelerator_256pe.m").read_bytes()
EXAMPLE_HARDWARE_YAML = (seeds.EXAMPLES / "accelerator_256pe.yaml").read_bytes()

DIMENSIONS = ("N", "G", "K", "C", "R", "S", "Y", "X", "Y'", "X'", "M")
MAESTRO_WORDS = (
    "Network", "Layer", "Type", "Stride", "Dimensions", "Dataflow", "SpatialMap", "TemporalMap", "Cluster",
    "Sz", "Sz(R)", "Sz(S)", "Constant", "CONV", "DSCONV", "NGCONV", "GEMM", "TRCONV", "FC", "POOL", "P", "L",
    "{", "}", "(", ")", ";", ",", ":", "-", "//", *DIMENSIONS,
)
HARDWARE_WORDS = ("num_pes", "l1_size_cstr", "l2_size_cstr", "noc_bw_cstr", "offchip_bw_cstr", "NoC_NumHops", ":", "-", "//")
NETWORK_KEYS = ("network", "constants", "layers", "name", "type", "stride", "dimensions", "dataflow", "Tile", *DIMENSIONS)
DIRECTIVES = (
    "SpatialMap(1,1) K", "TemporalMap(1,1) C", "TemporalMap(Sz(R),Sz(R)) R", "TemporalMap(Sz(S),1) X", "Cluster(64, P)",
    "Cluster(0, P)", "SpatialMap(99999999999,1) K", "TemporalMap(Tile,Tile) C", "Cluster(Sz(K))", "TemporalMap(1) C",
    "CONV", "DSCONV", "GEMM", "TRCONV", "FC",
)
HARDWARE_KEYS = (
    "num_pes", "simd_lanes", "noc_bandwidth_elems_per_cycle", "noc_latency_cycles", "offchip_bandwidth_elems_per_cycle",
    "l1_size_elems", "l2_size_elems", "l1_size_cstr", "l2_size_cstr", "noc_bw_cstr", "offchip_bw_cstr", "num_simd_lanes",
    "noc_hop_latency", "NoC_NumHops",
)
SPACE_KEYS = (
    "name", "engine", "network", "base_hardware", "compat", "batch", "passes", "mapping", "template", "parameters",
    "hardware", "constraints", "objectives", "search", "strategy", "budget", "seed", "population", "batch_size",
    "range", "step", "scale", "min", "max", "weighted_sum", "buffers_fit", "rows", "cols", "dataflow",
    "double_buffered", "cluster_size", "spatial_dimension", "area_mm2", "runtime", "energy", "edp", "power",
    *HARDWARE_KEYS[:7],
)
SPACE_VALUES = (
    {"range": [8, 2147483647], "step": 8}, {"range": [1, 2**40], "scale": "log2"}, {"range": [64, 8]},
    {"range": [1, 10**6]}, Raw("{range: [1, " + "9" * 5000 + "]}", '{"range": [1, ' + "9" * 5000 + "]}"),
    32000, 2**31, "tiny_network.m", "tiny_network.yaml", "base_hw.yaml", "resnet56", "kcp_ws", "tiled", "xp_ws",
    "systolic", "maestro", "training", "inference", "grid", "random", "evolve", "log2", ["os", "ws", "is"],
    {"max": -1}, {"min": 1e308}, {"weighted_sum": {"runtime": 1e308, "energy": -1}},
)
_HUGE_RANGES = (
    {"range": [8, 2147483647], "step": 8}, {"range": [1, 2**31 - 1], "scale": "log2"}, {"range": [1, 10**30]},
    {"range": [2**63, 2**64]}, {"range": [1, 10**6], "step": 10**30}, [1, 2**31, 2**63], [0, -1],
)
#: Extreme values for the entry of a given key of a design space (the issue's range and batch blow-ups).
SPACE_KEY_VALUES: dict[str, tuple[Any, ...]] = {
    "batch": (32000, 10**6, 2**31 - 1, 0),
    "budget": (10**9, 2**63, 0),
    "population": (2, 10**7, 2**63),
    "batch_size": (1, 2**31, 10**30),
    "seed": (2**63, 2**64, -1),
    "range": ([8, 2147483647], [1, 10**30], [2**63, 2**64], [0, 0], [-5, 5], [5, 1]),
    "step": (1, 2**40, 10**30, 0),
    "max": (1e308, -1e308, 10**30, 0),
    "min": (1e308, -1e308, 10**30),
    "weighted_sum": ({"runtime": 1e308, "energy": 1e308}, {"runtime": 10**30}, {}),
    **{name: _HUGE_RANGES for name in ("num_pes", "rows", "cols", "l1_size_elems", "l2_size_elems", "cluster_size",
                                       "noc_bandwidth_elems_per_cycle", "offchip_bandwidth_elems_per_cycle", "simd_lanes")},
}
TRAJECTORY_KEY_VALUES: dict[str, tuple[Any, ...]] = {
    "total_epochs": (10**9, 2**63, 1, 0),
    "epoch": (10**9, 2**63, -1),
    "conv1": ([3, 2**31], [2**63, 16], [0, 16]),
    "fc": ([64, 10**9], [1, 1]),
}
TRAJECTORY_WORDS = (
    "epoch", "layer", "in_channels", "out_channels", "# total_epochs:", "# network:", "# synthetic:", "# description:",
    "resnet56", "resnet50", "conv1", "fc", "layer1.0.conv1", "layer3.8.conv2", "true", "false", ",", "#",
)
TRAJECTORY_KEYS = ("network", "total_epochs", "epochs", "epoch", "layers", "synthetic", "description", "conv1", "fc", "layer1.0.conv1")
SCALESIM_WORDS = (
    "[general]", "[architecture_presets]", "ArrayHeight", "ArrayWidth", "Dataflow", "os", "ws", "is", "run_name",
    "=", ":", ",", "%", "%(x)s", "Layer", "M", "N", "K",
)


@dataclass(frozen=True)
class Family:
    """One reader family: its mutated inputs and how they are run."""

    name: str
    description: str
    make_case: Callable[[Rng], Case]
    run: Callable[[Case, Path], Outcome] = run_cli
    needs: str | None = None  # an optional module the family needs (its tests skip without it)

    def available(self) -> bool:
        return self.needs is None or importlib.util.find_spec(self.needs) is not None

    def prepare(self) -> None:
        """Build the seeds now (once per process), so forked workers inherit them."""
        self.make_case(_FixedRandom())


class _FixedRandom:
    """A stand-in rng for `prepare`: always the first choice, no mutation rounds beyond one."""

    def random(self) -> float:
        return 0.99

    def randint(self, low: int, high: int) -> int:
        return low

    def randrange(self, *arguments: int) -> int:
        return 0 if len(arguments) == 1 else arguments[0]

    def choice(self, options: Any) -> Any:
        return options[0]

    def randbytes(self, count: int) -> bytes:
        return bytes(count)


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
    from mapscope.formats import scalesim_files

    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    reader, path = case.arguments
    return function_outcome(lambda: getattr(scalesim_files, reader)(path.replace("{folder}", str(folder))))


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("maestro_mapping", "MAESTRO .m mappings (analyze)", _maestro_mapping),
        Family("maestro_hardware", "MAESTRO .m hardware files (analyze --hw)", _maestro_hardware),
        Family("network_description", "YAML/JSON network descriptions (analyze)", _network_description),
        Family("hardware_description", "YAML/JSON hardware descriptions (analyze --hw)", _hardware_description),
        Family("design_space", "design-space files (explore --budget 3)", _design_space),
        Family("trajectory", "pruning trajectories, CSV and YAML (flexsa --trajectory)", _trajectory),
        Family("onnx", "ONNX models (analyze --dataflow kcp_ws)", _onnx, needs="onnx"),
        Family("result_store", "damaged result stores (explore --resume)", _result_store),
        Family("scalesim", "SCALE-Sim scale.cfg and topology files (reader functions)", _scalesim, _run_scalesim),
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
