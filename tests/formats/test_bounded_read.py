"""Whole-file reads within a bound allocate what they read, not the bound (a 2 GiB read(n) under a memory cap
was a MemoryError in the ONNX reader)."""

from __future__ import annotations

import os
import threading
import tracemalloc
from pathlib import Path

from mapscope.formats.bounded_read import CHUNK_BYTES, read_at_most


def test_a_small_file_costs_its_size_not_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "small.bin"
    path.write_bytes(b"0123456789")
    tracemalloc.start()
    with path.open("rb") as handle:
        data = read_at_most(handle, 2**31 - 1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert data == b"0123456789"
    assert peak < 1_000_000


def test_one_byte_beyond_the_bound_is_read_to_tell_the_file_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 100)
    with path.open("rb") as handle:
        assert read_at_most(handle, 99) == b"x" * 100
    with path.open("rb") as handle:
        assert read_at_most(handle, 10) == b"x" * 11
    with path.open("rb") as handle:
        assert read_at_most(handle, 100) == b"x" * 100


def test_a_pipe_reporting_no_size_is_read_in_chunks_up_to_the_bound() -> None:
    reader, writer = os.pipe()
    payload = b"y" * (3 * CHUNK_BYTES + 5)

    def feed() -> None:
        with os.fdopen(writer, "wb") as handle:
            handle.write(payload)

    feeder = threading.Thread(target=feed)
    feeder.start()
    with os.fdopen(reader, "rb") as handle:
        assert read_at_most(handle, 2 * CHUNK_BYTES) == payload[: 2 * CHUNK_BYTES + 1]
        handle.read()  # let the writer finish
    feeder.join()
