"""Writers on a real full disk (a small tmpfs): the old file stays whole, no temporary is left, one line."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from disk_fixtures import fill_up, run_on_small_disk, small_disk

from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_text_atomically
from mapscope.formats.descriptions import read_network_description, write_network_description
from mapscope.formats.maestro.mapping_file import read_mapping_file

__all__ = ["small_disk"]  # the fixture, imported for pytest

TINY_NETWORK = Path(__file__).parents[1] / "explore" / "tiny_network.m"

CONVERT_ON_FULL_DISK = """
import sys
from pathlib import Path
from disk_fixtures import fill_up
from mapscope.cli import main

folder = Path(sys.argv[1])
target = folder / "r.yaml"
assert main(["convert", sys.argv[2], str(target)]) == 0
old = target.read_bytes()
fill_up(folder)
status = main(["convert", "resnet50", str(target), "--dataflow", "kcp_ws"])
leftovers = sorted(p.name for p in folder.iterdir() if p.name not in ("r.yaml", "filler.bin"))
print(f"status={status} unchanged={target.read_bytes() == old} leftovers={leftovers}")
"""


def test_convert_on_a_full_disk_keeps_the_existing_file() -> None:
    done = run_on_small_disk(CONVERT_ON_FULL_DISK, str(TINY_NETWORK))
    assert done.stdout.splitlines()[-1] == "status=2 unchanged=True leftovers=[]", done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].endswith("r.yaml: No space left on device"), done.stderr
    assert "Traceback" not in done.stderr


def test_atomic_write_on_a_full_disk_names_the_file_and_leaves_nothing(small_disk: Path) -> None:
    target = small_disk / "out.json"
    target.write_text("old\n")
    fill_up(small_disk)
    with pytest.raises(OSError) as caught:
        write_text_atomically(target, "x" * 100_000)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler.bin", "out.json"]


def test_description_writer_on_a_full_disk_is_an_input_error(small_disk: Path) -> None:
    network = read_mapping_file(TINY_NETWORK)
    target = small_disk / "net.yaml"
    write_network_description(network, target)
    before = target.read_bytes()
    fill_up(small_disk)
    with pytest.raises(InputError, match=r"^cannot write .*net\.yaml: No space left on device$"):
        write_network_description(read_mapping_file(Path(__file__).parents[2] / "src/mapscope/examples/vgg16_kcp_ws.m"), target)
    assert target.read_bytes() == before
    assert read_network_description(target).name == network.name
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler.bin", "net.yaml"]
