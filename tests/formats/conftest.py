"""Fixtures for the file-format tests: where the shared MAESTRO inputs live."""

from __future__ import annotations

from pathlib import Path

import pytest

#: /work/shared, found relative to the repository root (tests/formats/conftest.py -> parents[2]).
SHARED_DIR = (Path(__file__).resolve().parents[2] / ".." / "shared").resolve()
MAESTRO_DATA = SHARED_DIR / "maestro-data"


@pytest.fixture(scope="session")
def maestro_data() -> Path:
    """The bundled MAESTRO inputs (data/mapping, data/hw, validation); skips when absent."""
    if not MAESTRO_DATA.is_dir():
        pytest.skip(f"shared MAESTRO data not found at {MAESTRO_DATA}")
    return MAESTRO_DATA
