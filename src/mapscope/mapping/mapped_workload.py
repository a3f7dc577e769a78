"""The step from a loaded workload to what the engine analyses: its layers mapped with a dataflow
template, or a MAESTRO network as written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mapscope.errors import InputError
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.workload_source import Workload, template_input

if TYPE_CHECKING:  # a MAESTRO file analysed as written needs neither templates nor the lowering
    from mapscope.workload.lowering import LoweredModel


@dataclass(frozen=True)
class MappedWorkload:
    """What the engine analyses (`network`), the lowering it came from (None for a MAESTRO file analysed
    as written) and every note on the way."""

    network: MappedNetwork
    lowered: LoweredModel | None
    notes: tuple[str, ...]


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
        from mapscope.mapping.templates import TEMPLATES

        if not unmapped_ok:
            raise InputError(
                f"{workload.source} describes what the network computes, not how it is mapped: give a dataflow "
                f"template with --dataflow ({', '.join(TEMPLATES)})"
            )
    from mapscope.mapping.templates import apply_template

    network, lowered, notes = template_input(workload, compat)
    if workload.network is not None and any(layer.dataflow for layer in workload.network.layers):
        notes += (f"the dataflows written in {workload.source} are replaced by the {dataflow} template",)
    if dataflow is None:
        unmapped = tuple(MappedLayer(layer, ()) for layer in network.layers)
        return MappedWorkload(MappedNetwork(network.name, unmapped), lowered, notes)
    return MappedWorkload(apply_template(network, dataflow, num_pes, parameters), lowered, notes)
