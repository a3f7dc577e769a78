"""The `mapscope` command: the typer app with one command per module of this package, the version option,
MAESTRO's flag spellings (``mapscope --Mapping_file=F ...`` means `analyze`, see `mapscope.cli.maestro_flags`)
and the process behaviour every command shares.

User errors print one line ``error: ...`` on stderr and exit with status 2. Every requested file is
written before anything goes to stdout, and a closed stdout (`| head`) ends a command quietly with status
0; Ctrl-C exits with 130, SIGTERM with 143, after the same clean-up (see `mapscope.cli.support`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from mapscope.cli.analyze import analyze
from mapscope.cli.convert import convert
from mapscope.cli.explore import explore
from mapscope.cli.flexsa import flexsa
from mapscope.cli.gemm import gemm
from mapscope.cli.listing import examples, templates, zoo
from mapscope.cli.systolic import systolic
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

app = typer.Typer(
    name="mapscope",
    help="Cost models for DNN accelerators: MAESTRO's data-centric model, exact (--compat maestro) and corrected.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# The commands, in the order `mapscope --help` lists them; each module parses, calls mapscope.api and renders.
app.command()(analyze)
app.command()(examples)
app.command()(zoo)
app.command()(templates)
app.command()(convert)
app.command()(flexsa)
app.command()(gemm)
app.command()(systolic)
app.command()(explore)


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


def _command() -> typer.core.TyperGroup:
    """The click command group behind `app`, with flags shown as flags in the help."""
    return show_flags_as_flags(typer.main.get_command(app))  # type: ignore[no-any-return]


def _analyze_option_names(group: typer.core.TyperGroup) -> set[str]:
    """Every option string `analyze` declares (e.g. "--csv", "-q", "--help")."""
    names = {"--help"}
    for parameter in group.commands["analyze"].params:
        names.update(parameter.opts)
        names.update(parameter.secondary_opts)
    return names


def translate_command_line(arguments: Sequence[str], group: typer.core.TyperGroup | None = None) -> list[str]:
    """Our arguments for `arguments`: MAESTRO spellings translated (notes go to stderr), the rest unchanged.

    ``mapscope --Mapping_file=F ...`` (no subcommand, a drop-in for the `maestro` binary) means `analyze`.
    """
    arguments = list(arguments)
    own_options = _analyze_option_names(group or _command())
    if arguments and is_maestro_argument(arguments[0], own_options | {"--version"}):
        arguments.insert(0, "analyze")
    if not arguments or arguments[0] != "analyze":
        return arguments
    translation = translate_maestro_arguments(arguments[1:], own_options)
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
            command = _command()
            result = command.main(
                args=translate_command_line(arguments, command) or ["--help"], prog_name="mapscope", standalone_mode=False
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

