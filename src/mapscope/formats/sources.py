"""Inputs by name: a file path, a shipped example or a zoo network, read into the description it holds
(a mapped network, an accelerator, a workload). The reader is picked from the file suffix.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.limits import quoted
from mapscope.mapping.mapped_network import MappedNetwork
from mapscope.mapping.workload_source import Workload
from mapscope.workload.operators import Model

ONNX_SUFFIX = ".onnx"
#: A SCALE-Sim topology (recognised by its header line; see formats.importers.scalesim_files).
TOPOLOGY_SUFFIX = ".csv"

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


def _zoo_names() -> tuple[str, ...]:
    from mapscope.workload.zoo import ZOO

    return tuple(ZOO)


def load_workload(
    source: Model | MappedNetwork | str | os.PathLike[str],
    *,
    sizes: Mapping[str, int] | None = None,
    skip_unsupported: bool = False,
) -> Workload:
    """Read `source`: a model or network object, an ONNX file, a SCALE-Sim topology (.csv), a zoo network, or a
    MAESTRO network file or shipped example. `sizes` gives ONNX dynamic dimensions or zoo parameters (batch, seq_len);
    `skip_unsupported` leaves unsupported ONNX operators out (each one noted) instead of failing."""
    sizes = dict(sizes or {})
    if isinstance(source, Model):
        return Workload(source.source or source.name, model=source)
    if isinstance(source, MappedNetwork):
        return Workload(source.source or source.name, network=source)
    text = os.fspath(source)
    path = Path(text)
    if path.suffix.lower() == ONNX_SUFFIX:
        from mapscope.formats.importers.onnx_model import read_onnx_model

        model, notes = read_onnx_model(path, dimensions=sizes, skip_unsupported=skip_unsupported)
        return Workload(text, model=model, notes=notes)
    if path.suffix.lower() == TOPOLOGY_SUFFIX:
        from mapscope.formats.importers.scalesim_files import read_scalesim_model

        if sizes:
            raise InputError("sizes (--dim) apply to ONNX models and zoo networks only, not to a SCALE-Sim topology", text)
        model, notes = read_scalesim_model(path)
        return Workload(text, model=model, notes=notes)
    if not path.exists() and text in _zoo_names():
        from mapscope.workload.zoo import zoo_model

        return Workload(f"zoo:{text}", model=zoo_model(text, **sizes))
    if sizes:
        given = ", ".join(f"{name}={value}" for name, value in sizes.items())
        raise InputError(f"sizes ({given}) apply to ONNX models and zoo networks only, not to a MAESTRO network file", text)
    try:
        resolve_input_path(text, "network")
    except InputError:
        raise InputError(
            "no such file, shipped example or zoo network (`mapscope examples` and `mapscope zoo` list them)", text
        ) from None
    return Workload(text, network=load_network(text))


def integer_sizes(values: Mapping[str, int | str], option: str) -> dict[str, int]:
    """`values` with every value checked to be a positive integer (sizes are)."""
    for name, value in values.items():
        if not isinstance(value, int):
            raise InputError(f"{name} must be an integer, got {quoted(value)}", option)
        if value <= 0:
            raise InputError(f"{name} must be a positive integer, got {value}", option)
    return {name: int(value) for name, value in values.items()}
