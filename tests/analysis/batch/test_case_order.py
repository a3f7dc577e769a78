"""The batched engine's one case order for all mappings equals each mapping's own enumeration order.

`level_walk` sorts the union of the mappings' cases by `enumeration_key` once and reads a case's row as
its position for every mapping; that holds only if, for any choice of states per directive, the
mapping's cases in the scalar engine's order (`enumerate_cases`) are the union's in key order.
"""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.analysis.batch.level_walk import enumeration_key
from mapscope.analysis.iteration import EDGE, INIT, STEADY, IterationState, enumerate_cases

ALL_STATES = (INIT, STEADY, EDGE)


def _states(positions: tuple[int, ...]) -> tuple[IterationState, ...]:
    return tuple(IterationState(position, 1, False, False, False, position == EDGE) for position in positions)


def _scalar_order(directives: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    return [tuple(state.position for state in states) for states, _ in enumerate_cases([_states(d) for d in directives])]


def _union_order(directives: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The union of every state (as over a batch) in key order, then the cases this mapping has."""
    union = sorted(product(ALL_STATES, repeat=len(directives)), key=enumeration_key)
    return [case for case in union if all(position in states for position, states in zip(case, directives))]


directive = st.sampled_from([(INIT,), (INIT, STEADY), (INIT, EDGE), (INIT, STEADY, EDGE)])


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(directive, min_size=1, max_size=6))
def test_every_mappings_cases_come_in_its_own_order(directives: list[tuple[int, ...]]) -> None:
    assert _union_order(directives) == _scalar_order(directives)


def test_the_all_init_case_comes_first_and_init_last_among_a_directives_states() -> None:
    assert _union_order([(INIT, STEADY, EDGE), (INIT, STEADY)]) == [
        (INIT, INIT),
        (STEADY, STEADY),
        (STEADY, INIT),
        (EDGE, STEADY),
        (EDGE, INIT),
        (INIT, STEADY),
    ]
    assert _union_order([(INIT,), (INIT,)]) == [(INIT, INIT)]  # a level whose directives never move


def test_no_directive_is_one_case() -> None:
    assert enumeration_key(()) == (False, ())
    assert _scalar_order([]) == [()]
