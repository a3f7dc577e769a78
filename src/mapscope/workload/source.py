"""A loaded workload source: a framework-level model or a MAESTRO network as its file gives it, and the
layers a dataflow template maps from it.

Reading sources (files, zoo names, shipped examples) is `mapscope.formats.sources`; mapping them with a
template is `mapscope.mapping.mapped_workload`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mapscope.errors import InputError
from mapscope.limits import quoted
from mapscope.workload.lowering import LoweredModel, lower_model
from mapscope.workload.maestro_layers import model_from_network
from mapscope.workload.network import Network
from mapscope.workload.operators import Model

if TYPE_CHECKING:  # a network as its MAESTRO file gives it; mapping sits above workload
    from mapscope.mapping.mapped_network import MappedNetwork



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
