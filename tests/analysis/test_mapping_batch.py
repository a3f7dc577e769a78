"""The batched mapping engine equals analyze_layer on every field, for random layers, skeletons and numbers.

Mappings are drawn without regard to validity (any tile, offset, order, spatial dimension, 1 to 3
cluster levels, MAESTRO's quirks included), of one layer or of two layers of one form, in both modes: where analyze_layer raises, the batch marks
the mapping invalid and gives the same error; elsewhere every LayerStats field is equal.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layer_strategies import small_layers
from property_settings import examples

from mapscope.api import load_network
from mapscope.analysis.batch import MappingBatch, evaluate_mappings, mapping_batches, mapping_stats, stacked_batches
from mapscope.analysis.batch.mapping_batch import CLUSTER_ENTRY, SPATIAL_ENTRY, TEMPORAL_ENTRY
from mapscope.analysis.layer_analysis import analyze_layer
from mapscope.analysis.tensors import layer_tensors
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapping.mapped_network import MappedLayer
from mapscope.mapping.templates import TEMPLATES, template
from mapscope.workload.layer import Layer, LayerType


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    return left == right and type(left) is type(right)


def assert_batch_equals_scalar(batch: MappingBatch, accelerator: Accelerator, compat: str | None, previous_l1: int | None = 0) -> None:
    """Field-by-field equality; `previous_l1=None` gives every mapping its own previous-layer L1 count."""
    previous = np.arange(batch.size, dtype=np.int64) * 1009 if previous_l1 is None else previous_l1
    result = evaluate_mappings(batch, accelerator, network_name="n", compat=compat, previous_l1_accesses=previous)
    for index in range(batch.size):
        mapped = MappedLayer(batch.layer_at(index), batch.dataflow_at(index))
        try:
            expected = analyze_layer(
                mapped, accelerator, network_name="n", compat=compat, energy_table=None, previous_l1_accesses=result.previous_l1_at(index)
            ).stats
        except InputError as error:
            assert not result.valid[index], f"{mapped.dataflow}: scalar raised {error}"
            assert str(result.error_at(index)) == str(error)
            with pytest.raises(InputError):
                result.stats_at(index)
            continue
        assert result.valid[index], f"{mapped.dataflow}: batch invalid ({result.error_at(index)})"
        got = result.stats_at(index)
        differences = {k: (v, getattr(got, k)) for k, v in asdict(expected).items() if not _same(v, getattr(got, k))}
        assert not differences, f"{compat} {batch.layer} {mapped.dataflow}: {differences}"


def layers() -> st.SearchStrategy[Layer]:
    return small_layers([LayerType.CONV, LayerType.CONV, LayerType.DSCONV, LayerType.GEMM, LayerType.NGCONV], max_gemm=9, gemm_strides=True)


@st.composite
def batches(draw) -> tuple[MappingBatch, Accelerator]:
    layer = draw(layers())
    variables = list(layer_tensors(layer).input_variables)
    levels = draw(st.integers(1, 3))
    skeleton: list[tuple[str, str]] = []
    for level in range(levels):
        if level:
            skeleton.append((CLUSTER_ENTRY, ""))
        chosen = draw(st.lists(st.sampled_from(variables + ["X'", "Y'"] if layer.type is not LayerType.GEMM else variables), min_size=1, max_size=len(variables), unique=True))
        spatial = draw(st.sampled_from(chosen))
        second = draw(st.sampled_from([None, *chosen]))
        skeleton += [(SPATIAL_ENTRY if v in (spatial, second) else TEMPORAL_ENTRY, v) for v in chosen]
    count = draw(st.integers(1, 6))
    largest = max(size for _, size in layer.dimensions) + 2
    sizes = np.array(draw(st.lists(st.lists(st.integers(1, largest), min_size=len(skeleton), max_size=len(skeleton)), min_size=count, max_size=count)), dtype=np.int64)
    offsets = np.array(draw(st.lists(st.lists(st.integers(1, largest), min_size=len(skeleton), max_size=len(skeleton)), min_size=count, max_size=count)), dtype=np.int64)
    for column, (kind, _) in enumerate(skeleton):
        if kind == CLUSTER_ENTRY:
            sizes[:, column] = np.minimum(sizes[:, column], 4)
    if draw(st.booleans()):  # tiles that advance by their size: the common, partitioning case
        offsets = sizes.copy()
    accelerator = Accelerator(
        num_pes=draw(st.sampled_from([1, 3, 8, 16, 64])),
        simd_lanes=draw(st.sampled_from([1, 2, 4])),
        noc_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 3, 64, 2**31 - 1])),
        noc_latency_cycles=draw(st.integers(0, 2)),
        offchip_bandwidth_elems_per_cycle=draw(st.sampled_from([1, 8, 1000])),
        l2_size_elems=draw(st.sampled_from([2**31 - 1, 2**31 - 1, 1, 8, 40, 200])),  # small ones: tensors spill to DRAM
    )
    if count > 1 and draw(st.booleans()):  # a second layer of the same form shares the batch
        resized = {name: draw(st.integers(1, size + 2)) for name, size in layer.dimensions}
        for reference, window in (("Y", "R"), ("X", "S")):
            if reference in resized:
                resized[reference] = max(resized[reference], resized[window])
        other = Layer("L2", layer.type, tuple(resized.items()), layer.strides)
        rows = np.array(draw(st.lists(st.integers(0, 1), min_size=count, max_size=count)), dtype=np.intp)
        return MappingBatch(layer, tuple(skeleton), sizes, offsets, (layer, other), rows), accelerator
    return MappingBatch(layer, tuple(skeleton), sizes, offsets), accelerator


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=batches(), compat=st.sampled_from([None, "maestro"]), previous_l1=st.sampled_from([0, 12345, None]))
def test_batch_equals_analyze_layer_on_random_mappings(case: tuple[MappingBatch, Accelerator], compat: str | None, previous_l1: int | None) -> None:
    batch, accelerator = case
    assert_batch_equals_scalar(batch, accelerator, compat, previous_l1)


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=batches(), compat=st.sampled_from([None, "maestro"]), previous_l1=st.sampled_from([0, None]), chunk=st.integers(1, 4))
def test_batch_in_chunks_equals_analyze_layer(case: tuple[MappingBatch, Accelerator], compat: str | None, previous_l1: int | None, chunk: int) -> None:
    """A batch longer than CHUNK_MAPPINGS goes in chunks (rows, layers and previous-layer counts sliced)."""
    batch, accelerator = case
    with patch.object(mapping_stats, "CHUNK_MAPPINGS", chunk):
        assert_batch_equals_scalar(batch, accelerator, compat, previous_l1)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layer=layers().filter(lambda layer: layer.type is not LayerType.GEMM),
    name=st.sampled_from(sorted(TEMPLATES)),
    num_pes=st.sampled_from([4, 16, 64, 256]),
    compat=st.sampled_from([None, "maestro"]),
    data=st.data(),
)
def test_batch_equals_analyze_layer_on_template_mappings(layer: Layer, name: str, num_pes: int, compat: str | None, data: st.DataObject) -> None:
    dataflow_template = template(name)
    dataflows = []
    for _ in range(data.draw(st.integers(1, 8))):
        values = {}
        for parameter in dataflow_template.parameters:
            if parameter.choices is not None:
                values[parameter.name] = data.draw(st.sampled_from(parameter.choices))
            elif isinstance(parameter.default, int):
                values[parameter.name] = data.draw(st.integers(1, 12))
        dataflows.append(dataflow_template.dataflow(layer, num_pes, **values))
    accelerator = Accelerator(num_pes=num_pes, noc_bandwidth_elems_per_cycle=16, offchip_bandwidth_elems_per_cycle=8, noc_latency_cycles=1)
    for batch, _ in mapping_batches(layer, dataflows):
        assert_batch_equals_scalar(batch, accelerator, compat)


@pytest.mark.parametrize("compat", [None, "maestro"])
def test_batch_equals_analyze_layer_on_resnet50_tiled_grid(compat: str | None) -> None:
    network = load_network("resnet50_kcp_ws")
    tiled = template("tiled")
    accelerator = Accelerator(num_pes=256, noc_bandwidth_elems_per_cycle=64, offchip_bandwidth_elems_per_cycle=32, noc_latency_cycles=2)
    single = []
    for layer in [mapped.layer for mapped in network.layers[:12:3]]:
        dataflows = [
            tiled.dataflow(layer, 256, k_tile=k, c_tile=c, y_tile=y, x_tile=x, cluster_size=cluster, loop_order=order, spatial_dimension=spatial)
            for k, c, y, x, cluster, order, spatial in itertools.product([1, 16], [3, 64], [1, 5], [2, 7], [1, 16], ["KCYX", "YXCK"], ["K", "X"])
        ]
        single += [batch for batch, _ in mapping_batches(layer, dataflows)]
    stacked = stacked_batches(single)
    assert len(stacked) < len(single) and any(batch.layers for batch, _ in stacked)
    for batch, _ in stacked:  # layers of one form share a batch: each row equals its own layer's analysis
        assert_batch_equals_scalar(batch, accelerator, compat)
