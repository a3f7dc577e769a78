"""Text and byte mutations shared by the fuzz families: token, line, byte and truncation edits.

Every mutator takes a `random.Random`-like object (`rng`) and draws everything from it, so the same
generator replays the same input: `benchmarks/fuzz_readers.py` passes a `random.Random` seeded from
(seed, family, index), the Hypothesis tests pass `st.randoms()`, whose draws Hypothesis can shrink.
Mutators only use `random`, `randrange`, `randint`, `choice` and `randbytes`, which both provide.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

Rng = random.Random

#: Numbers that probe every bound a reader should have: zero, negatives, 32/64-bit edges, literals
#: longer than MAX_INTEGER_DIGITS and than Python's 4,300-digit int() limit, and non-ASCII digits
#: ('٣' and '𝟙' are digits int() accepts, '²' is a digit it refuses).
EXTREME_NUMBERS: tuple[str, ...] = (
    "0",
    "-1",
    "1",
    "2",
    "-0",
    "+5",
    "007",
    "2147483647",
    "2147483648",
    "4294967296",
    str(2**63),
    str(2**64),
    "9" * 40,
    "9" * 41,
    "1" + "0" * 4300,
    "1" + "0" * 5000,
    "9" * 100_000,
    "1e9",
    "1.5",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "0x1F",
    "1_000",
    "٣",
    "𝟙",
    "²",
)

#: The integers among them (signs and leading zeros included): same type, extreme value.
EXTREME_INTEGERS = EXTREME_NUMBERS[:17]

#: Words that are not numbers: empty, huge (past csv's 131,072-character field limit), control and
#: format characters, text that changes length when case-folded, quotes, braces and comment starters.
EXTREME_WORDS: tuple[str, ...] = (
    "",
    "A" * 1000,
    "A" * 100_000,
    "B" * 140_000,
    "Kα",
    "日本語",
    "\x00",
    "\ufeff",
    "\u202e",
    "İ",
    "ﬁ",
    "\x1b[31m",
    "'",
    '"',
    "{",
    "}",
    "[",
    "]",
    "//",
    "#",
    "%s",
    "${x}",
    "\\",
    "\r",
    "\t",
    "\n",
    "true",
    "null",
    "~",
)

#: How often a chosen line (e.g. a directive) is repeated by the line-duplication mutation.
REPEAT_COUNTS: tuple[int, ...] = (2, 3, 20, 100)

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_'.]*|\d+|\s+|.", re.DOTALL)


def short(value: object) -> str:
    """`value` quoted for a mutation's description, a long one cut with its length said."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text) if len(text) <= 24 else f"{text[:16]!r}... ({len(text):,} chars)"


def is_number(token: str) -> bool:
    return token.isdigit()


def pick_number(rng: Rng) -> str:
    """A plain size (a third of the time), a 32/64-bit edge or over-long literal, or an odd number."""
    roll = rng.random()
    if roll < 0.33:
        return str(rng.randint(1, 300))
    if roll < 0.66:
        return rng.choice(EXTREME_INTEGERS)
    return rng.choice(EXTREME_NUMBERS)


def pick_word(rng: Rng, vocabulary: Sequence[str]) -> str:
    """A word of the format's vocabulary (most often), an extreme word or an extreme number."""
    roll = rng.random()
    if vocabulary and roll < 0.5:
        return rng.choice(vocabulary)
    if roll < 0.8:
        return rng.choice(EXTREME_WORDS)
    return pick_number(rng)


# ---- token and line mutations ---------------------------------------------------------------------------
def _words(tokens: list[str]) -> list[int]:
    return [index for index, token in enumerate(tokens) if not token.isspace()]


def _token_mutation(rng: Rng, text: str, vocabulary: Sequence[str]) -> tuple[str, str]:
    tokens = _TOKEN.findall(text)
    words = _words(tokens)
    if not words:
        return text + pick_word(rng, vocabulary), "append word"
    kind = rng.choice(("delete", "duplicate", "swap", "number", "number", "replace", "insert"))
    position = rng.choice(words)
    if kind == "number":
        numbers = [index for index in words if is_number(tokens[index])]
        if numbers:
            position = rng.choice(numbers)
            tokens[position] = pick_number(rng)
            return "".join(tokens), f"number at token {position} -> {short(tokens[position])}"
        kind = "replace"
    if kind == "delete":
        removed = tokens.pop(position)
        return "".join(tokens), f"delete token {short(removed)}"
    if kind == "duplicate":
        tokens.insert(position, tokens[position] + (" " if rng.random() < 0.8 else ""))
        return "".join(tokens), f"duplicate token {short(tokens[position])}"
    if kind == "swap":
        other = rng.choice(words)
        tokens[position], tokens[other] = tokens[other], tokens[position]
        return "".join(tokens), f"swap tokens {position} and {other}"
    word = pick_word(rng, vocabulary)
    if rng.random() < 0.7:  # mostly a separate word; sometimes glued to its neighbours
        word = f" {word} "
    if kind == "insert":
        tokens.insert(position, word)
        return "".join(tokens), f"insert {short(word)}"
    tokens[position] = word
    return "".join(tokens), f"replace token {position} with {short(word)}"


def _line_mutation(rng: Rng, text: str) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text, "no lines"
    kind = rng.choice(("repeat", "repeat", "delete", "swap", "block"))
    index = rng.randrange(len(lines))
    if kind == "repeat":
        count = rng.choice(REPEAT_COUNTS)
        line = lines[index] if lines[index].endswith("\n") else lines[index] + "\n"
        lines[index : index + 1] = [line] * count
        return "".join(lines), f"repeat line {index + 1} x{count}"
    if kind == "delete":
        del lines[index]
        return "".join(lines), f"delete line {index + 1}"
    if kind == "swap":
        other = rng.randrange(len(lines))
        lines[index], lines[other] = lines[other], lines[index]
        return "".join(lines), f"swap lines {index + 1} and {other + 1}"
    end = min(len(lines), index + rng.randint(1, 12))
    count = rng.choice((2, 10, 200))
    block = lines[index:end]
    lines[index:end] = block * count
    return "".join(lines), f"repeat lines {index + 1}-{end} x{count}"


def mutate_text(rng: Rng, text: str, vocabulary: Sequence[str] = (), rounds: int | None = None) -> tuple[bytes, list[str]]:
    """`text` after 1-3 token or line mutations, then (sometimes) a byte-level one; UTF-8 bytes.

    Returns the bytes and a list describing each mutation (for humans reading a failure).
    """
    steps: list[str] = []
    if rounds is None:
        roll = rng.random()
        rounds = 1 if roll < 0.6 else 2 if roll < 0.85 else 3
    for _ in range(rounds):
        if rng.random() < 0.7:
            text, step = _token_mutation(rng, text, vocabulary)
        else:
            text, step = _line_mutation(rng, text)
        steps.append(step)
    data = text.encode("utf-8", errors="surrogatepass")
    if rng.random() < 0.08:
        data, step = mutate_bytes(rng, data)
        steps.append(step)
    return data, steps


# ---- byte mutations -------------------------------------------------------------------------------------
def flip_bytes(rng: Rng, data: bytes, count: int | None = None) -> bytes:
    """`data` with `count` (default 1-4) bytes XORed with a random non-zero mask."""
    if not data:
        return data
    buffer = bytearray(data)
    for _ in range(count if count is not None else rng.randint(1, 4)):
        position = rng.randrange(len(buffer))
        buffer[position] ^= rng.randint(1, 255)
    return bytes(buffer)


def truncate(rng: Rng, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)] if data else data


def mutate_bytes(rng: Rng, data: bytes) -> tuple[bytes, str]:
    """One byte-level mutation: flips, truncation, an inserted or deleted run, an invalid UTF-8 byte."""
    kind = rng.choice(("flip", "flip", "truncate", "insert", "delete", "invalid"))
    if kind == "flip" or not data:
        return flip_bytes(rng, data), "flip bytes"
    if kind == "truncate":
        cut = rng.randrange(len(data))
        return data[:cut], f"truncate to {cut} bytes"
    position = rng.randrange(len(data))
    if kind == "insert":
        run = rng.randbytes(rng.randint(1, 16))
        return data[:position] + run + data[position:], f"insert {len(run)} random bytes at {position}"
    if kind == "delete":
        end = min(len(data), position + rng.randint(1, 64))
        return data[:position] + data[end:], f"delete bytes {position}-{end}"
    invalid = rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"))
    return data[:position] + invalid + data[position:], f"insert {invalid!r} at {position}"


def choose(rng: Rng, options: Sequence[tuple[float, Callable[[], tuple[bytes, list[str]]]]]) -> tuple[bytes, list[str]]:
    """Run one of `options` (weight, thunk), picked by weight."""
    total = sum(weight for weight, _ in options)
    roll = rng.random() * total
    for weight, thunk in options:
        roll -= weight
        if roll < 0:
            return thunk()
    return options[-1][1]()
