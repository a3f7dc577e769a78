"""The progress bar's rate: readable from thousands of designs per second down to a fraction of one."""

from __future__ import annotations

import pytest

from mapscope.report.progress import rate_text


@pytest.mark.parametrize(
    ("per_second", "shown"),
    [(412310.4, "412,310"), (10.0, "10"), (9.96, "10"), (3.14159, "3.1"), (0.5843, "0.58"), (0.0, "0")],
)
def test_rate_text_keeps_two_significant_digits_below_ten(per_second: float, shown: str) -> None:
    assert rate_text(per_second) == shown
