"""Several SpatialMaps on one tensor's dimensions: neighbours share only the overlap along all of them.

MAESTRO multiplies each spatial dimension's sliding-window reuse as if neighbouring sub-clusters shared
every other coordinate, so a DSCONV mapping C and X on 3 PEs reads 9 of its 12 inputs from L2 (compat
mode keeps that: MAESTRO 4eb08d1 reports an input L2 read energy of 167.49 MAC units = 9 x 18.61). The
default mode counts every input once (`Corrections.neighbours_overlap_on_every_spatial_map`).
"""

from __future__ import annotations

import pytest

from mapscope.analysis.batch import evaluate_mappings, mapping_batches
from mapscope.analysis.network_analysis import analyze_network
from mapscope.formats.maestro.mapping_file import parse_mapping_text
from mapscope.hardware.accelerator import Accelerator

DSCONV = """Network demo {
Layer DW {
Type: DSCONV
Dimensions { K: 1, C: 2, R: 1, S: 3, Y: %(y)d, X: 3 }
Dataflow {
SpatialMap(1,1) C;
TemporalMap(1,1) Y;
SpatialMap(3,1) X;
}
}
}"""


@pytest.mark.parametrize(("rows", "compat", "reads"), [(2, None, 12), (3, None, 18), (2, "maestro", 9), (3, "maestro", 12)])
def test_input_reads_with_two_spatial_maps(rows: int, compat: str | None, reads: int) -> None:
    stats = analyze_network(parse_mapping_text(DSCONV % {"y": rows}), Accelerator(num_pes=3), compat=compat).layers[0]
    assert stats.input_tensor_elems == 6 * rows
    assert stats.input_l2_read_elems == reads


@pytest.mark.parametrize("compat", [None, "maestro"])
def test_batched_engine_counts_the_same(compat: str | None) -> None:
    mapped = parse_mapping_text(DSCONV % {"y": 2}).layers[0]
    single = analyze_network(parse_mapping_text(DSCONV % {"y": 2}), Accelerator(num_pes=3), compat=compat).layers[0]
    [(batch, _)] = mapping_batches(mapped.layer, [mapped.dataflow])
    batched = evaluate_mappings(batch, Accelerator(num_pes=3), compat=compat)
    assert batched.column("input_l2_read_elems")[0] == single.input_l2_read_elems
    assert batched.column("energy_nj")[0] == pytest.approx(single.energy_nj)
