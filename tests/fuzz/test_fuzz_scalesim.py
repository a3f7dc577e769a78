"""Fuzz SCALE-Sim scale.cfg and topology files through their readers:
every mutated input is accepted or refused with one clean error line.

The inputs and the checks are those of ``benchmarks/fuzz_readers.py --families scalesim`` (tests/fuzz/families.py).
"""

from __future__ import annotations

import random

from families import check_family
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples


@settings(max_examples=examples(20))
@given(st.randoms(use_true_random=False))
def test_mutated_scalesim_file_is_accepted_or_refused_cleanly(rng: random.Random) -> None:
    check_family("scalesim", rng)
