"""C++ integer arithmetic, which MAESTRO's numbers depend on: division truncates toward zero."""

from __future__ import annotations


def cdiv(numerator: int, denominator: int) -> int:
    """C++ `a / b` on integers: the quotient truncated toward zero (Python's // floors instead)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


def ceil_div(numerator: int, denominator: int) -> int:
    """Ceiling of a / b for a positive denominator."""
    return -(-numerator // denominator)
