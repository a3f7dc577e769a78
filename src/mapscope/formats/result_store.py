"""The result store of `mapscope explore`: evaluated designs streamed into SQLite so a killed run resumes.

One SQLite file holds a ``meta`` table (format name and version, the design-space fingerprint and the
space document for humans) and a ``designs`` table keyed by the canonical design key. Every `add` is one
transaction in WAL mode, so a committed batch survives a crash of the process (kill -9), and
``INSERT OR IGNORE`` on the key makes replaying a batch after a resume harmless. Parameters and metrics
are stored as standard JSON text; non-finite floats are written as ``{"float": "nan"}`` (or ``"inf"``,
``"-inf"``) so they round-trip exactly and the text stays readable by SQLite's JSON functions.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from mapscope.errors import InputError

ParameterValue = int | float | str | bool

#: Name written into every store's meta table, so a foreign SQLite file is recognised as such.
STORE_FORMAT_NAME = "mapscope-explore-results"
#: Version of the table layout below; bump it when a column changes meaning or disappears.
STORE_FORMAT_VERSION = 1
#: Keys per ``IN (...)`` query in `ResultStore.get`, well under SQLite's host-parameter limit.
KEYS_PER_QUERY = 500

_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE designs ("
    " sequence INTEGER PRIMARY KEY AUTOINCREMENT,"
    " key TEXT NOT NULL UNIQUE,"
    " parameters TEXT NOT NULL,"
    " metrics TEXT NOT NULL,"
    " feasible INTEGER NOT NULL,"
    " violation TEXT)",
)
_NON_FINITE_TAG = "float"


@dataclass(frozen=True)
class DesignRecord:
    """One evaluated design: its identity, parameters, metrics, and whether the constraints kept it."""

    key: str
    parameters: dict[str, ParameterValue]
    metrics: dict[str, float]
    feasible: bool
    violation: str | None


def design_key(parameters: Mapping[str, ParameterValue]) -> str:
    """The canonical identity of a design: its parameters as compact JSON with sorted names."""
    return json.dumps(dict(parameters), sort_keys=True, separators=(",", ":"))


def _encode_mapping(values: Mapping[str, Any]) -> str:
    """`values` as standard JSON text (insertion order kept), non-finite floats tagged so they round-trip."""
    encoded = {
        name: {_NON_FINITE_TAG: repr(float(value))} if isinstance(value, float) and not math.isfinite(value) else value
        for name, value in values.items()
    }
    return json.dumps(encoded, separators=(",", ":"), allow_nan=False, default=_plain_scalar)


def _plain_scalar(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (json's fallback for types it does not know)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store a value of type {type(value).__name__} in the result store")


def _decode_mapping(text: str) -> dict[str, Any]:
    """The inverse of `_encode_mapping`."""
    decoded: dict[str, Any] = json.loads(text)
    for name, value in decoded.items():
        if isinstance(value, dict):
            decoded[name] = float(value[_NON_FINITE_TAG])
    return decoded


def _record_from_row(row: tuple[str, str, str, int, str | None]) -> DesignRecord:
    key, parameters, metrics, feasible, violation = row
    return DesignRecord(key, _decode_mapping(parameters), _decode_mapping(metrics), bool(feasible), violation)


def _short(fingerprint: str) -> str:
    return fingerprint if len(fingerprint) <= 12 else f"{fingerprint[:12]}…"


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

        Any refusal is an InputError and leaves an existing file exactly as it was.
        """
        path = Path(path)
        if path.exists():
            if not resume:
                raise InputError(
                    "the store already exists; pass --resume to continue it or choose another --store", str(path)
                )
            _check_existing_store(path, space_fingerprint)
        else:
            _create_store(path, space_fingerprint, space_document, resume)
        return cls(path, _connect_for_writing(path), space_fingerprint)

    def add(self, records: Sequence[DesignRecord]) -> int:
        """Store `records` in one transaction, ignoring keys already stored; return how many were new."""
        rows = [
            (
                record.key,
                _encode_mapping(record.parameters),
                _encode_mapping(record.metrics),
                int(bool(record.feasible)),
                record.violation,
            )
            for record in records
        ]
        with self._lock:
            changes_before = self._connection.total_changes
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                self._connection.executemany(
                    "INSERT OR IGNORE INTO designs (key, parameters, metrics, feasible, violation)"
                    " VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            return self._connection.total_changes - changes_before

    def get(self, keys: Iterable[str]) -> dict[str, DesignRecord]:
        """The stored records among `keys` (unknown keys are simply absent), by key."""
        unique_keys = list(dict.fromkeys(keys))
        found: dict[str, DesignRecord] = {}
        with self._lock:
            for start in range(0, len(unique_keys), KEYS_PER_QUERY):
                chunk = unique_keys[start : start + KEYS_PER_QUERY]
                placeholders = ",".join("?" * len(chunk))
                query = (
                    f"SELECT key, parameters, metrics, feasible, violation FROM designs WHERE key IN ({placeholders})"
                )
                for row in self._connection.execute(query, chunk):
                    found[row[0]] = _record_from_row(row)
        return found

    def records(self) -> list[DesignRecord]:
        """Every stored record, in the order the records first arrived."""
        with self._lock:
            rows = self._connection.execute(
                "SELECT key, parameters, metrics, feasible, violation FROM designs ORDER BY sequence"
            ).fetchall()
        return [_record_from_row(row) for row in rows]

    def __iter__(self) -> Iterator[DesignRecord]:
        return iter(self.records())

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._connection.execute("SELECT COUNT(*) FROM designs").fetchone()
        return int(count)

    def close(self) -> None:
        """Close the database; SQLite folds the write-ahead log back into the file and removes it."""
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _connect_for_writing(path: Path) -> sqlite3.Connection:
    """A read-write connection in WAL mode with explicit transactions (commits survive a process crash)."""
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error as error:
        raise InputError(f"cannot open the result store: {error}", str(path)) from None
    return connection


def _create_store(path: Path, space_fingerprint: str, space_document: str, resume: bool) -> None:
    """Build a complete empty store beside `path`, then link it into place only if `path` is still free."""
    try:
        descriptor, temporary_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".creating", dir=path.parent)
    except OSError as error:
        raise InputError(f"cannot create the result store: {error.strerror}", str(path)) from None
    os.close(descriptor)
    try:
        current_umask = os.umask(0)
        os.umask(current_umask)
        os.chmod(temporary_name, 0o666 & ~current_umask)  # mkstemp creates 0600; give the usual permissions
        connection = sqlite3.connect(temporary_name, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("BEGIN")
            for statement in _SCHEMA:
                connection.execute(statement)
            meta = {
                "format": STORE_FORMAT_NAME,
                "format_version": str(STORE_FORMAT_VERSION),
                "space_fingerprint": space_fingerprint,
                "space_document": space_document,
            }
            connection.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", meta.items())
            connection.execute("COMMIT")
        finally:
            connection.close()
        try:
            os.link(temporary_name, path)  # fails if another process created `path` meanwhile
        except FileExistsError:
            if not resume:
                raise InputError(
                    "the store already exists; pass --resume to continue it or choose another --store", str(path)
                ) from None
            _check_existing_store(path, space_fingerprint)
        except OSError:  # file systems without hard links
            os.replace(temporary_name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary_name)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change `path` nor create ``-wal``/``-shm`` files beside a cleanly closed store."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    log = path.with_name(f"{path.name}-wal")
    if not log.exists() or log.stat().st_size == 0:
        uri += "&immutable=1"  # nothing in a log to read, so skip SQLite's shared-memory files entirely
    return sqlite3.connect(uri, uri=True, isolation_level=None)


def _check_existing_store(path: Path, space_fingerprint: str) -> None:
    """Raise InputError unless `path` is a mapscope result store of this format made for this design space."""
    where = str(path)
    try:
        connection = _connect_read_only(path)
    except (OSError, sqlite3.Error) as error:
        raise InputError(f"cannot open the result store: {error}", where) from None
    try:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            raise InputError("not a mapscope result store: the file holds no tables (empty file?)", where)
        if not {"meta", "designs"} <= tables:
            raise InputError("not a mapscope result store: it has no meta and designs tables", where)
        meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
    except sqlite3.Error as error:
        raise InputError(f"not a mapscope result store: {error}", where) from None
    finally:
        connection.close()
    if meta.get("format") != STORE_FORMAT_NAME:
        raise InputError(f"not a mapscope result store: its meta table names format {meta.get('format')!r}", where)
    if meta.get("format_version") != str(STORE_FORMAT_VERSION):
        raise InputError(
            f"result store format version {meta.get('format_version')} is not the supported version"
            f" {STORE_FORMAT_VERSION}",
            where,
        )
    stored_fingerprint = str(meta.get("space_fingerprint", ""))
    if stored_fingerprint != space_fingerprint:
        raise InputError(
            f"the store was made for a different design space (store {_short(stored_fingerprint)},"
            f" this space {_short(space_fingerprint)}); use the original space file or another --store",
            where,
        )
