"""MAESTRO's command-line spellings (``--Mapping_file=F --num_pes=256 ...``) translated to `mapscope analyze` options.

MAESTRO parses its flags with Boost program_options, which accepts any unambiguous prefix of an option name
(``--noc_bw=64`` means ``--noc_bw_cstr=64``) and prefers an exact name over prefixes (``--print_res`` is not
ambiguous with ``--print_res_csv_file``). Values come after "=" or as the next argument. This module rewrites
such arguments into ours before the CLI parser sees them, so existing MAESTRO scripts keep working (docs/formats.md, MAESTRO's command-line flags).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from mapscope.errors import InputError

ValueKind = Literal["text", "int", "bool", "float"]

#: Hidden `analyze` options through which the translation asks for MAESTRO-style output.
MAESTRO_STYLE_OPTION = "--maestro-style"
NO_MAESTRO_CSV_OPTION = "--no-maestro-csv"


@dataclass(frozen=True)
class MaestroOption:
    """One option MAESTRO's binary declares: its value kind and the `mapscope analyze` option it becomes."""

    name: str
    kind: ValueKind
    analyze_option: str | None = None  # our option taking the same value; None: handled specially or ignored
    ignored: bool = False  # parsed by MAESTRO but without effect on its normal path (docs/formats.md, MAESTRO's command-line flags)


def _options(*options: MaestroOption) -> dict[str, MaestroOption]:
    return {option.name: option for option in options}


#: Every option MAESTRO declares (its option.hpp), so prefixes resolve and clash exactly as in MAESTRO.
MAESTRO_OPTIONS: dict[str, MaestroOption] = _options(
    MaestroOption("help", "bool"),
    MaestroOption("print_res", "bool"),
    MaestroOption("print_res_csv_file", "bool"),
    MaestroOption("print_log_file", "bool"),
    MaestroOption("msg_print_lv", "int"),
    MaestroOption("dataflow_file", "text", ignored=True),
    MaestroOption("layer_file", "text", ignored=True),
    MaestroOption("Mapping_file", "text"),
    MaestroOption("HW_file", "text", "--hw"),
    MaestroOption("offchip_bw_cstr", "int", "--offchip-bw"),
    MaestroOption("noc_bw_cstr", "int", "--noc-bw"),
    MaestroOption("noc_hops", "int"),
    MaestroOption("noc_hop_latency", "int"),
    MaestroOption("noc_mc_support", "bool", ignored=True),
    MaestroOption("top_bw_only", "bool", ignored=True),
    MaestroOption("bw_sweep", "bool", ignored=True),
    MaestroOption("num_pes", "int", "--num-pes"),
    MaestroOption("num_simd_lanes", "int", "--simd"),
    MaestroOption("do_implicit_reduction", "bool", ignored=True),
    MaestroOption("do_fg_sync", "bool", ignored=True),
    MaestroOption("do_reduction_op", "bool", ignored=True),
    MaestroOption("full_buffer", "bool", ignored=True),
    MaestroOption("do_dse", "bool", ignored=True),
    MaestroOption("verbose", "bool", ignored=True),
    MaestroOption("print_design_space", "bool", ignored=True),
    MaestroOption("print_space", "bool", ignored=True),
    MaestroOption("l1_size_cstr", "int", "--l1-size"),
    MaestroOption("l2_size_cstr", "int", "--l2-size"),
    MaestroOption("min_num_PEs", "int", ignored=True),
    MaestroOption("min_noc_bw", "int", ignored=True),
    MaestroOption("max_num_PEs", "int", ignored=True),
    MaestroOption("max_noc_bw", "int", ignored=True),
    MaestroOption("pe_tick", "int", ignored=True),
    MaestroOption("bw_tick", "int", ignored=True),
    MaestroOption("area_constraint", "float", ignored=True),
    MaestroOption("power_constraint", "float", ignored=True),
    MaestroOption("optimization_target", "text", ignored=True),
)

_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})


@dataclass
class MaestroTranslation:
    """`mapscope analyze` arguments equivalent to a command line that may use MAESTRO's spellings."""

    arguments: list[str]
    notes: list[str] = field(default_factory=list)  # one line each, for stderr
    maestro_values: dict[str, str] = field(default_factory=dict)  # canonical MAESTRO name -> value as given

    @property
    def uses_maestro_spelling(self) -> bool:
        return bool(self.maestro_values)


def resolve_maestro_option(name: str) -> str | None:
    """The MAESTRO option `name` stands for: an exact name, else the one name it is a prefix of, else None.

    Raises InputError when `name` is a prefix of several options (Boost's "ambiguous option").
    """
    if name in MAESTRO_OPTIONS:
        return name
    candidates = [option for option in MAESTRO_OPTIONS if option.startswith(name)] if name else []
    if len(candidates) > 1:
        spelled = ", ".join(f"--{candidate}" for candidate in candidates)
        raise InputError(f"option --{name} is ambiguous: it could be {spelled}", "command line")
    return candidates[0] if candidates else None


def parse_maestro_bool(name: str, text: str) -> bool:
    """A boolean value as Boost reads it: true/false, yes/no, on/off, 1/0 (any case)."""
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise InputError(f"--{name} expects true or false, got {text!r}", "command line")


def _parse_maestro_int(name: str, text: str) -> int:
    """An integer value of a MAESTRO option, with a one-line error naming the option."""
    try:
        return int(text.strip())
    except ValueError:
        raise InputError(f"--{name} expects an integer, got {text!r}", "command line") from None


def _option_name(argument: str) -> str:
    """The option name of a "--name" or "--name=value" argument."""
    return argument[2:].partition("=")[0]


def is_maestro_argument(argument: str, own_options: Collection[str]) -> bool:
    """Whether `argument` is a MAESTRO option and not one of ours (so `mapscope --Mapping_file=F` means analyze)."""
    if not argument.startswith("--") or argument == "--" or argument.partition("=")[0] in own_options:
        return False
    return resolve_maestro_option(_option_name(argument)) is not None


def _collect_maestro_values(arguments: Sequence[str], own_options: Collection[str]) -> tuple[list[str], dict[str, str]]:
    """Split `arguments` into ours (kept in order) and MAESTRO's (canonical name -> value)."""
    kept: list[str] = []
    values: dict[str, str] = {}
    position = 0
    while position < len(arguments):
        argument = arguments[position]
        position += 1
        if argument == "--":
            kept.extend(arguments[position - 1 :])
            break
        if not argument.startswith("--") or argument.partition("=")[0] in own_options:
            kept.append(argument)
            continue
        name, has_value, value = argument[2:].partition("=")
        canonical = resolve_maestro_option(name)
        if canonical is None:
            kept.append(argument)  # unknown to MAESTRO too: the CLI parser reports it
            continue
        if not has_value:
            if position >= len(arguments) or arguments[position].startswith("--"):
                raise InputError(f"option --{canonical} needs a value (--{canonical}=VALUE)", "command line")
            value = arguments[position]
            position += 1
        if canonical in values:
            raise InputError(f"option --{canonical} is given more than once", "command line")
        values[canonical] = value
    return kept, values


def translate_maestro_arguments(arguments: Sequence[str], own_options: Collection[str]) -> MaestroTranslation:
    """Rewrite the `analyze` arguments: MAESTRO options become ours; `own_options` (e.g. "--csv") pass unchanged.

    Any MAESTRO spelling switches on MAESTRO-style output (hidden option `--maestro-style`: compat numbers
    unless --compat says otherwise, MAESTRO's CSV name and summary). --print_res=false becomes --quiet,
    --print_res_csv_file=false suppresses the CSV, --noc_hops x --noc_hop_latency becomes --noc-latency.
    Options without effect in MAESTRO are accepted and produce a note.
    """
    kept, values = _collect_maestro_values(arguments, own_options)
    translation = MaestroTranslation(arguments=[], maestro_values=values)
    if not values:
        translation.arguments = kept
        return translation

    mapping: list[str] = []
    converted: list[str] = [MAESTRO_STYLE_OPTION]
    for name, value in values.items():
        option = MAESTRO_OPTIONS[name]
        if option.kind == "bool":
            parse_maestro_bool(name, value)  # reject malformed values even for ignored options
        elif option.kind == "int":
            _parse_maestro_int(name, value)
        if option.ignored:
            translation.notes.append(f"--{name}={value} is accepted for MAESTRO compatibility and has no effect")
        elif option.analyze_option is not None:
            converted += [option.analyze_option, value]
        elif name == "Mapping_file":
            mapping = [value]
        elif name == "print_res" and not parse_maestro_bool(name, value):
            converted.append("--quiet")
        elif name == "print_res_csv_file" and not parse_maestro_bool(name, value):
            converted.append(NO_MAESTRO_CSV_OPTION)
        elif name == "print_log_file" and parse_maestro_bool(name, value):
            translation.notes.append("--print_log_file: mapscope does not write MAESTRO's log.txt; ignored")
        elif name == "msg_print_lv" and _parse_maestro_int(name, value) != 0:
            translation.notes.append("--msg_print_lv: MAESTRO's internal debug messages do not exist here; ignored")
        elif name == "help":
            converted.append("--help")
    if "noc_hops" in values or "noc_hop_latency" in values:
        hops = _parse_maestro_int("noc_hops", values.get("noc_hops", "1"))
        hop_latency_cycles = _parse_maestro_int("noc_hop_latency", values.get("noc_hop_latency", "0"))
        converted += ["--noc-latency", str(hops * hop_latency_cycles)]
    if all(parse_maestro_bool(name, values.get(name, "false")) for name in ("bw_sweep", "top_bw_only")):
        translation.notes.append(
            "MAESTRO's NoC bandwidth sweep (--bw_sweep with --top_bw_only) is not reproduced; one analysis is run"
        )
    translation.arguments = mapping + kept + converted
    return translation
