"""Analysis results as one deterministic JSON document (no timestamps), written atomically.

Keys are sorted, except in each `layers` entry: those are the `LayerStats` fields in field order, the
same columns in the same order as the per-layer CSV, DataFrame and Parquet table.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mapscope.formats.atomic_file import write_text_atomically
from mapscope.hardware.accelerator import Accelerator
from mapscope.stats import NetworkStats

#: Version of the document layout below; bump it when a key changes meaning or disappears.
JSON_SCHEMA_VERSION = 2  # 2: per-component energies in pJ with their counts (mac/l1/l2_energy_nj are gone)


def _plain(value: Any) -> Any:
    """`value` made JSON-ready: numpy scalars as Python numbers, paths as text, NaN/inf as null (invalid JSON)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def network_stats_document(
    stats: NetworkStats,
    *,
    accelerator: Accelerator | None = None,
    source: str | os.PathLike[str] | None = None,
    workload: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document as a dict: network, mode, accelerator, per-layer stats, totals and warnings, and
    for a lowered model (`workload`) the template and each operator's layers and notes.

    `accelerator`, `source` and `workload` default to those `stats` carries (as `mapscope.analyze` fills them in).
    """
    accelerator = accelerator if accelerator is not None else stats.accelerator
    if accelerator is None:
        raise ValueError("the JSON document needs the accelerator: give it, or stats that carry one")
    source = source if source is not None else stats.source
    workload = workload if workload is not None else stats.workload
    extra = {} if workload is None else {"workload": workload}
    return _plain(
        {
            **extra,
            "schema_version": JSON_SCHEMA_VERSION,
            "network": stats.network,
            "mode": stats.compat or "default",
            "source": source,
            "accelerator": accelerator.as_dict(),
            "layers": [layer.as_dict() for layer in stats.layers],
            "totals": stats.totals(),
            "warnings": list(stats.warnings),
        }
    )


def _sorted_keys(value: Any) -> Any:
    """`value` with the keys of every dict sorted, at every depth."""
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def format_json(
    stats: NetworkStats,
    *,
    accelerator: Accelerator | None = None,
    source: str | os.PathLike[str] | None = None,
    workload: Mapping[str, Any] | None = None,
) -> str:
    """The JSON text: sorted keys (each layer's in field order), two-space indent, a final newline; same
    inputs give the same bytes."""
    document = network_stats_document(stats, accelerator=accelerator, source=source, workload=workload)
    ordered = _sorted_keys(document)
    ordered["layers"] = document["layers"]  # same place among the sorted keys, each layer in field order
    return json.dumps(ordered, indent=2, allow_nan=False) + "\n"


def write_json(
    stats: NetworkStats,
    path: str | os.PathLike[str],
    *,
    accelerator: Accelerator | None = None,
    source: str | os.PathLike[str] | None = None,
    workload: Mapping[str, Any] | None = None,
) -> None:
    """Write the results of one analysis to `path` (replacing it) as JSON; see `network_stats_document`."""
    write_text_atomically(Path(path), format_json(stats, accelerator=accelerator, source=source, workload=workload))


def format_json_document(document: Mapping[str, Any]) -> str:
    """Any result document as JSON text the way `format_json` writes it: plain values, sorted keys, final newline."""
    return json.dumps(_plain(document), sort_keys=True, indent=2, allow_nan=False) + "\n"


def write_json_document(document: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write `document` to `path` (replacing it) atomically; see `format_json_document`."""
    write_text_atomically(Path(path), format_json_document(document))
