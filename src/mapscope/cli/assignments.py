"""`NAME=VALUE` options (`--param`, `--dim`) as a dict of integers and short words."""

from __future__ import annotations

import re

from mapscope.errors import InputError
from mapscope.limits import MAX_QUOTED_CHARS, MAX_SIZE, integer_from_digits, quoted

_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_assignments(texts: list[str] | tuple[str, ...], option: str) -> dict[str, int | str]:
    """`["k_tile=4", "loop_order=KCYX"]` -> {"k_tile": 4, "loop_order": "KCYX"}; InputError naming `option` otherwise.

    Names and text values are the short words zoo networks, templates and ONNX models use: printable,
    without spaces, at most MAX_QUOTED_CHARS characters. Integers are refused beyond MAX_SIZE (their
    digits counted before conversion); whether one may be zero or negative is the receiver's to say.
    """
    values: dict[str, int | str] = {}
    for text in texts:
        name, equals, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise InputError(f"expected NAME=VALUE, got {quoted(text)}", option)
        _check_word(name, "a name", option)
        if name in values:
            raise InputError(f"{name} is given twice", option)
        if _INTEGER.fullmatch(value):
            magnitude = integer_from_digits(value.lstrip("+-"), name, option)
            if magnitude > MAX_SIZE:
                raise InputError(f"{name} = {value} is beyond {MAX_SIZE:,}, the largest size mapscope accepts", option)
            values[name] = -magnitude if value.startswith("-") else magnitude
        else:
            _check_word(value, "a value", option)
            values[name] = value
    return values


def _check_word(word: str, what: str, option: str) -> None:
    if len(word) > MAX_QUOTED_CHARS or not word.isprintable() or any(character.isspace() for character in word):
        raise InputError(f"{what} is printable, without spaces and at most {MAX_QUOTED_CHARS} characters; got {quoted(word)}", option)
