"""`mapscope examples`, `mapscope zoo`, `mapscope templates`: what can be named wherever a file is expected."""

from __future__ import annotations


def examples() -> None:
    """List the shipped example mappings and accelerators (usable by name wherever a file is expected)."""
    from mapscope.examples import list_examples

    rows = [(example.name, example.kind, example.description) for example in list_examples()]
    _print_table(("Name", "Kind", "Description"), rows)


def zoo() -> None:
    """List the networks shipped in the model zoo (usable by name wherever a network is expected)."""
    from mapscope.workload.lowering import lower_model
    from mapscope.workload.zoo import ZOO

    rows = []
    for entry in ZOO.values():
        model = entry.build()
        layers = len(lower_model(model).network.layers)
        sizes = ", ".join(f"{name}={value}" for name, value in entry.parameters.items())
        rows.append((entry.name, str(len(model.operators)), str(layers), f"{model.macs / 1e9:.3f}", sizes, entry.description))
    _print_table(("Name", "Operators", "Layers", "GMACs", "Sizes", "Description"), rows, right=("Operators", "Layers", "GMACs"))


def templates() -> None:
    """List the dataflow templates `--dataflow` accepts, with their parameters and defaults."""
    from mapscope.mapping.templates import TEMPLATES

    rows = []
    for template in TEMPLATES.values():
        parameters = "\n".join(f"{p.name}={p.default_from or p.default}" for p in template.parameters)
        rows.append((template.name, parameters, template.description))
    _print_table(("Name", "Parameters (default)", "Description"), rows)


def _print_table(headers: tuple[str, ...], rows: list[tuple[str, ...]], right: tuple[str, ...] = ()) -> None:
    """A table on stdout, with the columns named in `right` right-aligned."""
    from rich.table import Table

    from mapscope.report.console import stdout_console

    table = Table(header_style="bold")
    for header in headers:
        table.add_column(header, justify="right" if header in right else "left")
    for row in rows:
        table.add_row(*row)
    stdout_console().print(table)
