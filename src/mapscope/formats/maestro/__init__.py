"""MAESTRO's own files: `.m` mappings and hardware, its tokenizer, its per-layer CSV, and `.m` writing."""
