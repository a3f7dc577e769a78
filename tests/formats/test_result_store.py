"""The exploration result store: exact round-trips, no duplicates, safe refusals, and surviving kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.errors import InputError
from mapscope.formats.results.store import (
    STORE_FORMAT_VERSION,
    DesignRecord,
    ResultStore,
    design_key,
)

FINGERPRINT = "3f2a9c0d5e6b7a8c9d0e1f2a3b4c5d6e"
OTHER_FINGERPRINT = "77aa00bb11cc22dd33ee44ff55aa66bb"
DOCUMENT = "parameters:\n  num_pes: [64, 128, 256]\n"


def make_record(index: int, feasible: bool = True) -> DesignRecord:
    parameters: dict[str, int | float | str | bool] = {
        "num_pes": 64 * (index + 1),
        "noc_bandwidth_elems_per_cycle": 0.5 * index,
        "dataflow": ["kcp_ws", "yr_os", "xp_ws"][index % 3],
        "double_buffering": index % 2 == 0,
    }
    metrics = {
        "runtime_cycles": float(1000 + index),
        "energy_nj": [float("nan"), float("inf"), float("-inf"), -0.0, 1e-300][index % 5],
        "area_um2": 12345.678901234567 * index,
    }
    return DesignRecord(design_key(parameters), parameters, metrics, feasible, None if feasible else "area_um2")


def comparable(record: DesignRecord) -> tuple[object, ...]:
    """`record` with every value as (type name, repr), so nan equals nan and 1 differs from 1.0 and True."""

    def exact(values: dict[str, object]) -> list[tuple[str, str, str]]:
        return [(name, type(value).__name__, repr(value)) for name, value in values.items()]

    return (record.key, exact(dict(record.parameters)), exact(dict(record.metrics)), record.feasible, record.violation)


def open_store(path: Path, *, resume: bool = False, fingerprint: str = FINGERPRINT) -> ResultStore:
    return ResultStore.open(path, space_fingerprint=fingerprint, space_document=DOCUMENT, resume=resume)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in `directory` with its bytes and modification time, to prove nothing was touched."""
    return {entry.name: (entry.read_bytes(), entry.stat().st_mtime_ns) for entry in directory.iterdir()}


def test_design_key_is_canonical() -> None:
    assert design_key({"b": 2, "a": 1.5}) == '{"a":1.5,"b":2}'
    assert design_key({"a": 1.5, "b": 2}) == design_key({"b": 2, "a": 1.5})


def test_round_trip_keeps_order_and_exact_values(tmp_path: Path) -> None:
    records = [make_record(index, feasible=index % 4 != 3) for index in range(12)]
    with open_store(tmp_path / "results.db") as store:
        assert store.add(records[:7]) == 7
        assert store.add(records[7:]) == 5
        assert len(store) == 12
        assert [comparable(record) for record in store.records()] == [comparable(record) for record in records]
        found = store.get([records[3].key, records[9].key, "not a key"])
        assert set(found) == {records[3].key, records[9].key}
        assert comparable(found[records[9].key]) == comparable(records[9])
    assert [entry.name for entry in tmp_path.iterdir()] == ["results.db"]  # no log or temporary file left


def test_store_layout_is_plain_sqlite(tmp_path: Path) -> None:
    open_store(tmp_path / "results.db").close()
    connection = sqlite3.connect(tmp_path / "results.db")
    meta = dict(connection.execute("SELECT name, value FROM meta"))
    (journal_mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    connection.close()
    assert meta["space_fingerprint"] == FINGERPRINT
    assert meta["space_document"] == DOCUMENT
    assert meta["format_version"] == str(STORE_FORMAT_VERSION)
    assert journal_mode == "wal"


def test_duplicates_are_ignored_within_calls_across_calls_and_across_resume(tmp_path: Path) -> None:
    path = tmp_path / "results.db"
    records = [make_record(index) for index in range(6)]
    with open_store(path) as store:
        assert store.add([records[0], records[1], records[0]]) == 2
        assert store.add(records[:4]) == 2
    with open_store(path, resume=True) as store:
        assert store.add(records) == 2
        assert store.add(records) == 0
        assert [record.key for record in store.records()] == [record.key for record in records]


def test_get_handles_thousands_of_keys(tmp_path: Path) -> None:
    records = [make_record(index) for index in range(3000)]
    with open_store(tmp_path / "results.db") as store:
        store.add(records)
        wanted = [record.key for record in records[::2]] + [f"missing {index}" for index in range(2000)]
        found = store.get(wanted)
    assert set(found) == {record.key for record in records[::2]}


def test_resume_without_a_file_starts_a_new_store(tmp_path: Path) -> None:
    with open_store(tmp_path / "results.db", resume=True) as store:
        assert len(store) == 0


def test_existing_store_without_resume_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "results.db"
    with open_store(path) as store:
        store.add([make_record(0)])
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="already exists; pass --resume") as caught:
        open_store(path)
    assert caught.value.where == str(path)
    assert snapshot(tmp_path) == before


def test_wrong_fingerprint_is_refused_without_touching_the_file(tmp_path: Path) -> None:
    path = tmp_path / "results.db"
    with open_store(path) as store:
        store.add([make_record(0)])
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="different design space") as caught:
        open_store(path, resume=True, fingerprint=OTHER_FINGERPRINT)
    assert FINGERPRINT[:12] in str(caught.value) and OTHER_FINGERPRINT[:12] in str(caught.value)
    assert snapshot(tmp_path) == before  # same bytes, same mtime, and no -wal / -shm / -journal files


@pytest.mark.parametrize(
    "content",
    [b"", b"num_pes,runtime\n64,1000\n", bytes(range(256)) * 40, b"SQLite format 3\x00" + b"\xff" * 2000],
    ids=["empty", "text", "random-bytes", "corrupt-header"],
)
def test_files_that_are_not_stores_are_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "results.db"
    path.write_bytes(content)
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="result store") as caught:
        open_store(path, resume=True)
    assert caught.value.where == str(path)
    with pytest.raises(InputError, match="already exists"):
        open_store(path, resume=False)
    assert snapshot(tmp_path) == before


def test_foreign_sqlite_database_and_other_format_version_are_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE layers (name TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(InputError, match="no meta and batches tables"):
        open_store(foreign, resume=True)

    future = tmp_path / "future.db"
    open_store(future).close()
    connection = sqlite3.connect(future)
    connection.execute("UPDATE meta SET value = '99' WHERE name = 'format_version'")
    connection.commit()
    connection.close()
    with pytest.raises(InputError, match="format version '99'"):
        open_store(future, resume=True)


def test_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot create the result store"):
        open_store(tmp_path / "no such folder" / "results.db")


@settings(max_examples=examples(40), deadline=None)
@given(
    parameters=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(), st.booleans()),
        max_size=5,
    ),
    metrics=st.dictionaries(st.text(min_size=1, max_size=8), st.floats(), max_size=5),
    violation=st.one_of(st.none(), st.text()),
)
def test_any_record_round_trips_exactly(
    parameters: dict[str, int | float | str | bool], metrics: dict[str, float], violation: str | None
) -> None:
    record = DesignRecord(design_key(parameters), parameters, metrics, violation is None, violation)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "results.db"
        with open_store(path) as store:
            store.add([record])
        with open_store(path, resume=True) as store:
            assert [comparable(stored) for stored in store.records()] == [comparable(record)]


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mapscope.formats.results.store import DesignRecord, ResultStore, design_key

    BATCH_SIZE = int(sys.argv[2])
    store = ResultStore.open(Path(sys.argv[1]), space_fingerprint="fp", space_document="", resume=True)
    batch = 0
    while True:
        records = []
        for index in range(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE):
            parameters = {"index": index, "tile": "x" * 50}
            records.append(DesignRecord(design_key(parameters), parameters, {"cycles": index * 1.5}, True, None))
        store.add(records)
        print(batch, flush=True)
        batch += 1
    """
)


def test_committed_batches_survive_kill_9_and_the_run_continues(tmp_path: Path) -> None:
    path = tmp_path / "results.db"
    batch_size = 200
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(path), str(batch_size)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    printed: list[str] = []
    try:
        while len(printed) < 25:
            line = writer.stdout.readline()
            if not line:
                pytest.fail(f"writer stopped early: {writer.stderr.read() if writer.stderr else ''}")
            printed.append(line)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    printed += writer.stdout.read().splitlines()
    committed_batches = len(printed)

    with pytest.raises(InputError, match="different design space"):
        ResultStore.open(path, space_fingerprint="other", space_document="", resume=True)

    with ResultStore.open(path, space_fingerprint="fp", space_document="", resume=True) as store:
        indices = [int(record.parameters["index"]) for record in store.records()]
        assert len(indices) >= committed_batches * batch_size
        assert len(indices) % batch_size == 0  # a batch is all there or not there at all
        assert indices == list(range(len(indices)))  # every committed point, in order, none twice
        stored = len(indices)
        replay_parameters: list[dict[str, int | float | str | bool]] = [
            {"index": index, "tile": "x" * 50} for index in range(stored - 5, stored + 5)
        ]
        replay = [DesignRecord(design_key(p), p, {"cycles": 0.0}, True, None) for p in replay_parameters]
        assert store.add(replay) == 5
        assert len(store) == stored + 5
