"""Iteration states of each directive and the cases (combinations of states) of a level (spec §6.3)."""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.analysis.cluster_levels import SPATIAL, LevelDirective
from mapscope.analysis.integer_math import cdiv

INIT = 0
STEADY = 1
EDGE = 2


@dataclass(frozen=True)
class IterationState:
    """Where one directive's loop is: Init, Steady or Edge, how often, and its edge flags."""

    position: int
    occurrences: int
    unrolled: bool = False
    init_edge: bool = False
    spatial_edge_edge: bool = False  # the last active sub-cluster of a spatial edge fold holds a partial tile

    @property
    def is_edge(self) -> bool:
        return self.position == EDGE or self.init_edge


def directive_states(directive: LevelDirective, dimension_size: int, num_sub_clusters: int) -> tuple[IterationState, ...]:
    """The states a directive's loop goes through over a dimension of `dimension_size`."""
    size, offset, dim = directive.size, directive.offset, dimension_size
    if directive.kind != SPATIAL:
        init_edge = dim < size
        states = [IterationState(INIT, 1, dim <= size, init_edge)]
        steady = cdiv(dim - size, offset)
        if size < dim and steady > 0:
            states.append(IterationState(STEADY, steady))
        if not init_edge and steady * offset + size < dim:
            states.append(IterationState(EDGE, 1))
        return tuple(states)
    coverage = size + offset * (num_sub_clusters - 1)
    unrolled = dim <= coverage
    init_edge = dim < coverage
    states = [IterationState(INIT, 1, unrolled, init_edge, init_edge)]
    steady = cdiv(cdiv(dim - size, offset) + 1, num_sub_clusters) - 1
    fold = offset * num_sub_clusters
    has_edge = not unrolled and (steady + 1) * fold + coverage > dim and steady * fold + coverage != dim
    if coverage < dim and steady > 0:
        states.append(IterationState(STEADY, steady))
    remaining = dim - (steady + 1) * fold
    active = 1 if remaining < size else cdiv(remaining - size, offset) + 1
    edge_edge = (active - 1) * offset + size < remaining
    if not init_edge and has_edge:
        states.append(IterationState(EDGE, 1, False, False, edge_edge))
    return tuple(states)


def enumerate_cases(state_lists: list[tuple[IterationState, ...]]) -> list[tuple[tuple[IterationState, ...], int]]:
    """All combinations of states with their occurrence counts, in MAESTRO's enumeration order.

    MAESTRO advances every digit once before the first case is used, so case c >= 1 holds digit
    ((c - 1) // weight + 1) mod radix; the set is the full product, only the order is rotated
    (which matters for the off-chip bandwidth figure, computed over the last cases).
    """
    radices = [len(states) for states in state_lists]
    weights = [1] * len(radices)
    for j in range(len(radices) - 2, -1, -1):
        weights[j] = weights[j + 1] * radices[j + 1]
    total = weights[0] * radices[0] if radices else 1
    cases = []
    for case in range(total):
        if case == 0:
            digits = [0] * len(radices)
        else:
            digits = [((case - 1) // w + 1) % r for w, r in zip(weights, radices)]
        states = tuple(state_lists[j][d] for j, d in enumerate(digits))
        occurrences = 1
        for state in states:
            occurrences *= state.occurrences
        cases.append((states, occurrences))
    return cases
