"""Trajectory files beyond the documented limits: one located InputError, never a csv or int() traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapscope.errors import InputError
from mapscope.formats.trajectory_file import read_trajectory
from mapscope.limits import MAX_CSV_FIELD_CHARS, MAX_INTEGER_DIGITS
from mapscope.workload.cnn_models import resnet56_cifar

CNN56 = resnet56_cifar()
START = "# total_epochs: 9\nepoch,layer,in_channels,out_channels\n"
YAML_START = "network: resnet56\ntotal_epochs: 9\nepochs:\n"


def _diagnosis(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_trajectory(path, CNN56)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    return message.removeprefix(str(tmp_path) + "/")


@pytest.mark.parametrize("length", [MAX_CSV_FIELD_CHARS + 1, 131_073, 1_000_000])
def test_an_over_long_csv_field_is_refused_with_its_line(tmp_path: Path, length: int) -> None:
    text = START + "0,conv1,3,16\n" + f'5,"{"x" * length}",3,16\n'
    assert _diagnosis(tmp_path, "t.csv", text) == f"t.csv:4: a field is longer than {MAX_CSV_FIELD_CHARS:,} characters"


def test_a_field_at_the_bound_is_read_as_a_layer_name(tmp_path: Path) -> None:
    text = START + "0,conv1,3,16\n" + f'5,{"x" * MAX_CSV_FIELD_CHARS},3,16\n'
    assert _diagnosis(tmp_path, "t.csv", text).startswith("t.csv:4: unknown layer 'xxxx")


def test_bad_csv_quoting_is_an_input_error(tmp_path: Path) -> None:
    assert _diagnosis(tmp_path, "t.csv", START + '0,"conv1"x"y,3,16\n').startswith("t.csv:3: ")


@pytest.mark.parametrize("sign", ["", "-", "+"])
def test_csv_integers_with_thousands_of_digits_are_refused(tmp_path: Path, sign: str) -> None:
    text = START + f"0,conv1,3,{sign}{'7' * 5000}\n"
    expected = f"t.csv:3: out_channels has 5,000 digits; at most {MAX_INTEGER_DIGITS} are accepted"
    assert _diagnosis(tmp_path, "t.csv", text) == expected
    total = "# total_epochs: " + "9" * 5000 + "\nepoch,layer,in_channels,out_channels\n0,conv1,3,16\n"
    assert _diagnosis(tmp_path, "t.csv", total) == f"t.csv:1: total_epochs has 5,000 digits; at most {MAX_INTEGER_DIGITS} are accepted"


def test_yaml_integers_with_thousands_of_digits_are_refused(tmp_path: Path) -> None:
    text = YAML_START + f"  - {{epoch: 0, layers: {{conv1: [3, {'7' * 5000}]}}}}\n"
    expected = f"t.yaml:4: epochs[0].layers.conv1[1]: an integer of 5,000 digits; at most {MAX_INTEGER_DIGITS} are accepted"
    assert _diagnosis(tmp_path, "t.yaml", text) == expected


def test_long_layer_names_are_quoted_short(tmp_path: Path) -> None:
    text = YAML_START + f"  - {{epoch: 0, layers: {{'{'y' * 1000}': [3, 4]}}}}\n"
    assert "unknown layer 'yyyy" in _diagnosis(tmp_path, "t.yaml", text)
