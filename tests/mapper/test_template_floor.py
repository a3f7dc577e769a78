"""The mapper against every template on zoo layers at 256 PEs: at its default strategy and budget, a layer's
mapping is never worse than the best of all eight templates at default parameters, including those
outside the mapper's space (rs), which are not warm starts. On VGG-16's features.10 rs beats the default
genetic search's best member by 1.125x (though the space holds one 1.78x faster than rs, which the
exhaustive search finds with 100,000 evaluations): the network search keeps rs's dataflow there
(`with_template_floor`) and says so."""

from __future__ import annotations

from functools import cache

import pytest

from mapscope.formats.sources import build_accelerator, load_workload
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import MappingConstraints, mapping_objective
from mapscope.mapper.network_search import layer_problem, map_network
from mapscope.mapper.network_totals import layer_value, template_table
from mapscope.mapping.mapped_workload import map_workload
from mapscope.workload.layer import Layer
from mapscope.workload.network import Network


@cache
def accelerator() -> Accelerator:
    return build_accelerator("accelerator_256pe")


@cache
def zoo_layer(network: str, name: str) -> Layer:
    layers = map_workload(load_workload(network), dataflow=None, num_pes=accelerator().num_pes, unmapped_ok=True).network.network.layers
    return next(layer for layer in layers if layer.name == name)


# Layers whose best template is rs: ResNet-50's 7x7 stride-2 stem and a 3x3, MobileNet-V2's 3x3 stride-2
# stem, and VGG-16's 3x3 features.10 (256 channels, 56x56).
@pytest.mark.parametrize("strategy", ["genetic", "auto"])
@pytest.mark.parametrize(
    ("network", "name", "objective"),
    [
        ("resnet50", "conv1", "runtime"),
        ("resnet50", "layer1.0.conv2", "edp"),
        ("mobilenet_v2", "features.0.0", "edp"),
        ("vgg16", "features.10", "runtime"),
    ],
)
def test_the_mapper_is_never_worse_than_the_best_template_outside_its_space(network: str, name: str, objective: str, strategy: str) -> None:
    layer, chosen = zoo_layer(network, name), mapping_objective(objective)
    problem = layer_problem(layer, accelerator(), chosen, None, MappingConstraints(), None, None)
    values = {template: layer_value(chosen, row[1]) for template, row in template_table(problem).items() if row is not None}
    best = min(values, key=values.__getitem__)
    assert best not in dict(problem.warm_starts())  # outside the space: the search never evaluates it
    result = map_network(Network(network, (layer,)), accelerator(), chosen, strategy=strategy)
    search = result.layers[0].search
    assert search.value <= values[best] and search.best_template == best
    if search.kept_template is not None:  # the template's own dataflow, as analysed in the network
        assert search.value == values[best] and search.dataflow == template_table(problem)[best][0]
        assert result.layers[0].document()["kept_template"] == best and search.improvement_over_template == 1.0
    if (network, name, strategy) == ("vgg16", "features.10", "genetic"):  # auto finds a mapping that beats rs
        assert search.kept_template == "rs"
