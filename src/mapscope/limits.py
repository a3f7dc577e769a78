"""Upper bounds on what an input may ask for, each checked before anything is allocated.

Every bound is far above what a real network, accelerator or design space needs, and low enough that
no input file can make mapscope hang or exhaust memory. Going over one is an InputError that names the
place and the bound. docs/limits.md lists them for users (a test keeps the two in step).
"""

from __future__ import annotations

import reprlib

from mapscope.errors import InputError

#: Largest dimension, tile, stride, cluster or hardware quantity: MAESTRO stores them in 32-bit ints.
MAX_SIZE = 2**31 - 1
#: Longest integer literal (in digits) any reader converts; longer ones are refused before conversion,
#: since Python's int() of a 10,000-digit string is slow and refused past 4,300 digits.
MAX_INTEGER_DIGITS = 40
#: Largest text input (.m, YAML, JSON, CSV, SCALE-Sim files) read into memory.
MAX_TEXT_FILE_BYTES = 64 * 2**20
#: Most layers (or operators) one network may have; also the most nodes an ONNX graph may have.
MAX_LAYERS = 100_000
#: Longest layer or network name (characters).
MAX_NAME_CHARS = 1024
#: Most Constants one MAESTRO mapping file may define.
MAX_CONSTANTS = 10_000
#: Most directives in one layer's dataflow: a real one has at most 4 cluster levels of 11 dimensions.
MAX_DIRECTIVES_PER_LAYER = 1_000
#: Most iteration cases (combinations of its directives' Init/Steady/Edge states) one cluster level may
#: enumerate: three states for each of a layer's at most ten dimensions. Counted before enumerating.
MAX_ITERATION_CASES = 3**10
#: Most iteration cases the analysis of one layer may enumerate over all its levels and sub-cluster tiles
#: (about half a minute of work; the bundled MAESTRO mappings need at most a few dozen).
MAX_LAYER_ITERATION_CASES = 1_000_000
#: Largest ONNX file read (bytes): protobuf's own limit on one message. Larger models keep their weights
#: as external data, which mapscope never reads (it needs shapes only). Reading takes about twice the
#: file's size in memory.
MAX_ONNX_FILE_BYTES = 2**31 - 1
#: Deepest nesting of lists and mappings in a YAML or JSON document.
MAX_NESTING_DEPTH = 64
#: Most nodes a YAML or JSON document may hold once every alias is expanded ("billion laughs").
MAX_DOCUMENT_NODES = 1_000_000
#: Longest field of a CSV file (characters).
MAX_CSV_FIELD_CHARS = 65_536
#: Most designs one exploration evaluates: its budget, or its whole space when a grid or random search
#: has no budget (every evaluated design is kept in memory, about 2.5 kB each).
MAX_DESIGNS = 1_000_000
#: Longest error line the command line prints (characters); a longer message keeps its start and end.
MAX_ERROR_LINE_CHARS = 1_000
#: Longest piece of an input quoted back in an error message (characters); longer ones are shortened.
MAX_QUOTED_CHARS = 80
#: Most work units (tiles) of one GEMM on the large, split or flexsa machine: the compiler and the
#: analytical model hold a few hundred bytes per unit (a 1,000^3 GEMM on a 2x2 machine needs 4 million).
MAX_PLAN_UNITS = 2**21


class _Quoter(reprlib.Repr):
    """reprlib with short limits that also survives integers too long for repr()."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 2
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = 4
        self.maxstring = self.maxlong = self.maxother = MAX_QUOTED_CHARS

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4 * MAX_INTEGER_DIGITS:
            return f"<an integer of about {int(x.bit_length() * 0.30103):,} digits>"
        return super().repr_int(x, level)


_QUOTER = _Quoter()


def quoted(value: object) -> str:
    """A short repr of `value` (reprlib: long strings, numbers and containers elided with '...') for errors."""
    return _QUOTER.repr(value)


def shortened(text: str) -> str:
    """`text` as is, or cut to MAX_QUOTED_CHARS characters ending in "..." (a name quoted in an error message)."""
    return text if len(text) <= MAX_QUOTED_CHARS else f"{text[: MAX_QUOTED_CHARS - 3]}..."


def integer_from_digits(digits: str, what: str, where: str | None = None) -> int:
    """The integer written as the ASCII decimal `digits` (sign already removed), refusing over-long literals."""
    if len(digits) > MAX_INTEGER_DIGITS:
        raise InputError(f"{what} has {len(digits):,} digits; at most {MAX_INTEGER_DIGITS} are accepted", where)
    return int(digits)
