"""A damaged result store is one InputError naming the store and what to do, on open and on every read.

Damage to pages (random bytes, truncation, a zeroed header), to the layout (a dropped, renamed or retyped
column, a dropped table) and to stored batches (changed bytes, a header that is not JSON, columns of the
wrong length or type, a design stored twice), and garbage in the write-ahead log.
"""

from __future__ import annotations

import json
import os
import random
import struct
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.errors import InputError
from mapscope.formats.results.store import design_key
from mapscope.formats.results.store_batch import batch_from_records
from mapscope.formats.results.store_codec import decode_batch, encode_batch
from mapscope.formats.results.store_rows import RowError
from store_records import make_record, open_store

RECORDS = 400
PER_BATCH = 50
PAGE_BYTES = 4096


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed store of RECORDS designs in batches of PER_BATCH (many pages: the table, overflow pages, meta)."""
    path = tmp_path_factory.mktemp("pristine") / "results.db"
    with open_store(path, resume=False) as store:
        for start in range(0, RECORDS, PER_BATCH):
            store.add([make_record(index) for index in range(start, start + PER_BATCH)])
    return path


@pytest.fixture
def store_path(pristine: Path, tmp_path: Path) -> Path:
    path = tmp_path / "results.db"
    shutil.copy(pristine, path)
    return path


def execute(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()


def root_page(path: Path, name: str) -> int:
    connection = sqlite3.connect(path)
    try:
        (page,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    finally:
        connection.close()
    return int(page)


def overwrite(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(data)


def random_page(path: Path, page: int) -> None:
    overwrite(path, (page - 1) * PAGE_BYTES, random.Random(page).randbytes(PAGE_BYTES))


def rebuild_batches(path: Path, columns: str) -> None:
    """Replace the batches table by one with `columns` (same rows), as a hand edit with a SQLite tool would."""
    execute(
        path,
        "BEGIN",
        f"CREATE TABLE rebuilt ({columns})",
        "INSERT INTO rebuilt SELECT sequence, designs, columns FROM batches",
        "DROP TABLE batches",
        "ALTER TABLE rebuilt RENAME TO batches",
        "COMMIT",
    )


FULL_COLUMNS = "sequence INTEGER PRIMARY KEY AUTOINCREMENT, designs INTEGER NOT NULL, columns BLOB NOT NULL"

#: Damage SQLite or the layout check finds when the store is opened (or, inside a stored value, its checksum
#: when it is first read), and words the refusal must contain.
DAMAGE_FOUND_ON_OPEN: dict[str, tuple[Callable[[Path], None], str]] = {
    "random-bytes-over-the-table-root": (lambda p: random_page(p, root_page(p, "batches")), "damaged"),
    "random-bytes-over-the-last-page": (lambda p: random_page(p, p.stat().st_size // PAGE_BYTES), "damaged"),
    "truncated-to-half": (lambda p: _truncate(p, p.stat().st_size // 2), "damaged"),
    "truncated-mid-page": (lambda p: _truncate(p, p.stat().st_size - 1000), "damaged"),
    "zeroed-header": (lambda p: overwrite(p, 0, bytes(100)), "damaged"),
    "zeroed-first-page": (lambda p: overwrite(p, 0, bytes(PAGE_BYTES)), "damaged"),
    "dropped-column": (lambda p: execute(p, "ALTER TABLE batches DROP COLUMN designs"), "columns"),
    "renamed-column": (lambda p: execute(p, "ALTER TABLE batches RENAME COLUMN columns TO payload"), "payload"),
    "added-column": (lambda p: execute(p, "ALTER TABLE batches ADD COLUMN note TEXT"), "note"),
    "retyped-column": (lambda p: rebuild_batches(p, FULL_COLUMNS.replace("designs INTEGER", "designs TEXT")), "types"),
    "nullable-column": (lambda p: rebuild_batches(p, FULL_COLUMNS.replace("columns BLOB NOT NULL", "columns BLOB")), "constraints"),
    "dropped-batches-table": (lambda p: execute(p, "DROP TABLE batches"), "batches table is missing"),
    "dropped-meta-table": (lambda p: execute(p, "DROP TABLE meta"), "no meta table"),
}


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as handle:
        handle.truncate(size)


@pytest.mark.parametrize("damage", list(DAMAGE_FOUND_ON_OPEN))
def test_damage_is_refused_on_open_in_one_line_naming_the_store(store_path: Path, damage: str) -> None:
    apply, words = DAMAGE_FOUND_ON_OPEN[damage]
    apply(store_path)
    before = store_path.read_bytes()
    with pytest.raises(InputError) as caught, open_store(store_path) as store:
        store.records()  # damage inside a stored value (not a page SQLite checks) is refused on the first read
    message = str(caught.value)
    assert caught.value.where == str(store_path)
    assert words in message
    assert "delete it" in message and "another --store" in message
    assert "\n" not in message
    assert store_path.read_bytes() == before  # refused without repair attempts or writes
    assert sorted(entry.name for entry in store_path.parent.iterdir()) == ["results.db"]


def _set_column(column: str, value: object, sequence: int = 2) -> Callable[[Path], None]:
    return lambda path: execute_with(path, f"UPDATE batches SET {column} = ? WHERE sequence = ?", (value, sequence))


def execute_with(path: Path, statement: str, values: tuple[object, ...]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(statement, values)
    finally:
        connection.close()


def stored_value(path: Path, sequence: int = 2) -> bytes:
    connection = sqlite3.connect(path)
    try:
        (value,) = connection.execute("SELECT columns FROM batches WHERE sequence = ?", (sequence,)).fetchone()
    finally:
        connection.close()
    return bytes(value)


def sealed(header: dict[str, object], payloads: list[bytes]) -> bytes:
    """A stored value with a valid checksum around `header` and `payloads`, as a hand edit that knows the format would write."""
    head = json.dumps(header, separators=(",", ":")).encode()
    body = b"".join([head, *payloads])
    return b"MSB1" + struct.pack("<II", len(head), zlib.crc32(body)) + body


def opened(value: bytes) -> tuple[dict[str, object], list[bytes]]:
    """The header and column payloads of a stored value."""
    (length,) = struct.unpack("<I", value[4:8])
    header = json.loads(value[12 : 12 + length])
    payloads, offset = [], 12 + length
    for column in header["columns"]:
        payloads.append(value[offset : offset + column[3]])
        offset += column[3]
    return header, payloads


def _edited(edit: Callable[[dict[str, object], list[bytes]], None]) -> Callable[[Path], None]:
    """Damage: batch 2 re-sealed after `edit` changed its header or payloads (in place)."""

    def apply(path: Path) -> None:
        header, payloads = opened(stored_value(path))
        edit(header, payloads)
        for column, payload in zip(header["columns"], payloads):  # type: ignore[union-attr]
            column[3] = len(payload)
        _set_column("columns", sealed(header, payloads))(path)

    return apply


def _column_position(header: dict[str, object], role: str, name: str = "") -> int:
    return next(i for i, column in enumerate(header["columns"]) if column[0] == role and column[1] == name)  # type: ignore[union-attr]


def _replace_payload(role: str, name: str, payload: bytes, kind: str | None = None) -> Callable[[Path], None]:
    def edit(header: dict[str, object], payloads: list[bytes]) -> None:
        position = _column_position(header, role, name)
        payloads[position] = payload
        if kind is not None:
            header["columns"][position][2] = kind  # type: ignore[index]

    return _edited(edit)


def _flip_byte(path: Path) -> None:
    value = bytearray(stored_value(path))
    value[-5] ^= 0x40
    _set_column("columns", bytes(value))(path)


def _copy_of_batch_1(path: Path) -> None:
    _set_column("columns", stored_value(path, 1))(path)


def _header_text(text: bytes) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        _, payloads = opened(stored_value(path))
        body = b"".join([text, *payloads])
        _set_column("columns", b"MSB1" + struct.pack("<II", len(text), zlib.crc32(body)) + body)(path)

    return apply


def _two_of_a_design(header: dict[str, object], payloads: list[bytes]) -> None:
    position = _column_position(header, "parameter", "num_pes")
    values = list(struct.unpack(f"<{PER_BATCH}q", payloads[position]))
    values[1] = values[0]
    payloads[position] = struct.pack(f"<{PER_BATCH}q", *values)
    dataflow, buffering = _column_position(header, "parameter", "dataflow"), _column_position(header, "parameter", "double_buffering")
    flows = json.loads(payloads[dataflow])
    flows[1] = flows[0]
    payloads[dataflow] = json.dumps(flows).encode()
    flags = bytearray(payloads[buffering])
    flags[1] = flags[0]
    payloads[buffering] = bytes(flags)
    bandwidth = _column_position(header, "parameter", "noc_bandwidth_elems_per_cycle")
    widths = list(struct.unpack(f"<{PER_BATCH}d", payloads[bandwidth]))
    widths[1] = widths[0]
    payloads[bandwidth] = struct.pack(f"<{PER_BATCH}d", *widths)


def _drop_column(role: str) -> Callable[[Path], None]:
    def edit(header: dict[str, object], payloads: list[bytes]) -> None:
        position = _column_position(header, role)
        del header["columns"][position]  # type: ignore[attr-defined]
        del payloads[position]

    return _edited(edit)


#: Damage inside one stored batch (sequence 2: designs 50 to 99), found when it is read, and words the error must contain.
DAMAGED_ROWS: dict[str, tuple[Callable[[Path], None], str]] = {
    "not-bytes": (_set_column("columns", "runtime=1"), "not the bytes of a batch"),
    "other-start": (_set_column("columns", b"PK\x03\x04" + bytes(40)), "does not start as a stored batch does"),
    "a-byte-changed": (_flip_byte, "checksum"),
    "truncated": (lambda p: _set_column("columns", stored_value(p)[:-9])(p), "checksum"),
    "designs-miscounted": (_set_column("designs", 49), "counts 49 designs but holds 50"),
    "designs-text": (_set_column("designs", "many"), "counts 'many' designs"),
    "header-not-json": (_header_text(b"{designs: 50"), "header is not valid JSON"),
    "header-deep-nesting": (_header_text(b"[" * 100_000 + b"]" * 100_000), "header is not valid JSON"),
    "header-huge-integer": (_header_text(b'{"designs": ' + b"9" * 5000 + b"}"), "header is not valid JSON"),
    "header-a-list": (_header_text(b"[50]"), "not a batch header"),
    "header-odd-column": (_edited(lambda h, p: h["columns"][0].__setitem__(2, "int32")), "describes a column"),  # type: ignore[index]
    "column-too-short": (_replace_payload("metric", "runtime_cycles", bytes(8)), "does not hold 50 values"),
    "metric-strings": (_replace_payload("metric", "runtime_cycles", json.dumps(["fast"] * 50).encode(), "json"), "metric 'runtime_cycles'"),
    "metric-bools": (_replace_payload("metric", "runtime_cycles", bytes(50), "bool"), "stored as bool"),
    "metric-nulls": (_replace_payload("metric", "runtime_cycles", json.dumps([None] * 50).encode(), "json"), "metric 'runtime_cycles'"),
    "metric-not-json": (_replace_payload("metric", "runtime_cycles", b"[1, 2,", "json"), "not valid JSON"),
    "parameter-lists": (_replace_payload("parameter", "dataflow", json.dumps([[8, 16]] * 50).encode()), "parameter 'dataflow'"),
    "feasible-2": (_replace_payload("feasible", "", bytes([2]) * 50), "other than 0 or 1"),
    "feasible-as-json": (_replace_payload("feasible", "", json.dumps([True] * 50).encode(), "json"), "feasible is stored as json"),
    "violation-numbers": (_replace_payload("violation", "", json.dumps([1] * 50).encode()), "violation holds 1"),
    "no-violations": (_drop_column("violation"), "no violation column"),
    "a-design-twice": (_edited(_two_of_a_design), "holds a design twice"),
    "a-design-of-another-batch": (_copy_of_batch_1, "holds a design an earlier batch holds"),
}


@pytest.mark.parametrize("damage", list(DAMAGED_ROWS))
def test_a_damaged_row_is_refused_when_read_by_get_and_records(store_path: Path, damage: str) -> None:
    apply, words = DAMAGED_ROWS[damage]
    apply(store_path)
    damaged_key = make_record(60).key  # batch 2
    with open_store(store_path) as store:
        for read in (lambda: store.get([make_record(5).key, damaged_key]), store.records, lambda: list(store), lambda: len(store)):
            with pytest.raises(InputError) as caught:
                read()
            message = str(caught.value)
            assert caught.value.where == str(store_path)
            assert "the store is damaged: batch 2: " in message and words in message, message
            assert "delete it or use another --store" in message
            assert len(message) < 600 and "\n" not in message


def test_damage_appearing_while_the_store_is_open_is_refused_on_read(store_path: Path) -> None:
    with open_store(store_path) as store:
        execute(store_path, "ALTER TABLE batches DROP COLUMN designs")
        for read in (lambda: store.get([make_record(1).key]), store.records):
            with pytest.raises(InputError, match="the store is damaged: no such column: designs; delete it"):
                read()


def test_a_page_damaged_while_the_store_is_open_is_refused_on_read(store_path: Path) -> None:
    with open_store(store_path) as store:
        random_page(store_path, root_page(store_path, "batches"))
        store._connection.execute("PRAGMA shrink_memory")  # forget cached pages, so the next read meets the damage
        with pytest.raises(InputError, match="the store is damaged: database disk image is malformed"):
            store.records()


def test_foreign_file_errors_never_advise_deleting_it(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.db"
    execute(foreign, "CREATE TABLE meta (name TEXT, value TEXT)", "INSERT INTO meta VALUES ('format', 'recipes')")
    with pytest.raises(InputError) as caught:
        open_store(foreign)
    assert "not a mapscope result store" in str(caught.value) and "delete" not in str(caught.value)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_store_path_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "results.db"
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    for resume in (False, True):
        with pytest.raises(InputError, match="is a folder" if kind == "folder" else "not a regular file") as caught:
            open_store(path, resume=resume)
        assert caught.value.where == str(path)


def test_a_store_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(InputError, match="cannot create the result store: its folder path runs through a file"):
        open_store(tmp_path / "plain" / "results.db", resume=True)


CRASHING_WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from store_records import FINGERPRINT, make_record
    from mapscope.formats.results.store import ResultStore
    store = ResultStore.open(Path(sys.argv[1]), space_fingerprint=FINGERPRINT, space_document="", resume=False)
    for start in range(0, 300, 50):
        store.add([make_record(index) for index in range(start, start + 50)])
    os._exit(0)  # as kill -9 would: the committed batches are only in the -wal file
    """
)


def crashed_store(path: Path) -> None:
    """A store whose writer died after six committed batches: results.db, its -wal and its -shm."""
    subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(path), str(Path(__file__).parent)], check=True)
    assert path.with_name("results.db-wal").stat().st_size > 0


@pytest.mark.parametrize(
    "garbage",
    [
        "random-log",
        "random-frames",
        "truncated-log",
        "random-shared-memory",
    ],
)
def test_a_garbage_log_loses_at_most_its_batches_and_resume_completes_the_store(tmp_path: Path, garbage: str) -> None:
    """SQLite ignores log frames that fail their checksums, as after a crash while writing them: the store
    opens with fewer designs (whole batches only) and a resume recomputes the rest."""
    path = tmp_path / "results.db"
    crashed_store(path)
    log, shared = path.with_name("results.db-wal"), path.with_name("results.db-shm")
    size = log.stat().st_size
    noise = random.Random(garbage).randbytes
    if garbage == "random-log":
        log.write_bytes(noise(size))
    elif garbage == "random-frames":
        overwrite(log, 32 + 3 * (24 + PAGE_BYTES), noise(size // 2))
    elif garbage == "truncated-log":
        _truncate(log, size // 2 + 7)
    else:
        shared.write_bytes(noise(shared.stat().st_size))
    with open_store(path) as store:
        kept = [record.key for record in store.records()]
        assert kept == [make_record(index).key for index in range(len(kept))]
        assert len(kept) % 50 == 0
        store.add([make_record(index) for index in range(300)])
    with open_store(path) as store:
        assert [record.key for record in store.records()] == [make_record(index).key for index in range(300)]


VALUE = encode_batch(batch_from_records([make_record(index) for index in range(6)])[0])


@settings(max_examples=examples(60), deadline=None)
@given(cut=st.integers(0, 2000), insert=st.binary(max_size=8), drop=st.integers(0, 8))
def test_any_edited_value_reads_as_a_batch_or_a_row_error(cut: int, insert: bytes, drop: int) -> None:
    """Fuzzing one stored value: bytes inserted and removed anywhere, then sealed again with a valid
    checksum (as a hand edit that knows the format would), so the column checks themselves are tried."""
    position = 12 + cut % (len(VALUE) - 11)
    edited = VALUE[:position] + insert + VALUE[position + drop :]
    length = struct.unpack("<I", edited[4:8])[0] if len(edited) >= 12 else 0
    resealed = edited[:8] + struct.pack("<I", zlib.crc32(edited[12:])) + edited[12:] if len(edited) >= 12 else edited
    try:
        batch = decode_batch(resealed)
    except RowError:
        pass
    else:
        for record in batch.records():
            assert record.key == design_key(record.parameters)
    assert length >= 0


@pytest.fixture(scope="module")
def pristine_bytes(pristine: Path) -> bytes:
    return pristine.read_bytes()


@settings(max_examples=examples(40), deadline=None)
@given(data=st.data())
def test_any_damaged_file_gives_records_or_an_input_error(pristine_bytes: bytes, data: st.DataObject) -> None:
    """Random bytes over random places of a store: every operation works or raises InputError, nothing else."""
    content = bytearray(pristine_bytes)
    for _ in range(data.draw(st.integers(1, 3), label="patches")):
        start = data.draw(st.integers(0, len(content) - 1), label="start")
        patch = data.draw(st.binary(min_size=1, max_size=600), label="patch")
        content[start : start + len(patch)] = patch
    if data.draw(st.booleans(), label="truncate"):
        del content[data.draw(st.integers(0, len(content)), label="length") :]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.db"
        path.write_bytes(bytes(content))
        try:
            with open_store(path) as store:
                len(store)
                store.get([make_record(index).key for index in range(0, RECORDS, 7)])
                store.records()
                store.add([make_record(index) for index in range(RECORDS, RECORDS + 20)])
        except InputError as error:
            assert error.where == str(path) and "\n" not in str(error)
