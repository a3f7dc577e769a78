"""File formats: the only place mapscope reads or writes files.

`load_mapped_network` and `load_hardware` pick the reader from the file suffix: ``.m`` is MAESTRO's own
syntax, ``.yaml``/``.yml``/``.json`` a description validated with pydantic. Every problem, including a
missing or unreadable file, is an InputError naming the file (and line, where there is one).
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from mapscope.errors import InputError
from mapscope.formats.descriptions import (
    DESCRIPTION_SUFFIXES,
    read_hardware_description,
    read_network_description,
    write_network_description,
)
from mapscope.formats.maestro.hardware_file import parse_hardware_text, read_hardware_file
from mapscope.formats.maestro.mapping_file import parse_mapping_text, read_mapping_file
from mapscope.mapping.mapped_network import MappedNetwork

MAESTRO_SUFFIX = ".m"

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


def load_mapped_network(path: str | PathLike[str]) -> MappedNetwork:
    """Read a mapped network from a MAESTRO ``.m`` file or a YAML/JSON description."""
    suffix = _suffix(path, "mapping")
    return read_mapping_file(path) if suffix == MAESTRO_SUFFIX else read_network_description(path)


def load_hardware(path: str | PathLike[str]) -> dict[str, int]:
    """Read hardware parameters keyed by Accelerator field name.

    A MAESTRO ``.m`` hardware file yields all six fields it controls (MAESTRO's defaults filled in, since
    such a file overrides them all); a YAML/JSON description yields only the fields it gives.
    """
    suffix = _suffix(path, "hardware")
    return read_hardware_file(path) if suffix == MAESTRO_SUFFIX else read_hardware_description(path)


def _suffix(path: str | PathLike[str], what: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix != MAESTRO_SUFFIX and suffix not in DESCRIPTION_SUFFIXES:
        accepted = ", ".join((MAESTRO_SUFFIX, *DESCRIPTION_SUFFIXES))
        raise InputError(f"cannot tell the format of {what} file {path}: expected a file ending in {accepted}")
    return suffix
