"""The one statistics schema every engine returns: a record per layer and network totals.

`LayerStats`' fields, in their order, are the columns of every per-layer output: the JSON `layers`
entries, the default CSV, `NetworkStats.to_dataframe()` and Parquet (docs/schema.md lists them all).
Field names carry units: `_cycles`, `_elems` (tensor elements; MAESTRO calls them bytes), `_nj`,
`_pj`, `_um2`, `_mw`, `_elems_per_cycle`. Tensor-specific fields are prefixed `input_`, `filter_`, `output_`.

The layer's shape is in `dim_<d>` (a count of elements along dimension d, for every layer type; 1 where
the layer has no such dimension) and `stride_y`/`stride_x`. The letters are MAESTRO's: N batch (for a
GEMM, the output's columns), G groups, K output channels, C input channels, M a GEMM's output rows, R/S
the filter's rows/columns, Y/X the input's rows/columns; `dim_y_out`/`dim_x_out` are the output rows and
columns (MAESTRO's Y'/X'). Y, X, Y' and X' are the ones the analysis used: a layer declaring Y' gets Y
from it and the other way round, the stride applied in the default mode and ignored in compat mode, as
MAESTRO does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, get_type_hints

if TYPE_CHECKING:  # the accelerator a result was computed on; hardware sits below this schema's users
    from mapscope.hardware.accelerator import Accelerator
    from mapscope.hardware.energy import EnergyTable

TENSORS = ("input", "filter", "output")
#: The layer's dimension letters, in the order of their `dim_` fields; Y'/X' are `dim_y_out`/`dim_x_out`.
SHAPE_DIMENSIONS = ("N", "G", "K", "C", "M", "R", "S", "Y", "X", "Y'", "X'")


def shape_field(dimension: str) -> str:
    """The `LayerStats` field of a dimension letter: "K" -> "dim_k", "Y'" -> "dim_y_out"."""
    return "dim_" + dimension.lower().replace("'", "_out")


@dataclass(frozen=True)
class LayerStats:
    """Everything MAESTRO reports for one layer (its CSV columns and its console report)."""

    network: str
    layer: str
    layer_type: str

    dim_n: int
    dim_g: int
    dim_k: int
    dim_c: int
    dim_m: int
    dim_r: int
    dim_s: int
    dim_y: int
    dim_x: int
    dim_y_out: int
    dim_x_out: int
    stride_y: int
    stride_x: int

    num_pes: int
    simd_lanes: int

    macs: int
    runtime_cycles: int
    throughput_macs_per_cycle: float

    energy_nj: float  # compat: MAESTRO's CSV formula (quirks included); default: the five components below, in nJ
    # each component = its count x its per-access energy (docs/energy.md); compat prices MAC, NoC and DRAM at 0
    mac_energy_pj: float  # count: macs
    l1_access_elems: int  # L1 reads + writes of every tensor (compat: what MAESTRO's formula counts)
    l1_energy_pj: float
    l2_access_elems: int  # L2 reads + writes of every tensor (compat: MAESTRO's CSV set)
    l2_energy_pj: float
    noc_transfer_elems: int  # elements carried once between L2 and the PEs: operands' L1 writes + output's L2 writes
    noc_energy_pj: float
    dram_read_elems: int  # the operands' L2 fills
    dram_write_elems: int  # the output's L2 drain
    dram_energy_pj: float
    console_energy_mac_units: float  # MAESTRO's console "Total energy consumption" (in units of one MAC)
    throughput_per_energy_gmacs_per_s_j: float
    ops_per_joule: float

    area_um2: float
    power_mw: float
    pe_power_mw: float
    l1_power_mw: float
    l2_power_mw: float
    noc_power_mw: float

    peak_noc_bw_elems_per_cycle: int
    avg_noc_bw_elems_per_cycle: float
    offchip_bw_req_elems_per_cycle: int

    l2_size_req_elems: int
    l1_size_req_elems: int
    multicast_factor_weight: float
    multicast_factor_input: float
    input_tensor_elems: int
    filter_tensor_elems: int

    input_l2_size_req_elems: int
    input_l1_size_req_elems: int
    input_l1_read_elems: int
    input_l1_write_elems: int
    input_l2_read_elems: int
    input_l2_write_elems: int
    input_reuse_factor: float

    filter_l2_size_req_elems: int
    filter_l1_size_req_elems: int
    filter_l1_read_elems: int
    filter_l1_write_elems: int
    filter_l2_read_elems: int
    filter_l2_write_elems: int
    filter_reuse_factor: float

    output_l2_size_req_elems: int
    output_l1_size_req_elems: int
    output_l1_read_elems: int
    output_l1_write_elems: int
    output_l2_read_elems: int
    output_l2_write_elems: int
    output_reuse_factor: float

    ingress_delay_min_cycles: int
    ingress_delay_max_cycles: int
    ingress_delay_avg_cycles: int
    egress_delay_min_cycles: int
    egress_delay_max_cycles: int
    egress_delay_avg_cycles: int
    compute_delay_min_cycles: int
    compute_delay_max_cycles: int
    compute_delay_avg_cycles: int

    avg_utilized_pes: float
    arithmetic_intensity_macs_per_elem: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def field_types(cls) -> dict[str, type]:
        """Each field's Python type (str, int or float), in field order: the column types of every table."""
        hints = get_type_hints(cls)
        return {name: hints[name] for name in cls.field_names()}


#: The energy components of a layer and their counts, each summed into the network totals.
ENERGY_FIELDS = (
    "energy_nj",
    "mac_energy_pj",
    "l1_access_elems",
    "l1_energy_pj",
    "l2_access_elems",
    "l2_energy_pj",
    "noc_transfer_elems",
    "noc_energy_pj",
    "dram_read_elems",
    "dram_write_elems",
    "dram_energy_pj",
    "console_energy_mac_units",
)


@dataclass(frozen=True)
class NetworkStats:
    """Per-layer statistics of one network on one accelerator, with totals and capacity warnings.

    `mapscope.analyze` also fills in what the result document says besides the numbers: the `accelerator`,
    the `source` it read, the lowering document of a model mapped with a template (`workload`) and the
    `notes` on the way. The engine records the per-access energies it priced the components with
    (`energy_table`). They do not take part in equality: two runs with the same numbers are equal.
    """

    network: str
    compat: str | None  # "maestro" for MAESTRO-compatible numbers, None for the corrected default
    layers: tuple[LayerStats, ...]
    warnings: tuple[str, ...] = ()
    accelerator: Accelerator | None = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)
    workload: Mapping[str, Any] | None = field(default=None, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)
    energy_table: EnergyTable | None = field(default=None, compare=False)

    @property
    def runtime_cycles(self) -> int:
        return sum(s.runtime_cycles for s in self.layers)

    @property
    def macs(self) -> int:
        return sum(s.macs for s in self.layers)

    @property
    def energy_nj(self) -> float:
        return sum(s.energy_nj for s in self.layers)

    @property
    def max_l1_size_req_elems(self) -> int:
        return max((s.l1_size_req_elems for s in self.layers), default=0)

    @property
    def max_l2_size_req_elems(self) -> int:
        return max((s.l2_size_req_elems for s in self.layers), default=0)

    @property
    def total_l1_size_req_elems(self) -> int:
        """MAESTRO's "Model-wise total L1 size usage": the sum over layers."""
        return sum(s.l1_size_req_elems for s in self.layers)

    @property
    def total_l2_size_req_elems(self) -> int:
        return sum(s.l2_size_req_elems for s in self.layers)

    @property
    def max_peak_noc_bw_elems_per_cycle(self) -> int:
        return max((s.peak_noc_bw_elems_per_cycle for s in self.layers), default=0)

    @property
    def max_offchip_bw_req_elems_per_cycle(self) -> int:
        return max((s.offchip_bw_req_elems_per_cycle for s in self.layers), default=0)

    def totals(self) -> dict[str, float | int]:
        """Network totals, for tables and JSON: sums, each energy component included, and the largest needs."""
        return {
            "layers": len(self.layers),
            "macs": self.macs,
            "runtime_cycles": self.runtime_cycles,
            **{name: sum(getattr(s, name) for s in self.layers) for name in ENERGY_FIELDS},
            "throughput_macs_per_cycle": self.macs / self.runtime_cycles if self.runtime_cycles else 0.0,
            "max_l1_size_req_elems": self.max_l1_size_req_elems,
            "max_l2_size_req_elems": self.max_l2_size_req_elems,
            "total_l1_size_req_elems": self.total_l1_size_req_elems,
            "total_l2_size_req_elems": self.total_l2_size_req_elems,
            "max_peak_noc_bw_elems_per_cycle": self.max_peak_noc_bw_elems_per_cycle,
            "max_offchip_bw_req_elems_per_cycle": self.max_offchip_bw_req_elems_per_cycle,
        }

    def to_dataframe(self) -> Any:
        """One row per layer as a pandas DataFrame (needs the optional `pandas` extra): the `LayerStats`
        fields as columns, in order, typed int64, float64 or object (text), even with no layer."""
        try:
            import pandas as pd
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe() needs pandas: pip install 'mapscope[pandas]'") from error
        dtypes = {str: "object", int: "int64", float: "float64"}
        columns = LayerStats.field_types()
        frame = pd.DataFrame([s.as_dict() for s in self.layers], columns=list(columns))
        return frame.astype({name: dtypes[kind] for name, kind in columns.items()})


@dataclass(frozen=True)
class SystolicGemmStats:
    """One GEMM on one systolic machine. Names shared with LayerStats mean the same thing; `input_` is
    the GEMM's A operand, `filter_` its B operand (SCALE-Sim's ifmap/filter), `l2` the on-chip buffers
    and `l1` the PE registers; the rest are the systolic model's own (docs/flexsa.md)."""

    network: str
    layer: str
    training_pass: str
    machine: str
    epoch: int
    m: int
    n: int
    k: int
    count: int
    num_pes: int

    macs: int
    runtime_cycles: int
    throughput_macs_per_cycle: float
    utilization: float
    avg_utilized_pes: float
    passes: int

    energy_nj: float
    mac_energy_nj: float
    l1_energy_nj: float  # PE-to-PE forwards
    l2_energy_nj: float  # input, weight and output buffers
    dram_energy_nj: float

    input_l2_read_elems: int
    filter_l2_read_elems: int
    output_l2_read_elems: int
    output_l2_write_elems: int
    input_offchip_read_elems: int
    filter_offchip_read_elems: int
    output_offchip_read_elems: int
    output_offchip_write_elems: int
    pe_forwards: int
    onchip_reuse_macs_per_access: float

    fw_macs: int
    vsw_macs: int
    hsw_macs: int
    isw_macs: int
    transposed: bool
    plan: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))
