"""SCALE-Sim's input files: the `scale.cfg` array description and the topology CSV (conv or GEMM rows).

A conv row becomes SCALE-Sim's im2col GEMM (M = output pixels, N = filters, K = R·S·C, on an input that
is already padded); a GEMM row `name, M, N, K` is taken as is. Every mistake is a one-line InputError
naming ``file:line``; numbers are plain decimal integers of at most `MAX_INTEGER_DIGITS` digits, sizes
at most `MAX_SIZE`, and a topology holds at most `MAX_LAYERS` rows.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from os import PathLike

from mapscope.errors import InputError
from mapscope.formats.maestro.tokens import read_text_file
from mapscope.limits import MAX_LAYERS, MAX_NAME_CHARS, MAX_SIZE, integer_from_digits, quoted
from mapscope.workload.gemm import Gemm

DATAFLOWS = ("os", "ws", "is")
CONFIG_SECTION = "architecture_presets"
CONFIG_KEYS = ("ArrayHeight", "ArrayWidth", "Dataflow")
CONV_COLUMNS = ("IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels", "Num Filter", "Strides")
GEMM_COLUMNS = ("M", "N", "K")


@dataclass(frozen=True)
class ScaleSimArray:
    """The part of scale.cfg the array model uses."""

    rows: int
    cols: int
    dataflow: str


def _size(text: str, what: str, where: str) -> int:
    """A positive decimal integer of at most MAX_SIZE, written as plain ASCII digits."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise InputError(f"{what} must be a positive integer, found {quoted(digits)}", where)
    value = integer_from_digits(digits, what, where)
    if value <= 0:
        raise InputError(f"{what} must be a positive integer, found {digits}", where)
    if value > MAX_SIZE:
        raise InputError(f"{what} = {value} is above the largest size supported ({MAX_SIZE})", where)
    return value


def _key_line(text: str, key: str) -> int | None:
    """The line of `key = value` (or `key: value`) in the [architecture_presets] section, for error messages."""
    wanted, section = key.lower(), None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            continue
        name = line.split("=", 1)[0].split(":", 1)[0].strip().lower()
        if section == CONFIG_SECTION and name == wanted and ("=" in line or ":" in line):
            return number
    return None


def _parse_config(text: str, source: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(delimiters=(":", "="), interpolation=None)
    try:
        parser.read_string(text, source)
    except configparser.MissingSectionHeaderError as error:
        raise InputError(f"expected a [section] header, found {quoted(error.line.strip())}", f"{source}:{error.lineno}") from None
    except configparser.ParsingError as error:
        line_number = error.errors[0][0]  # the library keeps the line as a repr: quote the text itself
        lines = text.splitlines()
        line = lines[line_number - 1] if 0 < line_number <= len(lines) else ""
        raise InputError(f"expected 'key = value' or '[section]', found {quoted(line.strip())}", f"{source}:{line_number}") from None
    except configparser.DuplicateSectionError as error:
        raise InputError(f"section [{quoted(error.section)}] is given twice", f"{source}:{error.lineno}") from None
    except configparser.DuplicateOptionError as error:
        raise InputError(f"{quoted(error.option)} is given twice in [{quoted(error.section)}]", f"{source}:{error.lineno}") from None
    except configparser.Error as error:  # any other refusal of the library, on one line
        raise InputError(f"not a SCALE-Sim config: {quoted(' '.join(str(error).split()))}", source) from None
    return parser


def parse_scalesim_config(text: str, source: str = "<string>") -> ScaleSimArray:
    """ArrayHeight, ArrayWidth and Dataflow of the text of a SCALE-Sim config file."""
    parser = _parse_config(text, source)
    if not parser.has_section(CONFIG_SECTION):
        raise InputError(f"no [{CONFIG_SECTION}] section (SCALE-Sim's array description)", source)
    section = parser[CONFIG_SECTION]
    values: dict[str, str] = {}
    for key in CONFIG_KEYS:
        if key not in section:
            raise InputError(f"[{CONFIG_SECTION}] has no {key}", source)
        values[key] = section[key]

    def where(key: str) -> str:
        line = _key_line(text, key)
        return f"{source}:{line}" if line is not None else source

    rows = _size(values["ArrayHeight"], "ArrayHeight", where("ArrayHeight"))
    cols = _size(values["ArrayWidth"], "ArrayWidth", where("ArrayWidth"))
    dataflow = values["Dataflow"].strip().lower()
    if dataflow not in DATAFLOWS:
        raise InputError(f"unknown dataflow {quoted(dataflow)}; expected os, ws or is", where("Dataflow"))
    return ScaleSimArray(rows, cols, dataflow)


def read_scalesim_config(path: str | PathLike[str]) -> ScaleSimArray:
    """ArrayHeight, ArrayWidth and Dataflow of a SCALE-Sim config file."""
    return parse_scalesim_config(read_text_file(path), os.fspath(path))


def _gemm_of_row(cells: list[str], where: str) -> Gemm:
    name = cells[0]
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"a layer name is longer than {MAX_NAME_CHARS:,} characters", where)
    numbers = cells[1:]
    if len(numbers) == len(GEMM_COLUMNS):
        m, n, k = (_size(cell, column, where) for cell, column in zip(numbers, GEMM_COLUMNS, strict=True))
    elif len(numbers) == len(CONV_COLUMNS):
        height, width, filter_h, filter_w, channels, filters, stride = (
            _size(cell, column, where) for cell, column in zip(numbers, CONV_COLUMNS, strict=True)
        )
        if filter_h > height or filter_w > width:
            raise InputError(f"filter {filter_h}x{filter_w} is larger than the input {height}x{width}", where)
        out_h = -(-(height - filter_h + stride) // stride)  # SCALE-Sim's ceil((H - R + stride) / stride), exactly
        out_w = -(-(width - filter_w + stride) // stride)
        m, n, k = out_h * out_w, filters, filter_h * filter_w * channels
    else:
        raise InputError(
            f"expected 'name, M, N, K' or a conv row 'name, {', '.join(CONV_COLUMNS)}', got {len(numbers)} numbers", where
        )
    try:
        return Gemm(m, n, k, name=name)
    except InputError as error:
        raise InputError(error.message, where) from None


def parse_scalesim_topology(text: str, source: str = "<string>") -> tuple[Gemm, ...]:
    """The layers of the text of a SCALE-Sim topology file as GEMMs, in file order (the first line is a header)."""
    lines = text.splitlines()
    if not lines:
        raise InputError("empty topology file", source)
    gemms = []
    for number, line in enumerate(lines[1:], start=2):
        cells = [cell.strip() for cell in line.split(",")]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        if len(gemms) >= MAX_LAYERS:
            raise InputError(f"more than {MAX_LAYERS:,} layers", f"{source}:{number}")
        gemms.append(_gemm_of_row(cells, f"{source}:{number}"))
    if not gemms:
        raise InputError("no layers in topology file", source)
    return tuple(gemms)


def read_scalesim_topology(path: str | PathLike[str]) -> tuple[Gemm, ...]:
    """The layers of a SCALE-Sim topology file as GEMMs, in file order."""
    return parse_scalesim_topology(read_text_file(path), os.fspath(path))
