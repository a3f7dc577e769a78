"""Damaged result stores: byte flips and truncation of the SQLite file, and edits made through SQLite
(rows with broken JSON or wrong types, meta entries changed or removed, columns and tables dropped or
renamed, a garbage write-ahead log beside the file)."""

from __future__ import annotations

import sqlite3

from fuzz_mutations import EXTREME_NUMBERS, Rng, flip_bytes, short

#: Values written into a designs cell: not JSON, JSON of the wrong shape or type, huge, deep, blobs.
CELL_VALUES: tuple[object, ...] = (
    "",
    "not json",
    "{",
    "[]",
    "{}",
    "null",
    "1e999",
    '{"rows": "x"}',
    '{"float": "nan"}',
    '{"a": {"float": "bogus"}}',
    "9" * 5000,
    '{"n": ' + "9" * 5000 + "}",
    "[" * 100_000 + "]" * 100_000,
    '"\\ud800"',
    b"\x00\xff\xfe",
    12345,
    -1,
    2.5,
    2**63 - 1,
    "A" * 200_000,
)
_PAGE = 4096


def _sql_edit(rng: Rng, connection: sqlite3.Connection) -> str:
    """One damaging edit made through SQLite; returns what it did."""
    columns = [row[1] for row in connection.execute("PRAGMA table_info(designs)")]
    meta_names = [name for (name,) in connection.execute("SELECT name FROM meta")]
    kind = rng.choice(("cell", "cell", "cell", "meta", "meta_delete", "drop_column", "rename_column", "drop_table", "extra_row", "delete_rows"))
    if kind == "cell":
        column = rng.choice([column for column in columns if column != "sequence"] or columns)
        value = rng.choice(CELL_VALUES)
        connection.execute(f"UPDATE designs SET {column} = ? WHERE sequence = (SELECT MIN(sequence) FROM designs)", (value,))
        return f"designs.{column} of the first row = {short(value)}"
    if kind == "meta" and meta_names:
        name = rng.choice(meta_names)
        value = rng.choice(("", "2", "0", "x", "mapscope-explore-results", "A" * 100_000, *EXTREME_NUMBERS[:12]))
        connection.execute("UPDATE meta SET value = ? WHERE name = ?", (value, name))
        return f"meta {name} = {short(value)}"
    if kind == "meta_delete" and meta_names:
        name = rng.choice(meta_names)
        connection.execute("DELETE FROM meta WHERE name = ?", (name,))
        return f"delete meta {name}"
    if kind == "drop_column":
        column = rng.choice(("metrics", "violation", "feasible", "parameters"))
        try:
            connection.execute(f"ALTER TABLE designs DROP COLUMN {column}")
        except sqlite3.Error as error:
            return f"drop column {column} refused by SQLite ({error})"
        return f"drop column designs.{column}"
    if kind == "rename_column":
        column = rng.choice([column for column in columns if column != "sequence"] or columns)
        connection.execute(f"ALTER TABLE designs RENAME COLUMN {column} TO renamed")
        return f"rename column designs.{column}"
    if kind == "drop_table":
        table = rng.choice(("designs", "meta"))
        connection.execute(f"DROP TABLE {table}")
        return f"drop table {table}"
    if kind == "extra_row":
        connection.execute(
            "INSERT INTO designs (key, parameters, metrics, feasible, violation) VALUES (?, ?, ?, ?, ?)",
            (rng.choice(("{}", "x", '{"num_pes":8}')), rng.choice(CELL_VALUES), rng.choice(CELL_VALUES), rng.choice((1, 0, 7, "yes")), None),
        )
        return "insert a bad row"
    connection.execute("DELETE FROM designs")
    return "delete every design"


def _through_sqlite(rng: Rng, data: bytes) -> tuple[bytes, list[str]]:
    """`data` after 1-2 edits made by SQLite, in memory (the image is marked as a rollback-journal database,
    since SQLite keeps no write-ahead log in memory; the store switches it back to WAL when it opens it)."""
    image = bytearray(data)
    image[18:20] = b"\x01\x01"  # file format read/write versions: 2 is WAL, 1 the rollback journal
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        connection.deserialize(bytes(image))
        steps = []
        for _ in range(rng.randint(1, 2)):
            try:
                steps.append(_sql_edit(rng, connection))
            except (sqlite3.Error, IndexError) as error:  # an edit the previous one made impossible
                steps.append(f"edit refused ({error})")
        return connection.serialize(), steps
    finally:
        connection.close()


def mutate_store(rng: Rng, data: bytes) -> tuple[dict[str, bytes], list[str]]:
    """Files for a damaged copy of the store `data`: ``store.db`` and sometimes a ``store.db-wal``."""
    roll = rng.random()
    if roll < 0.5:
        damaged, steps = _through_sqlite(rng, data)
        return {"store.db": damaged}, steps
    if roll < 0.7:
        # bytes in the header page hold SQLite's own bookkeeping: flip there half the time
        limit = 100 if rng.random() < 0.5 else len(data)
        position = rng.randrange(min(limit, len(data)))
        buffer = bytearray(data)
        buffer[position] ^= rng.randint(1, 255)
        return {"store.db": flip_bytes(rng, bytes(buffer), rng.randint(0, 3))}, [f"flip byte {position} and a few more"]
    if roll < 0.85:
        cut = rng.choice((rng.randrange(len(data)), _PAGE * rng.randint(0, max(1, len(data) // _PAGE - 1)), 0, 50))
        return {"store.db": data[:cut]}, [f"truncate to {cut} bytes"]
    if roll < 0.93:
        page = rng.randrange(max(1, len(data) // _PAGE))
        zeroed = data[: page * _PAGE] + bytes(_PAGE) + data[(page + 1) * _PAGE :]
        return {"store.db": zeroed[: len(data)]}, [f"zero page {page}"]
    return {"store.db": data, "store.db-wal": rng.randbytes(rng.choice((32, 4096, 8192)))}, ["garbage write-ahead log"]
