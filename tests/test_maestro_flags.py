"""MAESTRO's flag spellings: Boost's unambiguous-prefix rule, translation to our options, no-op notes."""

from __future__ import annotations

import pytest

from mapscope.errors import InputError
from mapscope.cli.maestro_flags import (
    MAESTRO_OPTIONS,
    MAESTRO_STYLE_OPTION,
    NO_MAESTRO_CSV_OPTION,
    is_maestro_argument,
    parse_maestro_bool,
    resolve_maestro_option,
    translate_maestro_arguments,
)

OWN_OPTIONS = {"--hw", "--num-pes", "--csv", "--json", "--quiet", "-q", "--compat", "--help"}


@pytest.mark.parametrize(
    ("spelled", "canonical"),
    [
        ("noc_bw_cstr", "noc_bw_cstr"),
        ("noc_bw", "noc_bw_cstr"),
        ("l1_size", "l1_size_cstr"),
        ("l2_size", "l2_size_cstr"),
        ("Mapping", "Mapping_file"),
        ("HW", "HW_file"),
        ("num_p", "num_pes"),
        ("print_res", "print_res"),  # exact name wins over the longer print_res_csv_file
        ("print_res_", "print_res_csv_file"),
        ("noc_hops", "noc_hops"),
        ("noc_hop_", "noc_hop_latency"),
        ("offchip", "offchip_bw_cstr"),
        ("do_d", "do_dse"),
    ],
)
def test_unambiguous_prefix_resolves(spelled: str, canonical: str) -> None:
    assert resolve_maestro_option(spelled) == canonical


@pytest.mark.parametrize("spelled", ["print", "num", "noc_hop", "noc", "l", "max_n", "min_"])
def test_ambiguous_prefix_is_an_error_naming_the_candidates(spelled: str) -> None:
    with pytest.raises(InputError, match="ambiguous") as raised:
        resolve_maestro_option(spelled)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("spelled", ["bogus", "mapping_file", "Num_pes", "hw", ""])
def test_unknown_or_wrong_case_is_not_a_maestro_option(spelled: str) -> None:
    assert resolve_maestro_option(spelled) is None


def test_option_table_is_complete() -> None:
    no_ops = {
        "noc_mc_support", "do_implicit_reduction", "do_fg_sync", "do_reduction_op", "do_dse", "full_buffer",
        "verbose", "print_design_space", "print_space", "min_num_PEs", "max_num_PEs", "pe_tick",
        "area_constraint", "power_constraint", "optimization_target", "dataflow_file", "layer_file",
        "bw_sweep", "top_bw_only", "min_noc_bw", "max_noc_bw", "bw_tick",
    }  # fmt: skip
    assert {name for name, option in MAESTRO_OPTIONS.items() if option.ignored} == no_ops
    assert len(MAESTRO_OPTIONS) == 37


def test_c13_validation_command_translates() -> None:
    arguments = (
        "--Mapping_file=inputs/vgg16_maeri.m --print_res=true --print_res_csv_file=true --print_log_file=false "
        "--noc_bw=1000000000 --noc_hop_latency=0 --noc_mc_support=true --num_pes=256 --num_simd_lanes=1 "
        "--l1_size=5120 --l2_size=1024000 --do_implicit_reduction=true --do_fg_sync=false "
        "--do_reduction_op=true --do_dse=false"
    ).split()
    translation = translate_maestro_arguments(arguments, OWN_OPTIONS)
    assert translation.uses_maestro_spelling
    result = translation.arguments
    assert result[0] == "inputs/vgg16_maeri.m"
    assert MAESTRO_STYLE_OPTION in result
    pairs = dict(zip(result[1::], result[2::], strict=False))
    assert pairs["--noc-bw"] == "1000000000"
    assert pairs["--num-pes"] == "256"
    assert pairs["--simd"] == "1"
    assert pairs["--l1-size"] == "5120"
    assert pairs["--l2-size"] == "1024000"
    assert pairs["--noc-latency"] == "0"  # default 1 hop x latency 0
    assert "--quiet" not in result and NO_MAESTRO_CSV_OPTION not in result
    assert len(translation.notes) == 5
    assert all("\n" not in note and "no effect" in note for note in translation.notes)
    assert any("--do_dse=false" in note for note in translation.notes)


def test_value_may_follow_as_next_argument() -> None:
    translation = translate_maestro_arguments(["--num_pes", "64", "--Mapping_file", "x.m"], OWN_OPTIONS)
    assert translation.arguments[0] == "x.m"
    assert translation.arguments[translation.arguments.index("--num-pes") + 1] == "64"


def test_noc_latency_is_hops_times_hop_latency() -> None:
    arguments = translate_maestro_arguments(["--noc_hops=2", "--noc_hop_latency=3", "x.m"], OWN_OPTIONS).arguments
    assert arguments[arguments.index("--noc-latency") + 1] == "6"
    arguments = translate_maestro_arguments(["--noc_hop_l=4", "x.m"], OWN_OPTIONS).arguments
    assert arguments[arguments.index("--noc-latency") + 1] == "4"


def test_print_switches() -> None:
    arguments = translate_maestro_arguments(["--print_res=false", "--print_res_csv=no", "x.m"], OWN_OPTIONS).arguments
    assert "--quiet" in arguments
    assert NO_MAESTRO_CSV_OPTION in arguments
    kept = translate_maestro_arguments(["--print_res=TRUE", "--print_res_csv_file=1", "x.m"], OWN_OPTIONS).arguments
    assert "--quiet" not in kept and NO_MAESTRO_CSV_OPTION not in kept


def test_log_file_request_gets_a_note() -> None:
    translation = translate_maestro_arguments(["--print_log_file=true", "x.m"], OWN_OPTIONS)
    assert len(translation.notes) == 1 and "log.txt" in translation.notes[0]


def test_bandwidth_sweep_gets_a_note() -> None:
    translation = translate_maestro_arguments(["--bw_sweep=true", "--top_bw_only=true", "x.m"], OWN_OPTIONS)
    assert any("sweep" in note and "not reproduced" in note for note in translation.notes)


def test_own_options_and_positionals_pass_through_unchanged() -> None:
    arguments = ["x.m", "--hw", "hw.m", "--csv", "out.csv", "-q", "--num-pes", "8"]
    translation = translate_maestro_arguments(arguments, OWN_OPTIONS)
    assert translation.arguments == arguments
    assert not translation.uses_maestro_spelling
    assert translation.notes == []


def test_unknown_options_are_left_for_the_cli_parser() -> None:
    assert translate_maestro_arguments(["x.m", "--bogus=1"], OWN_OPTIONS).arguments == ["x.m", "--bogus=1"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--print=true"], "ambiguous"),
        (["--num_pes"], "needs a value"),
        (["--num_pes", "--print_res=true"], "needs a value"),
        (["--num_pes=4", "--num_p=5"], "more than once"),
        (["--print_res=maybe"], "true or false"),
        (["--do_dse=perhaps"], "true or false"),
        (["--noc_hops=two"], "integer"),
    ],
)
def test_malformed_maestro_arguments_raise_one_line_errors(arguments: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message) as raised:
        translate_maestro_arguments(arguments, OWN_OPTIONS)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(("text", "value"), [("true", True), ("Yes", True), ("on", True), ("1", True),
                                             ("false", False), ("NO", False), ("off", False), ("0", False)])
def test_boost_bool_words(text: str, value: bool) -> None:
    assert parse_maestro_bool("print_res", text) is value


def test_is_maestro_argument() -> None:
    assert is_maestro_argument("--Mapping_file=x.m", OWN_OPTIONS)
    assert is_maestro_argument("--num_pes=3", OWN_OPTIONS)
    assert not is_maestro_argument("--help", OWN_OPTIONS)
    assert not is_maestro_argument("--version", OWN_OPTIONS | {"--version"})
    assert not is_maestro_argument("analyze", OWN_OPTIONS)
    assert not is_maestro_argument("--bogus", OWN_OPTIONS)
