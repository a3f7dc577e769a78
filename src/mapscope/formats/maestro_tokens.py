"""MAESTRO's tokenizer (spec §4.1), shared by the mapping and hardware file readers, and the text reader.

A line is split on space, comma, ``-``, ``>``, ``(``, ``)``, ``:``, tab and ``;``; a token that starts
with ``//`` ends the line. So ``K: 64``, ``K 64`` and ``K:64`` are the same two tokens, and
``SpatialMap(1,1) K;`` is ``SpatialMap 1 1 K``. Quotes are ordinary characters (``Y'`` is one token).
We also treat a carriage return, form feed and vertical tab as separators so that files saved with
Windows line endings read the same (MAESTRO would glue ``\\r`` to the last token of each line).

Because ``-`` is a separator, ``-3`` reads as ``3``; the tokenizer records which tokens had a ``-`` right
before them so that the parsers can still reject a negative number instead of silently dropping its sign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from os import PathLike

from mapscope.errors import InputError

#: The characters MAESTRO splits lines on, plus the line-ending characters we tolerate.
SEPARATORS = " ,->():\t;\r\f\v"

_NO_MINUS = SEPARATORS.replace("-", "")
_TO_SPACE = str.maketrans({character: " " for character in _NO_MINUS})
_SEPARATOR_CLASS = "[" + re.escape(SEPARATORS) + "]"
# "//" at the start of a token: at the start of the line or right after a separator.
_COMMENT_START = re.compile(r"(?:^|(?<=" + _SEPARATOR_CLASS + r"))//")
_TOKEN = re.compile(r"[^" + re.escape(SEPARATORS) + r"]+")


@dataclass
class Tokens:
    """The token stream of one text: parallel lists of token texts and their 1-based line numbers.

    `after_minus` holds the indices of tokens with a ``-`` among the separators right before them;
    `line_count` is the number of lines of the text (where a truncated file "ended").
    """

    texts: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    after_minus: set[int] = field(default_factory=set)
    line_count: int = 0

    def __len__(self) -> int:
        return len(self.texts)


def tokenize(text: str) -> Tokens:
    """Split `text` into MAESTRO tokens, keeping each token's line number."""
    tokens = Tokens()
    texts, lines, after_minus = tokens.texts, tokens.lines, tokens.after_minus
    raw_lines = text.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()  # a final newline does not start another line
    tokens.line_count = max(len(raw_lines), 1)
    for number, line in enumerate(raw_lines, start=1):
        if "//" in line:
            comment = _COMMENT_START.search(line)
            if comment is not None:
                line = line[: comment.start()]
        if "-" not in line:
            words = line.translate(_TO_SPACE).split()
            texts.extend(words)
            lines.extend([number] * len(words))
            continue
        previous_end = 0
        for match in _TOKEN.finditer(line):
            if "-" in line[previous_end : match.start()]:
                after_minus.add(len(texts))
            texts.append(match.group())
            lines.append(number)
            previous_end = match.end()
    return tokens


def maestro_display_name(name: str) -> str:
    """The name MAESTRO itself gives a layer or network written as `name`: its last token.

    MAESTRO keeps only the last token of a multi-token name, so ``Layer Conv2d-1`` is called ``1`` in its
    console report and CSV. mapscope keeps the name as written; a MAESTRO-compatible writer uses this.
    """
    words = tokenize(name).texts
    return words[-1] if words else name


def read_text_file(path: str | PathLike[str]) -> str:
    """The UTF-8 text of `path` (a leading byte-order mark is dropped); any failure is an InputError."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise InputError(f"cannot read {path}: {reason}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"cannot read {path}: not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})"
        ) from None
