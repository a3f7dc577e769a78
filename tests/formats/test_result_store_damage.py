"""A damaged result store is one InputError naming the store and what to do, on open and on every read.

Damage to pages (random bytes, truncation, a zeroed header), to the layout (a dropped, renamed or retyped
column, a dropped table, a lost key index) and to rows (text that is not JSON, values of the wrong type, a
key that is not its parameters' key, feasible other than 0/1), and garbage in the write-ahead log.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.errors import InputError
from mapscope.formats.results.store import design_key
from mapscope.formats.results.store_rows import RowError, record_from_row, row_values
from store_records import make_record, open_store

RECORDS = 400
PAGE_BYTES = 4096


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed store of RECORDS designs (many pages: the table, its key index, the meta table)."""
    path = tmp_path_factory.mktemp("pristine") / "results.db"
    with open_store(path, resume=False) as store:
        store.add([make_record(index) for index in range(RECORDS)])
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


def rebuild_designs(path: Path, columns: str) -> None:
    """Replace the designs table by one with `columns` (same rows), as a hand edit with a SQLite tool would."""
    execute(
        path,
        "BEGIN",
        f"CREATE TABLE rebuilt ({columns})",
        "INSERT INTO rebuilt SELECT sequence, key, parameters, metrics, feasible, violation FROM designs",
        "DROP TABLE designs",
        "ALTER TABLE rebuilt RENAME TO designs",
        "COMMIT",
    )


FULL_COLUMNS = (
    "sequence INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, parameters TEXT NOT NULL,"
    " metrics TEXT NOT NULL, feasible INTEGER NOT NULL, violation TEXT"
)

#: Damage SQLite or the layout check finds when the store is opened, and words the refusal must contain.
DAMAGE_FOUND_ON_OPEN: dict[str, tuple[Callable[[Path], None], str]] = {
    "random-bytes-over-a-table-page": (lambda p: random_page(p, root_page(p, "designs") + 5), "damaged"),
    "random-bytes-over-the-table-root": (lambda p: random_page(p, root_page(p, "designs")), "damaged"),
    "random-bytes-over-the-key-index": (lambda p: random_page(p, root_page(p, "sqlite_autoindex_designs_1")), "damaged"),
    "random-bytes-over-the-last-page": (lambda p: random_page(p, p.stat().st_size // PAGE_BYTES), "damaged"),
    "truncated-to-half": (lambda p: _truncate(p, p.stat().st_size // 2), "damaged"),
    "truncated-mid-page": (lambda p: _truncate(p, p.stat().st_size - 1000), "damaged"),
    "zeroed-header": (lambda p: overwrite(p, 0, bytes(100)), "damaged"),
    "zeroed-first-page": (lambda p: overwrite(p, 0, bytes(PAGE_BYTES)), "damaged"),
    "dropped-column": (lambda p: execute(p, "ALTER TABLE designs DROP COLUMN violation"), "columns"),
    "renamed-column": (lambda p: execute(p, "ALTER TABLE designs RENAME COLUMN metrics TO measures"), "measures"),
    "added-column": (lambda p: execute(p, "ALTER TABLE designs ADD COLUMN note TEXT"), "note"),
    "retyped-column": (lambda p: rebuild_designs(p, FULL_COLUMNS.replace("feasible INTEGER", "feasible TEXT")), "types"),
    "nullable-column": (lambda p: rebuild_designs(p, FULL_COLUMNS.replace("metrics TEXT NOT NULL", "metrics TEXT")), "constraints"),
    "lost-key-index": (lambda p: rebuild_designs(p, FULL_COLUMNS.replace(" UNIQUE", "")), "unique index"),
    "dropped-designs-table": (lambda p: execute(p, "DROP TABLE designs"), "designs table is missing"),
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
    with pytest.raises(InputError) as caught:
        open_store(store_path).close()
    message = str(caught.value)
    assert caught.value.where == str(store_path)
    assert words in message
    assert "delete it" in message and "another --store" in message
    assert "\n" not in message
    assert store_path.read_bytes() == before  # refused without repair attempts or writes
    assert sorted(entry.name for entry in store_path.parent.iterdir()) == ["results.db"]


def _set_column(column: str, value: object, sequence: int = 7) -> Callable[[Path], None]:
    return lambda path: execute_with(path, f"UPDATE designs SET {column} = ? WHERE sequence = ?", (value, sequence))


def execute_with(path: Path, statement: str, values: tuple[object, ...]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(statement, values)
    finally:
        connection.close()


def _other_parameters(path: Path) -> None:
    """Row 7's parameters replaced by row 8's: valid JSON, but no longer the parameters of its key."""
    execute(path, "UPDATE designs SET parameters = (SELECT parameters FROM designs WHERE sequence = 8) WHERE sequence = 7")


#: Damage inside one row (sequence 7), found when the row is read, and words the error must contain.
DAMAGED_ROWS: dict[str, tuple[Callable[[Path], None], str]] = {
    "parameters-not-json": (_set_column("parameters", '{"num_pes": 56,'), "parameters is not valid JSON"),
    "metrics-not-json": (_set_column("metrics", "runtime=1"), "metrics is not valid JSON"),
    "metrics-a-list": (_set_column("metrics", "[1, 2]"), "not an object"),
    "metrics-a-blob": (_set_column("metrics", b"{}"), "not JSON text"),
    "metric-a-string": (_set_column("metrics", '{"runtime_cycles": "fast"}'), "metric 'runtime_cycles'"),
    "metric-a-bool": (_set_column("metrics", '{"runtime_cycles": true}'), "metric 'runtime_cycles'"),
    "metric-null": (_set_column("metrics", '{"runtime_cycles": null}'), "metric 'runtime_cycles'"),
    "metric-bare-nan": (_set_column("metrics", '{"runtime_cycles": NaN}'), "bare NaN"),
    "metric-bad-tag": (_set_column("metrics", '{"runtime_cycles": {"float": "lots"}}'), "metric 'runtime_cycles'"),
    "huge-integer": (_set_column("metrics", '{"area_mm2": ' + "9" * 5000 + "}"), "not valid JSON"),
    "deep-nesting": (_set_column("metrics", '{"area_mm2": ' + "[" * 100_000 + "]" * 100_000 + "}"), "not valid JSON"),
    "parameter-a-list": (_set_column("parameters", '{"num_pes": [8, 16]}'), "parameter 'num_pes'"),
    "parameters-not-the-key": (_other_parameters, "is not the key of its parameters"),
    "feasible-2": (_set_column("feasible", 2), "feasible is 2"),
    "feasible-text": (_set_column("feasible", "yes"), "feasible is 'yes'"),
    "feasible-real": (_set_column("feasible", 0.5), "feasible is 0.5"),
    "violation-a-blob": (_set_column("violation", b"\x00"), "violation is"),
}


@pytest.mark.parametrize("damage", list(DAMAGED_ROWS))
def test_a_damaged_row_is_refused_when_read_by_get_and_records(store_path: Path, damage: str) -> None:
    apply, words = DAMAGED_ROWS[damage]
    apply(store_path)
    damaged_key = make_record(6).key  # sequence 7
    with open_store(store_path) as store:
        assert len(store) == RECORDS
        assert set(store.get([make_record(0).key, make_record(20).key])) == {make_record(0).key, make_record(20).key}
        for read in (lambda: store.get([make_record(5).key, damaged_key]), store.records, lambda: list(store)):
            with pytest.raises(InputError) as caught:
                read()
            message = str(caught.value)
            assert caught.value.where == str(store_path)
            assert "the store is damaged: designs row 7: " in message and words in message, message
            assert "delete it or use another --store" in message
            assert len(message) < 600 and "\n" not in message


def test_a_key_edited_by_hand_is_refused_by_records(store_path: Path) -> None:
    execute(store_path, "UPDATE designs SET key = '{\"num_pes\":1}' WHERE sequence = 3")
    with open_store(store_path) as store:
        assert store.get([make_record(2).key]) == {}  # the design is simply missing: a resume recomputes it
        with pytest.raises(InputError, match="designs row 3: its key '.*' is not the key of its parameters"):
            store.records()


def test_damage_appearing_while_the_store_is_open_is_refused_on_read(store_path: Path) -> None:
    with open_store(store_path) as store:
        execute(store_path, "ALTER TABLE designs DROP COLUMN violation")
        for read in (lambda: store.get([make_record(1).key]), store.records):
            with pytest.raises(InputError, match="the store is damaged: no such column: violation; delete it"):
                read()


def test_a_page_damaged_while_the_store_is_open_is_refused_on_read(store_path: Path) -> None:
    with open_store(store_path) as store:
        random_page(store_path, root_page(store_path, "designs") + 5)
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


ROW = (7, *row_values(make_record(6)))
COLUMN_VALUES = st.one_of(
    st.none(), st.integers(), st.floats(), st.text(max_size=30), st.binary(max_size=10), st.sampled_from(ROW[1:])
)


@settings(max_examples=examples(60), deadline=None)
@given(column=st.integers(1, 5), value=COLUMN_VALUES, cut=st.integers(0, 200), insert=st.text(max_size=5))
def test_any_row_reads_as_a_record_or_a_row_error(column: int, value: object, cut: int, insert: str) -> None:
    """Fuzzing one stored row: either a whole column replaced by any SQLite value, or a JSON text edited."""
    row = list(ROW)
    if isinstance(row[column], str) and column in (2, 3) and insert:
        text = str(row[column])
        row[column] = text[: cut % (len(text) + 1)] + insert + text[cut % (len(text) + 1) :]
    else:
        row[column] = value
    try:
        record = record_from_row(tuple(row))
    except RowError as error:
        assert str(error).startswith("designs row 7: ")
    else:
        assert record.key == design_key(record.parameters)


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
