"""Cycle-level reference simulator of the systolic machines of docs/flexsa.md (the analytical model's ground truth).

Every PE has registers; operands move one PE per clock tick as (value, valid) tokens, the MACs are real,
and every buffer access and PE-to-PE move is counted as it happens. Meant for small arrays and GEMMs.

The simulator is split by what it models: `buffers` (tokens, tallies, buffers and the counts),
`weight_stationary` (the machines and modes of the FlexSA study, `simulate_plan`) and `output_stationary`
(one array in the os dataflow, `simulate_output_stationary`).
"""

from mapscope.systolic.simulator.buffers import SimulationCounts
from mapscope.systolic.simulator.output_stationary import simulate_output_stationary
from mapscope.systolic.simulator.weight_stationary import simulate_plan

__all__ = ["SimulationCounts", "simulate_output_stationary", "simulate_plan"]
