"""The exhaustive search's pending work, least bound first: one priority queue over subspaces to bound,
subspaces to refine and the remaining tile prefixes of subspaces already open (docs/mapper-search.md,
Best-first order).

Every key is a lower bound on the objective of every member its item stands for, so the search may stop,
certified, as soon as the least key reaches the incumbent. Bounds are often tight and many items tie at
the optimum, so the order at equal keys decides how soon it is found: the chunk of fewest prefixes goes
first, a subspace to refine or bound counting as its first chunk (FIRST_CHUNK_ROWS): the first chunks of
every tied subspace are tried before any doubled second one, more subspaces per evaluation (on MobileNet-V2's
features.1.conv.0.0 the optimum lies in the first chunk of the 1,800th subspace tied at its value). At equal
sizes an open subspace's chunk goes before refining, refining before bounding, then the subspace listed first.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from mapscope.mapper.tile_branch_bounds import SubspaceEntry


class Stage(IntEnum):
    """What popping an item does, in the order items of equal keys and chunk sizes are popped."""

    BOUND = 2  # bound a subspace's top-level tile tuples (deferred: its floor was above the queue's least)
    REFINE = 1  # refine a subspace's top-level tile tuples into sorted prefixes, opening it
    ENUMERATE = 0  # enumerate the next chunk of an open subspace's prefixes (or the whole subspace)


@dataclass
class OpenSubspace:
    """A subspace being enumerated: its tile prefixes in ascending bound order (None: enumerated whole) and
    where its next chunk starts and how many prefixes it takes at most (mutable; the chunks are index
    ranges into these arrays, not copies)."""

    entry: SubspaceEntry
    tiles: np.ndarray | None
    values: np.ndarray | None
    start: int = 0
    size: int = 0

    def cut(self, incumbent: float) -> int:
        """Where the prefixes below `incumbent` end (the whole subspace: 1)."""
        if self.values is None:
            return 1
        return int(np.searchsorted(self.values, incumbent, side="left"))

    def compact(self, incumbent: float) -> None:
        """Keep only the prefixes still to enumerate below `incumbent`, when they are under half of those
        held: the arrays of subspaces left open shrink as the incumbent falls."""
        if self.tiles is None or self.values is None:
            return
        end = self.cut(incumbent)
        if 2 * (end - self.start) < len(self.values):
            self.tiles, self.values = self.tiles[self.start : end].copy(), self.values[self.start : end].copy()
            self.start = 0


#: Tile prefixes in a subspace's first chunk; later chunks double up to the search's `branch_rows`. Small
#: first chunks matter: the lowest-bound prefixes often hold a better mapping, and the prefixes after them
#: are then pruned instead of enumerated (ResNet-50's res3a_branch1: 896,151 evaluations to certify in
#: chunks of 4,096, 7,971 in chunks of 32).
FIRST_CHUNK_ROWS = 16

#: Top-level tile bounds the queue keeps for subspaces awaiting refinement, at most (floats); past it a
#: subspace's are dropped and recomputed when it is refined, so memory stays bounded.
HELD_TOP_VALUES = 1 << 22


@dataclass
class BranchQueue:
    """A min-heap of (key, chunk prefixes, stage, listing position, item) with the count of top-level bounds it holds."""

    heap: list[tuple[float, int, int, int, int, object]]
    held_top_values: int = 0
    pushed: int = 0

    @classmethod
    def empty(cls) -> BranchQueue:
        """A queue with nothing pending."""
        return cls([])

    @property
    def least(self) -> float:
        """The least key pending (+inf when empty): no pending member is below it."""
        return self.heap[0][0] if self.heap else float("inf")

    def push(self, key: float, stage: Stage, position: int, item: object) -> None:
        """Add `item` (an OpenSubspace to enumerate, or a (SubspaceEntry, top-level bounds or None) pair to
        refine or bound) under `key`; `position` is its subspace's place in the listing."""
        if stage is Stage.REFINE:
            _, top_values = item  # type: ignore[misc]
            if top_values is not None:
                if self.held_top_values + len(top_values) > HELD_TOP_VALUES:
                    item = (item[0], None)  # type: ignore[index]
                else:
                    self.held_top_values += len(top_values)
        rows = item.size if isinstance(item, OpenSubspace) else FIRST_CHUNK_ROWS
        heapq.heappush(self.heap, (key, rows, int(stage), position, self.pushed, item))
        self.pushed += 1

    def pop_run(self, stage: Stage, most: int) -> list[tuple[int, object]]:
        """Pop the items next in line while they are of `stage`, at most `most` of them: their listing
        positions and items (the order is the queue's; handling them together changes nothing while
        none of them evaluates a member)."""
        run: list[tuple[int, object]] = []
        while len(run) < most and self.heap and self.heap[0][2] == stage:
            _, _, position, item = self.pop()
            run.append((position, item))
        return run

    def pop(self) -> tuple[float, Stage, int, object]:
        """The least pending item: its key, stage, listing position and item."""
        key, _, stage, position, _, item = heapq.heappop(self.heap)
        if stage == Stage.REFINE and item[1] is not None:  # type: ignore[index]
            self.held_top_values -= len(item[1])  # type: ignore[index]
        return key, Stage(stage), position, item
