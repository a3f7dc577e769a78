"""Small and read-only file systems for tests, mounted in a private mount namespace that dies with the test.

A scenario is a bash script run under `unshare`: as root ``unshare --mount``, otherwise
``unshare --map-root-user --mount`` (a user namespace in which an ordinary user may mount tmpfs and bind
mounts). Its mounts are invisible outside and vanish when the script ends, even if the test is killed, so
no test leaves a mount behind. The script sees these bash functions:

- ``small_disk DIR SIZE``: a tmpfs of SIZE (``2m``, ``512k``) mounted on DIR (created if missing);
- ``fill_leaving DIR KIB``: a file ``DIR/filler`` that leaves about KIB kibibytes free (0: none at all);
- ``read_only PATH``: PATH (a folder or a file) made read-only by a read-only bind mount onto itself;
- ``step NAME COMMAND...``: runs COMMAND, keeping its stderr in NAME.err and its exit status in NAME.status
  (read them with `step_result`); ``mapscope ARGS...`` runs the CLI of the tested source tree.

A mount the system refuses makes the script exit with SKIP_STATUS, and the test skips with the reason.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

SKIP_STATUS = 77

_PRELUDE = r"""
set -eu
mount_or_skip() { mount "$@" 2> mount.err || { echo "mount $* failed: $(cat mount.err)" >&2; exit 77; }; }
small_disk() { mkdir -p "$1"; mount_or_skip -t tmpfs -o "size=$2" tmpfs "$1"; }
read_only() { mount_or_skip --bind "$1" "$1"; mount_or_skip -o remount,bind,ro "$1"; }
fill_leaving() {
    local free_kib
    free_kib=$(df -k --output=avail "$1" | tail -n 1)
    if [ "$2" -eq 0 ]; then
        cat /dev/zero > "$1/filler" 2> /dev/null || true
    else
        head -c $(( (free_kib - $2) * 1024 )) /dev/zero > "$1/filler"
    fi
}
mapscope() { "$PYTHON" -m mapscope.cli "$@"; }
step() {
    local name=$1 status=0
    shift
    "$@" > /dev/null 2> "$name.err" || status=$?
    echo "$status" > "$name.status"
}
"""


@functools.cache
def _namespace_command() -> tuple[list[str], str]:
    """The command prefix that runs a program in a private mount namespace, or ([], why not)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return [], "unshare(1) is not installed"
    if os.geteuid() == 0:
        prefix = [unshare, "--mount", "--propagation", "private"]
    else:
        prefix = [unshare, "--map-root-user", "--mount", "--propagation", "private"]
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(
            [*prefix, "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder],
            capture_output=True,
            text=True,
            timeout=30,
        )
    if probe.returncode != 0:
        return [], f"cannot mount a tmpfs in a private mount namespace here: {probe.stderr.strip()}"
    return prefix, ""


def run_mounted(script: str, folder: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run bash `script` in `folder` inside a private mount namespace; skip the test if mounts are refused."""
    prefix, reason = _namespace_command()
    if not prefix:
        pytest.skip(reason)
    environment = {**os.environ, "PYTHON": sys.executable, "PYTHONUNBUFFERED": "1"}
    completed = subprocess.run(
        [*prefix, "bash", "-c", _PRELUDE + script],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode == SKIP_STATUS:
        pytest.skip(completed.stderr.strip() or "a mount was refused")
    assert completed.returncode == 0, f"scenario failed ({completed.returncode}): {completed.stderr}"
    return completed


def step_result(folder: Path, name: str) -> tuple[int, str]:
    """(exit status, stderr) of the scenario step `name`."""
    return int((folder / f"{name}.status").read_text()), (folder / f"{name}.err").read_text()
