"""Pruning trajectories in CSV or YAML files, so users can replay the channel counts of their own runs.

CSV (``.csv``): a header ``epoch,layer,in_channels,out_channels`` and one row per (epoch, layer)::

    # network: resnet50          (optional; checked against the network when given)
    # total_epochs: 90           (required: how long the last entry lasts cannot be guessed)
    epoch,layer,in_channels,out_channels
    0,conv1,3,64
    5,conv1,3,57

YAML (``.yaml``/``.yml``)::

    network: resnet50
    total_epochs: 90
    epochs:
      - {epoch: 0, layers: {conv1: [3, 64]}}
      - {epoch: 5, layers: {conv1: [3, 57], layer1.0.conv1: [57, 60]}}

In both, an epoch lists only the layers that changed: the others keep the previous entry's counts (the
dense network's at epoch 0), and epoch 0 must be present. Optional ``synthetic`` (true/false) and
``description`` keys (CSV: ``# synthetic: true`` comment lines) are kept. Every problem is an InputError
located as ``FILE:LINE`` (CSV) or ``FILE:LINE: key.path`` (YAML).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

from mapscope.errors import InputError
from mapscope.formats.atomic_file import cannot_write, write_text_atomically
from mapscope.formats.documents import Document
from mapscope.formats.maestro.tokens import read_text_file
from mapscope.limits import MAX_CSV_FIELD_CHARS, integer_from_digits, quoted
from mapscope.workload.cnn import CNN
from mapscope.workload.pruning import LayerChannels, Trajectory

CSV_SUFFIX = ".csv"
YAML_SUFFIXES = (".yaml", ".yml")
CSV_HEADER = ("epoch", "layer", "in_channels", "out_channels")

_COMMENT_KEY = re.compile(r"#\s*(network|total_epochs|synthetic|description)\s*:\s*(.*?)\s*$")
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class _Row:
    """One (epoch, layer) count as read, with the place it came from (for error messages)."""

    epoch: int
    layer: str
    in_channels: int
    out_channels: int
    where: str


def read_trajectory(path: str | PathLike[str], cnn: CNN) -> Trajectory:
    """Read a trajectory of `cnn` from a CSV or YAML file (by suffix), every layer resolved at every epoch."""
    suffix = _suffix(path)
    text = read_text_file(path)
    if suffix == CSV_SUFFIX:
        return _read_csv(text, str(path), cnn)
    return _read_yaml(text, str(path), cnn)


def write_trajectory(trajectory: Trajectory, path: str | PathLike[str]) -> None:
    """Write `trajectory` as CSV or YAML (by suffix), atomically; later epochs list only changed layers."""
    suffix = _suffix(path)
    text = _csv_text(trajectory) if suffix == CSV_SUFFIX else _yaml_text(trajectory)
    try:
        write_text_atomically(path, text)
    except OSError as error:
        raise cannot_write(path, error) from None


def _suffix(path: str | PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix != CSV_SUFFIX and suffix not in YAML_SUFFIXES:
        accepted = ", ".join((CSV_SUFFIX, *YAML_SUFFIXES))
        raise InputError(f"cannot tell the format of trajectory file {path}: expected a file ending in {accepted}")
    return suffix


# ---- resolving rows into a trajectory -------------------------------------------------------------------
def _resolve(
    epochs_listed: list[tuple[int, str]],
    rows: list[_Row],
    cnn: CNN,
    network: str | None,
    total_epochs: int,
    synthetic: bool,
    description: str,
    path: str,
) -> Trajectory:
    """Check the rows against `cnn` (each error at its row) and fill in unchanged layers epoch by epoch.

    `epochs_listed` holds every (epoch, where) of the file, including epochs that list no layer.
    """
    if network is not None and network != cnn.name:
        raise InputError(f"the trajectory is for network {quoted(network)}, not {cnn.name!r}", path)
    dense = {layer.name: (layer.in_channels, layer.out_channels) for layer in cnn.layers}
    by_epoch: dict[int, dict[str, tuple[int, int]]] = {}
    for epoch, where in epochs_listed:
        if epoch < 0 or epoch >= total_epochs:
            raise InputError(f"epoch {epoch} is outside 0..{total_epochs - 1} (total_epochs = {total_epochs})", where)
        by_epoch.setdefault(epoch, {})
    for row in rows:
        if row.layer not in dense:
            raise InputError(f"unknown layer {quoted(row.layer)} at epoch {row.epoch} (network {cnn.name})", row.where)
        limits = dense[row.layer]
        for label, value, limit in (("in_channels", row.in_channels, limits[0]), ("out_channels", row.out_channels, limits[1])):
            if value <= 0:
                raise InputError(f"{label} must be positive, found {value}", row.where)
            if value > limit:
                raise InputError(f"{label} = {value} of layer {quoted(row.layer)} is above the dense count {limit}", row.where)
        entry = by_epoch[row.epoch]
        if row.layer in entry:
            raise InputError(f"layer {quoted(row.layer)} is given twice for epoch {row.epoch}", row.where)
        entry[row.layer] = (row.in_channels, row.out_channels)
    epochs = sorted(by_epoch)
    if epochs[0] != 0:
        raise InputError(f"the first entry must be at epoch 0, found epoch {epochs[0]}", path)
    current = dict(dense)
    channels: list[tuple[LayerChannels, ...]] = []
    for epoch in epochs:
        current.update(by_epoch[epoch])
        channels.append(tuple((name, c, k) for name, (c, k) in current.items()))
    return Trajectory(cnn.name, total_epochs, tuple(epochs), tuple(channels), synthetic, description)


def _changes(trajectory: Trajectory) -> list[tuple[int, list[LayerChannels]]]:
    """Per entry, the layers whose counts differ from the previous entry (all at the first entry).

    An entry with no change keeps its first layer, so that the epoch still appears in the file.
    """
    result: list[tuple[int, list[LayerChannels]]] = []
    previous: dict[str, tuple[int, int]] = {}
    for epoch, entry in zip(trajectory.epochs, trajectory.channels):
        changed = [item for item in entry if previous.get(item[0]) != (item[1], item[2])]
        result.append((epoch, changed or list(entry[:1])))
        previous = {name: (c, k) for name, c, k in entry}
    return result


# ---- CSV ------------------------------------------------------------------------------------------------
def _read_csv(text: str, path: str, cnn: CNN) -> Trajectory:
    settings: dict[str, tuple[str, str]] = {}  # key -> (value, where)
    header_seen = False
    rows: list[_Row] = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}:{number}"
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            setting = _COMMENT_KEY.match(stripped)
            if setting is not None:
                if setting.group(1) in settings:
                    raise InputError(f"'{setting.group(1)}' is given twice", where)
                settings[setting.group(1)] = (setting.group(2), where)
            continue
        fields = _csv_fields(stripped, where)
        if not header_seen:
            if tuple(fields) != CSV_HEADER:
                raise InputError(f"expected the header {','.join(CSV_HEADER)}, found {quoted(stripped)}", where)
            header_seen = True
            continue
        if len(fields) != len(CSV_HEADER):
            raise InputError(f"expected {len(CSV_HEADER)} fields ({','.join(CSV_HEADER)}), found {len(fields)}", where)
        epoch, in_channels, out_channels = (_csv_integer(fields[i], CSV_HEADER[i], where) for i in (0, 2, 3))
        rows.append(_Row(epoch, fields[1], in_channels, out_channels, where))
    if not header_seen:
        raise InputError(f"no header line {','.join(CSV_HEADER)}: the file has no data", path)
    if not rows:
        raise InputError("the trajectory is empty: no (epoch, layer) rows", path)
    if "total_epochs" not in settings:
        raise InputError("missing the '# total_epochs: N' line (how long the last entry lasts cannot be guessed)", path)
    total_text, total_where = settings["total_epochs"]
    total_epochs = _csv_integer(total_text, "total_epochs", total_where)
    if total_epochs < 1:
        raise InputError(f"total_epochs must be positive, found {total_epochs}", total_where)
    synthetic = False
    if "synthetic" in settings:
        value, setting_where = settings["synthetic"]
        if value.lower() not in ("true", "false"):
            raise InputError(f"synthetic must be true or false, found {quoted(value)}", setting_where)
        synthetic = value.lower() == "true"
    network = settings["network"][0] if "network" in settings else None
    description = settings["description"][0] if "description" in settings else ""
    epochs = [(row.epoch, row.where) for row in rows]
    return _resolve(epochs, rows, cnn, network, total_epochs, synthetic, description, path)


def _csv_fields(line: str, where: str) -> list[str]:
    """The stripped fields of one CSV line; a field over MAX_CSV_FIELD_CHARS or bad quoting is an InputError."""
    try:
        fields = next(csv.reader([line]))
    except csv.Error as error:  # the csv module's own limit (131,072 characters) or its quoting rules
        if len(line) > MAX_CSV_FIELD_CHARS:
            raise InputError(_FIELD_TOO_LONG, where) from None
        raise InputError(f"not valid CSV: {error}", where) from None
    if any(len(field) > MAX_CSV_FIELD_CHARS for field in fields):
        raise InputError(_FIELD_TOO_LONG, where)
    return [field.strip() for field in fields]


_FIELD_TOO_LONG = f"a field is longer than {MAX_CSV_FIELD_CHARS:,} characters"


def _csv_integer(text: str, label: str, where: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise InputError(f"{label} must be an integer, found {quoted(text)}", where)
    magnitude = integer_from_digits(text.lstrip("+-"), label, where)
    return -magnitude if text.startswith("-") else magnitude


def _csv_text(trajectory: Trajectory) -> str:
    lines = [f"# network: {trajectory.network}", f"# total_epochs: {trajectory.total_epochs}"]
    lines.append(f"# synthetic: {'true' if trajectory.synthetic else 'false'}")
    if trajectory.description:
        lines.append(f"# description: {' '.join(trajectory.description.split())}")
    lines.append(",".join(CSV_HEADER))
    for epoch, changed in _changes(trajectory):
        lines.extend(f"{epoch},{name},{c},{k}" for name, c, k in changed)
    return "\n".join(lines) + "\n"


# ---- YAML -----------------------------------------------------------------------------------------------
_YAML_KEYS = ("network", "total_epochs", "epochs", "synthetic", "description")
_EPOCH_KEYS = ("epoch", "layers")


def _read_yaml(text: str, path: str, cnn: CNN) -> Trajectory:
    document = Document(path, text)
    data = document.data
    if not isinstance(data, dict):
        found = "an empty document" if data is None else type(data).__name__
        raise InputError(f"expected a mapping with keys {', '.join(_YAML_KEYS)}, found {found}", path)
    for key in data:
        if key not in _YAML_KEYS:
            raise InputError(f"unknown key {quoted(key)}; accepted keys: {', '.join(_YAML_KEYS)}", document.where((str(key),)))
    for key in ("network", "total_epochs", "epochs"):
        if key not in data:
            raise InputError(f"required key {quoted(key)} is missing", path)
    network = _typed(data["network"], str, "a string", document, ("network",))
    total_epochs = _yaml_integer(data["total_epochs"], document, ("total_epochs",))
    if total_epochs < 1:
        raise InputError(f"total_epochs must be positive, found {total_epochs}", document.where(("total_epochs",)))
    synthetic = _typed(data.get("synthetic", False), bool, "true or false", document, ("synthetic",))
    description = _typed(data.get("description", ""), str, "a string", document, ("description",))
    entries = _typed(data["epochs"], list, "a list of {epoch, layers} mappings", document, ("epochs",))
    if not entries:
        raise InputError("the trajectory is empty: 'epochs' has no entry", document.where(("epochs",)))
    rows: list[_Row] = []
    seen_epochs: dict[int, str] = {}
    for index, entry in enumerate(entries):
        location: tuple[str | int, ...] = ("epochs", index)
        entry = _typed(entry, dict, "a mapping with keys epoch and layers", document, location)
        for key in entry:
            if key not in _EPOCH_KEYS:
                raise InputError(f"unknown key {quoted(key)}; accepted keys: {', '.join(_EPOCH_KEYS)}", document.where((*location, str(key))))
        if "epoch" not in entry:
            raise InputError("required key 'epoch' is missing", document.where(location))
        epoch = _yaml_integer(entry["epoch"], document, (*location, "epoch"))
        if epoch in seen_epochs:
            raise InputError(f"epoch {epoch} appears twice", document.where((*location, "epoch")))
        seen_epochs[epoch] = document.where((*location, "epoch"))
        layers_value = entry.get("layers")
        layers = _typed({} if layers_value is None else layers_value, dict, "a mapping of layer: [in_channels, out_channels]", document, (*location, "layers"))
        for name, counts in layers.items():
            layer_location = (*location, "layers", str(name))
            where = document.where(layer_location)
            if not isinstance(counts, list) or len(counts) != 2:
                raise InputError(f"expected [in_channels, out_channels], found {quoted(counts)}", where)
            in_channels = _yaml_integer(counts[0], document, (*layer_location, 0))
            out_channels = _yaml_integer(counts[1], document, (*layer_location, 1))
            rows.append(_Row(epoch, str(name), in_channels, out_channels, where))
    return _resolve(list(seen_epochs.items()), rows, cnn, network, total_epochs, synthetic, description, path)


def _typed(value: Any, kind: type, expected: str, document: Document, location: tuple[str | int, ...]) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InputError(f"should be {expected}, found {quoted(value)}", document.where(location))
    return value


def _yaml_integer(value: Any, document: Document, location: tuple[str | int, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"should be an integer, found {quoted(value)}", document.where(location))
    return value


class _FlowList(list[int]):
    """A [C, K] pair, written on one line."""


class _TrajectoryDumper(yaml.SafeDumper):
    pass


_TrajectoryDumper.add_representer(
    _FlowList, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


def _yaml_text(trajectory: Trajectory) -> str:
    document = {
        "network": trajectory.network,
        "total_epochs": trajectory.total_epochs,
        "synthetic": trajectory.synthetic,
        "description": trajectory.description,
        "epochs": [
            {"epoch": epoch, "layers": {name: _FlowList((c, k)) for name, c, k in changed}}
            for epoch, changed in _changes(trajectory)
        ],
    }
    text: str = yaml.dump(document, Dumper=_TrajectoryDumper, sort_keys=False, allow_unicode=True, width=10_000)
    return text
