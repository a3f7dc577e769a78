"""Seed inputs of the fuzz families, kept small so that each mutated input runs in milliseconds.

MAESTRO mappings are the shipped examples and the bundled MAESTRO models (../shared, when present) cut
into networks of 1-3 layers; descriptions are written from those by `mapscope convert`; spaces are the
exploration tests' tiny space and the shipped example spaces pointed at a 3-layer network (or ResNet-56
at batch 1); trajectories are 1-2 entries for ResNet-56; stores come from a short `explore --store` run.
Every seed is built once per process (cached) and is the same on every run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

import mapscope

EXAMPLES = Path(mapscope.__file__).resolve().parent / "examples"
TESTS = Path(__file__).resolve().parents[1]
SHARED = (TESTS.parent / ".." / "shared").resolve()  # as tests/shared_data.py finds it
BUNDLED_MAPPINGS = SHARED / "maestro-data" / "data" / "mapping"
BUNDLED_HARDWARE = SHARED / "maestro-data" / "data" / "hw"
SCALESIM_RUNS = SHARED / "reference" / "scalesim" / "runs"
TINY_NETWORK = TESTS / "explore" / "tiny_network.m"

_NETWORK_START = re.compile(r"^[ \t]*Network\b[^{]*\{", re.MULTILINE)


def cli(*arguments: str) -> tuple[int, str]:
    """Run ``mapscope <arguments>`` in this process; its exit status and stderr."""
    from mapscope.cli import main

    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        status = main(list(arguments))
    return status, stderr.getvalue()


# ---- MAESTRO mappings ------------------------------------------------------------------------------------
def layer_blocks(text: str) -> tuple[str, str, list[str]] | None:
    """(text before the network, the ``Network NAME {`` line, each ``Layer ... { }`` block) of a .m file."""
    start = _NETWORK_START.search(text)
    if start is None:
        return None
    blocks: list[str] = []
    depth, block_start, position = 0, -1, start.end()
    while position < len(text):
        if text.startswith("//", position):
            position = text.find("\n", position)
            if position < 0:
                break
            continue
        character = text[position]
        if character == "{":
            depth += 1
        elif character == "}":
            if depth == 0:
                break
            depth -= 1
            if depth == 0 and block_start >= 0:
                blocks.append(text[block_start : position + 1])
                block_start = -1
        elif depth == 0 and block_start < 0 and text.startswith("Layer", position):
            block_start = position
        position += 1
    return text[: start.start()], start.group(), blocks


def cut_network(text: str, first: int, count: int) -> str | None:
    """The network of `text` keeping only layers first..first+count-1 (None when there are none)."""
    parts = layer_blocks(text)
    if parts is None or first >= len(parts[2]):
        return None
    header, opening, blocks = parts
    return header + opening + "\n" + "\n".join(blocks[first : first + count]) + "\n}\n"


def _parses(text: str) -> bool:
    from mapscope.errors import InputError
    from mapscope.formats import parse_mapping_text

    try:
        parse_mapping_text(text, "seed.m")
    except InputError:
        return False
    return True


@lru_cache(maxsize=1)
def mapping_seeds() -> tuple[str, ...]:
    """Small networks (1-3 layers) cut from the shipped and bundled .m files, each one that parses."""
    sources = [TINY_NETWORK, *sorted(EXAMPLES.glob("*.m"))]
    if BUNDLED_MAPPINGS.is_dir():
        sources += sorted(BUNDLED_MAPPINGS.glob("*.m"))
    seeds: dict[str, None] = {}
    for source in sources:
        text = source.read_text(encoding="utf-8")
        parts = layer_blocks(text)
        if parts is None:
            continue
        count = len(parts[2])
        for first, size in ((0, 1), (0, 3), (count // 2, 2), (count - 1, 1)):
            cut = cut_network(text, max(first, 0), size)
            if cut is not None and cut not in seeds and _parses(cut):
                seeds[cut] = None
    return tuple(seeds)


def small_mapping() -> str:
    """One layer of the tiny network: the fixed mapping the hardware families analyse."""
    cut = cut_network(TINY_NETWORK.read_text(encoding="utf-8"), 0, 1)
    assert cut is not None
    return cut


# ---- hardware -------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def hardware_seeds() -> tuple[str, ...]:
    files = [EXAMPLES / "accelerator_256pe.m", *sorted(BUNDLED_HARDWARE.glob("*.m"))]
    seeds = [path.read_text(encoding="utf-8") for path in files if path.is_file()]
    seeds.append("num_pes: 64\nl1_size_cstr: 512\nl2_size_cstr: 65536\nnoc_bw_cstr: 32\noffchip_bw_cstr: 8\nNoC_NumHops: 2\n")
    seeds.append("num_pes 16\n")
    return tuple(seeds)


@lru_cache(maxsize=1)
def hardware_description_seeds() -> tuple[tuple[str, Any], ...]:
    """(suffix, document) pairs: the shipped YAML accelerator, in both formats, and MAESTRO spellings."""
    shipped = yaml.safe_load((EXAMPLES / "accelerator_256pe.yaml").read_text(encoding="utf-8"))
    maestro = {
        "num_pes": 64, "l1_size_cstr": 512, "l2_size_cstr": 65536, "noc_bw_cstr": 32, "offchip_bw_cstr": 8, "NoC_NumHops": 2,
        "num_simd_lanes": 2,
    }
    partial = {"num_pes": 16}
    return tuple((suffix, document) for document in (shipped, maestro, partial) for suffix in (".yaml", ".json"))


# ---- network descriptions -------------------------------------------------------------------------------
CONSTANTS_DESCRIPTION = """\
network: described
constants: {Tile: 4}
layers:
  - name: CONV1
    type: CONV
    stride: {X: 2, Y: 2}
    dimensions: {K: 16, C: 3, R: 3, S: 3, Y: 18, X: 18}
    dataflow:
      - SpatialMap(1,1) K
      - TemporalMap(Tile,Tile) C
      - TemporalMap(Sz(R),1) Y
      - TemporalMap(Sz(S),1) X
      - TemporalMap(Sz(R),Sz(R)) R
      - TemporalMap(Sz(S),Sz(S)) S
      - Cluster(4, P)
      - SpatialMap(1,1) C
  - name: DW
    type: DSCONV
    dimensions: {K: 1, C: 16, R: 3, S: 3, Y: 8, X: 8}
"""


@lru_cache(maxsize=1)
def network_description_seeds() -> tuple[tuple[str, Any], ...]:
    """(suffix, document) pairs: a few mapping seeds converted by `mapscope convert`, and a hand-written one."""
    seeds: list[tuple[str, Any]] = [(".yaml", yaml.safe_load(CONSTANTS_DESCRIPTION)), (".json", yaml.safe_load(CONSTANTS_DESCRIPTION))]
    mappings = mapping_seeds()
    chosen = mappings[:: max(1, len(mappings) // 12)]
    with tempfile.TemporaryDirectory(prefix="mapscope-fuzz-seeds-") as folder:
        for index, text in enumerate(chosen):
            source = Path(folder) / f"seed{index}.m"
            source.write_text(text, encoding="utf-8")
            suffix = (".yaml", ".json")[index % 2]
            target = Path(folder) / f"seed{index}{suffix}"
            status, _ = cli("convert", str(source), str(target))
            if status == 0:
                seeds.append((suffix, yaml.safe_load(target.read_text(encoding="utf-8"))))
    return tuple(seeds)


# ---- design spaces ------------------------------------------------------------------------------------------
def _tiny_space() -> dict[str, Any]:
    """TINY_SPACE of tests/explore/explore_spaces.py (loaded by path: test helpers are not a package)."""
    spec = importlib.util.spec_from_file_location("explore_spaces_for_fuzz", TESTS / "explore" / "explore_spaces.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return json.loads(json.dumps(module.TINY_SPACE))


#: Files beside every space: the networks and base hardware a space may name.
SPACE_FOLDER_FILES = ("tiny_network.m", "tiny_network.yaml", "base_hw.yaml")


@lru_cache(maxsize=1)
def space_folder_files() -> dict[str, bytes]:
    network = TINY_NETWORK.read_bytes()
    with tempfile.TemporaryDirectory(prefix="mapscope-fuzz-seeds-") as folder:
        target = Path(folder) / "tiny_network.yaml"
        status, error = cli("convert", str(TINY_NETWORK), str(target))
        assert status == 0, error
        description = target.read_bytes()
    return {"tiny_network.m": network, "tiny_network.yaml": description, "base_hw.yaml": (EXAMPLES / "accelerator_256pe.yaml").read_bytes()}


@lru_cache(maxsize=1)
def space_seeds() -> tuple[tuple[str, Any], ...]:
    """(suffix, document) pairs: the tiny test space (feasible and as written) and the shipped example
    spaces on small networks, with random, evolve and weighted-sum variants; and the shipped systolic
    space as it is (ResNet-50 at batch 32, about 0.3 s a run: one seed of 13)."""
    tiny = _tiny_space()
    feasible = json.loads(json.dumps(tiny))
    feasible["constraints"] = {"area_mm2": {"max": 50}, "buffers_fit": False}
    area = yaml.safe_load((EXAMPLES / "resnet50_area_budget.yaml").read_text(encoding="utf-8"))
    area["network"] = "tiny_network.yaml"
    area["constraints"] = {"area_mm2": {"max": 25}}
    systolic = yaml.safe_load((EXAMPLES / "resnet50_systolic_shapes.yaml").read_text(encoding="utf-8"))
    systolic.update(network="resnet56", batch=1)
    evolve = json.loads(json.dumps(feasible))
    evolve["search"] = {"strategy": "evolve", "population": 4, "seed": 3}
    evolve["objectives"] = [{"weighted_sum": {"runtime": 1.0, "energy": 0.5}}, "area"]
    evolve["base_hardware"] = "base_hw.yaml"
    random_search = json.loads(json.dumps(systolic))
    random_search["search"] = {"strategy": "random", "seed": 1}
    random_search["passes"] = "training"
    documents = (tiny, feasible, area, systolic, evolve, random_search)
    shipped = yaml.safe_load((EXAMPLES / "resnet50_systolic_shapes.yaml").read_text(encoding="utf-8"))  # ResNet-50 as shipped
    return (*((suffix, document) for document in documents for suffix in (".yaml", ".json")), (".yaml", shipped))


# ---- trajectories -------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def trajectory_seeds() -> tuple[tuple[str, str], ...]:
    """(suffix, text) pairs for ResNet-56: written by the trajectory writer (2 entries) and by hand (1 entry)."""
    from mapscope.formats.trajectory_file import write_trajectory
    from mapscope.workload.cnn_models import resnet56_cifar
    from mapscope.workload.pruning import synthetic_trajectory

    seeds = [
        (".csv", "# network: resnet56\n# total_epochs: 3\nepoch,layer,in_channels,out_channels\n0,conv1,3,14\n0,layer1.0.conv1,14,12\n"),
        (".yaml", "network: resnet56\ntotal_epochs: 3\nepochs:\n  - {epoch: 0, layers: {conv1: [3, 12], fc: [60, 10]}}\n"),
    ]
    trajectory = synthetic_trajectory(resnet56_cifar(), interval_epochs=2, total_epochs=3, seed=1)
    with tempfile.TemporaryDirectory(prefix="mapscope-fuzz-seeds-") as folder:
        for suffix in (".csv", ".yaml"):
            path = Path(folder) / f"t{suffix}"
            write_trajectory(trajectory, path)
            seeds.append((suffix, path.read_text(encoding="utf-8")))
    return tuple(seeds)


# ---- result stores --------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def store_seeds() -> tuple[tuple[str, bytes], ...]:
    """(space YAML text, store bytes) of short `explore --store` runs (4 designs kept) of two spaces."""
    seeds = []
    candidates = [document for suffix, document in space_seeds() if suffix == ".yaml"][1:4:2]  # feasible, systolic
    for document in candidates:
        with tempfile.TemporaryDirectory(prefix="mapscope-fuzz-seeds-") as folder:
            for name, content in space_folder_files().items():
                (Path(folder) / name).write_bytes(content)
            space_text = yaml.safe_dump(document, sort_keys=False)
            space = Path(folder) / "space.yaml"
            space.write_text(space_text, encoding="utf-8")
            store = Path(folder) / "store.db"
            status, error = cli("explore", str(space), "--store", str(store), "--budget", "4", "--workers", "1")
            assert status == 0, error
            seeds.append((space_text, store.read_bytes()))
    return tuple(seeds)


# ---- SCALE-Sim -----------------------------------------------------------------------------------------------
SCALESIM_CONFIG = """\
[general]
run_name = fuzz

[architecture_presets]
ArrayHeight:    8
ArrayWidth:     16
IfmapSramSzkB:   64
FilterSramSzkB:  64
OfmapSramSzkB:   64
Dataflow : os
"""
SCALESIM_TOPOLOGY = (
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
    "conv1, 32, 32, 3, 3, 3, 16, 1,\nconv2, 16, 16, 3, 3, 16, 32, 2,\n"
)
SCALESIM_GEMMS = "Layer, M, N, K,\ngemm_1, 64, 32, 16,\ngemm_2, 7, 5, 3,\n"


@lru_cache(maxsize=1)
def scalesim_seeds() -> tuple[tuple[str, str], ...]:
    """(file name, text): configs and topologies from the shared SCALE-Sim runs and written here."""
    seeds: dict[tuple[str, str], None] = {
        ("scale.cfg", SCALESIM_CONFIG): None,
        ("topology.csv", SCALESIM_TOPOLOGY): None,
        ("topology.csv", SCALESIM_GEMMS): None,
    }
    if SCALESIM_RUNS.is_dir():
        for run in sorted(SCALESIM_RUNS.iterdir()):
            for name in ("scale.cfg", "topology.csv"):
                if (run / name).is_file():
                    seeds[(name, (run / name).read_text(encoding="utf-8"))] = None
    return tuple(seeds)
