"""Example inputs shipped with mapscope: mappings of published networks and one hardware description.

The files live next to this module and are found with `importlib.resources`, so they work from a
source checkout and from an installed wheel alike::

    from mapscope.examples import example_path
    path = example_path("resnet50_kcp_ws")        # or "resnet50_kcp_ws.m"
"""

from __future__ import annotations

import atexit
import contextlib
import pathlib
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from mapscope.errors import InputError


@dataclass(frozen=True)
class Example:
    """One shipped input file: `name` to ask for it by, the `filename` on disk, and what it holds."""

    name: str
    filename: str
    kind: Literal["mapping", "hardware", "design space"]
    description: str


_EXAMPLES = (
    Example(
        "resnet50_kcp_ws",
        "resnet50_kcp_ws.m",
        "mapping",
        "ResNet-50 v1.5 (54 layers, 4.09 GMACs), NVDLA-like K/C-partitioned weight-stationary dataflow",
    ),
    Example(
        "resnet50_yxp_os",
        "resnet50_yxp_os.m",
        "mapping",
        "ResNet-50 v1.5 (54 layers, 4.09 GMACs), ShiDianNao-like Y/X-partitioned output-stationary dataflow",
    ),
    Example(
        "vgg16_kcp_ws",
        "vgg16_kcp_ws.m",
        "mapping",
        "VGG-16 config D (16 layers, 15.47 GMACs), NVDLA-like K/C-partitioned weight-stationary dataflow",
    ),
    Example(
        "vgg16_yxp_os",
        "vgg16_yxp_os.m",
        "mapping",
        "VGG-16 config D (16 layers, 15.47 GMACs), ShiDianNao-like Y/X-partitioned output-stationary dataflow",
    ),
    Example(
        "accelerator_256pe",
        "accelerator_256pe.m",
        "hardware",
        "256-PE edge accelerator, MAESTRO hardware-file format: L1 512 and L2 524288 elements, "
        "NoC 64 and off-chip 16 elements/cycle",
    ),
    Example(
        "accelerator_256pe_yaml",
        "accelerator_256pe.yaml",
        "hardware",
        "the same 256-PE edge accelerator in mapscope's YAML form",
    ),
    Example(
        "resnet50_area_budget",
        "resnet50_area_budget.yaml",
        "design space",
        "mapscope explore: ResNet-50, kcp_ws; energy vs area under 25 mm^2, each design priced by its L1/L2 sizes (horowitz45)",
    ),
    Example(
        "resnet50_systolic_shapes",
        "resnet50_systolic_shapes.yaml",
        "design space",
        "mapscope explore: ResNet-50 inference on systolic arrays; rows x columns x dataflow under 8 mm^2",
    ),
    Example(
        "resnet50_cosearch",
        "resnet50_cosearch.yaml",
        "design space",
        "mapscope explore: hardware-mapping co-search; five ResNet-50 layers mapped by the mapper on each of "
        "PEs x L1 x NoC bandwidth under 50 mm^2",
    ),
)

#: Every shipped example by name.
EXAMPLES: dict[str, Example] = {example.name: example for example in _EXAMPLES}

# Holds the files extracted by `importlib.resources.as_file` when the package is not a plain directory
# (e.g. imported from a zip); cleaned up when the interpreter exits.
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def list_examples() -> list[Example]:
    """All shipped examples, mappings first, in a fixed order."""
    return list(_EXAMPLES)


def _lookup(name_or_filename: str) -> Example:
    if name_or_filename in EXAMPLES:
        return EXAMPLES[name_or_filename]
    for example in _EXAMPLES:
        if example.filename == name_or_filename:
            return example
    known = ", ".join(EXAMPLES)
    raise InputError(f"unknown example {name_or_filename!r}; known examples: {known}", "examples")


def example_path(name_or_filename: str) -> pathlib.Path:
    """The path of a shipped example, by name (``"vgg16_kcp_ws"``) or file name (``"vgg16_kcp_ws.m"``).

    Raises `InputError` listing the known names when there is no such example.
    """
    example = _lookup(name_or_filename)
    resource = resources.files(__name__).joinpath(example.filename)
    if isinstance(resource, pathlib.Path):
        return resource
    return _extracted.enter_context(resources.as_file(resource))
