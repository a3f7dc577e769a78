"""The input limits: documented in docs/limits.md with their values, and the helpers errors rely on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mapscope import limits
from mapscope.errors import InputError

LIMITS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "limits.md"


def _documented() -> dict[str, int]:
    """Limit name -> value, from the table rows of docs/limits.md."""
    rows = re.findall(r"^\| `(MAX_[A-Z_]+)` \| ([0-9,]+)", LIMITS_PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {name: int(value.replace(",", "")) for name, value in rows}


def test_every_limit_is_documented_with_its_value() -> None:
    defined = {name: value for name, value in vars(limits).items() if name.startswith("MAX_")}
    assert _documented() == defined


def test_over_long_integer_literals_are_refused_before_conversion() -> None:
    assert limits.integer_from_digits("9" * limits.MAX_INTEGER_DIGITS, "size") == 10**limits.MAX_INTEGER_DIGITS - 1
    with pytest.raises(InputError, match=r"^f\.m:3: size has 5,000 digits; at most 40"):
        limits.integer_from_digits("1" * 5000, "size", "f.m:3")


@pytest.mark.parametrize(
    "value",
    [10**20000, "x" * 100_000, list(range(100_000)), {str(i): i for i in range(10_000)}],
    ids=["huge-int", "long-string", "long-list", "big-dict"],
)
def test_quoted_values_stay_short(value: object) -> None:
    assert len(limits.quoted(value)) <= 2 * limits.MAX_QUOTED_CHARS


def test_quoted_survives_shared_structure_that_would_expand_exponentially() -> None:
    nested: list[object] = ["lol"] * 9
    for _ in range(40):
        nested = [nested] * 9  # 9**40 leaves if expanded, as a YAML "billion laughs" document builds
    assert len(limits.quoted(nested)) <= 4 * limits.MAX_QUOTED_CHARS
