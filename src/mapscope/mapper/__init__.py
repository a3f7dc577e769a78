"""Per-layer mapping spaces, lower bounds, and certified and heuristic mapping search."""
