"""mapscope: fast, honest cost models for DNN accelerators (MAESTRO's data-centric model, exact and corrected).

One call per job (see `mapscope.api`): `mapscope.analyze`, `mapscope.map`, `mapscope.flexsa`, `mapscope.gemm`, and
`mapscope.api.explore` (`mapscope.explore` is the package of the design-space search). They and the names
below load on first use, so `import mapscope` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from mapscope.errors import InputError

if TYPE_CHECKING:
    from mapscope.api import analyze, flexsa, gemm, map
    from mapscope.hardware.accelerator import Accelerator
    from mapscope.stats import LayerStats, NetworkStats

#: Each lazily loaded name and the module it comes from.
_LAZY = {
    "analyze": "mapscope.api",
    "flexsa": "mapscope.api",
    "gemm": "mapscope.api",
    "map": "mapscope.api",
    "Accelerator": "mapscope.hardware.accelerator",
    "LayerStats": "mapscope.stats",
    "NetworkStats": "mapscope.stats",
}

__all__ = ["Accelerator", "InputError", "LayerStats", "NetworkStats", "__version__", "analyze", "flexsa", "gemm", "map"]


def __getattr__(name: str) -> Any:
    """The lazily loaded names, and `__version__` (read from the package metadata on first use)."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("mapscope")
        except PackageNotFoundError:  # running from a source tree that was never installed
            value = "0+unknown"
    elif name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'mapscope' has no attribute {name!r}")
    globals()[name] = value  # the next lookup finds it without this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
