"""MAESTRO's tokenizer (docs/formats.md, Tokens), shared by the mapping and hardware file readers, and the text reader.

A line is split on space, comma, ``-``, ``>``, ``(``, ``)``, ``:``, tab and ``;``; a token that starts
with ``//`` ends the line. So ``K: 64``, ``K 64`` and ``K:64`` are the same two tokens, and
``SpatialMap(1,1) K;`` is ``SpatialMap 1 1 K``. Quotes are ordinary characters (``Y'`` is one token).
We also treat a carriage return, form feed and vertical tab as separators so that files saved with
Windows line endings read the same (MAESTRO would glue ``\\r`` to the last token of each line).

Because ``-`` is a separator, ``-3`` reads as ``3``; the tokenizer records which tokens had a ``-`` right
before them so that the parsers can still reject a negative number instead of silently dropping its sign.
"""

from __future__ import annotations

import os
import re
from os import PathLike

from mapscope.errors import InputError
from mapscope.formats.bounded_read import read_at_most
from mapscope.limits import MAX_TEXT_FILE_BYTES

#: The characters MAESTRO splits lines on, plus the line-ending characters we tolerate.
SEPARATORS = " ,->():\t;\r\f\v"

_NO_MINUS = SEPARATORS.replace("-", "")
_TO_SPACE = str.maketrans({character: " " for character in _NO_MINUS})
_SEPARATOR_CLASS = "[" + re.escape(SEPARATORS) + "]"
# "//" at the start of a token: at the start of the line or right after a separator.
_COMMENT_START = re.compile(r"(?:^|(?<=" + _SEPARATOR_CLASS + r"))//")
_TOKEN = re.compile(r"[^" + re.escape(SEPARATORS) + r"]+")
#: Lines split per step as a parser asks for tokens: few enough that a bad first token of a huge file
#: fails at once, many enough that a normal file pays the per-step cost rarely.
LINES_PER_BATCH = 256


class Tokens:
    """The token stream of one text: parallel lists of token texts and their 1-based line numbers.

    The lists are filled line by line as a parser asks for tokens (`available`), so a reader that
    stops at the first bad token of a large file never tokenizes the rest of it. `after_minus` holds
    the indices of tokens with a ``-`` among the separators right before them; `line_count` is the
    number of lines of the text (where a truncated file "ended"). Each distinct token text is stored
    once: a large file repeats a few dozen words millions of times.
    """

    def __init__(self, text: str = "") -> None:
        self.texts: list[str] = []
        self.lines: list[int] = []
        self.after_minus: set[int] = set()
        count = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
        self.line_count = max(count, 1)  # a final newline does not start another line
        self._text = text
        self._next_line = 1
        self._offset = 0  # where the next untokenized line starts in `_text`
        self._distinct: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def available(self, index: int) -> bool:
        """Whether the text has a token number `index` (tokenizing up to it if needed)."""
        while index >= len(self.texts) and self._offset < len(self._text):
            self._tokenize_lines(LINES_PER_BATCH)
        return index < len(self.texts)

    def read_all(self) -> Tokens:
        while self._offset < len(self._text):
            self._tokenize_lines(LINES_PER_BATCH)
        return self

    def _tokenize_lines(self, count: int) -> None:
        """Split the next `count` lines (fewer at the end of the text)."""
        text, start = self._text, self._offset
        end = start
        for _ in range(count):
            end = text.find("\n", end) + 1
            if end == 0:
                end = len(text)
                break
        number = self._next_line
        texts, lines, shared = self.texts, self.lines, self._distinct.setdefault
        for line in text[start:end].split("\n"):
            if "//" in line:
                comment = _COMMENT_START.search(line)
                if comment is not None:
                    line = line[: comment.start()]
            if "-" not in line:
                words = line.translate(_TO_SPACE).split()
                if words:
                    texts.extend([shared(word, word) for word in words])
                    lines.extend([number] * len(words))
            else:
                previous_end = 0
                for match in _TOKEN.finditer(line):
                    if "-" in line[previous_end : match.start()]:
                        self.after_minus.add(len(texts))
                    word = match.group()
                    texts.append(shared(word, word))
                    lines.append(number)
                    previous_end = match.end()
            number += 1
        self._offset = end
        self._next_line = number - (1 if end > start and text[end - 1] == "\n" else 0)


def tokenize(text: str) -> Tokens:
    """Split `text` into MAESTRO tokens, keeping each token's line number."""
    return Tokens(text).read_all()


def token_stream(text: str) -> Tokens:
    """The tokens of `text`, split only as far as a reader asks (see `Tokens.available`)."""
    return Tokens(text)


def maestro_display_name(name: str) -> str:
    """The name MAESTRO itself gives a layer or network written as `name`: its last token.

    MAESTRO keeps only the last token of a multi-token name, so ``Layer Conv2d-1`` is called ``1`` in its
    console report and CSV. mapscope keeps the name as written; a MAESTRO-compatible writer uses this.
    """
    words = tokenize(name).texts
    return words[-1] if words else name


def _too_large(path: str | PathLike[str], size: str) -> InputError:
    limit = f"{MAX_TEXT_FILE_BYTES:,} bytes ({MAX_TEXT_FILE_BYTES // 2**20} MiB)"
    return InputError(f"cannot read {path}: the file is {size}; input text files are limited to {limit}")


def read_text_file(path: str | PathLike[str]) -> str:
    """The UTF-8 text of `path` (a leading byte-order mark is dropped); any failure is an InputError.

    A file over `MAX_TEXT_FILE_BYTES` is refused before it is read: by its size when the system knows
    it, and in any case by reading at most one byte more than the limit (a pipe or a /proc file
    reports size 0, a device has none).
    """
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_TEXT_FILE_BYTES:
                raise _too_large(path, f"{size:,} bytes")
            data = read_at_most(handle, MAX_TEXT_FILE_BYTES)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise InputError(f"cannot read {path}: {reason}") from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise _too_large(path, "larger than that")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"cannot read {path}: not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})"
        ) from None
