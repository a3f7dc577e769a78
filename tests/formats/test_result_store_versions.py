"""A result store of an earlier format version is refused with a reason; a current one keeps integer counts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats.results.store import STORE_FORMAT_VERSION, DesignRecord, design_key

from store_records import open_store


def _set_version(path: Path, version: str) -> None:
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = ? WHERE name = 'format_version'", (version,))
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    ("version", "why"), [("1", "as floats"), ("2", "one row of JSON text per design")]
)
def test_an_earlier_store_is_refused_with_why_and_what_to_do(tmp_path: Path, version: str, why: str) -> None:
    path = tmp_path / "old.db"
    open_store(path).close()
    _set_version(path, version)
    before = path.read_bytes()
    with pytest.raises(InputError, match=rf"version {version} cannot be continued: .*{why}; start a new --store") as caught:
        open_store(path, resume=True)
    assert caught.value.where == str(path)
    assert path.read_bytes() == before
    assert STORE_FORMAT_VERSION == 3


def test_a_version_2_store_with_its_own_tables_is_refused_for_its_version(tmp_path: Path) -> None:
    """A real version-2 store has a designs table, not batches: the version is the reason given, not damage."""
    path = tmp_path / "old.db"
    open_store(path).close()
    connection = sqlite3.connect(path)
    connection.execute("DROP TABLE batches")
    connection.execute("CREATE TABLE designs (sequence INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)")
    connection.commit()
    connection.close()
    _set_version(path, "2")
    with pytest.raises(InputError, match="version 2 cannot be continued"):
        open_store(path, resume=True)


def test_counts_come_back_as_ints_and_other_metrics_as_floats(tmp_path: Path) -> None:
    parameters: dict[str, int | float | str | bool] = {"num_pes": 64}
    metrics: dict[str, int | float] = {"runtime_cycles": 2**60 + 1, "energy_nj": 2.0, "macs": float("nan")}
    record = DesignRecord(design_key(parameters), parameters, metrics, False, "mapping rejected")
    with open_store(tmp_path / "store.db") as store:
        store.add([record])
    with open_store(tmp_path / "store.db") as store:
        (back,) = store.records()
    assert back.metrics["runtime_cycles"] == 2**60 + 1 and type(back.metrics["runtime_cycles"]) is int
    assert type(back.metrics["energy_nj"]) is float and back.metrics["macs"] != back.metrics["macs"]
