"""The `mapscope` command: the typer app with one command per module of this package, the version option,
MAESTRO's flag spellings (``mapscope --Mapping_file=F ...`` means `analyze`, see `mapscope.cli.maestro_flags`)
and the process behaviour every command shares.

User errors print one line ``error: ...`` on stderr and exit with status 2. Every requested file is
written before anything goes to stdout, and a closed stdout (`| head`) ends a command quietly with status
0; Ctrl-C exits with 130, SIGTERM with 143, after the same clean-up (see `mapscope.cli.support`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import import_module
from typing import Annotated, Any, NamedTuple

import typer
import typer.core

from mapscope.cli.maestro_flags import is_maestro_argument, translate_maestro_arguments
from mapscope.cli.support import (
    STOPPED,
    interrupt_message,
    interrupt_status,
    note,
    show_flags_as_flags,
    sigterm_as_interrupt,
    silence_stdout,
    stdout_closed,
)
from mapscope.errors import InputError
from mapscope.limits import MAX_ERROR_LINE_CHARS

try:  # typer >= 0.24 carries its own copy of click; older versions use click itself
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException, UsageError  # type: ignore[assignment]

class CommandEntry(NamedTuple):
    """Where a command is defined (a function of the command's name in `module`), and its summary: the
    first paragraph of that function's docstring, which the group's help lists without importing `module`."""

    module: str
    summary: str


#: The commands, in the order `mapscope --help` lists them. A command's module (which parses, calls
#: mapscope.api and renders) is imported when the command is run, completed or its own help shown, so that a
#: command pays only for what it uses. tests/test_cli_startup.py checks each summary against its docstring.
COMMANDS: dict[str, CommandEntry] = {
    "analyze": CommandEntry(
        "mapscope.cli.analyze",
        "Analyse every layer of MAPPING on an accelerator and print runtime, energy, buffer and bandwidth needs.",
    ),
    "map": CommandEntry(
        "mapscope.cli.map",
        "Search a mapping for every layer of SOURCE on an accelerator; print the mappings and the gain over the templates.",
    ),
    "examples": CommandEntry(
        "mapscope.cli.listing",
        "List the shipped example mappings and accelerators (usable by name wherever a file is expected).",
    ),
    "zoo": CommandEntry(
        "mapscope.cli.listing",
        "List the networks shipped in the model zoo (usable by name wherever a network is expected).",
    ),
    "templates": CommandEntry(
        "mapscope.cli.listing",
        "List the dataflow templates `--dataflow` accepts, with their parameters and defaults.",
    ),
    "convert": CommandEntry(
        "mapscope.cli.convert",
        "Write a network in MAESTRO's layer form (.m, runnable by MAESTRO) or as a YAML/JSON description.",
    ),
    "flexsa": CommandEntry(
        "mapscope.cli.flexsa",
        "Run a pruned-training trajectory on one large array, four split cores and FlexSA; compare with the paper.",
    ),
    "gemm": CommandEntry(
        "mapscope.cli.gemm",
        "Cycles and buffer accesses of one GEMM Out[M x N] = A[M x K] . B[K x N] on a systolic array.",
    ),
    "systolic": CommandEntry(
        "mapscope.cli.systolic",
        "Run every layer of a SCALE-Sim topology on one systolic array (SCALE-Sim's os, ws and is dataflows).",
    ),
    "explore": CommandEntry(
        "mapscope.cli.explore",
        "Search a design space (hardware and mapping parameters) under constraints; list the best designs and "
        "the Pareto front.",
    ),
    "report": CommandEntry(
        "mapscope.cli.report",
        "Write an interactive HTML report (charts, sortable tables; one file, no network) of a JSON result.",
    ),
}

#: Options of the `mapscope` group itself (before any command).
ROOT_OPTIONS = frozenset({"--help", "--version"})


def build_command(name: str) -> typer.core.TyperCommand:
    """The click command `name` of COMMANDS, built by typer from its function, flags shown as flags."""
    function = getattr(import_module(COMMANDS[name].module), name)
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command()(function)
    return show_flags_as_flags(typer.main.get_command(single))  # type: ignore[no-any-return]


class LazyCommands(Mapping[str, Any]):
    """The group's commands by name (COMMANDS' order), each built on first access and then kept."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)
        if name not in self._built:
            self._built[name] = build_command(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class LazyGroup(typer.core.TyperGroup):
    """typer's group with LazyCommands: naming the commands imports nothing, the group's help lists their
    summaries, and a command's module is imported when the command is run, completed or its help shown."""

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)
        self.commands = LazyCommands()  # type: ignore[assignment]

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: typer's own version would build every command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The group's help, its command list drawn from the summaries (no command module imported)."""
        commands = self.commands
        self.commands = {  # type: ignore[assignment]
            name: typer.core.TyperCommand(name=name, help=entry.summary) for name, entry in COMMANDS.items()
        }
        try:
            super().format_help(ctx, formatter)
        finally:
            self.commands = commands


app = typer.Typer(
    name="mapscope",
    help="Cost models for DNN accelerators: MAESTRO's data-centric model, exact (--compat maestro) and corrected.",
    cls=LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(show: bool) -> None:
    if show:
        from mapscope import __version__

        typer.echo(f"mapscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """mapscope: what does it cost to run this network on this accelerator with this mapping?"""


@cache
def _command() -> LazyGroup:
    """The click group behind `app`, built once per process (its commands are built as they are needed)."""
    return show_flags_as_flags(typer.main.get_command(app))  # type: ignore[no-any-return]


def _analyze_option_names() -> set[str]:
    """Every option string `analyze` declares (e.g. "--csv", "-q", "--help")."""
    names = {"--help"}
    for parameter in _command().commands["analyze"].params:
        names.update(parameter.opts)
        names.update(parameter.secondary_opts)
    return names


def translate_command_line(arguments: Sequence[str]) -> list[str]:
    """Our arguments for `arguments`: MAESTRO spellings translated (notes go to stderr), the rest unchanged.

    ``mapscope --Mapping_file=F ...`` (no subcommand, a drop-in for the `maestro` binary) means `analyze`.
    Only a command line that may be `analyze`'s looks at its options (and so imports that command).
    """
    arguments = list(arguments)
    first = arguments[0] if arguments else ""
    if first.startswith("--") and first.partition("=")[0] not in ROOT_OPTIONS:
        if is_maestro_argument(first, _analyze_option_names() | {"--version"}):
            arguments.insert(0, "analyze")
    if not arguments or arguments[0] != "analyze":
        return arguments
    translation = translate_maestro_arguments(arguments[1:], _analyze_option_names())
    for message in translation.notes:
        note(message)
    return ["analyze", *translation.arguments]


def _one_line(message: str) -> str:
    """`message` on one line, its middle elided past MAX_ERROR_LINE_CHARS so that no input floods stderr."""
    line = " ".join(message.split())
    if len(line) <= MAX_ERROR_LINE_CHARS:
        return line
    half = MAX_ERROR_LINE_CHARS // 2 - 20
    return f"{line[:half]} … ({len(line) - 2 * half:,} characters elided) … {line[-half:]}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on `argv` (default: sys.argv[1:]) and return the exit status: 0 on success (also when
    stdout was closed early), 2 for user errors and unwritable files, 130 after Ctrl-C, 143 after SIGTERM."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        with sigterm_as_interrupt():
            result = _command().main(
                args=translate_command_line(arguments) or ["--help"], prog_name="mapscope", standalone_mode=False
            )
            sys.stdout.flush()  # a closed stdout shows here, not at interpreter exit
    except BrokenPipeError:  # stdout's reader went away (`| head`); the files were written before any output
        silence_stdout()
        return 0
    except SystemExit as exit_:  # typer's and rich's answer to the same
        if not stdout_closed(exit_):
            raise
        silence_stdout()
        return 0
    except InputError as error:
        typer.echo(f"error: {_one_line(str(error))}", err=True)
        return 2
    except OSError as error:
        reason = error.strerror or str(error)
        typer.echo(f"error: {_one_line(f'{error.filename}: {reason}' if error.filename else reason)}", err=True)
        return 2
    except UsageError as error:
        typer.echo(f"error: {_one_line(error.format_message())}", err=True)
        return 2
    except ClickException as error:
        typer.echo(f"error: {_one_line(error.format_message())}", err=True)
        return error.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 1
    except STOPPED as error:  # Ctrl-C (typer makes most of them a silent exit 130), or SIGTERM
        typer.echo(f"error: {interrupt_message(error)}", err=True)
        return interrupt_status(error)
    return result if isinstance(result, int) else 0

