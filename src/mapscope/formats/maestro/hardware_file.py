"""Reader for MAESTRO hardware files (docs/formats.md, Hardware files): ``key: value`` lines in MAESTRO's token syntax.

The six keys and the Accelerator fields they set are in `HARDWARE_FILE_KEYS`. In MAESTRO a hardware
file overrides *all* of these, using its own defaults for absent keys (1 PE, unlimited sizes and
bandwidths, a NoC latency of 1), so the readers return a complete dictionary. Unlike MAESTRO (which reads
``abc`` as 0 and lets a later key win), a bad value or a repeated key is an InputError naming file:line.
"""

from __future__ import annotations

from os import PathLike

from mapscope.errors import InputError
from mapscope.formats.maestro.tokens import read_text_file, token_stream
from mapscope.hardware.accelerator import UNLIMITED
from mapscope.limits import integer_from_digits, quoted

#: MAESTRO hardware-file key -> Accelerator field name.
HARDWARE_FILE_KEYS = {
    "num_pes": "num_pes",
    "l1_size_cstr": "l1_size_elems",
    "l2_size_cstr": "l2_size_elems",
    "noc_bw_cstr": "noc_bandwidth_elems_per_cycle",
    "offchip_bw_cstr": "offchip_bandwidth_elems_per_cycle",
    "NoC_NumHops": "noc_latency_cycles",
}

#: What MAESTRO uses for a key the hardware file leaves out (keyed by Accelerator field name).
HARDWARE_FILE_DEFAULTS = {
    "num_pes": 1,
    "l1_size_elems": UNLIMITED,
    "l2_size_elems": UNLIMITED,
    "noc_bandwidth_elems_per_cycle": UNLIMITED,
    "offchip_bandwidth_elems_per_cycle": UNLIMITED,
    "noc_latency_cycles": 1,
}


def parse_hardware_text(text: str, source: str = "<string>") -> dict[str, int]:
    """Parse a hardware file's text into all six Accelerator fields it controls (defaults filled in)."""
    tokens = token_stream(text)  # split as far as read: a bad first key ends a large file at once
    texts, lines = tokens.texts, tokens.lines
    values: dict[str, int] = {}
    first_line: dict[str, int] = {}
    position = 0
    while tokens.available(position):
        key, line = texts[position], lines[position]
        where = f"{source}:{line}"
        if key not in HARDWARE_FILE_KEYS:
            accepted = ", ".join(HARDWARE_FILE_KEYS)
            raise InputError(f"unknown hardware key {quoted(key)}; accepted keys: {accepted}", where)
        if key in first_line:
            raise InputError(f"{key} is given twice (first on line {first_line[key]})", where)
        first_line[key] = line
        position += 1
        if not tokens.available(position):
            end = tokens.line_count
            raise InputError(f"file ended at line {end}; expected the value of {key}", f"{source}:{end}")
        word, where = texts[position], f"{source}:{lines[position]}"
        negative = position in tokens.after_minus
        position += 1
        if not (word.isdigit() and word.isascii()):
            raise InputError(f"{key} must be a positive integer, found {quoted(word)}", where)
        value = integer_from_digits(word, f"the value of {key}", where)
        if negative or value <= 0:
            raise InputError(f"{key} must be a positive integer, found {'-' if negative else ''}{word}", where)
        if value > UNLIMITED:
            limit = f"at most {UNLIMITED} (MAESTRO stores it as a 32-bit int)"
            raise InputError(f"{key} must be {limit}, found {word}", where)
        values[HARDWARE_FILE_KEYS[key]] = value
    return {**HARDWARE_FILE_DEFAULTS, **values}


def read_hardware_file(path: str | PathLike[str]) -> dict[str, int]:
    """Read a MAESTRO hardware file (e.g. ``accelerator_1.m``); errors name the path as given."""
    return parse_hardware_text(read_text_file(path), str(path))
