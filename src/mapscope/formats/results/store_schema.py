"""The layout of a result store, and the checks that an existing file is one, intact, made for this space.

A store holds a ``meta`` table (format, version, space fingerprint and document) and a ``batches`` table:
one row per committed batch of designs, its columns typed and packed in one value (`store_codec`).
Opening an existing store checks, cheaply and without writing: that the file is SQLite, that its meta
table names this format and version and this design space, and that both tables have exactly the columns
this module creates (a dropped, renamed or retyped column is damage). Then, on the connection that will
write, `PRAGMA quick_check` reads every page once and verifies the B-tree structure. Batch contents are
verified as they are read (`store_codec.decode_batch`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mapscope.errors import InputError
from mapscope.formats.results.store_errors import STORE_ERRORS, damaged, describe, is_damage, store_error
from mapscope.limits import quoted

#: Name written into every store's meta table, so a foreign SQLite file is recognised as such.
STORE_FORMAT_NAME = "mapscope-explore-results"
#: Version of the table layout below; bump it when a column changes meaning or disappears.
#: Version 3: designs stored by batch as typed columns; version 2 stored one row of JSON text per design,
#: version 1 also kept counts as floats.
STORE_FORMAT_VERSION = 3
#: Why a store of an earlier version cannot be continued, by version.
_EARLIER_VERSIONS = {
    "1": "it was written by an earlier mapscope that kept counts such as runtime_cycles and macs as floats",
    "2": "it was written by an earlier mapscope that kept one row of JSON text per design",
}

SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE batches (sequence INTEGER PRIMARY KEY AUTOINCREMENT, designs INTEGER NOT NULL, columns BLOB NOT NULL)",
)
#: (name, declared type, NOT NULL, primary-key position) of every column SCHEMA creates, per table.
_COLUMNS = {
    "meta": [("name", "TEXT", 0, 1), ("value", "TEXT", 1, 0)],
    "batches": [("sequence", "INTEGER", 0, 1), ("designs", "INTEGER", 1, 0), ("columns", "BLOB", 1, 0)],
}
_NOT_A_STORE_ADVICE = "choose another --store"


def _short(fingerprint: str) -> str:
    return fingerprint if len(fingerprint) <= 12 else f"{fingerprint[:12]}…"


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change `path` nor create ``-wal``/``-shm`` files beside a cleanly closed store."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    log = path.with_name(f"{path.name}-wal")
    if not log.exists() or log.stat().st_size == 0:
        uri += "&immutable=1"  # nothing in a log to read, so skip SQLite's shared-memory files entirely
    return sqlite3.connect(uri, uri=True, isolation_level=None)


def _layout_problem(connection: sqlite3.Connection) -> str | None:
    """What differs between the tables of `connection` and those SCHEMA creates, or None."""
    for table, expected in _COLUMNS.items():
        found = [
            (name, str(kind).upper(), int(not_null), int(key))
            for _, name, kind, not_null, _, key in connection.execute(f"PRAGMA table_info({table})")
        ]
        if [column[0] for column in found] != [column[0] for column in expected]:
            names = ", ".join(column[0] for column in found)
            wanted = ", ".join(column[0] for column in expected)
            return f"its {table} table has the columns ({names}) instead of ({wanted})"
        if found != expected:
            return f"the types or constraints of its {table} columns were changed"
    return None


def check_identity(path: Path, space_fingerprint: str) -> None:
    """Raise InputError unless `path` is a mapscope result store of this format, intact in layout, made for
    this design space. Reads only the first pages, writes nothing, and leaves no file beside `path`."""
    where = str(path)
    confirmed = False  # the meta table names our format: from then on, trouble is damage to a store
    try:
        connection = connect_read_only(path)
    except STORE_ERRORS as error:
        raise store_error(error, path) from None
    try:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            raise InputError(
                f"not a mapscope result store: the file holds no tables (empty file?); {_NOT_A_STORE_ADVICE}", where
            )
        if "meta" not in tables:
            if "batches" in tables:
                raise damaged(path, "it has no meta table")
            raise InputError(
                f"not a mapscope result store: it has no meta and batches tables; {_NOT_A_STORE_ADVICE}", where
            )
        meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
        if meta.get("format") != STORE_FORMAT_NAME:
            raise InputError(
                f"not a mapscope result store: its meta table names format {quoted(meta.get('format'))};"
                f" {_NOT_A_STORE_ADVICE}",
                where,
            )
        confirmed = True
        current = meta.get("format_version") == str(STORE_FORMAT_VERSION)  # else refused below, with the reason
        if current and "batches" not in tables:
            raise damaged(path, "its batches table is missing")
        problem = _layout_problem(connection) if current else None
    except STORE_ERRORS as error:
        if confirmed or not is_damage(error):
            raise store_error(error, path) from None
        raise InputError(
            f"not a mapscope result store, or a damaged one ({describe(error)}); use another --store,"
            " or delete it if it is a damaged store",
            where,
        ) from None
    finally:
        connection.close()
    earlier = _EARLIER_VERSIONS.get(str(meta.get("format_version")))
    if earlier is not None:
        raise InputError(
            f"result store format version {meta.get('format_version')} cannot be continued: {earlier};"
            " start a new --store (this version evaluates its designs again)",
            where,
        )
    if meta.get("format_version") != str(STORE_FORMAT_VERSION):
        raise InputError(
            f"result store format version {quoted(meta.get('format_version'))} is not the supported version"
            f" {STORE_FORMAT_VERSION}; use the mapscope that made it, or another --store",
            where,
        )
    if problem is not None:
        raise damaged(path, problem)
    stored_fingerprint = str(meta.get("space_fingerprint", ""))
    if stored_fingerprint != space_fingerprint:
        raise InputError(
            f"the store was made for a different design space (store {quoted(_short(stored_fingerprint))},"
            f" this space {_short(space_fingerprint)}); use the original space file or another --store",
            where,
        )


def check_pages(connection: sqlite3.Connection, path: Path) -> None:
    """Raise InputError unless every page of the store is structurally sound (`PRAGMA quick_check`).

    Run in one read transaction, so a concurrent writer (WAL mode) cannot make a sound store look damaged.
    """
    try:
        connection.execute("BEGIN")
        try:
            findings = [str(finding) for (finding,) in connection.execute("PRAGMA quick_check(1)")]
        finally:
            connection.execute("COMMIT")
    except STORE_ERRORS as error:
        raise store_error(error, path) from None
    if findings != ["ok"]:
        finding = " ".join(findings).replace("*** in database main ***", "").strip()
        raise damaged(path, f"SQLite's page check found {quoted(finding)}")
