"""Batched mapping evaluation: many mappings of one layer in one call, equal to analyze_layer on each."""

from mapscope.analysis.batch.mapping_batch import MappingBatch, mapping_batches, skeleton_of, stacked_batches, template_batches
from mapscope.analysis.batch.mapping_stats import MappingStats, evaluate_mappings

__all__ = ["MappingBatch", "MappingStats", "evaluate_mappings", "mapping_batches", "skeleton_of", "stacked_batches", "template_batches"]
