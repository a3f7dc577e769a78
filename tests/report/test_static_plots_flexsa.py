"""The FlexSA figures read back from their matplotlib Figures (bar totals, coinciding curves), and the shared
figure helpers: unit scaling and coinciding-series detection."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from mapscope.report.figures import COINCIDE_FRACTION, coincide_tolerance, coinciding_groups, scaled_unit
from mapscope.report.flexsa_plots import energy_figure, utilization_figure
from mapscope.systolic.flexsa_study import FlexsaStudy, StudySettings, energy_unit, prepare_study


@pytest.fixture(scope="module")
def study() -> FlexsaStudy:
    """A small, fast study: ResNet-56, two trajectory entries, 16x16 arrays, batch 2."""
    return prepare_study(StudySettings(model="resnet56", epochs=10, interval_epochs=5, array=16, batch=2)).run()


def with_machines(study: FlexsaStudy, **per_entry: str) -> FlexsaStudy:
    """The study with its machines' per-entry results taken from the named machines (name=source)."""
    run = dataclasses.replace(study.run, per_entry={name: study.run.per_entry[source] for name, source in per_entry.items()})
    return dataclasses.replace(study, run=run)


def legend_texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.axes[0].get_legend().get_texts()]


def test_every_energy_bar_carries_its_total_at_its_top(study: FlexsaStudy) -> None:
    figure = energy_figure(study)
    axes = figure.axes[0]
    totals = {name: study.run.totals(name).energy.total_pj for name in study.machine_names}
    unit, per_unit = energy_unit(max(totals.values()))
    labels = [text for text in axes.texts if text.get_text().endswith(f" {unit}")]
    assert [label.get_text() for label in labels] == [f"{totals[name] / per_unit:,.4g} {unit}" for name in study.machine_names]
    tops = [0.0] * len(totals)
    for patch in axes.patches:  # the stacked segments; bar i is centred on x = i
        index = round(patch.get_x() + patch.get_width() / 2)
        tops[index] = max(tops[index], patch.get_y() + patch.get_height())
    for label, top, name in zip(labels, tops, study.machine_names, strict=True):
        assert label.xy[1] == pytest.approx(top)  # the label sits on the stack it totals
        assert top == pytest.approx(totals[name] / per_unit)


def test_coinciding_utilisation_curves_share_one_legend_entry_that_says_so(study: FlexsaStudy) -> None:
    figure = utilization_figure(with_machines(study, large="large", split="flexsa", flexsa="flexsa"))
    assert legend_texts(figure) == ["large", "split = flexsa (coincide)"]
    assert len(figure.axes[0].get_lines()) == 3  # both curves are still drawn


def test_distinct_utilisation_curves_are_not_said_to_coincide(study: FlexsaStudy) -> None:
    figure = utilization_figure(with_machines(study, large="large", flexsa="flexsa"))
    assert legend_texts(figure) == ["large", "flexsa"]


def test_scaled_unit_picks_the_prefix_values_read_best_in() -> None:
    assert scaled_unit(5.2e9, "nJ") == pytest.approx((1e-9, "J"))
    assert scaled_unit(3e6, "nJ") == pytest.approx((1e-6, "mJ"))
    assert scaled_unit(999.0, "nJ") == (1.0, "nJ")
    assert scaled_unit(0.5, "nJ") == pytest.approx((1e3, "pJ"))
    assert scaled_unit(2e4, "mW") == pytest.approx((1e-3, "W"))
    for unit in ("cycles", "mm²", "elems", "", "MACs/cycle"):
        assert scaled_unit(5e9, unit) == (1.0, unit)
    assert scaled_unit(0.0, "nJ") == (1.0, "nJ")


@given(st.floats(min_value=1e-3, max_value=1e15), st.sampled_from(["pJ", "nJ", "µJ", "mJ", "J"]))
def test_scaled_values_read_between_1_and_1000_where_a_prefix_allows(largest: float, unit: str) -> None:
    factor, scaled = scaled_unit(largest, unit)
    value = largest * factor
    assert scaled.endswith("J")
    assert value < 1000 * (1 + 1e-9) or scaled == "MJ"
    assert value >= 1 * (1 - 1e-9) or scaled == "pJ"


def test_coinciding_groups_within_the_tolerance_and_not_beyond() -> None:
    series = {"a": [1.0, 2.0, 3.0], "b": [1.0, 2.05, 3.0], "c": [5.0, 5.0, 5.0], "d": [1.0, 2.0]}
    assert coinciding_groups(series, 0.1) == [(("a", "b"), pytest.approx(0.05)), (("c",), 0.0), (("d",), 0.0)]
    assert [group for group, _ in coinciding_groups(series, 0.01)] == [("a",), ("b",), ("c",), ("d",)]
    assert coincide_tolerance(series) == pytest.approx(COINCIDE_FRACTION * 4.0)
