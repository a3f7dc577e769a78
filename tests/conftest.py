"""Fixtures shared by all tests, and the Hypothesis profile of the run (see property_settings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from property_settings import profile_name
from shared_data import MAESTRO_DATA


def pytest_configure(config: pytest.Config) -> None:
    """Load the Hypothesis profile before test modules are collected (their decorators read it)."""
    settings.load_profile(profile_name(config.getoption("markexpr") or ""))


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {settings.get_current_profile_name()}"


@pytest.fixture(scope="session")
def maestro_data() -> Path:
    """The bundled MAESTRO inputs (data/mapping, data/hw, validation); skips when ../shared is absent."""
    if not MAESTRO_DATA.is_dir():
        pytest.skip(f"shared MAESTRO data not found at {MAESTRO_DATA}")
    return MAESTRO_DATA
