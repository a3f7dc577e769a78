"""mapscope: fast, honest cost models for DNN accelerators (MAESTRO's data-centric model, exact and corrected)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from mapscope.api import analyze
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.stats import LayerStats, NetworkStats

try:
    __version__ = version("mapscope")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["Accelerator", "InputError", "LayerStats", "NetworkStats", "__version__", "analyze"]
