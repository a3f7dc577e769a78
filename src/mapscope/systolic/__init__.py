"""Systolic-array cost models: one array (SCALE-Sim's conventions), naive splitting, and FlexSA."""
