"""`load_mapped_network` / `load_hardware`: dispatch on the suffix and unreadable files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats import (
    load_hardware,
    load_mapped_network,
    write_network_description,
)

MAPPING = "Network N {\n Layer L {\n  Type: GEMM\n  Dimensions { M: 4, N: 4, K: 4 }\n  Dataflow { SpatialMap(1,1) M; }\n }\n}\n"


def test_suffix_picks_the_reader(tmp_path: Path) -> None:
    maestro = tmp_path / "net.m"
    maestro.write_text(MAPPING)
    network = load_mapped_network(maestro)
    for suffix in (".yaml", ".yml", ".json"):
        description = tmp_path / f"net{suffix}"
        write_network_description(network, description)
        again = load_mapped_network(description)
        assert [(m.layer, m.dataflow) for m in again.layers] == [(m.layer, m.dataflow) for m in network.layers]


def test_hardware_suffix_picks_the_reader(tmp_path: Path) -> None:
    maestro = tmp_path / "hw.m"
    maestro.write_text("num_pes: 16\n")
    assert load_hardware(maestro)["num_pes"] == 16
    assert len(load_hardware(maestro)) == 6  # a MAESTRO file sets everything it controls
    description = tmp_path / "hw.yaml"
    description.write_text("num_pes: 16\nsimd_lanes: 4\n")
    assert load_hardware(description) == {"num_pes": 16, "simd_lanes": 4}


@pytest.mark.parametrize("loader", [load_mapped_network, load_hardware])
def test_unknown_suffix(tmp_path: Path, loader: object) -> None:
    path = tmp_path / "net.txt"
    path.write_text(MAPPING)
    with pytest.raises(InputError, match=r"cannot tell the format of .* file .*net\.txt: expected a file ending in \.m, \.yaml, \.yml, \.json"):
        loader(path)  # type: ignore[operator]


@pytest.mark.parametrize("loader", [load_mapped_network, load_hardware])
@pytest.mark.parametrize("suffix", [".m", ".yaml", ".json"])
def test_missing_file(tmp_path: Path, loader: object, suffix: str) -> None:
    path = tmp_path / f"absent{suffix}"
    with pytest.raises(InputError) as caught:
        loader(path)  # type: ignore[operator]
    assert str(caught.value) == f"cannot read {path}: No such file or directory"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    directory = tmp_path / "looks_like.m"
    directory.mkdir()
    with pytest.raises(InputError) as caught:
        load_mapped_network(directory)
    assert str(caught.value) == f"cannot read {directory}: Is a directory"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("network: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"^cannot read .*latin1\.yaml: not UTF-8 text \(byte 0xe9 on line 1\)$"):
        load_mapped_network(path)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.m"
    path.write_text(MAPPING)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that ignore file permissions")
        with pytest.raises(InputError) as caught:
            load_mapped_network(path)
        assert str(caught.value) == f"cannot read {path}: Permission denied"
    finally:
        path.chmod(0o644)
