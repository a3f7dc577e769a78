"""Writing output files atomically: a reader sees the old file or the whole new one, never half of it.

The data goes to a temporary file in the target's folder (so the final rename stays on one file
system), is flushed to disk, then renamed over the target. Any failure -- a full disk, a read-only or
missing folder, an interruption -- removes the temporary file and leaves the target as it was. An
operating-system error is raised again as an OSError of the same kind whose ``filename`` is the
target (not the temporary file), so that the CLI's one line reads ``error: PATH: No space left on
device``; readers that report InputErrors wrap it with `cannot_write`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from mapscope.errors import InputError


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` through a temporary file and `os.replace`, so no half-written file is ever seen."""
    target = Path(path)
    try:
        descriptor, temporary_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise _naming(path, error) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk shows here at the latest, never after the rename
        current_umask = os.umask(0)
        os.umask(current_umask)
        os.chmod(temporary_name, 0o666 & ~current_umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(temporary_name, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary_name)
        if isinstance(error, OSError) and error.errno is not None:
            raise _naming(path, error) from None
        raise


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` as UTF-8 (newlines untranslated), atomically like `write_bytes_atomically`."""
    write_bytes_atomically(path, text.encode("utf-8"))


def cannot_write(path: str | os.PathLike[str], error: OSError) -> InputError:
    """The one-line InputError ``cannot write PATH: REASON`` for a failed write."""
    return InputError(f"cannot write {os.fspath(path)}: {error.strerror or type(error).__name__}")


def _naming(path: str | os.PathLike[str], error: OSError) -> OSError:
    """`error` as an OSError of the same kind (FileNotFoundError, ...) naming `path` rather than a temporary file."""
    return OSError(error.errno, error.strerror or os.strerror(error.errno or 0), os.fspath(path))
