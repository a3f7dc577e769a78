"""`mapscope explore --store` at the edges: a damaged store, a read-only store, a full disk, a bad path.

Every failure is exit status 2 and one `error:` line naming the store and what to do, never a traceback;
the store is left as it was, and once the cause is gone `--resume` completes it to exactly the store of
an uninterrupted run. Full disks and read-only folders are real mounts (tests/store_mounts.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from mapscope.formats.results.store_codec import decode_batch
from cli_helpers import assert_one_line_error, run
from store_mounts import run_mounted, step_result

from mapscope.cli import main

sys.path.insert(0, str(Path(__file__).parent / "explore"))
from explore_spaces import write_space  # noqa: E402

Rows = list[tuple[object, ...]]


def stored_rows(path: Path) -> Rows:
    """Every design row of the store at `path` in arrival order, read without writing beside it."""
    log = path.with_name(f"{path.name}-wal")
    immutable = "" if log.exists() and log.stat().st_size else "&immutable=1"
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{immutable}", uri=True)
    try:
        values = connection.execute("SELECT columns FROM batches ORDER BY sequence").fetchall()
        return [
            (r.key, repr(r.parameters), repr(r.metrics), r.feasible, r.violation)
            for (value,) in values
            for r in decode_batch(bytes(value)).records()
        ]
    finally:
        connection.close()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in `folder` by name with a digest of its bytes; a ``-shm`` file (SQLite's shared-memory
    index of the log, which any reader may rebuild) only by name."""
    return {
        entry.name: "" if entry.name.endswith("-shm") else hashlib.sha256(entry.read_bytes()).hexdigest()
        for entry in sorted(folder.iterdir())
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of an uninterrupted run of the tiny space."""
    folder = tmp_path_factory.mktemp("reference")
    store = folder / "reference.db"
    assert main(["explore", str(write_space(folder)), "--workers", "1", "--store", str(store)]) == 0
    return store


PARTIAL_WRITER = textwrap.dedent(
    """
    import os, sqlite3, sys
    from pathlib import Path
    from mapscope.formats.results.store import ResultStore
    from mapscope.formats.results.store_codec import decode_batch

    reference, target, count, ending = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    source = sqlite3.connect(f"{reference.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    meta = dict(source.execute("SELECT name, value FROM meta"))
    values = source.execute("SELECT columns FROM batches ORDER BY sequence").fetchall()
    rows = [record for (value,) in values for record in decode_batch(bytes(value)).records()][:count]
    store = ResultStore.open(
        target, space_fingerprint=meta["space_fingerprint"], space_document=meta["space_document"], resume=False
    )
    for start in range(0, len(rows), 50):
        store.add(rows[start : start + 50])
    if ending == "crash":
        os._exit(0)  # as kill -9 would: the batches are committed, in the -wal file
    store.close()
    """
)


def partial_store(reference: Path, target: Path, count: int, ending: str) -> None:
    """A store holding the first `count` designs of `reference`, its writer ended by "crash" or "close"."""
    subprocess.run([sys.executable, "-c", PARTIAL_WRITER, str(reference), str(target), str(count), ending], check=True)


def resume(space: Path, store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["explore", str(space), "--workers", "1", "--store", str(store), "--resume"], capsys)
    assert status == 0, err


def _random_page(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.seek(20 * 4096)
        handle.write(bytes(range(256)) * 16)


def _sql(statement: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute(statement)
        connection.close()

    return apply


DAMAGE = {
    "batch-not-bytes": (_sql("UPDATE batches SET columns = 'runtime_cycles=1' WHERE sequence = 3"), "batch 3"),
    "batch-cut": (_sql("UPDATE batches SET columns = substr(columns, 1, 100) WHERE sequence = 2"), "batch 2"),
    "dropped-column": (_sql("ALTER TABLE batches DROP COLUMN designs"), "columns"),
    "dropped-table": (_sql("DROP TABLE batches"), "batches table is missing"),
    "random-page": (_random_page, "page check"),
    "zeroed-header": (lambda path: path.write_bytes(bytes(100) + path.read_bytes()[100:]), "damaged"),
    "truncated": (lambda path: path.write_bytes(path.read_bytes()[: 30 * 4096 + 100]), "damaged"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_store_is_one_line_naming_it_and_is_left_as_it_was(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    space = write_space(tmp_path)
    store = tmp_path / "results.db"
    shutil.copy(reference, store)
    apply, words = DAMAGE[damage]
    apply(store)
    before = snapshot(tmp_path)
    status, _, err = run(["explore", str(space), "--workers", "1", "--store", str(store), "--resume"], capsys)
    assert_one_line_error(status, err)
    assert err.startswith(f"error: {store}: ") and words in err
    assert "delete it" in err and "another --store" in err
    assert snapshot(tmp_path) == before


def test_store_paths_that_cannot_hold_a_store_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    space = write_space(tmp_path)
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "a-folder").mkdir()
    cases = {
        tmp_path / "missing" / "results.db": "cannot create the result store: its folder does not exist",
        tmp_path / "a-file" / "results.db": "cannot create the result store: its folder path runs through a file",
        tmp_path / "a-folder": "is a folder, not a store file",
    }
    for store, message in cases.items():
        for resume_option in ([], ["--resume"]):
            status, _, err = run(["explore", str(space), "--workers", "1", "--store", str(store), *resume_option], capsys)
            assert_one_line_error(status, err)
            assert f"error: {store}: {message}" in err
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["a-file", "a-folder", "space.yaml", "tiny_network.m"]


def _kept_partial_stores(tmp_path: Path, reference: Path) -> tuple[Path, Path, dict[str, str]]:
    """The space, and a folder `kept` holding 300 designs of it in a store left by a killed writer
    (crashed.db, with its -wal and -shm) and in a cleanly closed one (closed.db), with its snapshot."""
    space = write_space(tmp_path)
    kept = tmp_path / "kept"
    kept.mkdir()
    partial_store(reference, kept / "crashed.db", 300, "crash")
    partial_store(reference, kept / "closed.db", 300, "close")
    return space, kept, snapshot(kept)


def test_a_read_only_folder_is_one_line_and_resume_completes_once_writable(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space, kept, before = _kept_partial_stores(tmp_path, reference)
    assert {"crashed.db-wal", "crashed.db-shm"} <= set(before)
    run_mounted(
        """
        read_only kept
        step crashed mapscope explore space.yaml --store kept/crashed.db --workers 1 --resume
        step closed mapscope explore space.yaml --store kept/closed.db --workers 1 --resume
        step new mapscope explore space.yaml --store kept/new.db --workers 1 --resume
        """,
        tmp_path,
    )
    for name in ("crashed", "closed"):
        status, err = step_result(tmp_path, name)
        assert_one_line_error(status, err)
        assert err == (
            f"error: kept/{name}.db: the store cannot be written: it is on a read-only file system; make it"
            " writable, or copy it to a writable folder and pass the copy to --store\n"
        )
    status, err = step_result(tmp_path, "new")
    assert_one_line_error(status, err)
    assert "error: kept/new.db: cannot create the result store: its folder is on a read-only file system" in err
    assert snapshot(kept) == before
    for name in ("crashed", "closed"):
        resume(space, kept / f"{name}.db", capsys)
        assert stored_rows(kept / f"{name}.db") == stored_rows(reference)


def test_a_read_only_store_file_or_log_in_a_writable_folder_is_one_line(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space, kept, before = _kept_partial_stores(tmp_path, reference)
    run_mounted(
        """
        read_only kept/closed.db
        read_only kept/crashed.db-wal
        step file mapscope explore space.yaml --store kept/closed.db --workers 1 --resume
        step log mapscope explore space.yaml --store kept/crashed.db --workers 1 --resume
        """,
        tmp_path,
    )
    for name, reason in (("file", "the file is read-only"), ("log", "its crashed.db-wal file is read-only")):
        status, err = step_result(tmp_path, name)
        assert_one_line_error(status, err)
        assert f": the store cannot be written: {reason}; make it writable" in err
    assert snapshot(kept) == before
    for name in ("crashed", "closed"):
        resume(space, kept / f"{name}.db", capsys)
        assert stored_rows(kept / f"{name}.db") == stored_rows(reference)


def test_a_full_disk_during_explore_is_one_line_and_resume_completes_the_store(
    tmp_path: Path, reference: Path
) -> None:
    write_space(tmp_path)
    run_mounted(
        """
        small_disk disk 8m
        fill_leaving disk 120
        step full mapscope explore space.yaml --store disk/results.db --workers 1
        mkdir after-full && cp disk/results.db* after-full/
        step still-full mapscope explore space.yaml --store disk/results.db --workers 1 --resume
        rm disk/filler
        step freed mapscope explore space.yaml --store disk/results.db --workers 1 --resume
        ls -A disk > freed.listing
        cp disk/results.db freed.db
        """,
        tmp_path,
    )
    status, err = step_result(tmp_path, "full")
    assert_one_line_error(status, err)
    prefix, _, rest = err.partition(" designs are stored")
    assert prefix.startswith("error: disk/results.db: the disk is full; ")
    kept = int(prefix.rsplit(" ", 1)[1].replace(",", ""))
    assert 0 < kept < len(stored_rows(reference))
    assert rest == " and the store is intact; free space and rerun with --resume\n"
    assert stored_rows(tmp_path / "after-full" / "results.db") == stored_rows(reference)[:kept]
    status, err = step_result(tmp_path, "still-full")
    assert_one_line_error(status, err)
    assert "the disk is full" in err
    status, err = step_result(tmp_path, "freed")
    assert status == 0, err
    assert (tmp_path / "freed.listing").read_text() == "results.db\n"
    assert stored_rows(tmp_path / "freed.db") == stored_rows(reference)


def test_creating_a_store_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    write_space(tmp_path)
    run_mounted(
        """
        small_disk disk 256k
        fill_leaving disk 0
        step create mapscope explore space.yaml --store disk/results.db --workers 1
        ls -A disk > listing
        """,
        tmp_path,
    )
    status, err = step_result(tmp_path, "create")
    assert_one_line_error(status, err)
    assert err == "error: disk/results.db: cannot create the result store: the disk is full; free space or choose another --store\n"
    assert (tmp_path / "listing").read_text() == "filler\n"


LIBRARY_FULL_DISK = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from store_records import make_record, open_store
    from mapscope.errors import InputError

    path, filler = Path("disk/results.db"), Path("disk/filler")
    report = {}
    with open_store(path, resume=False) as store:
        added = 0
        try:
            while added < 20000:
                store.add([make_record(index) for index in range(added, added + 100)])
                added += 100
        except InputError as error:
            report["error"], report["where"], report["len_after_error"] = error.message, error.where, len(store)
        report["added"] = added
        filler.unlink()
        store.add([make_record(index) for index in range(added, added + 300)])
        report["len_after_freeing"] = len(store)
    with open_store(path) as store:
        report["keys_in_order"] = [r.key for r in store.records()] == [make_record(i).key for i in range(added + 300)]
    print(json.dumps(report))
    """
)


def test_add_on_a_full_disk_keeps_every_earlier_batch_and_continues_once_freed(tmp_path: Path) -> None:
    """The library view: the failed batch is rolled back (no 'cannot rollback'), the same open store takes
    the next batch once there is space, and a reopened store holds every batch, in order, once."""
    (tmp_path / "writer.py").write_text(LIBRARY_FULL_DISK)
    formats_tests = Path(__file__).parent / "formats"
    completed = run_mounted(
        f"""
        small_disk disk 4m
        fill_leaving disk 700
        "$PYTHON" writer.py {formats_tests}
        """,
        tmp_path,
    )
    report = json.loads(completed.stdout)
    assert report["where"] == "disk/results.db"
    assert report["error"] == (
        f"the disk is full; {report['added']:,} designs are stored and the store is intact; free space and rerun with --resume"
    )
    assert 0 < report["added"] < 20000 and report["len_after_error"] == report["added"]
    assert report["len_after_freeing"] == report["added"] + 300
    assert report["keys_in_order"] is True


def test_two_runs_writing_one_store_at_once_agree_with_an_uninterrupted_run(tmp_path: Path, reference: Path) -> None:
    space = write_space(tmp_path)
    store = tmp_path / "shared.db"
    command = [sys.executable, "-m", "mapscope.cli", "explore", str(space), "--workers", "1", "--store", str(store), "--resume"]
    runs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for process in runs:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    assert stored_rows(store) == stored_rows(reference)
