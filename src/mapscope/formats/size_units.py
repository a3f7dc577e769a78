"""Buffer sizes written with a unit (``64KiB``, ``2MiB``, ``1.5kB`` is refused) converted to elements.

A plain integer is a count of elements, as in MAESTRO. A size with a unit is a count of bytes,
converted with the accelerator's word width: elements = bytes * 8 / word_bits, which must come out
whole. Binary (KiB = 1024 B) and decimal (kB = 1000 B) prefixes are accepted; ``KB``, which people use
for both, is refused with a hint.
"""

from __future__ import annotations

import re

from mapscope.errors import InputError
from mapscope.limits import quoted

#: Accepted units -> bytes.
BYTE_UNITS: dict[str, int] = {
    "B": 1,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
    "kB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
}
_AMBIGUOUS = {"KB": ("KiB", "kB"), "K": ("KiB", "kB"), "M": ("MiB", "MB"), "G": ("GiB", "GB")}
_SIZE = re.compile(r"\s*(\d{1,12})\s*([A-Za-z]+)\s*")


def size_bytes(text: str) -> int:
    """The number of bytes `text` (``64KiB``, ``512 B``) stands for; InputError naming the problem."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise InputError(f"{quoted(text)} is not a size: write a whole number with a unit ({', '.join(BYTE_UNITS)}), e.g. 64KiB")
    number, unit = int(match.group(1)), match.group(2)
    if unit in _AMBIGUOUS:
        binary, decimal = _AMBIGUOUS[unit]
        raise InputError(f"{quoted(text)}: {unit} is ambiguous; write {binary} (binary) or {decimal} (decimal)")
    if unit not in BYTE_UNITS:
        raise InputError(f"{quoted(text)}: unknown unit {quoted(unit)}; accepted units: {', '.join(BYTE_UNITS)}")
    return number * BYTE_UNITS[unit]


def size_elems(value: int | str, word_bits: int) -> int:
    """`value` in elements: an integer as given, a size with a unit converted with `word_bits`."""
    if isinstance(value, int):
        return value
    total_bits = size_bytes(value) * 8
    if total_bits % word_bits:
        raise InputError(f"{quoted(value)} is not a whole number of {word_bits}-bit words")
    return total_bits // word_bits
