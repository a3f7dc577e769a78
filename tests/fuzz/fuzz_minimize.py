"""Shrinking an uncaught fuzz case to a small reproducer (delta debugging, Zeller's ddmin).

Each file of the case, largest first, loses chunks of lines, then of words, then of bytes, as long as
the case still fails with the same crash class; every candidate runs isolated (see fuzz_runner.run_isolated).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace

from fuzz_runner import Case, Outcome, same_crash


_WORDS = re.compile(rb"\s+|[^\s]+")
#: Byte-by-byte shrinking is tried on files up to this size only (it needs about as many runs as bytes).
BYTE_PASS_LIMIT = 4096


def _split(data: bytes, unit: str) -> list[bytes]:
    if unit == "lines":
        return data.splitlines(keepends=True)
    if unit == "words":
        return _WORDS.findall(data)
    return [data[i : i + 1] for i in range(len(data))]


def _ddmin(parts: list[bytes], still_fails: Callable[[list[bytes]], bool], out_of_budget: Callable[[], bool]) -> list[bytes]:
    granularity = 2
    while len(parts) >= 2 and not out_of_budget():
        chunk = -(-len(parts) // granularity)
        for start in range(0, len(parts), chunk):
            candidate = parts[:start] + parts[start + chunk :]
            if out_of_budget():
                return parts
            if still_fails(candidate):
                parts, granularity = candidate, max(granularity - 1, 2)
                break
        else:
            if granularity >= len(parts):
                return parts
            granularity = min(len(parts), granularity * 2)
    return parts


def minimize(case: Case, crash_class: str, run: Callable[[Case], Outcome], seconds: float = 120.0, max_runs: int = 400) -> tuple[Case, int]:
    """The smallest variant of `case` found within the budget that still fails as `crash_class`, and the
    number of candidates run: every file loses lines, then words, then (small files only) bytes."""
    deadline = time.monotonic() + seconds
    runs = 0

    def out_of_budget() -> bool:
        return runs >= max_runs or time.monotonic() > deadline

    for unit in ("lines", "words", "bytes"):
        for name in sorted(case.files, key=lambda file: -len(case.files[file])):

            def still_fails(parts: list[bytes], name: str = name) -> bool:
                nonlocal runs
                runs += 1
                outcome = run(replace(case, files={**case.files, name: b"".join(parts)}))
                return outcome.kind == "uncaught" and same_crash(outcome.crash_class, crash_class)

            data = case.files[name]
            if unit == "bytes" and len(data) > BYTE_PASS_LIMIT:
                continue
            case = replace(case, files={**case.files, name: b"".join(_ddmin(_split(data, unit), still_fails, out_of_budget))})
    return case, runs
