"""The result store of `mapscope explore`: evaluated designs streamed into SQLite so a killed run resumes.

One SQLite file holds a ``meta`` table (format name and version, the design-space fingerprint and the
space document for humans) and a ``designs`` table keyed by the canonical design key (layout and checks:
`result_store_schema`; rows: `result_store_rows`). Every `add` is one transaction in WAL mode, so a
committed batch survives a crash of the process (kill -9), and ``INSERT OR IGNORE`` on the key makes
replaying a batch after a resume harmless.

Whatever goes wrong with the file is one InputError naming the store and saying what to do
(`result_store_errors`): a damaged or foreign file is refused on open or on the read that meets the damage;
a store that cannot be written is refused on open; a full disk or an I/O error during `add` rolls the
batch back, says how many designs are kept, and leaves a store that `--resume` continues exactly.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from mapscope.errors import InputError
from mapscope.formats.results.store_errors import (
    STORE_ERRORS,
    creation_error,
    damaged,
    store_error,
    unwritable,
    unwritable_reason,
)
from mapscope.formats.results.store_rows import (
    RECORD_COLUMNS,
    DesignRecord,
    ParameterValue,
    RowError,
    design_key,
    record_from_row,
    row_values,
)
from mapscope.formats.results.store_schema import (
    SCHEMA,
    STORE_FORMAT_NAME,
    STORE_FORMAT_VERSION,
    check_identity,
    check_pages,
)

__all__ = [
    "KEYS_PER_QUERY",
    "STORE_FORMAT_NAME",
    "STORE_FORMAT_VERSION",
    "DesignRecord",
    "ParameterValue",
    "ResultStore",
    "design_key",
]

#: Keys per ``IN (...)`` query in `ResultStore.get`, well under SQLite's host-parameter limit.
KEYS_PER_QUERY = 500
#: Seconds a writer waits for another one's transaction before the store is reported as locked.
LOCK_TIMEOUT_SECONDS = 30.0


class ResultStore:
    """An open result store; use `ResultStore.open` (also as a context manager) rather than the constructor."""

    def __init__(self, path: Path, connection: sqlite3.Connection, space_fingerprint: str) -> None:
        self.path = path
        self.space_fingerprint = space_fingerprint
        self._connection = connection
        self._lock = threading.Lock()  # executors may report results from another thread

    @classmethod
    def open(cls, path: Path, *, space_fingerprint: str, space_document: str, resume: bool) -> ResultStore:
        """Open the store at `path`: a new one, or (with `resume`) an existing one made for the same space.

        An existing store is checked before use (`result_store_schema`): a foreign, damaged or unwritable
        file is refused. Any refusal is an InputError; a refusal before the pages are checked leaves an
        existing file exactly as it was.
        """
        path = Path(path)
        if not path.exists() and _create_store(path, space_fingerprint, space_document):
            return cls(path, _connect_for_writing(path), space_fingerprint)
        if path.is_dir():
            raise InputError("is a folder, not a store file; give --store a file name", str(path))
        if not path.is_file():
            raise InputError("is not a regular file; give --store a file name", str(path))
        if not resume:
            raise InputError(
                "the store already exists; pass --resume to continue it or choose another --store", str(path)
            )
        check_identity(path, space_fingerprint)
        reason = unwritable_reason(path)
        if reason is not None:
            raise unwritable(path, reason)
        connection = _connect_for_writing(path)
        try:
            check_pages(connection, path)
        except BaseException:
            _close_quietly(connection)
            raise
        return cls(path, connection, space_fingerprint)

    def add(self, records: Sequence[DesignRecord]) -> int:
        """Store `records` in one transaction, ignoring keys already stored; return how many were new.

        If the transaction fails (a full disk, an I/O error), nothing of it is kept and the store stays as
        it was after the previous `add`; the InputError says how many designs that is.
        """
        rows = [row_values(record) for record in records]
        with self._lock:
            connection = self._connection
            changes_before = connection.total_changes
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.executemany(
                        "INSERT OR IGNORE INTO designs (key, parameters, metrics, feasible, violation)"
                        " VALUES (?, ?, ?, ?, ?)",
                        rows,
                    )
                    connection.execute("COMMIT")
                except BaseException:
                    # SQLite has already rolled back after some errors (SQLITE_FULL, SQLITE_IOERR), and a
                    # second ROLLBACK would fail with "no transaction is active" and hide the real error.
                    if connection.in_transaction:
                        with contextlib.suppress(*STORE_ERRORS):
                            connection.execute("ROLLBACK")
                    raise
            except STORE_ERRORS as error:
                raise store_error(error, self.path, stored=self._count_or_none()) from None
            return connection.total_changes - changes_before

    def get(self, keys: Iterable[str]) -> dict[str, DesignRecord]:
        """The stored records among `keys` (unknown keys are simply absent), by key."""
        unique_keys = list(dict.fromkeys(keys))
        found: dict[str, DesignRecord] = {}
        with self._lock, self._reading():
            for start in range(0, len(unique_keys), KEYS_PER_QUERY):
                chunk = unique_keys[start : start + KEYS_PER_QUERY]
                placeholders = ",".join("?" * len(chunk))
                query = f"SELECT {RECORD_COLUMNS} FROM designs WHERE key IN ({placeholders})"
                for row in self._connection.execute(query, chunk):
                    record = record_from_row(row)
                    found[record.key] = record
        return found

    def records(self) -> list[DesignRecord]:
        """Every stored record, in the order the records first arrived."""
        with self._lock, self._reading():
            rows = self._connection.execute(f"SELECT {RECORD_COLUMNS} FROM designs ORDER BY sequence").fetchall()
            return [record_from_row(row) for row in rows]

    def __iter__(self) -> Iterator[DesignRecord]:
        return iter(self.records())

    def __len__(self) -> int:
        with self._lock, self._reading():
            return self._count()

    def close(self) -> None:
        """Close the database; SQLite folds the write-ahead log back into the file and removes it.

        Never raises: if the log cannot be folded back (a full disk), it stays beside the store and
        holds every committed design for the next open.
        """
        with self._lock:
            _close_quietly(self._connection)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn SQLite errors and rows the store did not write into one-line InputErrors naming the store."""
        try:
            yield
        except RowError as error:
            raise damaged(self.path, str(error)) from None
        except STORE_ERRORS as error:
            raise store_error(error, self.path) from None

    def _count(self) -> int:
        (count,) = self._connection.execute("SELECT COUNT(*) FROM designs").fetchone()
        return int(count)

    def _count_or_none(self) -> int | None:
        """How many designs are stored, or None if even that cannot be read."""
        try:
            return self._count()
        except STORE_ERRORS:
            return None


def _close_quietly(connection: sqlite3.Connection) -> None:
    with contextlib.suppress(*STORE_ERRORS):
        connection.close()


def _connect_for_writing(path: Path) -> sqlite3.Connection:
    """A read-write connection in WAL mode with explicit transactions (commits survive a process crash)."""
    connection = None
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=LOCK_TIMEOUT_SECONDS)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    except STORE_ERRORS as error:
        if connection is not None:
            _close_quietly(connection)
        raise store_error(error, path) from None
    return connection


def _create_store(path: Path, space_fingerprint: str, space_document: str) -> bool:
    """Build a complete empty store beside `path`, then link it into place only if `path` is still free.

    Returns False if another process created `path` meanwhile (nothing is changed then). The schema is
    written with a rollback journal, so the new file is complete on its own before it is linked (with a
    write-ahead log it could still sit in a ``-wal`` file the link does not carry); it is switched to WAL
    mode last. Nothing is left behind on failure, a full disk included.
    """
    try:
        descriptor, temporary_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".creating", dir=path.parent)
    except OSError as error:
        raise creation_error(error, path) from None
    os.close(descriptor)
    temporary = Path(temporary_name)
    try:
        current_umask = os.umask(0)
        os.umask(current_umask)
        os.chmod(temporary, 0o666 & ~current_umask)  # mkstemp creates 0600; give the usual permissions
        mode = _write_empty_store(temporary, space_fingerprint, space_document)
        if mode != "wal":
            raise InputError(
                "cannot create the result store: its file system does not support SQLite's WAL mode"
                f" (journal mode {mode}); choose a local folder for --store",
                str(path),
            )
        try:
            os.link(temporary, path)  # fails if another process created `path` meanwhile
        except FileExistsError:
            return False
        except OSError:  # file systems without hard links
            os.replace(temporary, path)
        return True
    except STORE_ERRORS as error:
        raise store_error(error, path, creating=True) from None
    except OSError as error:
        raise creation_error(error, path) from None
    finally:
        journals = (temporary.with_name(temporary.name + ending) for ending in ("-journal", "-wal", "-shm"))
        for leftover in (temporary, *journals):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def _write_empty_store(path: Path, space_fingerprint: str, space_document: str) -> str:
    """The tables and meta rows of a new store, written completely into the file at `path`; then the
    file is switched to WAL mode and the journal mode it ends in ("wal" unless unsupported) is returned."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for statement in SCHEMA:
            connection.execute(statement)
        meta = {
            "format": STORE_FORMAT_NAME,
            "format_version": str(STORE_FORMAT_VERSION),
            "space_fingerprint": space_fingerprint,
            "space_document": space_document,
        }
        connection.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", meta.items())
        connection.execute("COMMIT")
        (mode,) = connection.execute("PRAGMA journal_mode=WAL").fetchone()
        return str(mode)
    finally:
        connection.close()
