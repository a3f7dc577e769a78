"""SCALE-Sim's input files: the `scale.cfg` array description and the topology CSV (conv or GEMM rows).

For the systolic model, a conv row becomes SCALE-Sim's im2col GEMM (M = output pixels, N = filters,
K = R·S·C, on an input that is already padded; `ConvShape`); a GEMM row `name, M, N, K` is taken as is.
For the data-centric model, a topology becomes a workload `Model` of convolutions and matrix products
(`scalesim_model`). Every mistake is a one-line InputError
naming ``file:line``; numbers are plain decimal integers of at most `MAX_INTEGER_DIGITS` digits, sizes
at most `MAX_SIZE`, and a topology holds at most `MAX_LAYERS` rows.
"""

from __future__ import annotations

import configparser
import os
from os import PathLike
from pathlib import Path

from mapscope.errors import InputError
from mapscope.formats.maestro.tokens import read_text_file
from mapscope.limits import MAX_LAYERS, MAX_NAME_CHARS, MAX_SIZE, integer_from_digits, quoted
from mapscope.systolic.scalesim_dram import DEFAULT_SRAMS, ScaleSimSrams
from mapscope.systolic.topology_run import ConvShape, TopologyLayer
from mapscope.systolic.topology_settings import ScaleSimArray
from mapscope.workload.gemm import Gemm
from mapscope.workload.operators import Conv, MatMul, Model

DATAFLOWS = ("os", "ws", "is")
CONFIG_SECTION = "architecture_presets"
CONFIG_KEYS = ("ArrayHeight", "ArrayWidth", "Dataflow")
#: The SRAM sizes (kB) behind SCALE-Sim's DRAM counts; SCALE-Sim's defaults where a config leaves one out.
SRAM_KEYS = ("IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB")
CONV_COLUMNS = ("IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels", "Num Filter", "Strides")
GEMM_COLUMNS = ("M", "N", "K")


def _unmodelled_settings(parser: configparser.ConfigParser, source: str) -> tuple[str, ...]:
    """Notes for the config settings that would change SCALE-Sim's figures but not mapscope's."""
    notes = []
    bandwidth = parser.get("run_presets", "InterfaceBandwidth", fallback="CALC").strip()
    if bandwidth.upper() != "CALC":
        notes.append(
            f"{source}: InterfaceBandwidth {quoted(bandwidth)}: SCALE-Sim adds stall cycles for a limited DRAM bandwidth; "
            "mapscope counts none (as SCALE-Sim's CALC mode)"
        )
    sparsity = parser.get("sparsity", "SparsitySupport", fallback="false").strip()
    if sparsity.lower() not in ("false", "0", "no", ""):
        notes.append(f"{source}: SparsitySupport {quoted(sparsity)} is ignored: mapscope runs every layer dense")
    return tuple(notes)


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
    """ArrayHeight, ArrayWidth, Dataflow and the three SRAM sizes of the text of a SCALE-Sim config file."""
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
    defaults = (DEFAULT_SRAMS.ifmap_kb, DEFAULT_SRAMS.filter_kb, DEFAULT_SRAMS.ofmap_kb)
    srams = ScaleSimSrams(
        *(_size(section[key], key, where(key)) if key in section else default for key, default in zip(SRAM_KEYS, defaults, strict=True))
    )
    return ScaleSimArray(rows, cols, dataflow, _unmodelled_settings(parser, source), srams)


def read_scalesim_config(path: str | PathLike[str]) -> ScaleSimArray:
    """ArrayHeight, ArrayWidth, Dataflow and the three SRAM sizes of a SCALE-Sim config file."""
    return parse_scalesim_config(read_text_file(path), os.fspath(path))


def topology_header_kind(line: str) -> str | None:
    """"conv" or "gemm" for the header line of a SCALE-Sim topology (any first cell, then SCALE-Sim's column
    titles, case and spaces aside), None for any other line."""
    cells = [cell.strip().lower() for cell in line.split(",")]
    while cells and cells[-1] == "":
        cells.pop()
    titles = tuple(cells[1:])
    for kind, columns in (("conv", CONV_COLUMNS), ("gemm", GEMM_COLUMNS)):
        if titles == tuple(column.lower() for column in columns):
            return kind
    return None


def _layer_of_row(cells: list[str], where: str) -> TopologyLayer:
    name = cells[0]
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"a layer name is longer than {MAX_NAME_CHARS:,} characters", where)
    numbers = cells[1:]
    conv = None
    try:
        if len(numbers) == len(GEMM_COLUMNS):
            m, n, k = (_size(cell, column, where) for cell, column in zip(numbers, GEMM_COLUMNS, strict=True))
            return TopologyLayer(Gemm(m, n, k, name=name))
        if len(numbers) == len(CONV_COLUMNS):
            conv = ConvShape(*(_size(cell, column, where) for cell, column in zip(numbers, CONV_COLUMNS, strict=True)))
            if conv.filter_height > conv.input_height or conv.filter_width > conv.input_width:
                raise InputError(
                    f"filter {conv.filter_height}x{conv.filter_width} is larger than the input "
                    f"{conv.input_height}x{conv.input_width}",
                    where,
                )
            return TopologyLayer(conv.gemm(name), conv)
    except InputError as error:
        raise InputError(error.message, where) from None
    raise InputError(
        f"expected 'name, M, N, K' or a conv row 'name, {', '.join(CONV_COLUMNS)}', got {len(numbers)} numbers", where
    )


def _numbered_layers(text: str, source: str) -> list[tuple[int, TopologyLayer]]:
    """(line number, layer) of every row after the header, in file order."""
    lines = text.splitlines()
    if not lines:
        raise InputError("empty topology file", source)
    first = [cell.strip() for cell in lines[0].split(",")[1:] if cell.strip()]
    if first and all(cell.isascii() and cell.isdigit() for cell in first):
        raise InputError(
            "the first line is a layer, not a header (SCALE-Sim skips the first line): add the header "
            f"'Layer name, {', '.join(CONV_COLUMNS)}' or 'Layer, {', '.join(GEMM_COLUMNS)}'",
            f"{source}:1",
        )
    layers = []
    for number, line in enumerate(lines[1:], start=2):
        cells = [cell.strip() for cell in line.split(",")]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        if len(layers) >= MAX_LAYERS:
            raise InputError(f"more than {MAX_LAYERS:,} layers", f"{source}:{number}")
        layers.append((number, _layer_of_row(cells, f"{source}:{number}")))
    if not layers:
        raise InputError("no layers in topology file", source)
    return layers


def parse_scalesim_layers(text: str, source: str = "<string>") -> tuple[TopologyLayer, ...]:
    """The layers of the text of a SCALE-Sim topology file (the first line is a header), in file order:
    each one's GEMM, and its conv shape for a conv row."""
    return tuple(layer for _, layer in _numbered_layers(text, source))


def read_scalesim_layers(path: str | PathLike[str]) -> tuple[TopologyLayer, ...]:
    """The layers of a SCALE-Sim topology file, in file order; see `parse_scalesim_layers`."""
    return parse_scalesim_layers(read_text_file(path), os.fspath(path))


def parse_scalesim_topology(text: str, source: str = "<string>") -> tuple[Gemm, ...]:
    """The layers of the text of a SCALE-Sim topology file as GEMMs, in file order (the first line is a header)."""
    return tuple(layer.gemm for layer in parse_scalesim_layers(text, source))


def read_scalesim_topology(path: str | PathLike[str]) -> tuple[Gemm, ...]:
    """The layers of a SCALE-Sim topology file as GEMMs, in file order."""
    return parse_scalesim_topology(read_text_file(path), os.fspath(path))


#: What a SCALE-Sim topology's first line must be, for an error that says so.
EXPECTED_HEADERS = f"'Layer name, {', '.join(CONV_COLUMNS)}' or 'Layer, {', '.join(GEMM_COLUMNS)}'"


def is_scalesim_topology(text: str) -> bool:
    """Whether the first line of `text` is a SCALE-Sim topology header (conv or GEMM columns)."""
    return topology_header_kind(text.split("\n", 1)[0]) is not None


def scalesim_model(text: str, source: str = "<string>") -> tuple[Model, tuple[str, ...]]:
    """The text of a SCALE-Sim topology as a workload `Model` for the data-centric model, and notes.

    A conv row is a `Conv` with the row's stride and no padding (SCALE-Sim's ifmap sizes are already
    padded), a GEMM row a `MatMul` (M x K times a K x N weight). Where the stride does not divide
    H - R, SCALE-Sim counts one more (partial) output row or column than the convolution has; a note says so.
    """
    if not is_scalesim_topology(text):
        found = quoted(text.split("\n", 1)[0].strip()) if text.strip() else "an empty file"
        raise InputError(f"not a SCALE-Sim topology: expected the header {EXPECTED_HEADERS}, found {found}", f"{source}:1")
    operators: list[Conv | MatMul] = []
    notes: list[str] = []
    lines_of: dict[str, int] = {}
    for number, layer in _numbered_layers(text, source):
        where, name = f"{source}:{number}", layer.name
        if not name:
            raise InputError("a layer needs a name (the first cell)", where)
        if name in lines_of:
            raise InputError(f"layer {quoted(name)} is named on line {lines_of[name]} already", where)
        lines_of[name] = number
        conv = layer.conv
        if conv is None:
            operators.append(MatMul(name, m=layer.gemm.m, k=layer.gemm.k, n=layer.gemm.n))
            continue
        operator = Conv(
            name, conv.input_channels, conv.output_channels, (conv.input_height, conv.input_width),
            (conv.filter_height, conv.filter_width), stride=(conv.stride, conv.stride),
        )
        if operator.output_hw != (conv.output_height, conv.output_width):
            notes.append(
                f"{name} ({where}): SCALE-Sim counts {conv.output_height}x{conv.output_width} outputs (a last, partial "
                f"window where stride {conv.stride} does not divide the input), the convolution has "
                f"{operator.output_hw[0]}x{operator.output_hw[1]}; the data-centric model analyses the convolution"
            )
        operators.append(operator)
    return Model(Path(source).stem or "topology", tuple(operators), source=source), tuple(notes)


def read_scalesim_model(path: str | PathLike[str]) -> tuple[Model, tuple[str, ...]]:
    """A SCALE-Sim topology file as a workload `Model`, and notes; see `scalesim_model`."""
    return scalesim_model(read_text_file(path), os.fspath(path))
