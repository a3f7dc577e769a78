"""The analytical model against the cycle-level simulator: every count, exactly, on random plans.

Also checks the compiler's closed-form region costs against the analytical model, so the chain
simulator = count_plan = region_cost holds for the numbers the heuristic decides on.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from property_settings import examples
from hypothesis import strategies as st

from mapscope.systolic.compiler import plan_cost, region_cost
from mapscope.systolic.evaluate import count_plan
from mapscope.systolic.machine import Machine, MachineKind
from mapscope.systolic.plan import ORDERS, GemmPlan, Region
from mapscope.systolic.simulator import SimulationCounts, simulate_plan
from mapscope.workload.gemm import Gemm

SIMULATED_FIELDS = tuple(SimulationCounts.__dataclass_fields__)


@st.composite
def plans(draw: st.DrawFn, max_dim: int = 18, sizes: tuple[int, ...] = (2, 4, 8)) -> tuple[Machine, GemmPlan]:
    """A random machine and a valid plan of one to four regions (cut along K and/or N)."""
    m, n, k = (draw(st.integers(1, max_dim)) for _ in range(3))
    size = draw(st.sampled_from(sizes))
    machine = Machine(draw(st.sampled_from(list(MachineKind))), size, size, double_buffered=draw(st.booleans()))
    transposed = draw(st.booleans())
    em, en = (n, m) if transposed else (m, n)
    k_cut = draw(st.integers(0, k - 1))
    n_cut = draw(st.integers(0, en - 1))
    k_ranges = [(0, k)] if k_cut == 0 else [(0, k_cut), (k_cut, k)]
    n_ranges = [(0, en)] if n_cut == 0 else [(0, n_cut), (n_cut, en)]
    regions = []
    for (k0, k1) in k_ranges:
        for (n0, n1) in n_ranges:
            mode = draw(st.sampled_from(machine.modes))
            geometry = machine.geometry(mode)
            regions.append(
                Region(
                    mode, k0, k1, n0, n1,
                    draw(st.integers(1, min(geometry.rows, k1 - k0))),
                    draw(st.integers(1, min(geometry.cols, n1 - n0))),
                    draw(st.integers(1, min(4, em))),
                    draw(st.sampled_from(ORDERS)),
                )
            )
    return machine, GemmPlan(Gemm(m, n, k), transposed, tuple(regions))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=plans(), seed=st.integers(0, 2**16))
def test_analytical_counts_equal_the_simulated_ones(case: tuple[Machine, GemmPlan], seed: int) -> None:
    machine, plan = case
    plan.validate(machine)
    rng = np.random.default_rng(seed)
    a = rng.integers(-50, 50, (plan.gemm.m, plan.gemm.k), dtype=np.int64)
    b = rng.integers(-50, 50, (plan.gemm.k, plan.gemm.n), dtype=np.int64)
    out, simulated = simulate_plan(plan, machine, a, b)
    np.testing.assert_array_equal(out, a @ b)
    counted = count_plan(plan, machine)
    assert {name: getattr(counted, name) for name in SIMULATED_FIELDS} == {name: getattr(simulated, name) for name in SIMULATED_FIELDS}
    assert sum(counted.mode_macs) == counted.macs == plan.gemm.macs


@settings(max_examples=examples(300), deadline=None)
@given(case=plans(max_dim=80, sizes=(2, 4, 8, 16, 128)))
def test_compiler_region_costs_equal_the_analytical_model(case: tuple[Machine, GemmPlan]) -> None:
    machine, plan = case
    m = plan.effective_dims[0]
    counted = count_plan(plan, machine)
    costs = [region_cost(region, m, machine) for region in plan.regions]
    if machine.independent_groups:
        if len(costs) > 1:
            return  # cores carry their sequence across regions; the compiler only builds one-region split plans
        cycles = costs[0].cycles + (costs[0].first_rows if machine.double_buffered else 0)
        accesses = costs[0].accesses
    else:
        cycles, accesses = plan_cost(costs, machine)
    n = plan.effective_dims[1]
    assert (cycles, accesses) == (counted.cycles, counted.onchip_accesses + m * n)


def test_count_scales_every_figure() -> None:
    machine = Machine(MachineKind.FLEXSA, 8, 8)
    region = Region(machine.modes[3], 0, 10, 0, 6, 4, 4, 2, "knm")
    once = count_plan(GemmPlan(Gemm(9, 6, 10), False, (region,)), machine)
    thrice = count_plan(GemmPlan(Gemm(9, 6, 10, count=3), False, (region,)), machine)
    assert thrice == once.scaled(3) and thrice.macs == 3 * 9 * 6 * 10
