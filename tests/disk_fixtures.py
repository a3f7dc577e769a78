"""A small file system that really fills up, for testing writers on a full disk.

Two ways to use it (both skip the test, saying why, when the machine allows neither):

- ``small_disk`` (a pytest fixture; needs root): a tmpfs of ``SMALL_DISK_BYTES`` mounted on a fresh
  folder for the test and unmounted afterwards, so the code under test runs in the test's own process.
  Import it into a test module (``from disk_fixtures import small_disk``) and take it as an argument.
- ``run_on_small_disk(code, *arguments, size=...)``: runs ``python -c CODE FOLDER *ARGUMENTS`` in a
  subprocess where FOLDER is a fresh tmpfs: mounted directly when running as root, otherwise inside
  ``unshare -rm`` (a new user and mount namespace, no privileges needed). Returns the CompletedProcess
  (text output). The subprocess imports this checkout's ``mapscope``, and this module (for `fill_up`).

``fill_up(folder)`` then takes every free byte of the file system holding `folder` (a filler file
written until the disk is full), so that the next write fails with ENOSPC.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import mapscope

SMALL_DISK_BYTES = 64 * 1024
FILLER_NAME = "filler.bin"
_IMPORT_PATHS = (str(Path(mapscope.__file__).resolve().parents[1]), str(Path(__file__).resolve().parent))


def _mount_tmpfs(folder: Path, size: int) -> str | None:
    """Mount a tmpfs of `size` bytes on `folder`; None on success, else why it could not be done."""
    if os.geteuid() != 0:
        return "mounting a tmpfs in the test process needs root"
    if shutil.which("mount") is None:
        return "no mount command"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, text=True)
    return None if done.returncode == 0 else f"mount -t tmpfs failed: {done.stderr.strip()}"


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A folder on a tmpfs of SMALL_DISK_BYTES (root only; otherwise the test is skipped, saying why)."""
    folder = Path(tempfile.mkdtemp(prefix="mapscope-small-disk-"))
    problem = _mount_tmpfs(folder, SMALL_DISK_BYTES)
    if problem is not None:
        folder.rmdir()
        pytest.skip(f"no small file system for a full-disk test: {problem} (run_on_small_disk works without root)")
    try:
        yield folder
    finally:
        _unmount(folder)
        shutil.rmtree(folder, ignore_errors=True)


def fill_up(folder: Path) -> Path:
    """Write a filler file in `folder` until its file system is full; returns the filler's path."""
    filler = folder / FILLER_NAME
    block = b"\0" * 4096
    with open(filler, "wb", buffering=0) as handle:
        for size in (4096, 512, 1):
            try:
                while True:
                    handle.write(block[:size])
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
    return filler


def run_on_small_disk(code: str, *arguments: str, size: int = SMALL_DISK_BYTES) -> subprocess.CompletedProcess[str]:
    """Run `code` with Python in a subprocess as ``python -c CODE FOLDER *ARGUMENTS``, FOLDER a fresh tmpfs."""
    folder = Path(tempfile.mkdtemp(prefix="mapscope-small-disk-"))
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (*_IMPORT_PATHS, os.environ.get("PYTHONPATH"))))}
    python = [sys.executable, "-c", code, str(folder), *arguments]
    try:
        if os.geteuid() == 0 and _mount_tmpfs(folder, size) is None:
            try:
                return subprocess.run(python, capture_output=True, text=True, env=environment, timeout=300)
            finally:
                _unmount(folder)
        if shutil.which("unshare") is None:
            pytest.skip("no small file system for a full-disk test: not root and no unshare command")
        script = 'mount -t tmpfs -o "size=$1" tmpfs "$2" || exit 97; shift; shift; exec "$@"'
        command = ["unshare", "-rm", "sh", "-c", script, "sh", str(size), str(folder), *python]
        done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
        if done.returncode == 97 or (done.returncode != 0 and "unshare failed" in done.stderr):
            pytest.skip(f"no small file system for a full-disk test: unshare -rm could not mount a tmpfs ({done.stderr.strip()})")
        return done
    finally:
        shutil.rmtree(folder, ignore_errors=True)
