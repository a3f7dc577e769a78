// mapscope example: a 256-PE edge inference accelerator, in MAESTRO's hardware-file format.
// The same accelerator in mapscope's YAML form: accelerator_256pe.yaml.
//
// Units as MAESTRO counts them: sizes in tensor elements, bandwidths in elements per cycle. The byte
// figures below assume 16-bit elements and a 1 GHz clock.
//
// num_pes 256: a 16x16 array of single-MAC PEs, the size class of edge accelerators (Eyeriss has 168).
//   It is a multiple of 64 and of 8, as the shipped kcp_ws (Cluster(64)) and yxp_os (Cluster(8))
//   mappings need.
// l1_size_cstr 512: a 512-element (1 KiB) buffer per PE, about twice Eyeriss's per-PE scratchpads
//   (260 16-bit words). The shipped dataflows need about 6 R S elements per PE (double-buffered input
//   window, filter window and output), 294 for a 7x7 filter.
// l2_size_cstr 524288: a 1 MiB shared global buffer, between Eyeriss's 108 KiB and the many-MiB
//   buffers of larger edge NPUs.
// noc_bw_cstr 64: a 1024-bit distribution bus, 64 elements per cycle: one element per cycle to each
//   PE of a 64-PE cluster, or to a quarter of the array.
// offchip_bw_cstr 16: 32 bytes per cycle, i.e. 32 GB/s at 1 GHz, about one 64-bit LPDDR4X interface.
// NoC_NumHops 1: MAESTRO reads this key as the NoC head latency in cycles; one cycle for a
//   pipelined bus.
// MAESTRO uses the two capacities only for warnings; they never change the computed costs.

num_pes: 256
l1_size_cstr: 512
l2_size_cstr: 524288
noc_bw_cstr: 64
offchip_bw_cstr: 16
NoC_NumHops: 1
