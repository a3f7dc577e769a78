"""The per-layer console table: one cell per column draws exactly what one row per layer draws."""

from __future__ import annotations

import dataclasses
import io
from functools import cache

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from mapscope.api import analyze
from mapscope.report.console import layer_table, one_cell_draws_alike
from mapscope.stats import NetworkStats


@cache
def resnet_stats() -> NetworkStats:
    return analyze("resnet50_kcp_ws", "accelerator_256pe")


def rendered(stats: NetworkStats, width: int, one_cell_per_column: bool) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width).print(layer_table(stats, one_cell_per_column))
    return buffer.getvalue()


def rendered_as_chosen(stats: NetworkStats, width: int) -> str:
    return rendered(stats, width, one_cell_draws_alike(stats, width))


def renamed(names: list[str]) -> NetworkStats:
    """The first len(names) ResNet-50 layers, renamed."""
    stats = resnet_stats()
    layers = tuple(dataclasses.replace(layer, layer=name) for layer, name in zip(stats.layers, names))
    return dataclasses.replace(stats, layers=layers)


@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=8), st.integers(1, 220))
def test_the_chosen_layout_draws_what_one_row_per_layer_draws(names: list[str], width: int) -> None:
    stats = renamed(names)
    assert rendered_as_chosen(stats, width) == rendered(stats, width, False)


def test_one_cell_per_column_is_chosen_without_whitespace_in_names_at_readable_widths() -> None:
    assert one_cell_draws_alike(resnet_stats(), 80)
    assert one_cell_draws_alike(renamed(["/layer1/conv[0]", "conv2"]), 40)
    assert not one_cell_draws_alike(renamed(["conv 1", "conv2"]), 160)
    assert not one_cell_draws_alike(renamed(["conv\n1"]), 160)
    assert not one_cell_draws_alike(resnet_stats(), 31)


def test_a_name_with_spaces_wraps_within_its_own_row() -> None:
    stats = renamed(["a long layer name with spaces", "conv2"])
    lines = rendered_as_chosen(stats, 70).splitlines()
    assert not any("conv2" in line and "spaces" in line for line in lines)


def test_names_are_not_read_as_markup() -> None:
    stats = renamed(["[bold]conv[/bold]", "conv2:smile:"])
    text = rendered_as_chosen(stats, 160)
    assert "[bold]conv[/bold]" in text and "conv2:smile:" in text


def test_an_empty_network_has_no_rows() -> None:
    stats = dataclasses.replace(resnet_stats(), layers=())
    assert layer_table(stats, True).row_count == layer_table(stats, False).row_count == 0
