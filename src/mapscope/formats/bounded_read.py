"""Reading a whole input file within a size bound, without allocating the bound up front."""

from __future__ import annotations

import os
from typing import BinaryIO

#: Bytes read at a time once the file turns out longer than the system said (a pipe, a /proc file).
CHUNK_BYTES = 1 << 20


def read_at_most(handle: BinaryIO, limit_bytes: int) -> bytes:
    """The contents of `handle`, or its first `limit_bytes` + 1 bytes when it is longer (so the caller can
    tell it is too large). The file's reported size sizes the first read; memory follows what is read,
    never the limit (``read(limit + 1)`` allocates the whole limit at once)."""
    try:
        reported = os.fstat(handle.fileno()).st_size
    except (OSError, ValueError):
        reported = 0
    want = min(reported, limit_bytes) + 1 if reported > 0 else CHUNK_BYTES
    chunks: list[bytes] = []
    total = 0
    while total <= limit_bytes:
        asked = min(want, limit_bytes + 1 - total)
        chunk = handle.read(asked)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if reported > 0 and len(chunk) < asked:  # a regular file read short: its end
            break
        want = CHUNK_BYTES
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
