"""SCALE-Sim's DRAM counts in the scalesim convention beyond the 24 public cases.

`scalesim_dram_runs.csv` holds 14 more runs of SCALE-Sim 3.0.0 (CALC bandwidth mode, its scale.cfg with
the array, dataflow and SRAM sizes of each row), chosen to reach the regimes the public cases do not:
the ofmap write buffer draining several times, C dividing the drain threshold or not, D = C and D = 2C,
S = D + 1 and D + 2 words written, strides larger than the filter, and read buffers too small for an
operand read twice (where SCALE-Sim refetches and the model gives a lower bound with a note).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.systolic.batched import FIELDS, single_array_batch
from mapscope.systolic.scalesim_dram import ScaleSimSrams, ofmap_dram_writes
from mapscope.systolic.single_array import Convention, Dataflow, run_single_array
from mapscope.systolic.topology_run import ConvShape, TopologyLayer, run_topology
from mapscope.workload.gemm import Gemm

RUNS_CSV = Path(__file__).with_name("scalesim_dram_runs.csv")
RUNS = list(csv.DictReader(RUNS_CSV.open(newline="")))
#: Runs whose ifmap or filter SCALE-Sim fetches more than once (its read buffer is smaller than the operand).
REFETCHED = {"g_os_refetch": ("ifmap", "filter"), "g_ws_refetch": ("ifmap",)}


def _layer(row: dict[str, str]) -> TopologyLayer:
    numbers = [int(cell) for cell in row["shape"].split()]
    if row["kind"] == "conv":
        conv = ConvShape(*numbers)
        return TopologyLayer(conv.gemm(row["case"]), conv)
    return TopologyLayer(Gemm(*numbers, name=row["case"]))


def _srams(row: dict[str, str]) -> ScaleSimSrams:
    return ScaleSimSrams(*(int(kb) for kb in row["sram_kb"].split("/")))


def test_runs_cover_the_regimes() -> None:
    assert len(RUNS) == 14 and all(row["stall_cycles"] == "0" for row in RUNS)
    extra = [int(row["dram_ofmap_writes"]) - int(row["sram_ofmap_writes"]) for row in RUNS if row["dataflow"] != "os"]
    assert {0, 31, 255} <= set(extra)  # C - 1 for C = 32 and 256, and none


@pytest.mark.parametrize("row", RUNS, ids=[row["case"] for row in RUNS])
def test_counts_equal_scalesim(row: dict[str, str]) -> None:
    layer, srams = _layer(row), _srams(row)
    rows, cols = map(int, row["array"].split("x"))
    run = run_topology([layer], rows, cols, Dataflow(row["dataflow"]), Convention.SCALESIM, srams=srams)
    (record,) = run.layers
    assert record.runtime_cycles == int(row["total_cycles"])
    assert (record.input_l2_read_elems, record.filter_l2_read_elems, record.output_l2_write_elems) == (
        int(row["sram_ifmap_reads"]), int(row["sram_filter_reads"]), int(row["sram_ofmap_writes"])
    )
    assert record.output_offchip_write_elems == int(row["dram_ofmap_writes"])
    refetched = REFETCHED.get(row["case"], ())
    for operand, got in (("ifmap", record.input_offchip_read_elems), ("filter", record.filter_offchip_read_elems)):
        want = int(row[f"dram_{operand}_reads"])
        noted = any(note.startswith(f"DRAM {operand} reads of {row['case']}") for note in run.notes)
        if operand in refetched:
            assert got < want and noted, (operand, got, want, run.notes)  # distinct words: a lower bound, said so
        else:
            assert got == want and not noted, (operand, got, want, run.notes)


def _write_buffer_words(written: int, drain: int, cols: int) -> int:
    """SCALE-Sim's ofmap write buffer followed word by word (an independent check of the closed form):
    lines of `cols` slots; once more than `drain` words wait, the open line is closed and ceil(drain / cols)
    lines go to DRAM, every slot counted but the empty ones of the last line, and the words counted are
    what the buffer believes it freed. At the end every line is drained the same way."""
    lines: list[int] = []  # filled slots of each closed line not yet drained
    open_line = waiting = counted = 0

    def close() -> None:
        nonlocal open_line
        if open_line:
            lines.append(open_line)
            open_line = 0

    def drain_lines() -> None:
        nonlocal waiting, counted
        chunk = lines[: math.ceil(drain / cols)]
        del lines[: len(chunk)]
        words = cols * len(chunk) - (cols - chunk[-1])
        counted += words
        waiting -= words

    for _ in range(written):
        open_line += 1
        waiting += 1
        if open_line == cols:
            close()
        if waiting > drain:
            close()
            drain_lines()
    close()
    while lines:
        drain_lines()
    return counted


@settings(max_examples=examples(400), deadline=None)
@given(written=st.integers(0, 3000), drain=st.integers(1, 400), cols=st.integers(1, 70))
def test_closed_form_follows_the_write_buffer(written: int, drain: int, cols: int) -> None:
    assert ofmap_dram_writes(written, drain, cols) == _write_buffer_words(written, drain, cols)


@pytest.mark.parametrize(
    "written, drain, cols, words",
    [
        (513, 512, 32, 513), (514, 512, 32, 545), (600, 512, 256, 855), (600, 512, 512, 600), (600, 510, 32, 600),
        (3_612_672, 2_097_152, 32, 3_612_703),
    ],
)
def test_closed_form_at_the_boundaries(written: int, drain: int, cols: int, words: int) -> None:
    assert ofmap_dram_writes(written, drain, cols) == _write_buffer_words(written, drain, cols) == words


@settings(max_examples=examples(200), deadline=None)
@given(
    size=st.tuples(st.integers(1, 30), st.integers(1, 30)),
    window=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    stride=st.integers(1, 8),
    channels=st.integers(1, 4),
)
def test_ifmap_words_are_the_touched_positions(size: tuple[int, int], window: tuple[int, int], stride: int, channels: int) -> None:
    height, width = max(size[0], window[0]), max(size[1], window[1])
    conv = ConvShape(height, width, window[0], window[1], channels, 3, stride)
    rows = {r for o in range(conv.output_height) for r in range(o * stride, o * stride + window[0]) if r < height}
    cols = {c for o in range(conv.output_width) for c in range(o * stride, o * stride + window[1]) if c < width}
    assert conv.ifmap_words == len(rows) * len(cols) * channels


@settings(max_examples=examples(150), deadline=None)
@given(
    gemm=st.tuples(st.integers(1, 200), st.integers(1, 200), st.integers(1, 200)),
    shapes=st.lists(st.tuples(st.integers(1, 70), st.sampled_from((1, 2, 8, 16, 24, 32, 64, 256, 512))), min_size=1, max_size=6),
    ofmap_kb=st.integers(1, 3),
    dataflow=st.sampled_from(list(Dataflow)),
)
def test_batched_dram_equals_scalar(gemm: tuple[int, int, int], shapes: list[tuple[int, int]], ofmap_kb: int, dataflow: Dataflow) -> None:
    """Small ofmap SRAMs, and columns that divide the drain threshold or not: both paths give the same words."""
    srams = ScaleSimSrams(64, 64, ofmap_kb)
    rows, cols = (np.array(values, dtype=np.int64) for values in zip(*shapes, strict=True))
    batch = single_array_batch(Gemm(*gemm), rows, cols, dataflow, Convention.SCALESIM, srams=srams)
    for i, (r, c) in enumerate(shapes):
        scalar = run_single_array(Gemm(*gemm), r, c, dataflow, Convention.SCALESIM, srams=srams)
        for name in FIELDS:
            if name.startswith("dram_"):
                assert batch[name][i].item() == getattr(scalar, name), (name, r, c)


def test_mapscope_convention_keeps_its_dram_model() -> None:
    """The default convention's DRAM words are the `large` machine's, whatever SCALE-Sim's SRAMs."""
    gemm = Gemm(3136, 64, 576)
    ours = run_single_array(gemm, 32, 32, Dataflow.WS, Convention.MAPSCOPE)
    assert ours.dram_ofmap_writes == 3136 * 64
    assert ours == run_single_array(gemm, 32, 32, Dataflow.WS, Convention.MAPSCOPE, srams=ScaleSimSrams(1, 1, 1), ifmap_words=1)
    scalesim = run_single_array(gemm, 32, 32, Dataflow.WS, Convention.SCALESIM, srams=ScaleSimSrams(4096, 4096, 4096))
    assert scalesim.dram_ofmap_writes == 18 * 3136 * 64 + 31 == 3_612_703
