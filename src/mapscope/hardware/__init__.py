"""Hardware descriptions: the accelerator and its cost tables."""

from mapscope.hardware.accelerator import UNLIMITED, Accelerator

__all__ = ["UNLIMITED", "Accelerator"]
