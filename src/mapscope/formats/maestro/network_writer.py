"""Write a network in MAESTRO's `.m` syntax: a model file (no dataflows) or a mapping file (with them).

The text reads back with `read_mapping_file` to the same layers and dataflows, and MAESTRO itself reads
it. Names are made MAESTRO-safe (its tokenizer splits on ``,->():;`` and spaces and ``//`` starts a
comment); what the conversion changed is written as ``//`` comments above each layer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from mapscope.formats.atomic_file import write_text_atomically
from mapscope.mapping.mapped_network import MappedLayer, MappedNetwork

_UNSAFE = re.compile(r"[\s,\->():;{}/]+")
#: Words the reader takes for the next block, not for a name: a layer or network so named gets a '_'.
_KEYWORDS = frozenset({"Layer", "Network", "Constant", "Type", "Stride", "Dimensions", "Dataflow"})


def maestro_name(name: str) -> str:
    """`name` with every character MAESTRO would split on, or brace or slash, replaced by '_'."""
    safe = _UNSAFE.sub("_", name).strip("_") or "unnamed"
    return safe + "_" if safe in _KEYWORDS else safe


def _pairs(pairs: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{name}: {value}" for name, value in pairs)


def _layer_text(mapped: MappedLayer, comment: str | None) -> list[str]:
    layer = mapped.layer
    lines = [f"\tLayer {maestro_name(layer.name)} {{"]
    if comment:
        lines += [f"\t\t// {line}" for line in comment.splitlines()]
    lines.append(f"\t\tType: {layer.type}")
    strides = tuple((axis, layer.stride(axis)) for axis in ("X", "Y"))
    lines.append(f"\t\tStride {{ {_pairs(strides)} }}")
    lines.append(f"\t\tDimensions {{ {_pairs(layer.dimensions)} }}")
    if mapped.dataflow:
        lines.append("\t\tDataflow {")
        lines += [f"\t\t\t{directive};" for directive in mapped.dataflow]
        lines.append("\t\t}")
    lines.append("\t}")
    return lines


def maestro_network_text(network: MappedNetwork, comments: Mapping[str, str] | None = None, header: str | None = None) -> str:
    """The `.m` text of `network`; `comments` maps layer names to notes written above those layers."""
    comments = comments or {}
    lines = [f"// {line}" for line in (header or "").splitlines()]
    lines.append(f"Network {maestro_name(network.name)} {{")
    for mapped in network.layers:
        lines += _layer_text(mapped, comments.get(mapped.layer.name))
        lines.append("")
    if lines[-1] == "":
        lines.pop()
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_maestro_network(
    network: MappedNetwork,
    path: str | os.PathLike[str],
    comments: Mapping[str, str] | None = None,
    header: str | None = None,
) -> None:
    """Write `network` to `path` as a `.m` file, atomically (nothing half-written on failure)."""
    write_text_atomically(path, maestro_network_text(network, comments, header))
