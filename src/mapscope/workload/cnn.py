"""A CNN for training studies: conv/fc layers whose channels belong to named channel groups.

A channel group is a set of channels several layers must agree on: a layer's input channels belong to its
`in_group`, its output channels to its `out_group`. Layers meeting at a residual node share a group, so
pruning a group (structured pruning removes whole channels) keeps every residual addition well formed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from mapscope.errors import InputError

LayerKind = Literal["conv", "fc"]

LAYER_KINDS: tuple[LayerKind, ...] = ("conv", "fc")


@dataclass(frozen=True, kw_only=True)
class ConvLayer:
    """One conv (or fc, the 1x1 case on a 1x1 input) layer: C -> K channels, R x S filter, H x W input.

    `groups` > 1 is a grouped conv (depthwise when groups == in_channels); `is_first` marks the layer fed by
    the image, which needs no data gradient.
    """

    name: str
    in_channels: int
    out_channels: int
    kernel_h: int
    kernel_w: int
    input_h: int
    input_w: int
    stride: int
    padding: int
    in_group: str
    out_group: str
    groups: int = 1
    is_first: bool = False
    kind: LayerKind = "conv"

    def __post_init__(self) -> None:
        where = f"layer {self.name}"
        sizes = (
            ("in_channels", self.in_channels),
            ("out_channels", self.out_channels),
            ("kernel_h", self.kernel_h),
            ("kernel_w", self.kernel_w),
            ("input_h", self.input_h),
            ("input_w", self.input_w),
            ("stride", self.stride),
            ("groups", self.groups),
        )
        for label, value in (*sizes, ("padding", self.padding)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"{label} must be an integer, got {value!r}", where)
        for label, value in sizes:
            if value <= 0:
                raise InputError(f"{label} must be positive, got {value}", where)
        if self.padding < 0:
            raise InputError(f"padding must not be negative, got {self.padding}", where)
        if self.kind not in LAYER_KINDS:
            raise InputError(f"kind must be one of {', '.join(LAYER_KINDS)}, got {self.kind!r}", where)
        for label, channels in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if channels % self.groups:
                raise InputError(f"{label} = {channels} is not divisible by groups = {self.groups}", where)
        if self.output_h < 1 or self.output_w < 1:
            raise InputError(
                f"the {self.kernel_h}x{self.kernel_w} filter at stride {self.stride}, padding {self.padding} "
                f"leaves no output on a {self.input_h}x{self.input_w} input",
                where,
            )

    @property
    def output_h(self) -> int:
        """Output rows P = (H + 2 padding - R) // stride + 1."""
        return (self.input_h + 2 * self.padding - self.kernel_h) // self.stride + 1

    @property
    def output_w(self) -> int:
        """Output columns Q = (W + 2 padding - S) // stride + 1."""
        return (self.input_w + 2 * self.padding - self.kernel_w) // self.stride + 1

    @property
    def is_depthwise(self) -> bool:
        """One group per input channel (and more than one group): pruning keeps groups == in_channels."""
        return self.groups > 1 and self.groups == self.in_channels

    def forward_macs(self, batch: int = 1) -> int:
        """Multiply-accumulates of the inference (forward) pass over `batch` samples."""
        per_group = (self.in_channels // self.groups) * (self.out_channels // self.groups)
        return batch * self.output_h * self.output_w * self.kernel_h * self.kernel_w * per_group * self.groups

    def with_channels(self, in_channels: int, out_channels: int) -> ConvLayer:
        """This layer with other channel counts; a depthwise conv stays depthwise (groups follow C)."""
        where = f"layer {self.name}"
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InputError(f"{label} must be a positive integer, got {value!r}", where)
        groups = in_channels if self.is_depthwise else self.groups
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if value % groups:
                kind = "depthwise conv (groups follow in_channels)" if self.is_depthwise else f"conv with {groups} groups"
                raise InputError(f"{label} = {value} does not divide into the groups of this {kind}", where)
        return replace(self, in_channels=in_channels, out_channels=out_channels, groups=groups)


@dataclass(frozen=True)
class CNN:
    """A network as an ordered tuple of layers; `fixed_groups` (image channels, classes) are never pruned.

    `default_batch` is the per-step training batch the model is usually trained with.
    """

    name: str
    dataset: str
    layers: tuple[ConvLayer, ...]
    fixed_groups: frozenset[str]
    default_batch: int

    def __post_init__(self) -> None:
        where = f"network {self.name}"
        if not self.layers:
            raise InputError("a network needs at least one layer", where)
        seen: set[str] = set()
        for layer in self.layers:
            if layer.name in seen:
                raise InputError(f"layer name {layer.name!r} is used twice", where)
            seen.add(layer.name)
        if isinstance(self.default_batch, bool) or not isinstance(self.default_batch, int) or self.default_batch <= 0:
            raise InputError(f"default_batch must be a positive integer, got {self.default_batch!r}", where)

    def layer(self, name: str) -> ConvLayer:
        """The layer called `name`."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise InputError(f"unknown layer {name!r}", f"network {self.name}")

    def group_sizes(self) -> dict[str, int]:
        """Channel group -> its channel count, checking that every layer in a group agrees on it."""
        sizes: dict[str, int] = {}
        first_user: dict[str, str] = {}
        for layer in self.layers:
            for group, channels in ((layer.in_group, layer.in_channels), (layer.out_group, layer.out_channels)):
                if group not in sizes:
                    sizes[group], first_user[group] = channels, layer.name
                elif sizes[group] != channels:
                    raise InputError(
                        f"channel group {group!r} has {sizes[group]} channels at layer {first_user[group]} "
                        f"but {channels} at layer {layer.name}",
                        f"network {self.name}",
                    )
        return sizes

    def with_group_sizes(self, sizes: Mapping[str, int]) -> CNN:
        """A pruned copy: each group named in `sizes` gets that many channels (fixed groups cannot change)."""
        current = self.group_sizes()
        where = f"network {self.name}"
        for group, channels in sizes.items():
            if group not in current:
                raise InputError(f"unknown channel group {group!r}", where)
            if isinstance(channels, bool) or not isinstance(channels, int) or channels <= 0:
                raise InputError(f"channel group {group!r} needs a positive integer count, got {channels!r}", where)
            if group in self.fixed_groups and channels != current[group]:
                raise InputError(f"channel group {group!r} is fixed at {current[group]} channels, got {channels}", where)
        layers = tuple(
            layer.with_channels(sizes.get(layer.in_group, layer.in_channels), sizes.get(layer.out_group, layer.out_channels))
            for layer in self.layers
        )
        return replace(self, layers=layers)

    def with_layer_channels(self, channels: Mapping[str, tuple[int, int]]) -> CNN:
        """A copy with per-layer (C, K) counts; layers not named keep theirs. Groups are not enforced."""
        known = {layer.name for layer in self.layers}
        for name in channels:
            if name not in known:
                raise InputError(f"unknown layer {name!r}", f"network {self.name}")
        layers = tuple(
            layer.with_channels(*channels[layer.name]) if layer.name in channels else layer for layer in self.layers
        )
        return replace(self, layers=layers)

    def forward_macs(self, batch: int = 1) -> int:
        """Inference multiply-accumulates (FLOPs / 2) of the whole network over `batch` samples."""
        return sum(layer.forward_macs(batch) for layer in self.layers)
