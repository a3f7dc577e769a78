"""Lower bounds on a layer's runtime, energy and EDP: over every mapping, or over one spatial choice.

The exhaustive mapper prunes a subspace whose bound cannot beat the best mapping found, and reports the
gap between its best mapping and the best bound it could not prune. A bound is only useful if it is
*sound*: never above the value `analyze_layer` reports for a mapping it covers: a mapping whose tiles
partition every dimension at every level (each tile advances by its size; for X and Y in output
positions), as the mapper's space does, and that computes all the layer's MACs. Each bound below is
derived from the model's equations (docs/model.md; the derivations are in docs/mapper-bounds.md and in
each function's docstring); the property tests in tests/mapper/test_bounds.py check them against the
engine on random layers, accelerators and mappings in both modes.

Compatibility mode reproduces MAESTRO's arithmetic, which undercounts work and traffic at edge tiles
(docs/model.md, All corrections at a glance), so its bounds are weaker: see
`runtime_lower_bound_cycles` and `energy_lower_bound_nj`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import prod

import numpy as np

from mapscope.analysis.integer_math import ceil_div
from mapscope.errors import InputError
from mapscope.hardware.accelerator import Accelerator
from mapscope.hardware.energy import MAESTRO_ENERGY, MAESTRO_L2_ACCESS_PER_MAC, MAESTRO_MAC_ENERGY_NJ, EnergyTable
from mapscope.mapper.layer_work import LayerWork, axis_of, layer_work
from mapscope.mapping.directives import Cluster, Directive, SpatialMap
from mapscope.workload.layer import Layer

PJ_PER_NJ = 1000.0
@dataclass(frozen=True)
class SpatialSubspace:
    """The mappings that map `spatial_dimensions[j]` spatially at cluster level j (level 0 outermost), with
    `cluster_sizes[j - 1]` sub-clusters at level j >= 1 (the `Cluster` sizes, outermost first).

    `divisor_tiles` says every mapping of the subspace tiles each dimension into equal tiles (each tile
    size divides the dimension, in output positions for X and Y, at every level), as the mapper's default
    space does; only compatibility mode's runtime bound uses it.
    """

    spatial_dimensions: tuple[tuple[str, ...], ...]
    cluster_sizes: tuple[int, ...] = ()
    divisor_tiles: bool = False

    def __post_init__(self) -> None:
        if not self.spatial_dimensions or any(not level for level in self.spatial_dimensions):
            raise InputError("every cluster level needs at least one spatial dimension", "spatial subspace")
        if len(self.cluster_sizes) != len(self.spatial_dimensions) - 1:
            raise InputError(
                f"{len(self.spatial_dimensions)} cluster level(s) need {len(self.spatial_dimensions) - 1} cluster size(s), "
                f"got {len(self.cluster_sizes)}",
                "spatial subspace",
            )
        if any(size < 1 for size in self.cluster_sizes):
            raise InputError(f"cluster sizes must be positive, got {self.cluster_sizes}", "spatial subspace")

    def sub_clusters(self, num_pes: int) -> tuple[int, ...]:
        """Sub-clusters per level: P // (product of the cluster sizes) at level 0, the cluster size below
        (docs/model.md, Cluster levels)."""
        return (num_pes // prod(self.cluster_sizes), *self.cluster_sizes)


def spatial_subspace_of(dataflow: Sequence[Directive], divisor_tiles: bool = False) -> SpatialSubspace:
    """The spatial subspace a directive list belongs to: each level's SpatialMap dimensions and the cluster sizes."""
    levels: list[list[str]] = [[]]
    sizes: list[int] = []
    for directive in dataflow:
        if isinstance(directive, Cluster):
            levels.append([])
            sizes.append(directive.size)
        elif isinstance(directive, SpatialMap):
            levels[-1].append(directive.dimension)
    return SpatialSubspace(tuple(tuple(level) for level in levels), tuple(sizes), divisor_tiles)


def _level_groups(work: LayerWork, num_pes: int, subspace: SpatialSubspace) -> tuple[dict[str, int], list[int]]:
    """Per dimension, the product of the sub-cluster counts of the levels that map only it (levels that
    split one dimension split one range); and, per level with several SpatialMaps, its cap
    `min(N_j, max E_v)`."""
    grouped: dict[str, int] = {}
    several: list[int] = []
    for level_dimensions, sub_clusters in zip(subspace.spatial_dimensions, subspace.sub_clusters(num_pes)):
        axes = {axis_of(d) for d in level_dimensions}
        if len(axes) == 1:
            axis = axes.pop()
            work.spatial_extent(axis)  # raises on a dimension the layer does not have
            grouped[axis] = grouped.get(axis, 1) * sub_clusters
        else:
            several.append(min(sub_clusters, max(work.spatial_extent(d) for d in axes)))
    return grouped, several


def max_usable_pes(work: LayerWork, num_pes: int, subspace: SpatialSubspace | None = None) -> int:
    """The most PEs that can compute distinct MACs at once: P, or for a spatial subspace
    `Π_v min(E_v, Π_{levels mapping only v} N_j) · Π_{levels mapping several} min(N_j, max E_v)`.

    Level j splits its spatial dimension over N_j sub-clusters (docs/model.md, Cluster levels; Per-level tables).
    A sub-cluster whose tile starts past the dimension's last element (for X and Y: its last window)
    holds nothing and computes no MAC (docs/model.md, Per-case volumes), so at most
    `min(N_j, E_v)` are busy. Levels that split the same dimension split one range: when tiles do not
    overlap (each offset equals its tile), busy sub-clusters along v own disjoint indices, so their
    product is at most E_v. A level with two SpatialMaps is capped by its larger extent. The result is at
    most P, and at least 1 (cluster sizes whose product exceeds P leave no valid mapping to bound).
    """
    if subspace is None:
        return num_pes
    grouped, several = _level_groups(work, num_pes, subspace)
    usable = prod(several)
    for axis, sub_clusters in grouped.items():
        usable *= min(sub_clusters, work.spatial_extent(axis))
    return max(1, min(usable, num_pes))


def effective_parallelism(work: LayerWork, num_pes: int, subspace: SpatialSubspace | None = None) -> Fraction:
    """MACs over the least MACs the busiest PE computes: `max_usable_pes` with, for each dimension v that
    splits the MACs evenly (`LayerWork.even_axes`), `min(E_v, N_v)` replaced by `E_v / ⌈E_v / N_v⌉`
    (N_v: the product of the sub-cluster counts of the levels mapping only v). Never above `max_usable_pes`.

    Granularity: N_v units along v share v's E_v indices, so one holds at least ⌈E_v / N_v⌉ of them. The
    first unit holds the most: in every fold of a SpatialMap it gets the fold's first tile, full unless
    it is the dimension's last (then alone in its fold), while the others get at most a full tile per fold
    (docs/model.md, Iteration states and cases). Below a level that splits v over N_1, a lower level
    splitting each of the first unit's tiles (sizes t_i, Σ t_i >= ⌈E_v / N_1⌉) over N_2 gives its first
    unit Σ ⌈t_i / N_2⌉ >= ⌈⌈E_v / N_1⌉ / N_2⌉ = ⌈E_v / (N_1·N_2)⌉; temporal tiles in between only add
    terms to that sum. Levels on other dimensions are independent, so the PE first along every spatial
    dimension holds that many indices of each, and computes every MAC whose indices it holds (every MAC
    is computed, each by the PE its indices map to): with v's indices each carrying MACs / E_v, that is
    MACs · Π_v ⌈E_v / N_v⌉ / E_v (levels with several SpatialMaps keep their cap). A step lasts at least
    the computation of the sub-cluster holding that PE's tile (`compute_bound_cycles`), so the runtime is
    at least that PE's MACs over its SIMD lanes. Compatibility mode has no even axes: there it equals
    `max_usable_pes`.
    """
    if subspace is None:
        return Fraction(num_pes)
    grouped, several = _level_groups(work, num_pes, subspace)
    if min(subspace.sub_clusters(num_pes)) < 1:  # cluster sizes whose product exceeds P: no valid mapping
        return Fraction(1)
    axes = sorted(grouped)
    busy, held = axis_parallelism(work, axes, np.array([[grouped[axis] for axis in axes]], dtype=object))
    return max(Fraction(1), min(Fraction(int(busy[0]) * prod(several), int(held[0])), Fraction(num_pes)))


def axis_parallelism(work: LayerWork, axes: Sequence[str], sub_clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of per-dimension sub-cluster counts N_v (columns `axes`) to `effective_parallelism`'s product
    over those dimensions, as integers `busy / held`: `E_v / ⌈E_v / N_v⌉` for `even_axes`, `min(N_v, E_v)`
    for the others (a count of 1 contributes 1/1). Integer arithmetic in the array's dtype: int64 when the
    extents' product fits, Python integers (dtype object) otherwise."""
    rows = sub_clusters.shape[0]
    busy = np.ones(rows, dtype=sub_clusters.dtype)
    held = np.ones(rows, dtype=sub_clusters.dtype)
    for column, axis in enumerate(axes):
        counts = np.maximum(sub_clusters[:, column], 1)
        extent = work.spatial_extent(axis)
        if axis in work.even_axes:
            split = counts > 1
            busy = busy * np.where(split, extent, 1)
            held = held * np.where(split, -(-extent // counts), 1)
        else:
            busy = busy * np.minimum(counts, extent)
    return busy, held


def compute_bound_cycles(work: LayerWork, accelerator: Accelerator, usable_pes: int | Fraction) -> int:
    """⌈MACs / (usable PEs · SIMD lanes)⌉: every MAC is computed by some busy PE in some step.

    A step's computation delay is its longest sub-level run, at the innermost level ⌈critical-path partial
    sums / SIMD⌉, the partial sums of one sub-cluster (docs/model.md, Sub-cluster recursion; Per-case volumes),
    and a step lasts at least that (docs/model.md, Runtime): `max(in, comp, eg)`, or `comp + in` with `in >= 0`.
    The MACs of a step are spread over at most `usable_pes` PEs, so the busiest one does at least their
    share; summed over steps the runtime is at least the layer's MACs over usable PEs · SIMD lanes.
    """
    usable = Fraction(usable_pes)
    return ceil_div(work.macs * usable.denominator, usable.numerator * accelerator.simd_lanes)


def noc_bound_cycles(work: LayerWork, accelerator: Accelerator) -> int:
    """⌈(touched inputs + filter) / B⌉ when the NoC latency L >= 1, half that when L = 0 (default mode).

    A top-level step moving x operand elements has an ingress delay `L + ⌈x/B⌉ − 1`, 0 when x = 0
    (docs/model.md, NoC delay); its computation delay is at least 1 (a valid step computes a MAC), and the
    step lasts at least both (docs/model.md, Runtime), the first step `comp + in`. With L >= 1 the step
    is at least ⌈x/B⌉; with L = 0 at least `max(⌈x/B⌉ − 1, 1) >= ⌈x/B⌉ / 2`. Summed over steps, the x
    add up to the operands' L2 reads, at least the touched inputs and the whole filter.
    """
    traffic = work.input_touched_elems + work.filter_elems
    bandwidth = accelerator.noc_bandwidth_elems_per_cycle
    return ceil_div(traffic, bandwidth) if accelerator.noc_latency_cycles >= 1 else ceil_div(traffic, 2 * bandwidth)


def offchip_bound_cycles(work: LayerWork, accelerator: Accelerator) -> int:
    """⌈max(touched inputs + filter, outputs) / (2 · B_off)⌉ (default mode).

    Each top-level step lasts at least `(Q ÷ B_off) ÷ 2` for Q the operands' and the output's L2
    requirements, twice the first step's spatial ingress and egress (docs/model.md, Runtime; Counts and buffer sizes).
    The first step, all directives in their Init state, moves whole tiles to every sub-cluster it uses;
    no later step moves more (edge tiles are smaller, edge folds use fewer sub-clusters). So each step
    lasts at least ⌊x/B_off⌋ for its own traffic x, and at least 1 (its computation): together at least
    x / (2·B_off). Summed, the x are the operands' L2 reads and the output's L2 writes.
    """
    traffic = max(work.input_touched_elems + work.filter_elems, work.computed_output_elems)
    return ceil_div(traffic, 2 * accelerator.offchip_bandwidth_elems_per_cycle)


def runtime_lower_bound_cycles(
    work: LayerWork,
    accelerator: Accelerator,
    compat: str | None,
    subspace: SpatialSubspace | None = None,
    divisor_tiles: bool = False,
) -> int:
    """The largest of the compute, NoC and off-chip bounds (every step lasts at least its computation and
    its transfers, so the runtime is at least each sum); `subspace` narrows the usable PEs.

    Compatibility mode keeps only the compute bound, and only for equal tiles (`divisor_tiles`, here or
    in `subspace`). MAESTRO sizes a sub-level's work from its static tables even when it receives a
    smaller edge tile (docs/model.md, Sub-cluster recursion), so with edge tiles its runtime can fall below
    MACs / PEs with every MAC counted (tests/mapper/test_bounds.py shows one); and its edge states can
    load fewer operands than the layer has, so no traffic bound holds. Equal tiles hand every sub-level
    the tile its tables were made for; that the compute bound then holds is checked by the property
    tests, not derived for every MAESTRO quirk.
    """
    equal_tiles = divisor_tiles or (subspace is not None and subspace.divisor_tiles)
    return runtime_bound_at_parallelism(work, accelerator, compat, effective_parallelism(work, accelerator.num_pes, subspace), equal_tiles)


def runtime_bound_at_parallelism(work: LayerWork, accelerator: Accelerator, compat: str | None, parallelism: Fraction, equal_tiles: bool) -> int:
    """`runtime_lower_bound_cycles` for a subspace of the given `effective_parallelism` (in compatibility
    mode, where `even_axes` is empty, that is `max_usable_pes`), `equal_tiles` as `divisor_tiles`."""
    if compat == "maestro":
        return compute_bound_cycles(work, accelerator, parallelism) if equal_tiles else 0
    return max(compute_bound_cycles(work, accelerator, parallelism), noc_bound_cycles(work, accelerator), offchip_bound_cycles(work, accelerator))


def energy_lower_bound_nj(work: LayerWork, compat: str | None, energy_table: EnergyTable | None = None, *, spill: bool = False) -> float:
    """The least `energy_nj` any mapping reports (docs/model.md, Energy).

    Default mode: `energy = (l2 · Σ L2 accesses + l1 · Σ L1 accesses + mac · MACs + noc · transfers + dram ·
    DRAM accesses) / 1000`, the transfers being the operands' L1 writes and the output's L2 writes, the DRAM
    accesses the operands' L2 writes and the output's L2 reads (both exact below). Every mapping
    writes each operand to L2 once and reads the whole output once (exact), reads each touched input and
    every filter element at least once and writes every output at least once; the L1 counts are one
    read per MAC per operand, one read and one write per MAC of the output, and the operands' L1 writes
    equal their L2 reads (Counts and buffer sizes): `Σ L1 >= 4·MACs + touched inputs + filter`.

    Compatibility mode (MAESTRO's CSV formula) counts only the operands' L2 writes, exact for every
    mapping: MAESTRO's edge states can read fewer operands than the layer has, its skipped cases add zero
    or negative outputs to the output's L2 writes and L1 counts (docs/model.md, Per-case volumes), and a
    clustered mapping is charged the previous layer's L1 accesses. The operand reads are never negative,
    but the output's L2 writes can be: that they never outweigh the reads is checked by the property
    tests, not derived.

    `spill`: the mappings covered may overflow L2 (its capacity is not enforced), so a tensor may bypass it
    (docs/energy.md): its L2 accesses vanish and its DRAM traffic is the larger of its reads and writes.
    Each tensor is then priced at the lesser of held and bypassed.
    """
    if compat == "maestro":
        return MAESTRO_MAC_ENERGY_NJ * MAESTRO_L2_ACCESS_PER_MAC * (work.input_elems + work.filter_elems)
    table = energy_table or MAESTRO_ENERGY
    operand_reads = work.input_touched_elems + work.filter_elems
    l2_accesses = work.input_elems + work.filter_elems + operand_reads + work.computed_output_elems + work.output_elems
    l1_accesses = 4 * work.macs + operand_reads
    noc_transfers = operand_reads + work.computed_output_elems  # operands' L1 writes (= their L2 reads) + output's L2 writes
    dram_accesses = work.input_elems + work.filter_elems + work.output_elems  # fills and drain: exact
    l2_pj = table.l2_access_pj * l2_accesses
    if spill:  # held: the L2 accesses above; bypassed: none, and DRAM traffic max(reads, writes) per tensor
        output_extra_dram = max(work.computed_output_elems - work.output_elems, 0)
        l2_pj = min(table.l2_access_pj * (work.computed_output_elems + work.output_elems), table.dram_access_pj * output_extra_dram)
    pj = l2_pj + table.l1_access_pj * l1_accesses + table.mac_pj * work.macs
    return (pj + table.noc_transfer_pj * noc_transfers + table.dram_access_pj * dram_accesses) / PJ_PER_NJ


@dataclass(frozen=True)
class LowerBound:
    """Lower bounds on what `analyze_layer` reports for every mapping covered: runtime, energy, hence EDP."""

    runtime_cycles: int
    energy_nj: float

    @property
    def edp_nj_cycles(self) -> float:
        """The energy-delay product's bound: both factors are non-negative bounds, so their product is one."""
        return self.runtime_cycles * self.energy_nj


def layer_lower_bound(
    layer: Layer,
    accelerator: Accelerator,
    *,
    compat: str | None,
    energy_table: EnergyTable | None = None,
    divisor_tiles: bool = False,
    spill: bool = False,
) -> LowerBound:
    """Bounds over every mapping of `layer` on `accelerator` (all P PEs usable); `divisor_tiles` as in
    `SpatialSubspace`: the space holds only mappings with equal tiles; `spill` as in `energy_lower_bound_nj`."""
    work = layer_work(layer, compat)
    return LowerBound(
        runtime_lower_bound_cycles(work, accelerator, compat, None, divisor_tiles), energy_lower_bound_nj(work, compat, energy_table, spill=spill)
    )


def subspace_lower_bound(
    layer: Layer,
    accelerator: Accelerator,
    subspace: SpatialSubspace,
    *,
    compat: str | None,
    energy_table: EnergyTable | None = None,
    spill: bool = False,
) -> LowerBound:
    """Bounds over the mappings of one spatial subspace; never below `layer_lower_bound` (fewer usable PEs)."""
    work = layer_work(layer, compat)
    return LowerBound(
        runtime_lower_bound_cycles(work, accelerator, compat, subspace), energy_lower_bound_nj(work, compat, energy_table, spill=spill)
    )
