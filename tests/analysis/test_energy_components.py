"""Energy that adds up (issue 15): each component is its count times its per-access energy, the components
sum to `energy_nj`, and the network totals are the layers' sums, for the built-in tables and a user's."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapscope.analysis.layer_fields import MAESTRO_CSV_ENERGY
from mapscope.api import analyze, build_accelerator
from mapscope.hardware.energy import ENERGY_COMPONENTS, MAESTRO_ENERGY, EnergyTable
from mapscope.hardware.energy_builtin import BUILTIN_TABLES
from mapscope.hardware.energy_lookup import access_energies
from mapscope.stats import ENERGY_FIELDS, TENSORS, LayerStats, NetworkStats
from property_settings import examples

NETWORK, HARDWARE = "vgg16_kcp_ws", "accelerator_256pe"
#: A user's table: numbers unlike every built-in one, so a component priced with the wrong entry shows.
USER_TABLE = EnergyTable(mac_pj=1.5, l1_access_pj=2.25, l2_access_pj=7.0, noc_transfer_pj=3.5, dram_access_pj=120.0, source="test")


def counts(layer: LayerStats) -> dict[str, int]:
    """Each component's count as docs/energy.md defines it, from the per-tensor counts."""
    return {
        "mac": layer.macs,
        "l1": sum(getattr(layer, f"{t}_l1_read_elems") + getattr(layer, f"{t}_l1_write_elems") for t in TENSORS),
        "l2": sum(getattr(layer, f"{t}_l2_read_elems") + getattr(layer, f"{t}_l2_write_elems") for t in TENSORS),
        "noc": layer.input_l1_write_elems + layer.filter_l1_write_elems + layer.output_l2_write_elems,
        "dram": layer.input_l2_write_elems + layer.filter_l2_write_elems + layer.output_l2_read_elems,
    }


def assert_energy_adds_up(stats: NetworkStats, table: EnergyTable) -> None:
    prices = table.per_access_pj()
    assert stats.energy_table == table
    for layer in stats.layers:
        expected = counts(layer)
        reported = {"mac": layer.macs, "l1": layer.l1_access_elems, "l2": layer.l2_access_elems, "noc": layer.noc_transfer_elems}
        reported["dram"] = layer.dram_read_elems + layer.dram_write_elems
        assert reported == expected, layer.layer
        for component in ENERGY_COMPONENTS:
            assert getattr(layer, f"{component}_energy_pj") == expected[component] * prices[component], (layer.layer, component)
        total_pj = sum(getattr(layer, f"{component}_energy_pj") for component in ENERGY_COMPONENTS)
        assert layer.energy_nj == pytest.approx(total_pj / 1000, rel=1e-12), layer.layer
    totals = stats.totals()
    for name in ENERGY_FIELDS:
        assert totals[name] == pytest.approx(sum(getattr(layer, name) for layer in stats.layers), rel=1e-12), name


@pytest.fixture(scope="module")
def accelerator():  # type: ignore[no-untyped-def]
    return build_accelerator(HARDWARE, {})


def test_the_default_prices_all_five_components_with_the_maestro_table(accelerator) -> None:  # type: ignore[no-untyped-def]
    stats = analyze(NETWORK, accelerator)
    assert_energy_adds_up(stats, MAESTRO_ENERGY)
    assert min(stats.totals()[f"{c}_energy_pj"] for c in ENERGY_COMPONENTS) > 0


@pytest.mark.parametrize("name", sorted(BUILTIN_TABLES))
def test_each_builtin_table_adds_up(name: str, accelerator) -> None:  # type: ignore[no-untyped-def]
    table = access_energies(BUILTIN_TABLES[name], accelerator).engine_table()
    assert_energy_adds_up(analyze(NETWORK, accelerator, energy_table=table), table)


def test_a_user_table_adds_up_and_only_prices_change_not_counts(accelerator) -> None:  # type: ignore[no-untyped-def]
    default, user = analyze(NETWORK, accelerator), analyze(NETWORK, accelerator, energy_table=USER_TABLE)
    assert_energy_adds_up(user, USER_TABLE)
    for left, right in zip(default.layers, user.layers, strict=True):
        assert counts(left) == counts(right)


@given(prices=st.lists(st.floats(0, 1e3, allow_nan=False), min_size=5, max_size=5))
@settings(max_examples=examples(20), deadline=None)
def test_any_table_adds_up(prices: list[float]) -> None:
    table = EnergyTable(*prices, source="hypothesis")
    stats = analyze("resnet50_kcp_ws", build_accelerator(HARDWARE, {}), energy_table=table)
    assert_energy_adds_up(dataclasses.replace(stats, layers=stats.layers[:8]), table)


def test_compat_mode_keeps_maestros_formula_and_prices_only_its_two_terms(accelerator) -> None:  # type: ignore[no-untyped-def]
    stats = analyze(NETWORK, accelerator, compat="maestro")
    assert stats.energy_table == MAESTRO_CSV_ENERGY
    for layer in stats.layers:
        assert (layer.mac_energy_pj, layer.noc_energy_pj, layer.dram_energy_pj) == (0.0, 0.0, 0.0)
        assert layer.l1_energy_pj == layer.l1_access_elems * MAESTRO_CSV_ENERGY.l1_access_pj
        assert layer.l2_energy_pj == layer.l2_access_elems * MAESTRO_CSV_ENERGY.l2_access_pj
        assert layer.l2_access_elems == counts(layer)["l2"] - layer.output_l2_read_elems  # MAESTRO's CSV set
        assert layer.energy_nj == pytest.approx((layer.l1_energy_pj + layer.l2_energy_pj) / 1000, rel=1e-12)
