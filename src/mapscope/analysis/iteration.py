"""Iteration states of each directive and the cases (combinations of states) of a level (docs/model.md, Iteration states and cases)."""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

from mapscope.analysis.cluster_levels import SPATIAL, LevelDirective
from mapscope.analysis.integer_math import cdiv

INIT = 0
STEADY = 1
EDGE = 2


class IterationState(NamedTuple):
    """Where one directive's loop is: Init, Steady or Edge, how often, and its edge flags.

    A named tuple (not a dataclass) because the engine reads these fields millions of times.
    """

    position: int
    occurrences: int
    unrolled: bool
    init_edge: bool
    spatial_edge_edge: bool  # the last active sub-cluster of a spatial edge fold holds a partial tile
    is_edge: bool  # an Edge step, or an Init step whose tile already overruns the dimension


def _state(position: int, occurrences: int, unrolled: bool = False, init_edge: bool = False, edge_edge: bool = False) -> IterationState:
    return IterationState(position, occurrences, unrolled, init_edge, edge_edge, position == EDGE or init_edge)


def directive_states(
    directive: LevelDirective, dimension_size: int, num_sub_clusters: int, exact_partial_tile: bool = False
) -> tuple[IterationState, ...]:
    """The states a directive's loop goes through over a dimension of `dimension_size`.

    `exact_partial_tile` flags the first fold's last sub-cluster as partial only when its tile is
    (MAESTRO flags it whenever the fold overruns the dimension).
    """
    size, offset, dim = directive.size, directive.offset, dimension_size
    if directive.kind != SPATIAL:
        init_edge = dim < size
        states = [_state(INIT, 1, dim <= size, init_edge)]
        steady = cdiv(dim - size, offset)
        if size < dim and steady > 0:
            states.append(_state(STEADY, steady))
        if not init_edge and steady * offset + size < dim:
            states.append(_state(EDGE, 1))
        return tuple(states)
    coverage = size + offset * (num_sub_clusters - 1)
    unrolled = dim <= coverage
    init_edge = dim < coverage
    init_partial = init_edge
    if exact_partial_tile:
        init_partial = init_edge and (dim < size or cdiv(dim - size, offset) * offset + size < dim)
    states = [_state(INIT, 1, unrolled, init_edge, init_partial)]
    steady = cdiv(cdiv(dim - size, offset) + 1, num_sub_clusters) - 1
    fold = offset * num_sub_clusters
    has_edge = not unrolled and (steady + 1) * fold + coverage > dim and steady * fold + coverage != dim
    if coverage < dim and steady > 0:
        states.append(_state(STEADY, steady))
    remaining = dim - (steady + 1) * fold
    active = 1 if remaining < size else cdiv(remaining - size, offset) + 1
    edge_edge = (active - 1) * offset + size < remaining
    if not init_edge and has_edge:
        states.append(_state(EDGE, 1, False, False, edge_edge))
    return tuple(states)


def enumerate_cases(state_lists: list[tuple[IterationState, ...]]) -> list[tuple[tuple[IterationState, ...], int]]:
    """All combinations of states with their occurrence counts, in MAESTRO's enumeration order.

    MAESTRO advances every digit once before the first case is used, so case c >= 1 holds digit
    ((c - 1) // weight + 1) mod radix; the set is the full product, only the order is rotated
    (which matters for the off-chip bandwidth figure, computed over the last cases).
    """
    # Case c >= 1 is entry c - 1 of the plain product of the lists each rotated by one state; the
    # product's last entry (every digit back at 0) is case 0.
    combinations = list(product(*(states[1:] + states[:1] for states in state_lists)))
    combinations.insert(0, combinations.pop())
    cases = []
    for states in combinations:
        occurrences = 1
        for state in states:
            occurrences *= state.occurrences
        cases.append((states, occurrences))
    return cases
