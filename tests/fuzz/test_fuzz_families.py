"""Fuzz every reader family (MAESTRO mappings and hardware files, YAML/JSON networks and hardware, design
spaces, trajectories, ONNX models, damaged result stores, SCALE-Sim files): each mutated input is accepted
or refused with one clean error line.

The inputs and the checks are those of ``benchmarks/fuzz_readers.py`` (tests/fuzz/families.py), which runs
many more; a failure prints the input's mutations and files, and the CI profile replays it exactly.
"""

from __future__ import annotations

import importlib.util
import random

import pytest
from families import FAMILIES, check_family
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

#: Families whose reader needs an optional extra, and that extra's module.
NEEDS = {"onnx": "onnx"}


@pytest.mark.parametrize("family", list(FAMILIES))
@settings(max_examples=examples(25))
@given(rng=st.randoms(use_true_random=False))
def test_mutated_input_is_accepted_or_refused_cleanly(family: str, rng: random.Random) -> None:
    module = NEEDS.get(family)
    if module is not None and importlib.util.find_spec(module) is None:
        pytest.skip(f"the {family} family needs {module}")
    check_family(family, rng)
