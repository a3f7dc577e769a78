"""A whole SCALE-Sim topology on one systolic array: every layer as its GEMM, run by `run_single_array`.

A conv layer is SCALE-Sim's im2col GEMM (`ConvShape.gemm`): M = output pixels, N = filters,
K = filter height x width x channels, on an input that is already padded, with SCALE-Sim's output size
ceil((H - R + stride) / stride) per axis. Each layer gives one `SystolicLayerStats` record whose names
are those of `SystolicGemmStats` where they mean the same thing (`runtime_cycles`, `macs`,
`input_l2_read_elems`: `input_` is the ifmap, A; `filter_` the filter, B; `output_` the ofmap; `l2`
the array's SRAMs, `offchip` DRAM). The layers run one after another, so the totals add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from mapscope.systolic.scalesim_dram import DEFAULT_SRAMS, ScaleSimSrams, refetch_notes
from mapscope.systolic.single_array import Convention, Dataflow, SingleArrayResult, run_single_array
from mapscope.workload.gemm import Gemm


def _touched(size: int, window: int, stride: int, outputs: int) -> int:
    """Positions of an axis of `size` that `outputs` windows of `window` at `stride` cover: every window but the
    last adds min(window, stride) new ones, the last what is left of the axis (at most `window`)."""
    return (outputs - 1) * min(window, stride) + max(0, min(window, size - (outputs - 1) * stride))


@dataclass(frozen=True)
class ConvShape:
    """A SCALE-Sim conv row: an already padded input_height x input_width x input_channels ifmap,
    output_channels filters of filter_height x filter_width, one stride for both axes."""

    input_height: int
    input_width: int
    filter_height: int
    filter_width: int
    input_channels: int
    output_channels: int
    stride: int

    @property
    def output_height(self) -> int:
        """SCALE-Sim's ceil((H - R + stride) / stride), one more than a framework's when the stride does
        not divide H - R (SCALE-Sim counts the last, partial window)."""
        return -(-(self.input_height - self.filter_height + self.stride) // self.stride)

    @property
    def output_width(self) -> int:
        """SCALE-Sim's ceil((W - S + stride) / stride); see `output_height`."""
        return -(-(self.input_width - self.filter_width + self.stride) // self.stride)

    @property
    def ifmap_words(self) -> int:
        """Distinct ifmap words the windows touch (SCALE-Sim's DRAM ifmap reads): all of them unless the stride
        is larger than the filter, or the last, partial window reaches past the input."""
        rows = _touched(self.input_height, self.filter_height, self.stride, self.output_height)
        cols = _touched(self.input_width, self.filter_width, self.stride, self.output_width)
        return rows * cols * self.input_channels

    def gemm(self, name: str) -> Gemm:
        """SCALE-Sim's im2col GEMM: M = output pixels, N = filters, K = filter height x width x channels."""
        m = self.output_height * self.output_width
        return Gemm(m, self.output_channels, self.filter_height * self.filter_width * self.input_channels, name=name)


@dataclass(frozen=True)
class TopologyLayer:
    """One topology row: its GEMM, and the conv it came from (None for a GEMM row `name, M, N, K`)."""

    gemm: Gemm
    conv: ConvShape | None = None

    @property
    def name(self) -> str:
        return self.gemm.name

    @property
    def layer_type(self) -> str:
        return "conv" if self.conv is not None else "gemm"

    @property
    def ifmap_words(self) -> int:
        """Distinct ifmap words the layer reads: the conv's touched input, or M x K for a GEMM row."""
        return self.conv.ifmap_words if self.conv is not None else self.gemm.m * self.gemm.k


@dataclass(frozen=True)
class SystolicLayerStats:
    """One topology layer on one array. `utilization` is None where SCALE-Sim's convention leaves it
    undefined (0 cycles), and `utilization_note` then says why (or why it is above 1); conv fields are
    None for a GEMM row. `*_offchip_*` are DRAM words: SCALE-Sim's in its convention, else those of
    mapscope's `large` machine."""

    network: str
    layer: str
    layer_type: str
    m: int
    n: int
    k: int
    input_height: int | None
    input_width: int | None
    filter_height: int | None
    filter_width: int | None
    input_channels: int | None
    output_channels: int | None
    stride: int | None
    output_height: int | None
    output_width: int | None

    array_rows: int
    array_cols: int
    num_pes: int
    dataflow: str
    convention: str
    double_buffered: bool

    macs: int
    runtime_cycles: int
    throughput_macs_per_cycle: float | None
    utilization: float | None
    row_folds: int
    col_folds: int
    input_l2_read_elems: int
    filter_l2_read_elems: int
    output_l2_read_elems: int
    output_l2_write_elems: int
    input_offchip_read_elems: int
    filter_offchip_read_elems: int
    output_offchip_write_elems: int
    utilization_note: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


#: Fields that add up over the layers of a topology (the totals).
SUMMED_FIELDS = (
    "macs", "runtime_cycles", "input_l2_read_elems", "filter_l2_read_elems", "output_l2_read_elems",
    "output_l2_write_elems", "input_offchip_read_elems", "filter_offchip_read_elems", "output_offchip_write_elems",
)


def layer_result(
    layer: TopologyLayer, rows: int, cols: int, dataflow: Dataflow, convention: Convention, double_buffered: bool, srams: ScaleSimSrams
) -> SingleArrayResult:
    """`run_single_array` on the layer's GEMM, with its distinct ifmap words and the SRAMs for SCALE-Sim's DRAM counts."""
    return run_single_array(
        layer.gemm, rows, cols, dataflow, convention, double_buffered, srams=srams, ifmap_words=layer.ifmap_words
    )


def single_array_record(result: SingleArrayResult, layer: TopologyLayer, network: str) -> SystolicLayerStats:
    """A single-array result under the names every mapscope record uses (`runtime_cycles`,
    `input_l2_read_elems`, ...), with the layer's shape."""
    rows, cols, double_buffered = result.rows, result.cols, result.double_buffered
    conv = layer.conv
    shape: dict[str, int | None] = {name: None for name in (*(f.name for f in fields(ConvShape)), "output_height", "output_width")}
    if conv is not None:
        shape = {**asdict(conv), "output_height": conv.output_height, "output_width": conv.output_width}
    return SystolicLayerStats(
        network=network, layer=layer.name, layer_type=layer.layer_type, m=result.m, n=result.n, k=result.k, **shape,
        array_rows=rows, array_cols=cols, num_pes=rows * cols, dataflow=result.dataflow, convention=result.convention,
        double_buffered=double_buffered, macs=result.macs, runtime_cycles=result.cycles,
        throughput_macs_per_cycle=result.macs / result.cycles if result.cycles else None,
        utilization=result.utilization, row_folds=result.row_folds, col_folds=result.col_folds,
        input_l2_read_elems=result.ifmap_sram_reads, filter_l2_read_elems=result.filter_sram_reads,
        output_l2_read_elems=result.ofmap_sram_reads, output_l2_write_elems=result.ofmap_sram_writes,
        input_offchip_read_elems=result.dram_ifmap_reads, filter_offchip_read_elems=result.dram_filter_reads,
        output_offchip_write_elems=result.dram_ofmap_writes, utilization_note=result.utilization_note,
    )


@dataclass(frozen=True)
class TopologyRun:
    """Every layer of a topology on one `array_rows` x `array_cols` array, in file order, with totals.

    `notes` say where the settings came from when flags and a config disagree, and (scalesim convention)
    which operands overflow SCALE-Sim's read buffers; `source` and `config` name the input files (None for
    objects given directly); `srams` are the SRAM sizes SCALE-Sim's DRAM counts follow.
    """

    network: str
    array_rows: int
    array_cols: int
    dataflow: str
    convention: str
    double_buffered: bool
    layers: tuple[SystolicLayerStats, ...]
    source: str | None = None
    config: str | None = None
    notes: tuple[str, ...] = ()
    srams: ScaleSimSrams = DEFAULT_SRAMS

    @property
    def runtime_cycles(self) -> int:
        return sum(layer.runtime_cycles for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    def totals(self) -> dict[str, int | float | None]:
        """Sums of the additive fields, and the utilisation of the whole run: MACs / (cycles x PEs)."""
        sums: dict[str, int | float | None] = {name: sum(getattr(layer, name) for layer in self.layers) for name in SUMMED_FIELDS}
        pe_cycles = self.runtime_cycles * self.array_rows * self.array_cols
        sums["layers"] = len(self.layers)
        sums["utilization"] = self.macs / pe_cycles if pe_cycles else None
        sums["throughput_macs_per_cycle"] = self.macs / self.runtime_cycles if self.runtime_cycles else None
        return sums

    def document(self) -> dict[str, Any]:
        """Everything as one JSON-ready dict: settings, per-layer records, totals and notes."""
        return {
            "network": self.network, "source": self.source, "config": self.config,
            "array_rows": self.array_rows, "array_cols": self.array_cols, "dataflow": self.dataflow,
            "convention": self.convention, "double_buffered": self.double_buffered, "sram_kb": asdict(self.srams),
            "layers": [layer.as_dict() for layer in self.layers], "totals": self.totals(), "notes": list(self.notes),
        }

    def to_dataframe(self) -> Any:
        """One row per layer as a pandas DataFrame (needs the optional `pandas` extra)."""
        try:
            import pandas as pd
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe() needs pandas: pip install 'mapscope[pandas]'") from error
        return pd.DataFrame([layer.as_dict() for layer in self.layers], columns=list(SystolicLayerStats.field_names()))


def run_topology(
    layers: Sequence[TopologyLayer],
    rows: int,
    cols: int,
    dataflow: Dataflow,
    convention: Convention = Convention.MAPSCOPE,
    double_buffered: bool = False,
    *,
    network: str = "topology",
    source: str | None = None,
    config: str | None = None,
    notes: Sequence[str] = (),
    srams: ScaleSimSrams = DEFAULT_SRAMS,
) -> TopologyRun:
    """Run every layer on a `rows` x `cols` array in `dataflow`, one after another; `srams` set the DRAM
    counts of the scalesim convention, and a note names each operand that overflows its read buffer."""
    results = [layer_result(layer, rows, cols, dataflow, convention, double_buffered, srams) for layer in layers]
    records = tuple(single_array_record(result, layer, network) for result, layer in zip(results, layers, strict=True))
    all_notes = list(notes)
    if convention is Convention.SCALESIM:
        all_notes.extend(refetch_notes(srams, [(layer.name, asdict(result)) for layer, result in zip(layers, results, strict=True)]))
    return TopologyRun(
        network, rows, cols, str(dataflow), str(convention), double_buffered, records, source, config, tuple(all_notes), srams
    )
