"""SCALE-Sim's input files: the `scale.cfg` array description and the topology CSV (conv or GEMM rows).

A conv row becomes SCALE-Sim's im2col GEMM (M = output pixels, N = filters, K = R·S·C, on an input that
is already padded); a GEMM row `name, M, N, K` is taken as is.
"""

from __future__ import annotations

import configparser
import math
from dataclasses import dataclass
from os import PathLike

from mapscope.errors import InputError
from mapscope.formats.maestro_tokens import read_text_file
from mapscope.workload.gemm import Gemm


@dataclass(frozen=True)
class ScaleSimArray:
    """The part of scale.cfg the array model uses."""

    rows: int
    cols: int
    dataflow: str


def read_scalesim_config(path: str | PathLike[str]) -> ScaleSimArray:
    """ArrayHeight, ArrayWidth and Dataflow of a SCALE-Sim config file."""
    parser = configparser.ConfigParser(delimiters=(":", "="))
    try:
        parser.read_string(read_text_file(path))
        section = parser["architecture_presets"]
        rows, cols = int(section["ArrayHeight"]), int(section["ArrayWidth"])
        dataflow = section["Dataflow"].strip().lower()
    except (configparser.Error, KeyError, ValueError) as error:
        raise InputError(f"not a SCALE-Sim config with ArrayHeight, ArrayWidth and Dataflow ({error})", str(path)) from None
    if dataflow not in ("os", "ws", "is"):
        raise InputError(f"unknown dataflow {dataflow!r}; expected os, ws or is", str(path))
    if rows <= 0 or cols <= 0:
        raise InputError(f"array must be at least 1x1, got {rows}x{cols}", str(path))
    return ScaleSimArray(rows, cols, dataflow)


def read_scalesim_topology(path: str | PathLike[str]) -> tuple[Gemm, ...]:
    """The layers of a SCALE-Sim topology file as GEMMs, in file order."""
    lines = read_text_file(path).splitlines()
    if not lines:
        raise InputError("empty topology file", str(path))
    gemms = []
    for number, line in enumerate(lines[1:], start=2):
        cells = [cell.strip() for cell in line.split(",")]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        where = f"{path}:{number}"
        try:
            values = [int(cell) for cell in cells[1:]]
        except ValueError:
            raise InputError(f"expected integers after the layer name, got {', '.join(cells[1:])!r}", where) from None
        if any(value <= 0 for value in values):
            raise InputError("sizes must be positive", where)
        if len(values) == 3:
            m, n, k = values
        elif len(values) == 7:
            height, width, filter_h, filter_w, channels, filters, stride = values
            if filter_h > height or filter_w > width:
                raise InputError(f"filter {filter_h}x{filter_w} is larger than the input {height}x{width}", where)
            out_h = math.ceil((height - filter_h + stride) / stride)
            out_w = math.ceil((width - filter_w + stride) / stride)
            m, n, k = out_h * out_w, filters, filter_h * filter_w * channels
        else:
            raise InputError(f"expected 'name, M, N, K' or a 7-number conv row, got {len(values)} numbers", where)
        gemms.append(Gemm(m, n, k, name=cells[0]))
    if not gemms:
        raise InputError("no layers in topology file", str(path))
    return tuple(gemms)
