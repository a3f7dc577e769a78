"""Atomic writes: on any failure the old file stays, the temporary goes, and an OSError names the target."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from mapscope.formats import atomic_file
from mapscope.formats.atomic_file import write_bytes_atomically


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_missing_folder_is_an_os_error_naming_the_target(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.csv"
    with pytest.raises(FileNotFoundError) as caught:
        write_bytes_atomically(target, b"data")
    assert caught.value.filename == str(target) and caught.value.errno == errno.ENOENT


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_while_writing_keeps_the_old_file_and_removes_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")

    def failing_fsync(descriptor: int) -> None:
        raise failure

    monkeypatch.setattr(atomic_file.os, "fsync", failing_fsync)
    with pytest.raises(type(failure)) as caught:
        write_bytes_atomically(target, b"new")
    if isinstance(failure, OSError):
        assert caught.value.filename == str(target) and str(target) in str(caught.value)
    assert target.read_bytes() == b"old" and _leftovers(tmp_path) == []


def test_a_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")

    def failing_replace(source: str, destination: os.PathLike[str]) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", source)

    monkeypatch.setattr(atomic_file.os, "replace", failing_replace)
    with pytest.raises(PermissionError) as caught:
        write_bytes_atomically(target, b"new")
    assert caught.value.filename == str(target)  # the target, not the temporary file
    assert target.read_bytes() == b"old" and _leftovers(tmp_path) == []
