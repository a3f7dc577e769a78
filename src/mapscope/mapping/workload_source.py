"""A loaded workload source: a framework-level model, or a MAESTRO network as its file gives it (dataflows
included), and the layers a dataflow template maps from it.

Sources (files, zoo names, shipped examples) are read into a `Workload` by `mapscope.formats.sources`;
`mapscope.mapping.mapped_workload` maps one to what the engine analyses. The record sits in `mapping`,
not `workload`, because a MAESTRO network carries its mappings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mapscope.errors import InputError
from mapscope.mapping.mapped_network import MappedNetwork

if TYPE_CHECKING:  # loading a MAESTRO file to analyse as written needs no lowering
    from mapscope.workload.lowering import LoweredModel
    from mapscope.workload.network import Network
    from mapscope.workload.operators import Model


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


def template_input(workload: Workload, compat: str | None = None) -> tuple[Network, LoweredModel | None, tuple[str, ...]]:
    """The layers a dataflow template maps, the lowering they came from, and the notes on the way.

    A model is lowered. In the default (corrected) mode a MAESTRO network goes through operators first,
    so its TRCONV layers become real transposed convolutions; with compat="maestro" its layers stay as
    written.
    """
    from mapscope.workload.lowering import lower_model
    from mapscope.workload.maestro_layers import model_from_network

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
