"""Where a workload comes from and how it gets its dataflow: the step between "a network" and "a mapped
network the engine analyses".

A source is a file (`.onnx`, or MAESTRO `.m` / `.yaml` / `.json` with or without dataflows), a zoo
network name (`mapscope zoo`), a shipped example name, or an object (`Model`, `MappedNetwork`). A
framework-level model (zoo, ONNX, PyTorch) is lowered to MAESTRO layers (`workload.lowering`) and mapped
with a dataflow template; a MAESTRO network keeps its own dataflows unless a template is asked for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mapscope.errors import InputError
from mapscope.limits import MAX_QUOTED_CHARS, MAX_SIZE, integer_from_digits, quoted
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.templates import TEMPLATES, apply_template
from mapscope.workload.lowering import LoweredModel, lower_model
from mapscope.workload.maestro_layers import model_from_network
from mapscope.workload.network import Network
from mapscope.workload.operators import Model

ONNX_SUFFIX = ".onnx"


@dataclass(frozen=True)
class Workload:
    """A loaded source: a framework-level `model`, or a MAESTRO `network` as its file gives it (one is set)."""

    source: str
    model: Model | None = None
    network: MappedNetwork | None = None
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        if self.model is not None:
            return self.model.name
        assert self.network is not None
        return self.network.name


@dataclass(frozen=True)
class MappedWorkload:
    """What the engine analyses (`network`), the lowering it came from (None for a MAESTRO file analysed
    as written) and every note on the way."""

    network: MappedNetwork
    lowered: LoweredModel | None
    notes: tuple[str, ...]


def _zoo_names() -> tuple[str, ...]:
    from mapscope.workload.zoo import ZOO

    return tuple(ZOO)


def load_workload(
    source: Model | MappedNetwork | str | os.PathLike[str],
    *,
    sizes: Mapping[str, int] | None = None,
    skip_unsupported: bool = False,
) -> Workload:
    """Read `source`. `sizes` gives ONNX dynamic dimensions or zoo parameters (batch, seq_len);
    `skip_unsupported` leaves unsupported ONNX operators out (each one noted) instead of failing."""
    sizes = dict(sizes or {})
    if isinstance(source, Model):
        return Workload(source.source or source.name, model=source)
    if isinstance(source, MappedNetwork):
        return Workload(source.source or source.name, network=source)
    text = os.fspath(source)
    path = Path(text)
    if path.suffix.lower() == ONNX_SUFFIX:
        from mapscope.formats.onnx_model import read_onnx_model

        model, notes = read_onnx_model(path, dimensions=sizes, skip_unsupported=skip_unsupported)
        return Workload(text, model=model, notes=notes)
    if not path.exists() and text in _zoo_names():
        from mapscope.workload.zoo import zoo_model

        return Workload(f"zoo:{text}", model=zoo_model(text, **sizes))
    if sizes:
        given = ", ".join(f"{name}={value}" for name, value in sizes.items())
        raise InputError(f"sizes ({given}) apply to ONNX models and zoo networks only, not to a MAESTRO network file", text)
    from mapscope.api import load_network, resolve_input_path

    try:
        resolve_input_path(text, "network")
    except InputError:
        raise InputError(
            "no such file, shipped example or zoo network (`mapscope examples` and `mapscope zoo` list them)", text
        ) from None
    return Workload(text, network=load_network(text))


_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_assignments(texts: list[str] | tuple[str, ...], option: str) -> dict[str, int | str]:
    """`["k_tile=4", "loop_order=KCYX"]` -> {"k_tile": 4, "loop_order": "KCYX"}; InputError naming `option` otherwise.

    Names and text values are the short words zoo networks, templates and ONNX models use: printable,
    without spaces, at most MAX_QUOTED_CHARS characters. Integers are refused beyond MAX_SIZE (their
    digits counted before conversion); whether one may be zero or negative is the receiver's to say.
    """
    values: dict[str, int | str] = {}
    for text in texts:
        name, equals, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise InputError(f"expected NAME=VALUE, got {quoted(text)}", option)
        _check_word(name, "a name", option)
        if name in values:
            raise InputError(f"{name} is given twice", option)
        if _INTEGER.fullmatch(value):
            magnitude = integer_from_digits(value.lstrip("+-"), name, option)
            if magnitude > MAX_SIZE:
                raise InputError(f"{name} = {value} is beyond {MAX_SIZE:,}, the largest size mapscope accepts", option)
            values[name] = -magnitude if value.startswith("-") else magnitude
        else:
            _check_word(value, "a value", option)
            values[name] = value
    return values


def _check_word(word: str, what: str, option: str) -> None:
    if len(word) > MAX_QUOTED_CHARS or not word.isprintable() or any(character.isspace() for character in word):
        raise InputError(f"{what} is printable, without spaces and at most {MAX_QUOTED_CHARS} characters; got {quoted(word)}", option)


def integer_sizes(values: Mapping[str, int | str], option: str) -> dict[str, int]:
    """`values` with every value checked to be a positive integer (sizes are)."""
    for name, value in values.items():
        if not isinstance(value, int):
            raise InputError(f"{name} must be an integer, got {quoted(value)}", option)
        if value <= 0:
            raise InputError(f"{name} must be a positive integer, got {value}", option)
    return {name: int(value) for name, value in values.items()}


def template_input(workload: Workload, compat: str | None = None) -> tuple[Network, LoweredModel | None, tuple[str, ...]]:
    """The layers a dataflow template maps, the lowering they came from, and the notes on the way.

    A model is lowered. In the default (corrected) mode a MAESTRO network goes through operators first,
    so its TRCONV layers become real transposed convolutions; with compat="maestro" its layers stay as
    written.
    """
    notes = list(workload.notes)
    if workload.network is not None:
        if compat == "maestro":
            return workload.network.network, None, tuple(notes)
        model, conversion_notes = model_from_network(workload.network.network, workload.source)
        notes += conversion_notes
    else:
        assert workload.model is not None
        model = workload.model
    try:
        lowered = lower_model(model)
    except InputError as error:  # a lowered layer's problem, located in the file (or zoo entry) it came from
        if workload.source in str(error):
            raise
        raise InputError(error.message, f"{workload.source}: {error.where}" if error.where else workload.source) from None
    return lowered.network, lowered, tuple(notes)


def map_workload(
    workload: Workload,
    *,
    dataflow: str | None,
    num_pes: int,
    parameters: Mapping[str, object] | None = None,
    compat: str | None = None,
    unmapped_ok: bool = False,
) -> MappedWorkload:
    """The mapped network to analyse: the `template_input` layers mapped with the template `dataflow`, or
    a MAESTRO network as written (`dataflow` None). With `unmapped_ok`, a model without a template is
    lowered and left without dataflows (to be written as a model file).
    """
    parameters = dict(parameters or {})
    if dataflow is None:
        if parameters:
            raise InputError("template parameters need a template: give --dataflow NAME as well")
        if workload.network is not None:
            return MappedWorkload(workload.network, None, workload.notes)
        if not unmapped_ok:
            raise InputError(
                f"{workload.source} describes what the network computes, not how it is mapped: give a dataflow "
                f"template with --dataflow ({', '.join(TEMPLATES)})"
            )
    network, lowered, notes = template_input(workload, compat)
    if workload.network is not None and any(layer.dataflow for layer in workload.network.layers):
        notes += (f"the dataflows written in {workload.source} are replaced by the {dataflow} template",)
    if dataflow is None:
        unmapped = tuple(MappedLayer(layer, ()) for layer in network.layers)
        return MappedWorkload(MappedNetwork(network.name, unmapped), lowered, notes)
    return MappedWorkload(apply_template(network, dataflow, num_pes, parameters), lowered, notes)
