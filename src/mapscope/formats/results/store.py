"""The result store of `mapscope explore`: evaluated designs streamed into SQLite so a killed run resumes.

One SQLite file holds a ``meta`` table (format name and version, the design-space fingerprint and the
space document for humans) and a ``batches`` table: one row per committed batch of designs, its columns
typed and packed in one value (layout and checks: `store_schema`; the packing: `store_codec`). Every `add`
is one transaction in WAL mode, so a committed batch survives a crash of the process (kill -9); designs
already stored (same key) are left out of it, so replaying a batch after a resume is harmless.

Whatever goes wrong with the file is one InputError naming the store and saying what to do
(`store_errors`): a damaged or foreign file is refused on open or on the read that meets the damage;
a store that cannot be written is refused on open; a full disk or an I/O error during `add` rolls the
batch back, says how many designs are kept, and leaves a store that `--resume` continues exactly.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np

from mapscope.errors import InputError
from mapscope.limits import quoted
from mapscope.formats.results.store_errors import (
    STORE_ERRORS,
    creation_error,
    damaged,
    store_error,
    unwritable,
    unwritable_reason,
)
from mapscope.formats.results.store_batch import DesignBatch, batch_from_records, stored_designs
from mapscope.formats.results.store_codec import decode_batch, encode_batch
from mapscope.formats.results.store_rows import DesignRecord, ParameterValue, RowError, design_key
from mapscope.formats.results.store_schema import (
    SCHEMA,
    STORE_FORMAT_NAME,
    STORE_FORMAT_VERSION,
    check_identity,
    check_pages,
)

__all__ = [
    "STORE_FORMAT_NAME",
    "STORE_FORMAT_VERSION",
    "DesignBatch",
    "DesignRecord",
    "ParameterValue",
    "ResultStore",
    "design_key",
]

#: Seconds a writer waits for another one's transaction before the store is reported as locked.
LOCK_TIMEOUT_SECONDS = 30.0


class ResultStore:
    """An open result store; use `ResultStore.open` (also as a context manager) rather than the constructor."""

    def __init__(self, path: Path, connection: sqlite3.Connection, space_fingerprint: str) -> None:
        self.path = path
        self.space_fingerprint = space_fingerprint
        self._connection = connection
        self._lock = threading.Lock()  # executors may report results from another thread
        self._index: dict[str, tuple[DesignBatch, int]] = {}  # every stored design: its batch and row
        self._indexed_up_to = 0  # the sequence of the last batch in the index

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
        """Store `records` (one transaction per run of records with the same names), leaving out keys
        already stored; return how many were new."""
        return sum(self.add_batch(batch) for batch in batch_from_records(records))

    def add_batch(self, batch: DesignBatch) -> int:
        """Store the designs of `batch` in one transaction, leaving out keys already stored (or repeated in
        the batch); return how many were new.

        If the transaction fails (a full disk, an I/O error), nothing of it is kept and the store stays as
        it was after the previous `add`; the InputError says how many designs that is.
        """
        with self._lock:
            connection = self._connection
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    self._catch_up()  # what other writers committed meanwhile
                    new = self._new_designs(batch)
                    sequence = None
                    if len(new):
                        cursor = connection.execute("INSERT INTO batches (designs, columns) VALUES (?, ?)", (len(new), encode_batch(new)))
                        sequence = cursor.lastrowid
                    connection.execute("COMMIT")
                except BaseException:
                    # SQLite has already rolled back after some errors (SQLITE_FULL, SQLITE_IOERR), and a
                    # second ROLLBACK would fail with "no transaction is active" and hide the real error.
                    if connection.in_transaction:
                        with contextlib.suppress(*STORE_ERRORS):
                            connection.execute("ROLLBACK")
                    raise
            except RowError as error:
                raise damaged(self.path, str(error)) from None
            except STORE_ERRORS as error:
                raise store_error(error, self.path, stored=self._count_or_none()) from None
            if sequence is not None:
                self._remember(new, int(sequence))
            return len(new)

    def get(self, keys: Iterable[str]) -> dict[str, DesignRecord]:
        """The stored records among `keys` (unknown keys are simply absent), by key."""
        with self._lock, self._reading():
            self._catch_up()
            found = {}
            for key in keys:
                place = self._index.get(key)
                if place is not None:
                    found[key] = place[0].record(place[1])
            return found

    def stored(self, keys: Sequence[str]) -> tuple[np.ndarray, DesignBatch | None]:
        """Which of `keys` are stored (their positions in `keys`, ascending) and those designs as one batch."""
        with self._lock, self._reading():
            self._catch_up()
            return stored_designs(self._index, keys)

    def records(self) -> list[DesignRecord]:
        """Every stored record, in the order the records first arrived (read afresh from the file)."""
        with self._lock, self._reading():
            rows = self._connection.execute("SELECT sequence, designs, columns FROM batches ORDER BY sequence").fetchall()
            records: list[DesignRecord] = []
            seen: set[str] = set()
            for row in rows:
                batch = _batch_of(row)
                if not seen.isdisjoint(batch.keys):
                    raise RowError(f"batch {quoted(row[0])}: it holds a design an earlier batch holds")
                seen.update(batch.keys)
                records.extend(batch.records())
            return records

    def __iter__(self) -> Iterator[DesignRecord]:
        return iter(self.records())

    def __len__(self) -> int:
        with self._lock, self._reading():
            self._catch_up()
            return len(self._index)

    def _new_designs(self, batch: DesignBatch) -> DesignBatch:
        """The designs of `batch` not stored yet, each once."""
        keys, index = batch.keys, self._index
        if index.keys().isdisjoint(keys) and len(set(keys)) == len(keys):
            return batch
        fresh: dict[str, int] = {}
        for position, key in enumerate(keys):
            if key not in index and key not in fresh:
                fresh[key] = position
        return batch.take(list(fresh.values()))

    def _catch_up(self) -> None:
        """Index the batches committed since the last look (by this store or another writer)."""
        rows = self._connection.execute(
            "SELECT sequence, designs, columns FROM batches WHERE sequence > ? ORDER BY sequence", (self._indexed_up_to,)
        ).fetchall()
        for row in rows:
            batch = _batch_of(row)
            if not self._index.keys().isdisjoint(batch.keys):
                raise RowError(f"batch {quoted(row[0])}: it holds a design an earlier batch holds")
            self._remember(batch, int(row[0]))

    def _remember(self, batch: DesignBatch, sequence: int) -> None:
        self._index.update(zip(batch.keys, zip(itertools.repeat(batch), range(len(batch)))))
        self._indexed_up_to = max(self._indexed_up_to, sequence)

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
        (count,) = self._connection.execute("SELECT COALESCE(SUM(designs), 0) FROM batches").fetchone()
        return int(count)

    def _count_or_none(self) -> int | None:
        """How many designs are stored, or None if even that cannot be read."""
        try:
            return self._count()
        except STORE_ERRORS:
            return None


def _batch_of(row: tuple[object, ...]) -> DesignBatch:
    """The batch of one row (sequence, designs, columns), or RowError naming the batch."""
    sequence, designs, data = row
    try:
        batch = decode_batch(data)  # type: ignore[arg-type]
        if designs != len(batch):
            raise RowError(f"it counts {quoted(designs)} designs but holds {len(batch)}")
    except RowError as error:
        raise RowError(f"batch {quoted(sequence)}: {error}") from None
    return batch


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
