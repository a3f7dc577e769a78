"""The compile heuristic: valid plans, exact counts, and never worse than a fixed single-mode policy."""

from __future__ import annotations

from functools import lru_cache

import pytest

from mapscope.errors import InputError
from mapscope.systolic.compiler import CYCLE_TOLERANCE, compile_gemm, fixed_mode_plan
from mapscope.systolic.evaluate import count_plan
from mapscope.systolic.machine import Machine, MachineKind, Mode
from mapscope.systolic.plan import GemmPlan, Region
from mapscope.systolic.training_run import standard_machines
from mapscope.workload.cnn_models import training_model
from mapscope.workload.gemm import Gemm
from mapscope.workload.pruning import synthetic_trajectory
from mapscope.workload.training import lower_network


@lru_cache(maxsize=1)
def reproduction_networks() -> tuple[object, ...]:
    cnn = training_model("resnet50")
    return synthetic_trajectory(cnn).networks(cnn)


def workload(entries: tuple[int, ...]) -> list[Gemm]:
    """Distinct GEMM shapes of the given entries of the default ResNet-50 trajectory (batch 32)."""
    networks = reproduction_networks()
    shapes = {gemm.shape_key(): gemm for index in entries for gemm in lower_network(networks[index], 32)}  # type: ignore[arg-type]
    return list(shapes.values())


def not_worse(heuristic: tuple[int, int], policy: tuple[int, int], tolerance: float) -> bool:
    """The heuristic's rule: within tolerance of the policy's cycles, and no more accesses unless strictly faster."""
    (h_cycles, h_accesses), (p_cycles, p_accesses) = heuristic, policy
    return h_cycles <= p_cycles * (1 + tolerance) and (h_accesses <= p_accesses or h_cycles < p_cycles)


def check_never_worse(gemms: list[Gemm], tolerance: float) -> None:
    machine = standard_machines()["flexsa"]
    for gemm in gemms:
        chosen = compile_gemm(gemm, machine, tolerance).counts
        for mode in Mode:
            policy = fixed_mode_plan(gemm, machine, mode, tolerance).counts
            assert not_worse((chosen.cycles, chosen.onchip_accesses), (policy.cycles, policy.onchip_accesses), tolerance), (gemm, mode)


@pytest.mark.parametrize("tolerance", [CYCLE_TOLERANCE, 0.0])
def test_heuristic_never_worse_than_a_fixed_mode_dense_and_final_network(tolerance: float) -> None:
    check_never_worse(workload((0, -1)), tolerance)


@pytest.mark.slow
def test_heuristic_never_worse_than_a_fixed_mode_whole_trajectory() -> None:
    check_never_worse(workload(tuple(range(len(reproduction_networks())))), CYCLE_TOLERANCE)


def test_with_no_tolerance_the_heuristic_is_never_slower() -> None:
    machine = standard_machines()["flexsa"]
    for gemm in workload((-1,)):
        chosen = compile_gemm(gemm, machine, 0.0).counts.cycles
        assert all(chosen <= fixed_mode_plan(gemm, machine, mode, 0.0).counts.cycles for mode in Mode)


@pytest.mark.parametrize("kind", list(MachineKind))
def test_plans_are_valid_and_counted_exactly(kind: MachineKind) -> None:
    machine = standard_machines()[str(kind)]
    for gemm in workload((-1,))[:60]:
        compiled = compile_gemm(gemm, machine)
        compiled.plan.validate(machine)
        assert compiled.counts == count_plan(compiled.plan, machine)
        assert compiled.counts.macs == gemm.macs
        assert set(region.mode for region in compiled.plan.regions) <= set(machine.modes)


def test_repeated_gemms_scale_and_keep_their_name() -> None:
    machine = standard_machines()["flexsa"]
    single = compile_gemm(Gemm(300, 37, 93), machine)
    grouped = compile_gemm(Gemm(300, 37, 93, name="conv/g", count=4), machine)
    assert grouped.plan.gemm.name == "conv/g" and grouped.counts == single.counts.scaled(4)


def test_small_irregular_gemm_uses_sub_arrays_and_beats_the_large_array() -> None:
    # 37 output columns on a 128-wide array waste 70% of a full-wave fold; sub-array modes do not
    machines = standard_machines()
    gemm = Gemm(25088, 37, 837)
    flexsa = compile_gemm(gemm, machines["flexsa"]).counts
    large = compile_gemm(gemm, machines["large"]).counts
    assert flexsa.cycles < 0.6 * large.cycles
    assert flexsa.mode_macs[0] == 0  # no FW


def test_large_full_tiles_prefer_broadcast_over_independent_sub_arrays() -> None:
    # with many streamed rows the cycle difference is tiny, so the rule picks the mode with fewer accesses
    machine = standard_machines()["flexsa"]
    gemm = Gemm(100352, 256, 512)
    chosen = compile_gemm(gemm, machine).counts
    isw = fixed_mode_plan(gemm, machine, Mode.ISW).counts
    assert chosen.onchip_accesses < isw.onchip_accesses and chosen.cycles <= isw.cycles * (1 + CYCLE_TOLERANCE)


def test_bad_inputs_are_input_errors() -> None:
    with pytest.raises(InputError, match="M must be positive"):
        Gemm(0, 4, 4)
    with pytest.raises(InputError, match="N must be positive"):
        Gemm(4, -1, 4)
    with pytest.raises(InputError, match="cannot be split"):
        Machine(MachineKind.FLEXSA, 7, 8)
    with pytest.raises(InputError, match="not available"):
        fixed_mode_plan(Gemm(4, 4, 4), Machine(MachineKind.LARGE, 8, 8), Mode.ISW)
    machine = Machine(MachineKind.FLEXSA, 8, 8)
    with pytest.raises(InputError, match="cover"):
        GemmPlan(Gemm(4, 8, 8), False, (Region(Mode.FW, 0, 4, 0, 8, 4, 8),)).validate(machine)
    with pytest.raises(InputError, match="does not fit"):
        GemmPlan(Gemm(4, 8, 8), False, (Region(Mode.ISW, 0, 8, 0, 8, 8, 4),)).validate(machine)
