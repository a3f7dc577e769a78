"""The rules of the house, checked on the source: run ``python -m pytest tests/test_architecture.py``.

Every ``import`` of every module under ``src/mapscope`` is read with `ast` (those inside functions and under
``if TYPE_CHECKING:`` too, since they are dependencies all the same) and checked against four rules:

1. only the CLI (``mapscope/cli/``), the package's ``__init__`` and the API's own modules import ``mapscope.api``;
2. no module is over MAX_MODULE_LINES lines (split a long one by concept);
3. a package imports only packages in lower rows of LAYERS (arrows point down);
4. no two modules import each other, directly or through others.

A failure names the module (file and line), the import as written and the rule, with what to do.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = "mapscope"
MAX_MODULE_LINES = 400
#: Who may import the API: the command line (``mapscope/cli/``), the package's ``__init__`` (its public names)
#: and the API's own modules (one per job, gathered by ``mapscope/api/__init__.py``).
API_IMPORTERS = ("cli", PACKAGE, "api")

#: The house's packages (and top-level modules) from the user's side down: a module may import modules of
#: its own package and of packages in lower rows, never of a higher row or of a sibling in its own row.
#: ``mapscope`` is the package's ``__init__`` (the public names, re-exported from the API).
#: The order between the packages the design groups together is the one the code needs: report renders
#: exploration results (so it sits above explore); explore searches mappings per design with the mapper;
#: both judge candidates by `optimization`'s objectives and constraints, built from entries that formats
#: reads; explore reads spaces and stores results through formats and runs the engines; formats reads files into workload, mapping and hardware descriptions and writes
#: statistics and study results (so it sits above the engines); the two engines never use each other.
#: ``examples`` is data (the shipped files and their lookup).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),  # one module per command: parse flags, call the API, render
    ("mapscope",),  # the public names
    ("api",),  # one function per job, the same inputs as the CLI
    ("report",),  # console tables, plots, the HTML report
    ("explore",),  # design spaces, search strategies, executors (and, co-searching, the mapper per design)
    ("mapper",),  # per-layer mapping spaces, lower bounds, certified and heuristic search
    ("optimization",),  # what explore and the mapper optimise: objectives, constraints, Pareto fronts
    ("formats",),  # files in and out: MAESTRO files, model importers, result stores
    ("analysis", "systolic"),  # the engines: descriptions in, statistics out
    ("stats",),  # the one statistics schema both engines return (a result names the accelerator it ran on)
    ("mapping",),  # directives, cluster levels, dataflow templates
    ("hardware",),  # the accelerator description, energy and area tables
    ("workload",),  # operators, layers, networks, training GEMMs
    ("task_pools",),  # picklable tasks on this process, a local process pool or a Dask cluster (explore's and the mapper's)
    ("examples", "limits", "worker_lifetime"),  # shipped files, input limits, pool workers that end with their parent
    ("errors",),  # InputError
)

LAYERS_PLACE = "tests/test_architecture.py"  # where a failure message sends the reader to see LAYERS
TYPE_CHECKING_CONTEXT = " (under TYPE_CHECKING)"


@dataclass(frozen=True)
class Import:
    """One import statement's dependency: `importer` imports `imported` (both module names)."""

    importer: str
    imported: str
    path: Path  # the importer's file, relative to the repository
    line: int
    written: str  # the statement as written, e.g. "from mapscope.api import analyze"
    context: str  # "", " (inside function f)" or " (under TYPE_CHECKING)"

    def place(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} (`{self.written}`{self.context})"


def package_folder() -> Path:
    """The folder of the mapscope package being tested (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.origin is not None, f"cannot find the {PACKAGE} package"
    return Path(spec.origin).parent


@cache
def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    root = package_folder()
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = (PACKAGE, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def display_path(path: Path) -> Path:
    """`path` relative to the repository (the folder above ``src``), for messages."""
    root = package_folder()
    base = root.parent.parent if root.parent.name == "src" else root.parent
    return path.relative_to(base)


class ImportReader(ast.NodeVisitor):
    """Collects the mapscope imports of one module, remembering whether each is inside a function or under
    ``if TYPE_CHECKING:``."""

    def __init__(self, module: str, path: Path, is_package: bool, source: str) -> None:
        self.module = module
        self.path = path
        self.is_package = is_package
        self.lines = source.splitlines()
        self.functions: list[str] = []
        self.type_checking = 0
        self.imports: list[Import] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 (the visitor's naming)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        guarded = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )
        self.type_checking += guarded
        for child in node.body:
            self.visit(child)
        self.type_checking -= guarded
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:  # relative: resolved against this module's package
            package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        imported = {f"{base}.{alias.name}" if f"{base}.{alias.name}" in module_files() else base for alias in node.names}
        for module in sorted(imported):  # names from one module are one dependency
            self._add(node, module)

    def _add(self, node: ast.Import | ast.ImportFrom, imported: str) -> None:
        if imported != PACKAGE and not imported.startswith(PACKAGE + "."):
            return
        if self.type_checking:
            context = TYPE_CHECKING_CONTEXT
        elif self.functions:
            context = f" (inside function {self.functions[-1]})"
        else:
            context = ""
        written = " ".join(line.strip() for line in self.lines[node.lineno - 1 : node.end_lineno or node.lineno])
        written = written.replace("( ", "(").replace(", )", ")")
        self.imports.append(Import(self.module, imported, display_path(self.path), node.lineno, written, context))


@cache
def all_imports() -> tuple[Import, ...]:
    """Every mapscope import of every module, in file order."""
    found: list[Import] = []
    for module, path in module_files().items():
        source = path.read_text(encoding="utf-8")
        reader = ImportReader(module, path, path.name == "__init__.py", source)
        reader.visit(ast.parse(source, str(path)))
        found += reader.imports
    return tuple(found)


def top_package(module: str) -> str:
    """The house's package (or top-level module) `module` belongs to; ``mapscope`` for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def layer_of(package: str) -> int:
    """The row of LAYERS holding `package` (0 is the top)."""
    return next(row for row, packages in enumerate(LAYERS) if package in packages)


def test_only_the_cli_imports_the_api() -> None:
    """Below the command line, modules take what they need from the package that defines it, not from api."""
    api = f"{PACKAGE}.api"
    climbing = [
        f"{found.place()}\n    rule: only mapscope/cli/ and mapscope/__init__.py import {api}\n    fix: import the "
        f"name from the lower module that defines it (api.py gathers the jobs for users), or move this code into cli/"
        for found in all_imports()
        if (found.imported == api or found.imported.startswith(api + ".")) and top_package(found.importer) not in API_IMPORTERS
    ]
    if climbing:
        pytest.fail("\n".join(climbing), pytrace=False)


def test_no_module_is_over_the_line_limit() -> None:
    """Modules stay small: a file over MAX_MODULE_LINES lines holds more than one concept."""
    long_modules = []
    for module, path in module_files().items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            long_modules.append(
                f"{display_path(path)}: {module} has {lines} lines\n    rule: no module over {MAX_MODULE_LINES} "
                f"lines\n    fix: split it into modules by concept, each named for what it holds"
            )
    if long_modules:
        pytest.fail("\n".join(long_modules), pytrace=False)


def test_every_package_has_a_place_in_the_layers() -> None:
    """A new package (or top-level module) must be given its row in LAYERS before the layering holds it."""
    placed = {package for row in LAYERS for package in row}
    missing = sorted({top_package(module) for module in module_files()} - placed)
    if missing:
        pytest.fail(
            f"packages without a row in LAYERS ({LAYERS_PLACE}): {', '.join(missing)}\n    rule: every package has "
            f"its row\n    fix: add each to the row of its concept (it may import only rows below it)",
            pytrace=False,
        )


def layering_violations(imports: Iterable[Import]) -> Iterator[str]:
    """A message for every import of a package from a higher row of LAYERS, or from a sibling in its row."""
    placed = {package for row in LAYERS for package in row}
    for found in imports:
        importer, imported = top_package(found.importer), top_package(found.imported)
        if importer == imported or importer not in placed or imported not in placed:
            continue
        importer_row, imported_row = layer_of(importer), layer_of(imported)
        if imported_row < importer_row:
            relation = f"{imported} is above {importer}"
        elif imported_row == importer_row:
            relation = f"{imported} and {importer} are siblings"
        else:
            continue
        if found.context == TYPE_CHECKING_CONTEXT:
            fix = f"describe what this code reads of {imported}'s type as a Protocol (or a record) in a lower package"
        else:
            fix = (
                f"move the code that needs {imported} up to its caller, move what it uses down to a lower package, "
                f"or have the caller pass it in"
            )
        yield (
            f"{found.place()}\n    rule: a package imports only packages in lower rows of LAYERS ({LAYERS_PLACE}: "
            f"{relation})\n    fix: {fix}"
        )


def test_packages_import_only_lower_packages() -> None:
    """Arrows point down: cli > mapscope > api > report > explore > formats > engines > mapping > hardware >
    workload > stats, examples, limits > errors."""
    violations = list(layering_violations(all_imports()))
    if violations:
        pytest.fail("\n".join(violations), pytrace=False)


def module_graph() -> dict[str, set[str]]:
    """Each module and the mapscope modules it imports."""
    graph: dict[str, set[str]] = {module: set() for module in module_files()}
    for found in all_imports():
        if found.imported in graph:
            graph[found.importer].add(found.imported)
    return graph


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other (strongly connected components of more than one module, or a
    module importing itself), each sorted."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):  # Tarjan's algorithm, iterative (a deep import chain must not hit the recursion limit)
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = lowest[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = lowest[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    lowest[node] = min(lowest[node], index[successor])
            else:
                work.pop()
                if work:
                    lowest[work[-1][0]] = min(lowest[work[-1][0]], lowest[node])
                if lowest[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in graph[node]:
                        groups.append(sorted(group))
    return sorted(groups)


def test_no_import_cycles() -> None:
    """Modules that import each other cannot be understood (or loaded) one at a time."""
    messages = []
    for group in import_cycles(module_graph()):
        members = set(group)
        edges = [found.place() for found in all_imports() if found.importer in members and found.imported in members]
        messages.append(
            f"import cycle between {', '.join(group)}:\n    " + "\n    ".join(edges) + "\n    rule: no module imports "
            "itself through others\n    fix: move what they share into a lower module, or have the caller pass it in"
        )
    if messages:
        pytest.fail("\n".join(messages), pytrace=False)


def test_the_checks_see_imports_in_every_position() -> None:
    """The reader finds imports at top level, in functions, under TYPE_CHECKING and relative ones, and the
    layering flags the climbing one however it is written."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "import mapscope.errors\n"
        "from . import limits\n"
        "if TYPE_CHECKING:\n"
        "    from mapscope.api import analyze\n"
        "def run() -> None:\n"
        "    from ..stats import NetworkStats\n"
    )
    path = package_folder() / "formats" / "example.py"
    reader = ImportReader("mapscope.formats.example", path, False, source)
    reader.visit(ast.parse(source))
    found = {(item.imported, item.context) for item in reader.imports}
    assert found == {
        ("mapscope.errors", ""),
        ("mapscope.formats", ""),
        ("mapscope.api", " (under TYPE_CHECKING)"),
        ("mapscope.stats", " (inside function run)"),
    }
    violations = list(layering_violations(reader.imports))
    assert len(violations) == 1 and "mapscope.formats.example imports mapscope.api" in violations[0]
    assert "api is above formats" in violations[0]


def test_the_cycle_check_finds_every_cycle() -> None:
    """Cycles of one, two and three modules are found; a chain and a diamond are not cycles."""
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": {"e", "f"},
        "e": {"g"},
        "f": {"g"},
        "g": set(),
        "h": {"h"},
        "i": {"j"},
        "j": {"i"},
    }
    assert import_cycles(graph) == [["a", "b", "c"], ["h"], ["i", "j"]]
