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


def test_a_version_1_store_is_refused_with_why_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_store(path).close()
    _set_version(path, "1")
    before = path.read_bytes()
    with pytest.raises(InputError, match=r"version 1 cannot be continued: .*as floats; start a new --store") as caught:
        open_store(path, resume=True)
    assert caught.value.where == str(path)
    assert path.read_bytes() == before
    assert STORE_FORMAT_VERSION == 2


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
