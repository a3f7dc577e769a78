"""`--dim NAME=VALUE` and `--param NAME=VALUE`: every bad assignment is one short line with the option."""

from __future__ import annotations

import pytest
from cli_helpers import assert_one_line_error, run

from mapscope.errors import InputError
from mapscope.cli.assignments import parse_assignments
from mapscope.formats.sources import integer_sizes

BIG = "9" * 5000


def test_good_assignments() -> None:
    assert parse_assignments(["k_tile=4", " loop_order = KCYX", "offset=-3", "n=+2"], "--param") == {
        "k_tile": 4,
        "loop_order": "KCYX",
        "offset": -3,
        "n": 2,
    }
    assert integer_sizes({"batch": 2147483647}, "--dim") == {"batch": 2147483647}


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([f"batch={BIG}"], "--dim: batch has 5,000 digits; at most 40 are accepted"),
        ([f"batch=-{BIG}"], "--dim: batch has 5,000 digits"),
        (["batch=2147483648"], "--dim: batch = 2147483648 is beyond 2,147,483,647"),
        (["batch=-99999999999"], "--dim: batch = -99999999999 is beyond"),
        (["=3"], "--dim: expected NAME=VALUE, got '=3'"),
        (["batch"], "--dim: expected NAME=VALUE, got 'batch'"),
        (["batch="], "--dim: expected NAME=VALUE"),
        (["x" * 5000 + "=3"], "--dim: a name is printable, without spaces and at most 80 characters; got 'xxxx"),
        (["ba tch=3"], "--dim: a name is printable"),
        (["ba\x00tch=3"], "--dim: a name is printable"),
        (["mode=" + "y" * 5000], "--dim: a value is printable"),
        (["batch=1", "batch=2"], "--dim: batch is given twice"),
    ],
)
def test_bad_assignments(texts: list[str], message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_assignments(texts, "--dim")
    assert str(caught.value).startswith(message) and len(str(caught.value)) < 200, str(caught.value)


@pytest.mark.parametrize(("value", "message"), [(0, "batch must be a positive integer, got 0"), (-3, "got -3"), ("1.5", "batch must be an integer, got '1.5'")])
def test_sizes_are_positive_integers(value: int | str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        integer_sizes({"batch": value}, "--dim")


@pytest.mark.parametrize(
    "options",
    [
        ["--dim", f"batch={BIG}"],
        ["--dim", "batch=0"],
        ["--dim", "batch=-1"],
        ["--dim", "x" * 5000 + "=1"],
        ["--dataflow", "kcp_ws", "--param", f"k_tile={BIG}"],
        ["--dataflow", "kcp_ws", "--param", "k_tile=99999999999999999999"],
        ["--dataflow", "kcp_ws", "--param", "k_tile=0"],
        ["--dataflow", "kcp_ws", "--param", "k_tile=-4"],
        ["--dataflow", "kcp_ws", "--param", "k_tile=" + "z" * 5000],
    ],
)
def test_the_cli_gives_one_short_line(capsys: pytest.CaptureFixture[str], options: list[str]) -> None:
    status, _, err = run(["analyze", "resnet50", "--num-pes", "64", *options], capsys)
    assert_one_line_error(status, err)
    assert len(err) < 300, err
