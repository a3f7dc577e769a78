"""What went wrong with a result store, as one InputError that names the store and says what to do.

SQLite reports trouble as `sqlite3.Error` with a result code; the store turns every such error into one
line by its primary code: a damaged file (delete it and start over), a full disk or an I/O error (what is
stored is kept: free space and resume), a file or folder that cannot be written, a store locked by another
run. A traceback is never the answer to any of them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from pathlib import Path

from mapscope.errors import InputError
from mapscope.limits import quoted

#: What to do with a damaged store (it cannot be repaired by mapscope; its designs can be recomputed).
DAMAGED_ADVICE = "delete it or use another --store to start over"

_DAMAGED_CODES = {
    sqlite3.SQLITE_CORRUPT,
    sqlite3.SQLITE_NOTADB,
    sqlite3.SQLITE_FORMAT,
    sqlite3.SQLITE_MISMATCH,
    sqlite3.SQLITE_SCHEMA,
    sqlite3.SQLITE_ERROR,  # "no such column/table": the layout was changed after the store was opened
}
_UNWRITABLE_CODES = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH}

#: What Python's sqlite3 raises for a file in trouble. A UnicodeDecodeError comes from a SQLite error message
#: that quotes damaged schema text, which Python then cannot decode.
STORE_ERRORS = (sqlite3.Error, UnicodeDecodeError)
#: How Python's sqlite3 reports a text value that is not UTF-8 (with the whole text after it: not repeated).
_NOT_UTF8_PREFIX = "Could not decode to UTF-8"


def _primary_code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_damage(error: BaseException) -> bool:
    """Whether `error` says the file's bytes are not a sound SQLite database (rather than a disk or lock)."""
    if isinstance(error, UnicodeDecodeError) or str(error).startswith(_NOT_UTF8_PREFIX):
        return True
    return _primary_code(error) in _DAMAGED_CODES


def describe(error: BaseException) -> str:
    """`error` in a few words fit for a one-line message."""
    if isinstance(error, UnicodeDecodeError) or str(error).startswith(_NOT_UTF8_PREFIX):
        return "it holds text that is not UTF-8"
    text = str(error)  # SQLite may quote damaged schema text in its message
    return text if len(text) <= 120 and text.isprintable() else quoted(text)


def damaged(path: Path, detail: str) -> InputError:
    """The store at `path` holds something mapscope did not write (`detail` says what)."""
    return InputError(f"the store is damaged: {detail}; {DAMAGED_ADVICE}", str(path))


def _companions(path: Path) -> tuple[Path, Path]:
    """The write-ahead log and shared-memory files SQLite keeps beside a store in WAL mode."""
    return path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")


def unwritable_reason(path: Path) -> str | None:
    """Why the store at `path` cannot be written, as far as the operating system tells, or None.

    `os.access` also reports a read-only mount for root (EROFS), where permission bits would not.
    """
    folder = path.absolute().parent
    with contextlib.suppress(OSError):
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    for companion in _companions(path):
        if companion.exists() and not os.access(companion, os.W_OK):
            return f"its {companion.name} file is read-only"
    if not os.access(folder, os.W_OK):
        return f"its folder is read-only (SQLite keeps {path.name}-wal and {path.name}-shm beside the store)"
    return None


def unwritable(path: Path, reason: str) -> InputError:
    return InputError(
        f"the store cannot be written: {reason}; make it writable, or copy it to a writable folder"
        " and pass the copy to --store",
        str(path),
    )


def creation_error(error: OSError, path: Path) -> InputError:
    """An operating-system error while creating a new store at `path`, said in terms of what to do."""
    reasons = {
        errno.ENOENT: "its folder does not exist; create it or choose another --store",
        errno.ENOTDIR: "its folder path runs through a file, not a folder; choose another --store",
        errno.EROFS: "its folder is on a read-only file system; choose another --store",
        errno.EACCES: "its folder cannot be written; choose another --store",
        errno.EPERM: "its folder cannot be written; choose another --store",
        errno.ENOSPC: "the disk is full; free space or choose another --store",
        errno.EDQUOT: "the disk quota is exhausted; free space or choose another --store",
    }
    reason = reasons.get(error.errno or 0, f"{error.strerror or error}; choose another --store")
    return InputError(f"cannot create the result store: {reason}", str(path))


def _no_space_left(path: Path) -> bool:
    """Whether the file system of `path` has no block left (SQLite reports some writes that fail for lack
    of space, such as growing its shared-memory file, as I/O errors rather than SQLITE_FULL)."""
    try:
        return os.statvfs(path.absolute().parent).f_bavail == 0
    except OSError:
        return False


def store_error(
    error: sqlite3.Error | UnicodeDecodeError, path: Path, *, stored: int | None = None, creating: bool = False
) -> InputError:
    """`error` from SQLite while using the store at `path`, as one line saying what to do.

    `stored` is how many designs the store holds after a failed write (None when unknown); it is said so
    the user knows that nothing committed was lost. `creating` is true while a new store is being built.
    """
    if isinstance(error, sqlite3.ProgrammingError | sqlite3.InterfaceError):
        raise error  # a mistake in mapscope (a closed connection, a bad query), not in the file: keep the traceback
    primary = _primary_code(error)
    where = str(path)
    kept = "" if stored is None else f"; {stored:,} designs are stored and the store is intact"
    if primary == sqlite3.SQLITE_FULL or primary == sqlite3.SQLITE_IOERR and _no_space_left(path):
        if creating:
            return InputError(
                "cannot create the result store: the disk is full; free space or choose another --store", where
            )
        return InputError(f"the disk is full{kept}; free space and rerun with --resume", where)
    if primary == sqlite3.SQLITE_IOERR:
        return InputError(f"disk I/O error ({error}){kept}; check the disk, then rerun with --resume", where)
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return InputError(
            f"the store is locked by another process ({error}); wait for it to end or use another --store", where
        )
    if primary in _UNWRITABLE_CODES:
        reason = unwritable_reason(path)
        if reason is not None:
            return unwritable(path, reason)
        return InputError(f"cannot open the store ({error}); check the file and its folder", where)
    if is_damage(error):
        return damaged(path, describe(error))
    return InputError(f"SQLite failed on the store ({error}){kept}; rerun with --resume", where)
