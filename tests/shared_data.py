"""Where the shared reference data lives: ../shared beside the checkout (CI puts it there too)."""

from __future__ import annotations

from pathlib import Path

SHARED_DIR = (Path(__file__).resolve().parents[1] / ".." / "shared").resolve()
MAESTRO_DATA = SHARED_DIR / "maestro-data"
MAESTRO_REFERENCE = SHARED_DIR / "reference" / "maestro"
BUNDLED_MAPPINGS = sorted((MAESTRO_DATA / "data" / "mapping").glob("*.m")) if MAESTRO_DATA.is_dir() else []
BUNDLED_HARDWARE = MAESTRO_DATA / "data" / "hw" / "accelerator_1.m"
REFERENCE_CASES = (
    sorted(path for path in MAESTRO_REFERENCE.iterdir() if (path / "command.txt").is_file())
    if MAESTRO_REFERENCE.is_dir()
    else []
)
