"""A bounded memo for what the scalar engine reuses across mappings of a layer (docs/model.md, Reuse across mappings).

Keys are the frozen inputs themselves (never hashes), so two different inputs cannot share an entry; a memo
drops its least recently used entry past its capacity, so a long `map` or `explore` run holds a bounded
amount. `memos_disabled` and `clear_memos` let benchmarks and tests run without reuse or start cold.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

Value = TypeVar("Value")


_MEMOS: list[BoundedMemo] = []  # every memo made, for clear_memos and memos_disabled


class BoundedMemo(Generic[Value]):
    """A least-recently-used mapping of at most `capacity` entries (0 keeps nothing); safe across threads."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0  # lookups answered and not, since made (benchmarks print them)
        _MEMOS.append(self)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Value | None:
        """The value stored under `key` (now the most recently used), or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Value) -> None:
        """Store `value` under `key`, dropping the least recently used entries past the capacity."""
        with self._lock:
            if self.capacity <= 0:
                return
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def resize(self, capacity: int) -> None:
        """Keep at most `capacity` entries from now on (the most recently used ones)."""
        with self._lock:
            self.capacity = capacity
            while len(self._entries) > max(capacity, 0):
                self._entries.popitem(last=False)


def clear_memos() -> None:
    """Empty every memo (tests start cold with it)."""
    for memo in _MEMOS:
        memo.clear()


@contextmanager
def memos_disabled() -> Iterator[None]:
    """Within the block every memo keeps nothing (and starts empty); after it, the capacities come back.
    Benchmarks time the engine without reuse this way."""
    capacities = [memo.capacity for memo in _MEMOS]
    for memo in _MEMOS:
        memo.resize(0)
    try:
        yield
    finally:
        for memo, capacity in zip(_MEMOS, capacities):
            memo.resize(capacity)
