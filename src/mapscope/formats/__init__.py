"""File formats: the only place mapscope reads or writes files.

`load_mapped_network` and `load_hardware` pick the reader from the file suffix: ``.m`` is MAESTRO's own
syntax, ``.yaml``/``.yml``/``.json`` a description validated with pydantic. Every problem, including a
missing or unreadable file, is an InputError naming the file (and line, where there is one).
"""

from __future__ import annotations

from importlib import import_module
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapscope.errors import InputError

if TYPE_CHECKING:
    from mapscope.formats.descriptions import (
        read_hardware_description,
        read_network_description,
        write_network_description,
    )
    from mapscope.formats.maestro.hardware_file import parse_hardware_text, read_hardware_file
    from mapscope.formats.maestro.mapping_file import parse_mapping_text, read_mapping_file
    from mapscope.mapping.mapped_network import MappedNetwork

MAESTRO_SUFFIX = ".m"

#: Each re-exported reader and writer and its module, imported on first use: a `.m` file never loads the
#: description schemas (pydantic), and `import mapscope.formats.<module>` loads only that module.
_LAZY = {
    "parse_hardware_text": "mapscope.formats.maestro.hardware_file",
    "read_hardware_file": "mapscope.formats.maestro.hardware_file",
    "parse_mapping_text": "mapscope.formats.maestro.mapping_file",
    "read_mapping_file": "mapscope.formats.maestro.mapping_file",
    "read_hardware_description": "mapscope.formats.descriptions",
    "read_network_description": "mapscope.formats.descriptions",
    "write_network_description": "mapscope.formats.descriptions",
}

__all__ = [
    "load_hardware",
    "load_mapped_network",
    "parse_hardware_text",
    "parse_mapping_text",
    "read_hardware_description",
    "read_hardware_file",
    "read_mapping_file",
    "read_network_description",
    "write_network_description",
]


def __getattr__(name: str) -> Any:
    """The re-exported readers and writers, each imported from its module on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'mapscope.formats' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value  # the next lookup finds it without this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_mapped_network(path: str | PathLike[str]) -> MappedNetwork:
    """Read a mapped network from a MAESTRO ``.m`` file or a YAML/JSON description."""
    if _suffix(path, "mapping") == MAESTRO_SUFFIX:
        from mapscope.formats.maestro.mapping_file import read_mapping_file

        return read_mapping_file(path)
    from mapscope.formats.descriptions import read_network_description

    return read_network_description(path)


def load_hardware(path: str | PathLike[str]) -> dict[str, int]:
    """Read hardware parameters keyed by Accelerator field name.

    A MAESTRO ``.m`` hardware file yields all six fields it controls (MAESTRO's defaults filled in, since
    such a file overrides them all); a YAML/JSON description yields only the fields it gives.
    """
    if _suffix(path, "hardware") == MAESTRO_SUFFIX:
        from mapscope.formats.maestro.hardware_file import read_hardware_file

        return read_hardware_file(path)
    from mapscope.formats.descriptions import read_hardware_description

    return read_hardware_description(path)


def _suffix(path: str | PathLike[str], what: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == MAESTRO_SUFFIX:
        return suffix
    from mapscope.formats.descriptions import DESCRIPTION_SUFFIXES  # pydantic: only for a description

    if suffix not in DESCRIPTION_SUFFIXES:
        accepted = ", ".join((MAESTRO_SUFFIX, *DESCRIPTION_SUFFIXES))
        raise InputError(f"cannot tell the format of {what} file {path}: expected a file ending in {accepted}")
    return suffix
