"""The one-call library entry: `mapscope.analyze(mapping, hardware)` -> per-layer statistics.

Inputs may be objects, file paths, or names of shipped examples (`mapscope examples` lists them).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import EnergyTable
from mapscope.mapping.mapped_network import MappedNetwork
from mapscope.stats import NetworkStats

#: The `compat` values `analyze` accepts: None (corrected default model) or MAESTRO's exact numbers.
COMPAT_MODES = (None, "maestro")

HARDWARE_FIELDS = tuple(field.name for field in dataclasses.fields(Accelerator))


def resolve_input_path(name_or_path: str | os.PathLike[str], what: str) -> Path:
    """An input file: `name_or_path` if it is an existing file, else the shipped example of that name."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    if path.exists():
        raise InputError(f"the {what} is not a regular file", str(name_or_path))
    name = os.fspath(name_or_path)
    if "/" not in name and os.sep not in name:
        from mapscope.examples import (
            example_path,  # shipped examples; imported only when needed
        )

        try:
            return Path(example_path(name))
        except (LookupError, ValueError, FileNotFoundError):  # InputError is a ValueError
            pass
    raise InputError(f"no such {what} file, and no shipped example of that name (run `mapscope examples`)", name)


def load_network(network_or_path: MappedNetwork | str | os.PathLike[str]) -> MappedNetwork:
    """A mapped network: given, or read from a .m/.yaml/.json file or a shipped example."""
    if isinstance(network_or_path, MappedNetwork):
        return network_or_path
    from mapscope.formats import load_mapped_network

    return load_mapped_network(resolve_input_path(network_or_path, "mapping"))


def load_hardware_fields(hardware: str | os.PathLike[str]) -> dict[str, int]:
    """The accelerator fields a hardware file (.m/.yaml/.json) or shipped hardware example sets."""
    from mapscope.formats import load_hardware

    return dict(load_hardware(resolve_input_path(hardware, "hardware")))


def check_hardware_fields(fields: Mapping[str, Any]) -> None:
    """Reject names that are not `Accelerator` fields, naming the valid ones."""
    unknown = sorted(set(fields) - set(HARDWARE_FIELDS))
    if unknown:
        raise InputError(f"unknown hardware parameter(s) {', '.join(unknown)}; known: {', '.join(HARDWARE_FIELDS)}")


def build_accelerator(
    hardware: Accelerator | str | os.PathLike[str] | None, overrides: Mapping[str, int] | None = None
) -> Accelerator:
    """An accelerator from an object, a hardware file or example name, or MAESTRO's defaults (None).

    Keyword `overrides` win over every other source (the CLI, unlike this, lets a hardware file win over
    its flags, because MAESTRO does).
    """
    overrides = dict(overrides or {})
    check_hardware_fields(overrides)
    if isinstance(hardware, Accelerator):
        return dataclasses.replace(hardware, **overrides)
    base = {} if hardware is None else load_hardware_fields(hardware)
    check_hardware_fields(base)
    return Accelerator(**{**base, **overrides})


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
    from mapscope.formats.result_store import ResultStore

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
