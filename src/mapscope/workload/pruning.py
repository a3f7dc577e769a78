"""Pruning trajectories: a network's per-layer channel counts at each reconfiguration epoch of training.

PruneTrain (Lym et al., SC'19) trains with group lasso and, every few epochs, physically removes the
channels whose weights fell to zero, so training runs on an ever smaller, irregularly shaped network.
A `Trajectory` records that shape over training; `synthetic_trajectory` generates a PruneTrain-like one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mapscope.errors import InputError
from mapscope.workload.cnn import CNN
from mapscope.workload.training import training_macs

#: One layer's counts in one entry: (layer name, in_channels C, out_channels K).
LayerChannels = tuple[str, int, int]

#: Spread (log-normal sigma) of the per-group sparsity affinity of the synthetic generator.
AFFINITY_SIGMA = 0.6

#: Range of the per-group exponent e of the front-loaded schedule: progress(x) = 1 - (1 - x)^e.
FRONT_LOADING_RANGE = (2.0, 4.0)

#: Largest allowed gap between the requested and the achieved inference MAC reduction (a fraction).
REDUCTION_TOLERANCE = 0.005


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Trajectory:
    """Channel counts of every layer at each reconfiguration epoch; entry i holds from epochs[i] on.

    `epochs` starts at 0 (the dense network, usually) and increases strictly below `total_epochs`;
    `synthetic` says whether it was generated rather than measured in a real pruning run.
    """

    network: str
    total_epochs: int
    epochs: tuple[int, ...]
    channels: tuple[tuple[LayerChannels, ...], ...]
    synthetic: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        where = f"trajectory of {self.network}"
        if not _is_int(self.total_epochs) or self.total_epochs < 1:
            raise InputError(f"total_epochs must be a positive integer, got {self.total_epochs!r}", where)
        if not self.epochs:
            raise InputError("the trajectory is empty: it needs at least the entry of epoch 0", where)
        if len(self.channels) != len(self.epochs):
            raise InputError(f"{len(self.epochs)} epochs but {len(self.channels)} channel entries", where)
        if self.epochs[0] != 0:
            raise InputError(f"the first entry must be at epoch 0, found epoch {self.epochs[0]}", where)
        for previous, epoch in zip(self.epochs, self.epochs[1:]):
            if not _is_int(epoch) or epoch <= previous:
                raise InputError(f"epochs must increase strictly, found {epoch!r} after {previous}", where)
        if self.epochs[-1] >= self.total_epochs:
            raise InputError(f"epoch {self.epochs[-1]} is not below total_epochs = {self.total_epochs}", where)
        for epoch, entry in zip(self.epochs, self.channels):
            seen: set[str] = set()
            for name, in_channels, out_channels in entry:
                if name in seen:
                    raise InputError(f"layer {name!r} is listed twice", f"{where}, epoch {epoch}")
                seen.add(name)
                for label, value in (("in_channels", in_channels), ("out_channels", out_channels)):
                    if not _is_int(value) or value <= 0:
                        raise InputError(f"{label} of layer {name!r} must be a positive integer, got {value!r}", f"{where}, epoch {epoch}")

    def epoch_spans(self) -> tuple[int, ...]:
        """How many epochs each entry lasts: until the next entry, the last one until total_epochs."""
        ends = (*self.epochs[1:], self.total_epochs)
        return tuple(end - start for start, end in zip(self.epochs, ends))

    def check(self, cnn: CNN) -> None:
        """Raise InputError unless this trajectory fits `cnn`: same name, every layer, no count above dense."""
        where = f"trajectory of {self.network}"
        if self.network != cnn.name:
            raise InputError(f"the trajectory is for network {self.network!r}, not {cnn.name!r}", where)
        dense = {layer.name: (layer.in_channels, layer.out_channels) for layer in cnn.layers}
        for epoch, entry in zip(self.epochs, self.channels):
            listed = set()
            for name, in_channels, out_channels in entry:
                if name not in dense:
                    raise InputError(f"unknown layer {name!r} at epoch {epoch}", where)
                listed.add(name)
                for label, value, limit in (("in_channels", in_channels, dense[name][0]), ("out_channels", out_channels, dense[name][1])):
                    if value > limit:
                        raise InputError(
                            f"{label} = {value} of layer {name!r} at epoch {epoch} is above the dense count {limit}", where
                        )
            missing = [name for name in dense if name not in listed]
            if missing:
                raise InputError(f"epoch {epoch} gives no counts for layer {missing[0]!r} ({len(missing)} missing)", where)

    def networks(self, cnn: CNN) -> tuple[CNN, ...]:
        """The network of each entry: `cnn` (dense) with that entry's per-layer channel counts."""
        self.check(cnn)
        return tuple(cnn.with_layer_channels({name: (c, k) for name, c, k in entry}) for entry in self.channels)


def training_flop_reduction(trajectory: Trajectory, cnn: CNN, batch: int | None = None) -> float:
    """1 - (training MACs over the whole trajectory) / (total_epochs x dense training MACs) per step."""
    dense = training_macs(cnn, batch)
    pruned = sum(span * training_macs(network, batch) for span, network in zip(trajectory.epoch_spans(), trajectory.networks(cnn)))
    return 1.0 - pruned / (trajectory.total_epochs * dense)


def final_inference_reduction(trajectory: Trajectory, cnn: CNN) -> float:
    """1 - inference MACs of the last entry's network / those of the dense `cnn` (batch 1)."""
    return 1.0 - trajectory.networks(cnn)[-1].forward_macs() / cnn.forward_macs()


def synthetic_trajectory(
    cnn: CNN,
    target_inference_reduction: float = 0.53,
    interval_epochs: int = 5,
    total_epochs: int = 90,
    seed: int = 0,
) -> Trajectory:
    """A SYNTHETIC, deterministic (per seed) PruneTrain-like trajectory; PruneTrain's per-layer counts are unpublished.

    Every `interval_epochs` the prunable channel groups (all but `cnn.fixed_groups`) shrink to irregular
    integer counts: each group draws a log-normal sparsity affinity a and a front-loading exponent e; its
    final keep fraction is exp(-scale * a) and at reconfiguration j of J it has moved a fraction
    1 - (1 - j/J)^e of the way there (most pruning early, as under group lasso). The global `scale` is
    bisected so that the final network does `target_inference_reduction` fewer inference MACs (within
    0.5 percentage point). Epoch 0 is dense; counts never grow and never drop below 1 (or below a conv's
    group count: groups of grouped non-depthwise convs stay divisible). Counts are per group, so layers
    sharing a residual node always agree.
    """
    where = "synthetic trajectory"
    if not isinstance(target_inference_reduction, (int, float)) or not 0.0 < target_inference_reduction < 1.0:
        raise InputError(f"the target inference reduction must be between 0 and 1 (exclusive), got {target_inference_reduction!r}", where)
    if not _is_int(total_epochs) or total_epochs < 1:
        raise InputError(f"total_epochs must be a positive integer, got {total_epochs!r}", where)
    if not _is_int(interval_epochs) or interval_epochs <= 0:
        raise InputError(f"interval_epochs must be a positive integer, got {interval_epochs!r}", where)
    epochs = tuple(range(0, total_epochs, interval_epochs))
    if len(epochs) < 2:
        raise InputError(f"interval_epochs = {interval_epochs} leaves no reconfiguration within {total_epochs} epochs", where)

    dense = cnn.group_sizes()
    prunable = [group for group in dense if group not in cnn.fixed_groups]
    if not prunable:
        raise InputError("the network has no prunable channel group", where)
    quantum = _group_quanta(cnn)
    rng = np.random.default_rng(seed)
    affinity = rng.lognormal(0.0, AFFINITY_SIGMA, size=len(prunable))
    front_loading = rng.uniform(*FRONT_LOADING_RANGE, size=len(prunable))

    def sizes_at(scale: float, progress: Sequence[float]) -> dict[str, int]:
        sizes = {}
        for index, group in enumerate(prunable):
            final = dense[group] * math.exp(-scale * float(affinity[index]))
            sizes[group] = _rounded(dense[group] - progress[index] * (dense[group] - final), quantum[group])
        return sizes

    dense_macs = cnn.forward_macs()

    def reduction(scale: float) -> float:
        return 1.0 - cnn.with_group_sizes(sizes_at(scale, [1.0] * len(prunable))).forward_macs() / dense_macs

    scale = _bisect(reduction, target_inference_reduction)
    achieved = reduction(scale)
    if abs(achieved - target_inference_reduction) > REDUCTION_TOLERANCE:
        raise InputError(
            f"cannot reach an inference MAC reduction of {target_inference_reduction:.1%} within 0.5 point "
            f"(closest {achieved:.1%}): the network's channel groups are too coarse",
            where,
        )
    reconfigurations = len(epochs) - 1
    channels = []
    for step in range(len(epochs)):
        progress = [1.0 - (1.0 - step / reconfigurations) ** float(exponent) for exponent in front_loading]
        network = cnn.with_group_sizes(sizes_at(scale, progress))
        channels.append(tuple((layer.name, layer.in_channels, layer.out_channels) for layer in network.layers))
    description = (
        f"synthetic PruneTrain-like trajectory (seed {seed}): reconfiguration every {interval_epochs} epochs, "
        f"final inference MACs -{achieved:.1%} (target -{target_inference_reduction:.1%})"
    )
    return Trajectory(cnn.name, total_epochs, epochs, tuple(channels), synthetic=True, description=description)


def _group_quanta(cnn: CNN) -> dict[str, int]:
    """Per group, the count its sizes must be a multiple of (the lcm of grouped non-depthwise convs' groups)."""
    quanta = dict.fromkeys(cnn.group_sizes(), 1)
    for layer in cnn.layers:
        if layer.groups > 1 and not layer.is_depthwise:
            for group in (layer.in_group, layer.out_group):
                quanta[group] = math.lcm(quanta[group], layer.groups)
    return quanta


def _rounded(channels: float, quantum: int) -> int:
    """`channels` rounded to a positive multiple of `quantum`."""
    return quantum * max(1, round(channels / quantum))


def _bisect(reduction: Callable[[float], float], target: float) -> float:
    """The scale whose (non-decreasing, stepwise) reduction is closest to `target`."""
    low, high = 0.0, 1.0
    while reduction(high) < target and high < 1e3:
        low, high = high, 2.0 * high
    for _ in range(50):
        middle = 0.5 * (low + high)
        if reduction(middle) < target:
            low = middle
        else:
            high = middle
    return min((low, high), key=lambda scale: abs(reduction(scale) - target))
