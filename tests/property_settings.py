"""Hypothesis profiles: derandomised in CI, randomised locally, ten times the examples when thorough.

`conftest.py` loads one before collection: ``HYPOTHESIS_PROFILE`` when set; else ``ci`` when the ``CI``
environment variable is set (as `.ci/run` does); else ``thorough`` for ``-m slow``; else ``dev``. Tests
write their example counts as ``examples(n)``, so a profile scales every count at once.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

BASE_EXAMPLES = 100  # what examples(n) means by "n": n examples under the ci and dev profiles

settings.register_profile(
    # Same examples on every run (a failure in CI fails again on rerun), nothing read from or written to a
    # local example database, and the failing example printed with a @reproduce_failure blob to replay it.
    "ci",
    max_examples=BASE_EXAMPLES,
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=BASE_EXAMPLES, deadline=None, print_blob=True)
settings.register_profile(
    "thorough",
    max_examples=10 * BASE_EXAMPLES,
    deadline=None,
    print_blob=True,
    phases=list(Phase),
    suppress_health_check=[HealthCheck.too_slow],
)


def profile_name(marker_expression: str) -> str:
    """The profile to load for this run (see the module docstring)."""
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return os.environ["HYPOTHESIS_PROFILE"]
    if os.environ.get("CI"):
        return "ci"
    words = marker_expression.split()
    return "thorough" if "slow" in words and "not" not in words else "dev"


def examples(count: int) -> int:
    """`count` examples scaled by the loaded profile (ci and dev: `count`, thorough: 10 x `count`)."""
    return max(1, count * settings.default.max_examples // BASE_EXAMPLES)
