"""What the command line imports: `import mapscope.cli` loads no engine, schema, table or plotting library,
and each command loads only what it uses (how long that takes is benchmarks/bench_startup.py's to say)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mapscope.cli.root import COMMANDS

#: Heavy or unrelated modules that `import mapscope.cli` must not load.
NOT_AT_IMPORT = (
    "numpy",
    "pydantic",
    "pandas",
    "pyarrow",
    "matplotlib",
    "mapscope.explore",
    "mapscope.systolic",
    "mapscope.report",
    "mapscope.analysis",
    "mapscope.api",
    "mapscope.formats.descriptions",
)

#: Runs the CLI on argv[1:], then writes the sorted names of the loaded modules as the last line of stderr.
_RUN_AND_LIST_MODULES = (
    "import json, sys\n"
    "from mapscope.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    "sys.exit(status)\n"
)


def _loaded(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    """The entries of `forbidden` that `modules` holds, themselves or as a parent package."""
    return [name for name in forbidden if any(module == name or module.startswith(f"{name}.") for module in modules)]


def run_and_list_modules(arguments: list[str]) -> tuple[int, str, list[str]]:
    """Run `mapscope ARGUMENTS` in a fresh interpreter: (exit status, stdout, the modules it loaded)."""
    done = subprocess.run([sys.executable, "-c", _RUN_AND_LIST_MODULES, *arguments], capture_output=True, text=True)
    modules: list[str] = json.loads(done.stderr.splitlines()[-1])
    return done.returncode, done.stdout, modules


def test_importing_the_cli_loads_no_engine_schema_or_library() -> None:
    code = "import mapscope.cli; import sys; print(sorted(sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    modules = ast.literal_eval(output)
    assert _loaded(modules, NOT_AT_IMPORT) == []
    assert [module for module in modules if module.startswith("mapscope.cli.")] == [
        "mapscope.cli.maestro_flags",
        "mapscope.cli.root",
        "mapscope.cli.support",
    ], "a command module is imported only when its command is used"


def test_version_reads_the_metadata_only_when_asked() -> None:
    code = "import mapscope, mapscope.cli, sys; print('importlib.metadata' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"
    status, out, modules = run_and_list_modules(["--version"])
    assert status == 0 and out.startswith("mapscope ")
    assert _loaded(modules, (*NOT_AT_IMPORT, "rich", "mapscope.cli.analyze")) == []


def test_the_groups_help_lists_every_command_without_importing_one() -> None:
    status, out, modules = run_and_list_modules(["--help"])
    assert status == 0
    for name in COMMANDS:
        assert f" {name} " in out
    assert [module for module in modules if module.startswith("mapscope.cli.")] == [
        "mapscope.cli.maestro_flags",
        "mapscope.cli.root",
        "mapscope.cli.support",
    ]
    assert _loaded(modules, NOT_AT_IMPORT) == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_summary_is_the_first_paragraph_of_the_commands_docstring(name: str) -> None:
    function = getattr(importlib.import_module(COMMANDS[name].module), name)
    docstring = inspect.getdoc(function)
    assert docstring is not None
    assert COMMANDS[name].summary == docstring.split("\n\n")[0].replace("\n", " ")


#: pydantic, unless the installed typer coerces parameters with it (typer 0.29 and later, in `typer._adapters`;
#: pyproject.toml keeps typer below it): mapscope's own use of pydantic is the YAML/JSON description schema.
TYPER_PYDANTIC = () if importlib.util.find_spec("typer._adapters") else ("pydantic",)

#: Engines, schemas and libraries that only some commands use (explore, its space files, tables, plots).
OTHER_ENGINES = ("mapscope.explore", "mapscope.formats.space_file", "pandas", "pyarrow", "matplotlib")
#: (command line, modules it must not load), one per command family: each command imports its own module
#: and what its work needs, nothing of the other commands.
COMMAND_CASES = [
    pytest.param(
        ["analyze", "resnet50_kcp_ws", "--hw", "accelerator_256pe", "--quiet"],
        (*OTHER_ENGINES, "mapscope.systolic", "mapscope.formats.descriptions", "mapscope.cli.gemm", "mapscope.cli.explore"),
        id="analyze",
    ),
    # one network from a .m file (MAESTRO's form), as MAESTRO's users run it: no numpy (area and power of one
    # design are plain Python), no description schema, no templates or lowering (the file is analysed as
    # written), no file writers when no file is asked for; without a table (--quiet) no rich either
    pytest.param(
        ["analyze", "resnet50_kcp_ws", "--hw", "accelerator_256pe"],
        (
            "numpy",
            *TYPER_PYDANTIC,
            "mapscope.formats.descriptions",
            "mapscope.explore",
            "pandas",
            "pyarrow",
            "mapscope.mapping.templates",
            "mapscope.workload.lowering",
            "mapscope.formats.results.json_output",
        ),
        id="analyze-m-file",
    ),
    pytest.param(
        ["analyze", "resnet50_kcp_ws", "--hw", "accelerator_256pe", "-q", "--compat", "maestro"],
        ("numpy", *TYPER_PYDANTIC, "rich", "mapscope.report.console", "mapscope.formats.descriptions", "mapscope.explore"),
        id="analyze-m-file-quiet",
    ),
    pytest.param(
        ["gemm", "64", "32", "16"],
        (*OTHER_ENGINES, "mapscope.analysis", "mapscope.formats.descriptions", "mapscope.cli.analyze"),
        id="gemm",
    ),
    pytest.param(["templates"], (*OTHER_ENGINES, "numpy", "mapscope.systolic", "mapscope.analysis"), id="templates"),
    pytest.param(["examples"], (*OTHER_ENGINES, "numpy", "mapscope.systolic", "mapscope.analysis"), id="examples"),
    pytest.param(["analyze", "--help"], (*OTHER_ENGINES, "numpy", "mapscope.api", "mapscope.systolic"), id="analyze-help"),
    pytest.param(["systolic", "--help"], (*OTHER_ENGINES, "numpy", "mapscope.api", "mapscope.analysis"), id="systolic-help"),
    pytest.param(["convert", "--help"], (*OTHER_ENGINES, "numpy", "mapscope.api", "mapscope.systolic"), id="convert-help"),
    pytest.param(["explore", "--help"], (*OTHER_ENGINES, "numpy", "mapscope.api", "mapscope.systolic"), id="explore-help"),
    pytest.param(["map", "--help"], (*OTHER_ENGINES, "numpy", "mapscope.api", "mapscope.mapper", "mapscope.systolic"), id="map-help"),
    # a mapping search in this process: the mapper and the engine, no explore (its pool helper only with --workers),
    # no systolic engine, no writers when no file is asked for, no table or bar with --quiet (the mapper's
    # objectives come from `optimization.objectives`, which reads its bounds' schema from formats.space_file)
    pytest.param(
        ["map", str(Path(__file__).parent / "explore" / "tiny_network.m"), "--hw", "accelerator_256pe", "--budget-per-layer", "8", "-q"],
        ("mapscope.explore", "pandas", "pyarrow", "matplotlib", "mapscope.systolic", "mapscope.formats.results.json_output", "mapscope.report", "rich", "mapscope.cli.analyze"),
        id="map",
    ),
    # gemm and flexsa show defaults of the FlexSA study, whose module needs numpy
    pytest.param(["gemm", "--help"], (*OTHER_ENGINES, "mapscope.api", "mapscope.analysis"), id="gemm-help"),
    pytest.param(["flexsa", "--help"], (*OTHER_ENGINES, "mapscope.api", "mapscope.analysis"), id="flexsa-help"),
]


@pytest.mark.parametrize(("arguments", "forbidden"), COMMAND_CASES)
def test_each_command_works_and_imports_only_what_it_uses(arguments: list[str], forbidden: tuple[str, ...]) -> None:
    status, out, modules = run_and_list_modules(arguments)
    assert status == 0
    if "--help" in arguments:
        assert "Usage: mapscope " + arguments[0] in " ".join(out.split())
    assert _loaded(modules, forbidden) == []
