"""The fuzz harness itself: how outcomes are classified, and that hangs, memory blow-ups and dying
processes are caught and named rather than taking the test run down."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from families import FAMILIES, case_for
from fuzz_isolation import run_isolated
from fuzz_runner import (
    ACCEPTED,
    CLEAN_ERROR,
    UNCAUGHT,
    Case,
    Outcome,
    cli_outcome,
    function_outcome,
    message_problem,
)

CASE = Case("test", {}, ())


def test_one_error_line_after_notes_is_clean() -> None:
    assert message_problem(["error: net.m:3: bad"]) is None
    assert message_problem(["note: using defaults", "warning: odd", "error: net.m:3: bad"]) is None
    assert cli_outcome(2, "error: net.m:3: bad\n").kind == CLEAN_ERROR
    assert cli_outcome(0, "anything\n").kind == ACCEPTED


@pytest.mark.parametrize(
    ("status", "stderr", "crash_class"),
    [
        (2, "error: a\nerror: b\n", "unclean error message: more than one error line"),
        (2, "error: f.m:3: layer L: unknown key '" + "x" * 1000 + "'\n", "oversized error message: unknown key"),
        (2, "Traceback (most recent call last):\nerror: a\n", "unclean error message: traceback on stderr"),
        (2, "", "unclean error message: no error message"),
        (1, "error: a\n", "exit status 1"),
    ],
)
def test_anything_else_is_uncaught(status: int, stderr: str, crash_class: str) -> None:
    outcome = cli_outcome(status, stderr)
    assert (outcome.kind, outcome.crash_class) == (UNCAUGHT, crash_class)


def test_an_escaping_exception_is_named_by_its_innermost_mapscope_frame() -> None:
    from mapscope.limits import integer_from_digits

    outcome = function_outcome(lambda: integer_from_digits("12x", "a size"))
    assert outcome.kind == UNCAUGHT and outcome.crash_class == "ValueError @ limits.py:integer_from_digits"
    outcome = function_outcome(lambda: integer_from_digits("9" * 100, "a size", "f.m:3"))
    assert outcome.kind == CLEAN_ERROR


def _loop_in_python(case: Case, folder: Path) -> Outcome:
    while True:
        pass


def _loop_in_c(case: Case, folder: Path) -> Outcome:
    sum(range(10**15))  # one C call that never looks at pending signals
    return Outcome(ACCEPTED)


def _allocate(case: Case, folder: Path) -> Outcome:
    return function_outcome(lambda: bytearray(8 * 2**30))


def _die(case: Case, folder: Path) -> Outcome:
    os.kill(os.getpid(), signal.SIGKILL)
    return Outcome(ACCEPTED)


def test_a_hang_in_python_is_interrupted() -> None:
    outcome = run_isolated(CASE, _loop_in_python, seconds=0.3)
    assert outcome.kind == UNCAUGHT and outcome.crash_class.startswith("hang over 0.3 s @ ")


def test_a_hang_in_c_code_is_killed_and_located_by_its_stack_dump() -> None:
    outcome = run_isolated(CASE, _loop_in_c, seconds=0.3, grace=1.5)
    assert outcome.kind == UNCAUGHT and outcome.crash_class.startswith("hang over 0.3 s @ ")
    assert outcome.crash_class.endswith("(in C code, killed)") and "_loop_in_c" in outcome.detail


def test_memory_exhaustion_is_a_memory_error_in_the_child() -> None:
    outcome = run_isolated(CASE, _allocate, memory_mb=300)
    assert outcome.kind == UNCAUGHT and outcome.crash_class.startswith("MemoryError")


def test_a_dead_child_is_reported() -> None:
    assert run_isolated(CASE, _die).crash_class == "process died (SIGKILL)"


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_inputs_are_the_same_for_the_same_seed_and_index(name: str) -> None:
    if not FAMILIES[name].available():
        pytest.skip(f"{name} needs {FAMILIES[name].needs}")
    assert case_for(name, 5, 17) == case_for(name, 5, 17)
    assert case_for(name, 5, 17) != case_for(name, 5, 18)
