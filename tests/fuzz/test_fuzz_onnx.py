"""Fuzz ONNX models through `mapscope analyze --dataflow kcp_ws`:
every mutated input is accepted or refused with one clean error line.

The inputs and the checks are those of ``benchmarks/fuzz_readers.py --families onnx`` (tests/fuzz/families.py).
"""

from __future__ import annotations

import random

import pytest
from families import check_family
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

pytest.importorskip("onnx")


@settings(max_examples=examples(25))
@given(st.randoms(use_true_random=False))
def test_mutated_onnx_model_is_accepted_or_refused_cleanly(rng: random.Random) -> None:
    check_family("onnx", rng)
