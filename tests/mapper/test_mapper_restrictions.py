"""The space file: its keys restrict the space, bad input names the key, templates seed members."""

from __future__ import annotations

import pytest

from mapscope.errors import InputError
from mapscope.formats.mapping_space_file import parse_mapping_space_text, read_mapping_space_file
from mapscope.hardware.accelerator import Accelerator
from mapscope.mapper import check_member, dataflow, enumerate_batches, restricted_space, space_restrictions, space_size, start_members
from mapscope.mapper.members import choice_of
from mapscope.mapper.space import iterating
from mapscope.workload.layer import Layer, LayerType

CONV = Layer("conv", LayerType.CONV, (("K", 4), ("C", 2), ("R", 3), ("S", 1), ("Y", 6), ("X", 3)))
DEPTHWISE = Layer("dw", LayerType.DSCONV, (("C", 4), ("R", 3), ("S", 3), ("Y", 6), ("X", 6)))
RESNET_3X3 = Layer("res2a_branch2b", LayerType.CONV, (("K", 64), ("C", 64), ("R", 3), ("S", 3), ("Y", 58), ("X", 58)))


def _restrictions(text: str, source: str = "space.yaml"):
    return space_restrictions(parse_mapping_space_text(text, source))


def test_an_empty_file_is_the_default_space() -> None:
    space = restricted_space(_restrictions(""), CONV, 4)
    assert (space.min_levels, space.max_levels, space.imperfect, space.cluster_sizes) == (1, 3, False, None)


def test_every_member_obeys_the_file() -> None:
    text = """
max_levels: 2
cluster_sizes: [2, 4]
levels:
  - {spatial: K, loop_orders: [KCYX, YXKC]}
  - {spatial: [C, Y], loop_order: YX}
"""
    space = restricted_space(_restrictions(text), CONV, 8)
    assert space_size(space) > 0
    for batch in enumerate_batches(space, 4096):
        for row in range(0, batch.size, 5):
            choice = choice_of(space, batch.dataflow_at(row))
            assert choice.levels[0].spatial_dimension == "K"
            assert all(size in (2, 4) for size in choice.cluster_sizes)
            if len(choice.levels) == 2:
                assert choice.levels[1].spatial_dimension in ("C", "Y")
                moving = [name for name in iterating(space, choice, 1) if name in ("Y", "X")]
                assert moving in (["Y", "X"], ["Y"], ["X"], [])


def test_restrictions_only_shrink_the_space() -> None:
    full = restricted_space(_restrictions("max_levels: 2"), CONV, 8)
    fixed = restricted_space(_restrictions("max_levels: 2\nlevels: [{spatial: K, loop_order: KCYX}]"), CONV, 8)
    assert 0 < space_size(fixed) < space_size(full)


def test_loops_a_layer_lacks_are_ignored() -> None:
    restrictions = _restrictions("levels: [{spatial: [K, C], loop_order: KCYX}]")
    space = restricted_space(restrictions, DEPTHWISE, 4)
    assert space.restriction(0).spatial_dimensions == ("C",)
    assert space_size(space) > 0


def test_a_level_no_layer_loop_fits_names_the_key() -> None:
    restrictions = _restrictions("levels:\n  - spatial: K\n")
    with pytest.raises(InputError, match=r"space.yaml:2: levels\[0\]\.spatial.*no loop of layer dw"):
        restricted_space(restrictions, DEPTHWISE, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_levels: 4", r"space.yaml:1: max_levels: should be less than or equal to 3"),
        ("levels: [{spatial: Q}]", r"levels\[0\]\.spatial: 'Q' is not a sequence of loop names"),
        ("levels: [{loop_order: KCKX}]", r"loop_order: 'KCKX' names a loop twice"),
        ("levels: [{loop_order: KCYX, loop_orders: [KCYX]}]", r"not both"),
        ("min_levels: 3\nmax_levels: 2", r"space.yaml:1: min_levels: min_levels 3 is above max_levels 2"),
        ("imperfect: yes please", r"imperfect: should be a valid boolean"),
        ("cluster_size: [2]", r"unknown key 'cluster_size'"),
        ("start_from: [{template: nope}]", r"start_from\[0\].*unknown dataflow template 'nope'"),
        ("start_from: [{template: kcp_ws, parameters: {cluster_size: -1}}]", r"start_from\[0\].*cluster_size.*positive"),
        ("cluster_sizes: [128]\nmax_cluster_size: 64", r"cluster_sizes: every cluster size is above max_cluster_size"),
    ],
)
def test_bad_files_name_the_key(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        _restrictions(text)


def test_json_files_and_suffixes(tmp_path) -> None:
    path = tmp_path / "space.json"
    path.write_text('{"max_levels": 1, "levels": [{"spatial": "K"}]}')
    restrictions = space_restrictions(read_mapping_space_file(path))
    assert restricted_space(restrictions, CONV, 4).max_levels == 1
    with pytest.raises(InputError, match="YAML or JSON"):
        read_mapping_space_file(tmp_path / "space.txt")


@pytest.mark.parametrize("name", ["tiled", "kcp_ws", "ckp_ws", "yxp_os"])
def test_templates_seed_members_of_the_space(name: str) -> None:
    restrictions = _restrictions(f"start_from: [{{template: {name}}}]")
    space = restricted_space(restrictions, RESNET_3X3, 256)
    (member,) = start_members(restrictions, space)
    check_member(space, member)
    assert dataflow(space, member)  # writes back


def test_a_template_outside_the_space_names_it() -> None:
    restrictions = _restrictions("max_levels: 1\nstart_from: [{template: kcp_ws}]")
    space = restricted_space(restrictions, RESNET_3X3, 256)
    with pytest.raises(InputError, match=r"start_from\[0\].*template kcp_ws is not a member.*cluster levels"):
        start_members(restrictions, space)


def test_a_restricted_space_runs_on_the_engine() -> None:
    restrictions = _restrictions("max_levels: 2\nlevels: [{spatial: K}, {spatial: C}]")
    space = restricted_space(restrictions, CONV, 8)
    from mapscope.analysis.batch import evaluate_mappings

    batch = next(iter(enumerate_batches(space, 64)))
    assert evaluate_mappings(batch, Accelerator(num_pes=8)).valid.all()
