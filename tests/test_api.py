"""The library entry `mapscope.analyze`: inputs as objects, paths or example names; hardware overrides."""

from __future__ import annotations

import pytest

import mapscope
from mapscope.api import build_accelerator, load_network, resolve_input_path
from mapscope.examples import example_path


def test_package_root_exports() -> None:
    assert {"analyze", "InputError", "Accelerator", "__version__"} <= set(mapscope.__all__)
    assert isinstance(mapscope.__version__, str)
    assert issubclass(mapscope.InputError, ValueError)


def test_resolve_input_path_prefers_files_then_examples(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert resolve_input_path("vgg16_kcp_ws", "mapping") == example_path("vgg16_kcp_ws")
    local = tmp_path / "vgg16_kcp_ws"
    local.write_text("")
    monkeypatch.chdir(tmp_path)
    assert resolve_input_path("vgg16_kcp_ws", "mapping").resolve() == local.resolve()
    with pytest.raises(mapscope.InputError, match="no such mapping file"):
        resolve_input_path("sub/none.m", "mapping")
    with pytest.raises(mapscope.InputError, match="not a regular file"):
        resolve_input_path(tmp_path, "mapping")


def test_build_accelerator_sources() -> None:
    assert build_accelerator(None) == mapscope.Accelerator()
    from_file = build_accelerator("accelerator_256pe")
    assert from_file.num_pes == 256
    assert build_accelerator("accelerator_256pe", {"num_pes": 1024}).num_pes == 1024  # keywords win
    assert build_accelerator(from_file, {"simd_lanes": 4}).simd_lanes == 4
    with pytest.raises(mapscope.InputError, match="unknown hardware parameter"):
        build_accelerator(None, {"pes": 3})


def test_analyze_by_names_and_objects() -> None:
    by_name = mapscope.analyze("vgg16_kcp_ws", "accelerator_256pe")
    by_object = mapscope.analyze(load_network("vgg16_kcp_ws"), build_accelerator("accelerator_256pe"))
    assert by_name == by_object
    assert by_name.compat is None
    assert len(by_name.layers) == 16
    compat = mapscope.analyze("vgg16_kcp_ws", "accelerator_256pe", compat="maestro")
    assert compat.compat == "maestro"
    bigger = mapscope.analyze("vgg16_kcp_ws", "accelerator_256pe", num_pes=1024)
    assert bigger.layers[0].num_pes == 1024


def test_analyze_rejects_unknown_compat_mode() -> None:
    with pytest.raises(mapscope.InputError, match="compat"):
        mapscope.analyze("vgg16_kcp_ws", "accelerator_256pe", compat="timeloop")


def test_import_mapscope_is_light() -> None:
    """The entry points load on first use: `import mapscope` loads neither the API nor the package metadata."""
    import subprocess
    import sys

    code = (
        "import sys, mapscope; "
        "print(sorted(m for m in ('mapscope.api', 'mapscope.analysis', 'importlib.metadata', 'numpy') if m in sys.modules)); "
        "mapscope.analyze; print('mapscope.api' in sys.modules)"
    )
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert lines == ["[]", "True"]


def test_lazy_names_are_the_api_functions() -> None:
    import mapscope.api as api

    assert mapscope.analyze is api.analyze and mapscope.flexsa is api.flexsa and mapscope.gemm is api.gemm
    assert {"analyze", "flexsa", "gemm", "NetworkStats"} <= set(dir(mapscope))
    with pytest.raises(AttributeError):
        mapscope.no_such_name  # noqa: B018
