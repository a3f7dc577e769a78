"""SCALE-Sim's DRAM words for one layer on one array, in closed form (its `CALC` bandwidth mode).

Reads: SCALE-Sim's read buffers fetch each distinct word an operand asks for once, as long as its
distinct words stay below the active half of the SRAM (50 sets of floor(words / 100) words); beyond
that it drops the older half and may fetch words twice, which is not modelled (`refetch_notes`).

Writes: the ofmap write buffer keeps ceil(T / 2) of its T words active and, once more than D =
floor(T / 2) words wait, drains ceil(D / C) lines of C words (C = the array's columns) to DRAM, after
closing the current, partly filled line with empty slots. Each drain counts every slot of its lines
but the empty ones of its last line. When C divides D (and D >= 2C), the line closed at the first drain
(one word, C - 1 empty slots) is left for the next drain, where it is not the last line: its empty
slots are counted once, C - 1 words too many. So for S words written (every partial sum of every
fold), DRAM writes = S + (C - 1) when C | D, D >= 2C and S >= D + 2, else S. For the ResNet-18 layer
3136x64x576 in ws on 32x32 with 4 MiB SRAMs: S = 18 x 200,704 = 3,612,672, D = 2,097,152, so 3,612,703.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mapscope.errors import InputError

#: SCALE-Sim 3.0's SRAM sizes when a config does not set them (its scale_config: 256, 256 and 128 kB).
DEFAULT_IFMAP_SRAM_KB = 256
DEFAULT_FILTER_SRAM_KB = 256
DEFAULT_OFMAP_SRAM_KB = 128
#: SCALE-Sim's word: one byte, so an SRAM of S kB holds S x 1024 words.
WORDS_PER_KB = 1024
#: The read buffer's active part: 50 of its 100 sets (SCALE-Sim's active fraction 0.5).
_ACTIVE_SETS = 50
_SETS = 100
#: Layers a note names before it says "and N more".
_NAMED_LAYERS = 3


@dataclass(frozen=True)
class ScaleSimSrams:
    """The three SRAM sizes of a SCALE-Sim config, in kB of one-byte words (IfmapSramSzkB, FilterSramSzkB,
    OfmapSramSzkB); they set SCALE-Sim's DRAM counts, not its cycles or SRAM counts."""

    ifmap_kb: int = DEFAULT_IFMAP_SRAM_KB
    filter_kb: int = DEFAULT_FILTER_SRAM_KB
    ofmap_kb: int = DEFAULT_OFMAP_SRAM_KB

    def __post_init__(self) -> None:
        for name in ("ifmap_kb", "filter_kb", "ofmap_kb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InputError(f"{name} must be a positive integer, got {value!r}", "SRAM sizes")

    @property
    def ofmap_drain_words(self) -> int:
        """D: the words the ofmap write buffer lets wait before it drains (half of it, rounded down)."""
        return self.ofmap_kb * WORDS_PER_KB // 2

    def read_window_words(self, operand: str) -> int:
        """The distinct words of `operand` ("ifmap" or "filter") SCALE-Sim's read buffer holds before it
        drops the older half: 50 sets of floor(words / 100)."""
        kb = self.ifmap_kb if operand == "ifmap" else self.filter_kb
        return _ACTIVE_SETS * (kb * WORDS_PER_KB // _SETS)


DEFAULT_SRAMS = ScaleSimSrams()


def ofmap_dram_writes(written_words: Any, drain_words: int, cols: Any) -> Any:
    """SCALE-Sim's DRAM ofmap writes for `written_words` words sent to the ofmap SRAM, a drain threshold of
    `drain_words` (D) and lines of `cols` (C) words: S, plus C - 1 when C | D, D >= 2C and S >= D + 2.

    `written_words` and `cols` are Python ints or numpy int64 arrays (the batched model); the
    conditions multiply as 0/1, so both give the same integers.
    """
    overcounted = (drain_words % cols == 0) * (drain_words >= 2 * cols) * (written_words >= drain_words + 2)
    return written_words + (cols - 1) * overcounted


def refetch_notes(srams: ScaleSimSrams, layers: Sequence[tuple[str, dict[str, Any]]]) -> tuple[str, ...]:
    """One note per operand that some layers (name, counts) read more than once while its distinct words
    overflow the read buffer's active half: SCALE-Sim then fetches some words twice, the model counts each once."""
    notes = []
    for operand in ("ifmap", "filter"):
        window = srams.read_window_words(operand)
        names = [
            name for name, counts in layers
            if counts[f"{operand}_sram_reads"] > counts[f"dram_{operand}_reads"] >= window
        ]
        if names:
            shown = ", ".join(names[:_NAMED_LAYERS]) + (f" and {len(names) - _NAMED_LAYERS} more" if len(names) > _NAMED_LAYERS else "")
            notes.append(
                f"DRAM {operand} reads of {shown}: SCALE-Sim's {operand} SRAM keeps {window:,} distinct words active and "
                f"would fetch some words twice; mapscope counts each distinct word once (a lower bound)"
            )
    return tuple(notes)
