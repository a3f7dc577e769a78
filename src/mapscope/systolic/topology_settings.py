"""The array a topology runs on: SCALE-Sim's config, overridden by explicit settings, with a note for each
override, and the counting convention that follows (SCALE-Sim's when its config is given)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mapscope.errors import InputError
from mapscope.systolic.scalesim_dram import DEFAULT_SRAMS, ScaleSimSrams
from mapscope.systolic.single_array import Convention, Dataflow
from mapscope.systolic.single_gemm import enum_choice, parse_array_shape
from mapscope.systolic.topology_run import TopologyLayer
from mapscope.workload.gemm import Gemm

#: The array side used when neither a config nor an array is given (the FlexSA study's, SCALE-Sim's default).
DEFAULT_TOPOLOGY_ARRAY = 128


@dataclass(frozen=True)
class ScaleSimArray:
    """The part of scale.cfg the array model uses (`srams` for SCALE-Sim's DRAM counts only); `notes` name
    settings it asks for that the model has not."""

    rows: int
    cols: int
    dataflow: str
    notes: tuple[str, ...] = field(default=(), compare=False)
    srams: ScaleSimSrams = DEFAULT_SRAMS


@dataclass(frozen=True)
class TopologySettings:
    """The array, dataflow and convention a topology runs with, the SRAMs (the config's, else SCALE-Sim's
    defaults), and a note for each config setting overridden."""

    rows: int
    cols: int
    dataflow: Dataflow
    convention: Convention
    notes: tuple[str, ...]
    srams: ScaleSimSrams = DEFAULT_SRAMS


def topology_settings(
    config: ScaleSimArray | None,
    *,
    array: str | tuple[int, int] | None = None,
    dataflow: str | None = None,
    convention: str | None = None,
) -> TopologySettings:
    """Explicit `array` ("RxC" or (rows, cols)) and `dataflow` win over `config`, each override noted; without
    either, a 128x128 array in ws. The convention is SCALE-Sim's when a config is given, else mapscope's."""
    notes: list[str] = [] if config is None else list(config.notes)
    shape = parse_array_shape(array) if isinstance(array, str) else array
    chosen_flow = None if dataflow is None else enum_choice(Dataflow, str(dataflow).lower(), "dataflow")
    if config is not None:
        if shape is not None and tuple(shape) != (config.rows, config.cols):
            notes.append(f"array {shape[0]}x{shape[1]} overrides the config's {config.rows}x{config.cols}")
        if chosen_flow is not None and chosen_flow != config.dataflow:
            notes.append(f"dataflow {chosen_flow} overrides the config's {config.dataflow}")
    default_shape = (config.rows, config.cols) if config is not None else (DEFAULT_TOPOLOGY_ARRAY, DEFAULT_TOPOLOGY_ARRAY)
    rows, cols = shape or default_shape
    default_convention = Convention.SCALESIM if config is not None else Convention.MAPSCOPE
    return TopologySettings(
        rows,
        cols,
        Dataflow(chosen_flow or (config.dataflow if config is not None else Dataflow.WS)),
        Convention(default_convention if convention is None else enum_choice(Convention, str(convention).lower(), "convention")),
        tuple(notes),
        config.srams if config is not None else DEFAULT_SRAMS,
    )


def topology_layers(items: Sequence[Gemm | TopologyLayer]) -> tuple[TopologyLayer, ...]:
    """A topology given as objects: each a `Gemm` or a `TopologyLayer`, at least one."""
    layers = tuple(item if isinstance(item, TopologyLayer) else TopologyLayer(item) for item in items)
    if not layers or not all(isinstance(layer.gemm, Gemm) for layer in layers):
        raise InputError("a topology is a CSV file or a non-empty sequence of Gemm or TopologyLayer", "topology")
    return layers
