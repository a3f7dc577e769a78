"""Fixtures shared by all tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import MAESTRO_DATA


@pytest.fixture(scope="session")
def maestro_data() -> Path:
    """The bundled MAESTRO inputs (data/mapping, data/hw, validation); skips when ../shared is absent."""
    if not MAESTRO_DATA.is_dir():
        pytest.skip(f"shared MAESTRO data not found at {MAESTRO_DATA}")
    return MAESTRO_DATA
