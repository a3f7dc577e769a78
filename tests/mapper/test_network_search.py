"""Mapping a whole network: identical layers searched once, totals that add up, baselines from the
templates, the same result on a process pool (whose workers end with the run), progress per layer."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from processes import child_pids

from mapscope.analysis.network_analysis import analyze_network
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import mapping_objective
from mapscope.mapper import network_search
from mapscope.mapper.layer_searches import LayerSearch, run_search
from mapscope.mapper.network_search import map_network
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork
from mapscope.mapping.templates import TEMPLATES
from mapscope.workload.layer import Layer, LayerType
from mapscope.workload.network import Network

ACCELERATOR = Accelerator(num_pes=16, l1_size_elems=512, l2_size_elems=65536, noc_bandwidth_elems_per_cycle=16, offchip_bandwidth_elems_per_cycle=16)


def conv(name: str, k: int, c: int, r: int, y: int) -> Layer:
    return Layer(name, LayerType.CONV, (("K", k), ("C", c), ("R", r), ("S", r), ("Y", y), ("X", y)), (("X", 1), ("Y", 1)))


#: Four layers, two shapes each twice (under different names).
NETWORK = Network("small", (conv("a", 16, 8, 3, 10), conv("b", 16, 16, 1, 8), conv("c", 16, 8, 3, 10), conv("d", 16, 16, 1, 8)))


@pytest.mark.parametrize("compat", [None, "maestro"])
def test_identical_layers_are_searched_once_and_share_the_mapping(compat: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    searched: list[str] = []

    def counting(search: LayerSearch):  # type: ignore[no-untyped-def]
        searched.append(search.problem.space.layer.name)
        return run_search(search)

    monkeypatch.setattr("mapscope.mapper.layer_searches.run_search", counting)
    result = map_network(NETWORK, ACCELERATOR, mapping_objective("edp"), budget_per_layer=30, compat=compat)
    assert searched == ["a", "b"]
    assert result.distinct_layers == 2 and [entry.searched_as for entry in result.layers] == ["a", "b", "a", "b"]
    assert [entry.name for entry in result.layers] == [entry.search.layer for entry in result.layers] == ["a", "b", "c", "d"]
    assert result.layers[2].search.dataflow == result.layers[0].search.dataflow
    assert result.mappings_evaluated == result.layers[0].search.mappings_evaluated + result.layers[1].search.mappings_evaluated


def test_totals_are_those_of_the_network_analysed_with_the_chosen_mappings() -> None:
    objective = mapping_objective("edp")
    result = map_network(NETWORK, ACCELERATOR, objective, budget_per_layer=30)
    mapped = MappedNetwork("small", tuple(MappedLayer(layer, entry.search.dataflow) for layer, entry in zip(NETWORK.layers, result.layers)))
    assert result.mapped == mapped
    stats = analyze_network(mapped, ACCELERATOR)
    runtime, energy = sum(s.runtime_cycles for s in stats.layers), sum(s.energy_nj for s in stats.layers)
    assert result.totals.runtime_cycles == runtime and result.totals.energy_nj == pytest.approx(energy)
    assert result.totals.value == pytest.approx(runtime * energy)
    for entry, layer_stats in zip(result.layers, stats.layers):
        assert entry.stats.runtime_cycles == layer_stats.runtime_cycles == entry.search.stats.runtime_cycles


def test_the_best_single_template_is_the_best_network_over_feasible_templates() -> None:
    objective = mapping_objective("runtime")
    result = map_network(NETWORK, ACCELERATOR, objective, budget_per_layer=30)
    single = result.baselines.best_single_template
    assert single is not None and single.template in TEMPLATES
    runtimes = {}
    for name, template in TEMPLATES.items():
        try:
            mapped = MappedNetwork("small", tuple(MappedLayer(layer, template.dataflow(layer, 16)) for layer in NETWORK.layers))
            stats = analyze_network(mapped, ACCELERATOR)
        except InputError:
            continue
        if all(s.l1_size_req_elems <= 512 and s.l2_size_req_elems <= 65536 for s in stats.layers):
            runtimes[name] = sum(s.runtime_cycles for s in stats.layers)
    assert single.runtime_cycles == min(runtimes.values())
    per_layer = result.baselines.per_layer_best_template
    assert per_layer is not None and per_layer.runtime_cycles <= single.runtime_cycles
    # every layer starts from the templates, so the search is never worse than the per-layer best template
    assert result.totals.runtime_cycles <= per_layer.runtime_cycles
    assert result.improvement_over(per_layer) == pytest.approx(per_layer.runtime_cycles / result.totals.runtime_cycles)


def test_a_pool_gives_the_same_result_and_leaves_no_process() -> None:
    objective = mapping_objective("runtime")
    alone = map_network(NETWORK, ACCELERATOR, objective, budget_per_layer=40, seed=3)
    before = child_pids(os.getpid())
    pooled = map_network(NETWORK, ACCELERATOR, objective, budget_per_layer=40, seed=3, workers=2)
    assert child_pids(os.getpid()) <= before
    assert [entry.search.dataflow for entry in pooled.layers] == [entry.search.dataflow for entry in alone.layers]
    assert pooled.totals == alone.totals


def test_progress_follows_the_distinct_layers() -> None:
    calls: list[tuple[int, int]] = []
    map_network(NETWORK, ACCELERATOR, mapping_objective("energy"), budget_per_layer=20, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 2), (1, 2), (2, 2)]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"strategy": "annealing"}, "unknown strategy"), ({"budget_per_layer": 0}, "positive"), ({"budget_per_layer": -5}, "positive"), ({"workers": 0}, "worker")],
)
def test_bad_settings_are_input_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        map_network(NETWORK, ACCELERATOR, mapping_objective("edp"), **options)  # type: ignore[arg-type]


def test_a_layer_no_mapping_fits_is_named() -> None:
    tiny_l1 = replace(ACCELERATOR, l1_size_elems=1)
    with pytest.raises(InputError, match="no mapping fits") as error:
        map_network(NETWORK, tiny_l1, mapping_objective("edp"), budget_per_layer=20)
    assert str(error.value).startswith("layer a: ")


def test_the_module_defaults_are_an_auto_search_of_a_thousand_mappings() -> None:
    assert (network_search.DEFAULT_STRATEGY, network_search.DEFAULT_BUDGET_PER_LAYER) == ("auto", 1000)
