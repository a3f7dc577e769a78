"""A whole topology on one array: each layer's record is `run_single_array` on its GEMM under the shared
names, conv shapes ride along, and the totals add up."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.stats import SystolicGemmStats
from mapscope.systolic.single_array import Convention, Dataflow, run_single_array
from mapscope.systolic.topology_run import (
    SUMMED_FIELDS,
    ConvShape,
    SystolicLayerStats,
    TopologyLayer,
    run_topology,
)
from mapscope.workload.gemm import Gemm

#: SingleArrayResult field -> SystolicLayerStats field (the shared names of SystolicGemmStats).
RENAMED = {
    "cycles": "runtime_cycles",
    "ifmap_sram_reads": "input_l2_read_elems",
    "filter_sram_reads": "filter_l2_read_elems",
    "ofmap_sram_writes": "output_l2_write_elems",
    "ofmap_sram_reads": "output_l2_read_elems",
    "dram_ifmap_reads": "input_offchip_read_elems",
    "dram_filter_reads": "filter_offchip_read_elems",
    "dram_ofmap_writes": "output_offchip_write_elems",
    "rows": "array_rows",
    "cols": "array_cols",
}


def test_conv_shape_is_scalesims_im2col_gemm() -> None:
    conv = ConvShape(9, 8, 2, 3, 5, 7, 2)
    assert (conv.output_height, conv.output_width) == (5, 4)  # ceil((H - R + s) / s): one partial window more
    assert conv.gemm("c") == Gemm(5 * 4, 7, 2 * 3 * 5, name="c")
    assert ConvShape(58, 58, 3, 3, 64, 64, 1).gemm("r18") == Gemm(56 * 56, 64, 576, name="r18")


def test_shared_names_mean_what_they_mean_in_systolic_gemm_stats() -> None:
    shared = set(SystolicLayerStats.field_names()) & set(SystolicGemmStats.field_names())
    assert set(RENAMED.values()) - {"array_rows", "array_cols"} <= shared
    assert {"network", "layer", "m", "n", "k", "num_pes", "macs", "runtime_cycles", "utilization"} <= shared


@pytest.mark.parametrize("dataflow", list(Dataflow))
@pytest.mark.parametrize("convention", list(Convention))
def test_each_record_is_the_single_array_result(dataflow: Dataflow, convention: Convention) -> None:
    conv = ConvShape(30, 30, 3, 3, 93, 37, 1)
    layers = (TopologyLayer(conv.gemm("conv"), conv), TopologyLayer(Gemm(100, 37, 93, name="gemm")))
    run = run_topology(layers, 32, 16, dataflow, convention, network="net")
    assert [record.layer for record in run.layers] == ["conv", "gemm"]
    for layer, record in zip(layers, run.layers, strict=True):
        single = dataclasses.asdict(run_single_array(layer.gemm, 32, 16, dataflow, convention, ifmap_words=layer.ifmap_words))
        values = record.as_dict()
        for name, value in single.items():
            assert values[RENAMED.get(name, name)] == value, name
        assert record.network == "net" and record.num_pes == 32 * 16
    conv_record, gemm_record = run.layers
    assert (conv_record.layer_type, conv_record.input_channels, conv_record.output_height) == ("conv", 93, 28)
    assert gemm_record.layer_type == "gemm"
    assert all(getattr(gemm_record, name) is None for name in ("input_height", "stride", "output_width"))


def test_a_one_cycle_run_has_no_utilization_in_scalesims_convention() -> None:
    run = run_topology((TopologyLayer(Gemm(1, 1, 1, name="one")),), 1, 1, Dataflow.OS, Convention.SCALESIM)
    (record,) = run.layers
    assert record.runtime_cycles == 0 and record.utilization is None and record.throughput_macs_per_cycle is None
    assert record.utilization_note is not None
    assert run.totals()["utilization"] is None


gemms = st.builds(
    Gemm, st.integers(1, 300), st.integers(1, 300), st.integers(1, 300), name=st.text("abc", min_size=1, max_size=3)
)


@settings(max_examples=examples(50), deadline=None)
@given(
    layers=st.lists(gemms, min_size=1, max_size=6),
    rows=st.integers(1, 64),
    cols=st.integers(1, 64),
    dataflow=st.sampled_from(list(Dataflow)),
    convention=st.sampled_from(list(Convention)),
)
def test_totals_add_up(layers: list[Gemm], rows: int, cols: int, dataflow: Dataflow, convention: Convention) -> None:
    run = run_topology([TopologyLayer(gemm) for gemm in layers], rows, cols, dataflow, convention)
    totals = run.totals()
    for name in SUMMED_FIELDS:
        assert totals[name] == sum(getattr(record, name) for record in run.layers)
    assert totals["layers"] == len(layers) and run.macs == sum(gemm.macs for gemm in layers)
    if totals["runtime_cycles"]:
        assert totals["utilization"] == pytest.approx(run.macs / (run.runtime_cycles * rows * cols))
    document = run.document()
    assert document["layers"] == [record.as_dict() for record in run.layers] and document["totals"] == totals
