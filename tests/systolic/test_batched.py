"""Batched single-array evaluation against run_single_array: every field, every shape, exactly."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
import math

from hypothesis import HealthCheck, example, given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.errors import InputError
from mapscope.systolic.batched import FIELDS, network_batch, single_array_batch
from mapscope.systolic.single_array import (
    Convention,
    Dataflow,
    SingleArrayResult,
    run_single_array,
)
from mapscope.workload.gemm import Gemm

OPTIONS = list(product(Dataflow, Convention, (False, True)))
PRIMES = (2, 3, 5, 7, 13, 31, 97, 127, 131, 251, 293)

gemm_dims = st.one_of(st.just(1), st.sampled_from(PRIMES), st.integers(1, 300))
array_dims = st.one_of(st.just(1), st.sampled_from((2, 3, 7, 8, 12, 100, 127, 128, 130)), st.integers(1, 130))
array_shapes = st.lists(st.tuples(array_dims, array_dims), min_size=1, max_size=6)


def _scalar(gemm: Gemm, rows: int, cols: int, options: tuple[Dataflow, Convention, bool]) -> SingleArrayResult:
    return run_single_array(gemm, rows, cols, *options)


def _assert_batch_equals_scalar(gemm: Gemm, shapes: list[tuple[int, int]], options: tuple[Dataflow, Convention, bool]) -> None:
    rows = np.array([r for r, _ in shapes], dtype=np.int64)
    cols = np.array([c for _, c in shapes], dtype=np.int64)
    batch = single_array_batch(gemm, rows, cols, *options)
    assert list(batch) == list(FIELDS)
    for name, values in batch.items():
        assert values.shape == rows.shape
        assert values.dtype == (np.float64 if name == "utilization" else np.int64)
    for i, (r, c) in enumerate(shapes):
        scalar = _scalar(gemm, r, c, options)
        for name in FIELDS:
            expected, got = getattr(scalar, name), batch[name][i].item()
            if expected is None:  # undefined utilisation (SCALE-Sim's 0 cycles): NaN in the batch
                assert name == "utilization" and math.isnan(got), (name, gemm, r, c, options)
                continue
            assert type(got) is type(expected) and got == expected, (name, gemm, r, c, options)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=gemm_dims, n=gemm_dims, k=gemm_dims, shapes=array_shapes, options=st.sampled_from(OPTIONS))
def test_every_field_equals_run_single_array(
    m: int, n: int, k: int, shapes: list[tuple[int, int]], options: tuple[Dataflow, Convention, bool]
) -> None:
    _assert_batch_equals_scalar(Gemm(m, n, k), shapes, options)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o)))
def test_edge_shapes_in_every_dataflow_and_convention(options: tuple[Dataflow, Convention, bool]) -> None:
    shapes = [(1, 1), (1, 130), (130, 1), (2, 3), (7, 128), (127, 129), (130, 130), (64, 64)]
    for gemm in (Gemm(1, 1, 1), Gemm(1, 300, 1), Gemm(293, 1, 251), Gemm(128, 127, 129), Gemm(300, 300, 300)):
        _assert_batch_equals_scalar(gemm, shapes, options)


@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.IS])
def test_outputs_larger_than_the_output_buffer_block_dram_traffic(dataflow: Dataflow) -> None:
    # 1.5 M outputs > the 1 Mi-word output buffer: operands are fetched once per output block
    gemm = Gemm(5000, 300, 7)
    scalar = run_single_array(gemm, 16, 16, dataflow)
    assert scalar.dram_ifmap_reads + scalar.dram_filter_reads > gemm.m * gemm.k + gemm.k * gemm.n
    for options in product([dataflow], Convention, (False, True)):
        _assert_batch_equals_scalar(gemm, [(16, 16), (1, 5), (128, 3)], options)


@settings(max_examples=examples(60), deadline=None)
@given(
    shapes=st.lists(st.tuples(st.integers(1, 120), st.integers(1, 120), st.integers(1, 120), st.integers(1, 4)), min_size=1, max_size=5),
    arrays=array_shapes,
    options=st.sampled_from(OPTIONS),
)
@example(shapes=[(1, 1, 1, 1)], arrays=[(1, 1)], options=(Dataflow.OS, Convention.SCALESIM, False))  # 0 cycles (issue 11)
@example(shapes=[(2, 1, 1, 1)], arrays=[(1, 1)], options=(Dataflow.OS, Convention.SCALESIM, False))  # above 100%
def test_network_batch_is_the_count_weighted_sum(
    shapes: list[tuple[int, int, int, int]], arrays: list[tuple[int, int]], options: tuple[Dataflow, Convention, bool]
) -> None:
    gemms = [Gemm(m, n, k, f"g{i}", count=count) for i, (m, n, k, count) in enumerate(shapes)]
    gemms.append(gemms[0])  # a repeated shape is evaluated once and counted twice
    rows = np.array([r for r, _ in arrays])
    cols = np.array([c for _, c in arrays])
    totals = network_batch(gemms, rows, cols, *options)
    for i, (r, c) in enumerate(arrays):
        scalars = [(gemm.count, run_single_array(gemm, r, c, *options)) for gemm in gemms]
        for name in FIELDS:
            if name != "utilization":
                assert totals[name][i] == sum(count * getattr(s, name) for count, s in scalars), name
        macs = sum(count * s.macs for count, s in scalars)
        cycles = sum(count * s.cycles for count, s in scalars)
        if cycles == 0:  # only SCALE-Sim's convention counts a run as 0 cycles: undefined
            assert options[1] is Convention.SCALESIM and math.isnan(totals["utilization"][i])
        else:
            assert totals["utilization"][i].item() == macs / (cycles * r * c)


def test_one_gemm_network_is_the_single_array_result() -> None:
    rows, cols = np.array([8, 33, 128]), np.array([8, 17, 128])
    gemm = Gemm(200, 61, 97)
    alone = single_array_batch(gemm, rows, cols, Dataflow.IS)
    network = network_batch([gemm], rows, cols, Dataflow.IS)
    for name in FIELDS:
        np.testing.assert_array_equal(network[name], alone[name])


def test_empty_shape_arrays_give_empty_fields() -> None:
    batch = single_array_batch(Gemm(3, 4, 5), np.array([], dtype=np.int64), np.array([], dtype=np.int64), Dataflow.WS)
    assert all(values.size == 0 for values in batch.values())


@pytest.mark.parametrize(
    ("rows", "cols", "message"),
    [
        (np.array([4, 0]), np.array([4, 4]), "rows must be positive"),
        (np.array([4, 4]), np.array([4, -2]), "cols must be positive"),
        (np.array([4, 4]), np.array([4]), "differ in length"),
        (np.array([[4]]), np.array([[4]]), "1-D"),
        (np.array([4.0]), np.array([4]), "integers"),
        (np.array([True]), np.array([4]), "integers"),
    ],
)
def test_bad_shapes_raise_input_error(rows: np.ndarray, cols: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message):
        single_array_batch(Gemm(3, 4, 5), rows, cols, Dataflow.OS)
    with pytest.raises(InputError, match=message):
        network_batch([Gemm(3, 4, 5)], rows, cols, Dataflow.OS)


def test_bad_options_and_empty_network_raise_input_error() -> None:
    shapes = np.array([8])
    with pytest.raises(InputError, match="unknown dataflow"):
        single_array_batch(Gemm(3, 4, 5), shapes, shapes, "rs")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no GEMMs"):
        network_batch([], shapes, shapes, Dataflow.WS)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o)))
def test_utilization_is_rounded_once_above_2_to_the_53(options: tuple[Dataflow, Convention, bool]) -> None:
    # MACs and PE-cycles above 2**53: converting each to float first would round twice
    _assert_batch_equals_scalar(Gemm(1_000_003, 100_003, 100_019), [(65_521, 65_519), (50_000, 100_003), (100_019, 33_333)], options)


def test_counts_beyond_64_bits_are_refused() -> None:
    huge = Gemm(2**30, 2**30, 2**30)
    with pytest.raises(InputError, match="too large"):
        single_array_batch(huge, np.array([128]), np.array([128]), Dataflow.WS)


def test_a_one_cycle_run_in_scalesim_counting_has_undefined_utilisation_in_both_models() -> None:
    options = (Dataflow.OS, Convention.SCALESIM, False)
    scalar = run_single_array(Gemm(1, 1, 1), 1, 1, *options)
    batch = single_array_batch(Gemm(1, 1, 1), np.array([1]), np.array([1]), *options)
    assert scalar.cycles == batch["cycles"][0] == 0
    assert scalar.utilization is None and math.isnan(batch["utilization"][0])
