"""Writing output files atomically: a reader sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` through a temporary file and `os.replace`, so no half-written file is ever seen."""
    target = Path(path)
    descriptor, temporary_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        current_umask = os.umask(0)
        os.umask(current_umask)
        os.chmod(temporary_name, 0o666 & ~current_umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(temporary_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary_name)
        raise


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` as UTF-8 (newlines untranslated), atomically like `write_bytes_atomically`."""
    write_bytes_atomically(path, text.encode("utf-8"))
