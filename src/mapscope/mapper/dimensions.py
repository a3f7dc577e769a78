"""The loops a mapping space tiles, and every way one loop's tile can shrink from level to level.

A layer's *loop dimensions* are the dimensions a mapping tiles: K, C, Y, X (and N, G when declared) of a
convolution-like layer, M, N, K of a GEMM. The filter windows R and S are never tiled: every level maps
them whole, as the dataflow templates do (mapping.template_library). Y and X are tiled in *output
positions*: q outputs span ``(q - 1) * stride + window`` inputs and advance ``q * stride``, so every tile
holds complete windows.

A dimension's *tile chain* over L levels is ``extent >= t_0 >= t_1 >= ... >= t_{L-1}``: t_l is what one
sub-cluster of level l works on per step. By default each tile divides the one above (tiles partition the
dimension); `imperfect` allows any size, with edge tiles. Its *pattern* marks the levels where the tile
shrinks (``t_l < t_{l-1}``, the loop iterates); elsewhere the loop runs once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from math import comb

import numpy as np

from mapscope.errors import InputError
from mapscope.mapping.template_library import convolution_geometry
from mapscope.workload.layer import Layer, LayerType

#: Explicit tile chains one dimension may have before enumeration refuses it (imperfect tiles of a long dimension).
MAX_CHAINS_PER_DIMENSION = 2_000_000
#: Loop dimensions in the order a space lists them (outermost first where loops iterate once).
DIMENSION_ORDER = ("N", "G", "K", "C", "Y", "X", "M")


@dataclass(frozen=True)
class LoopDimension:
    """One tiled loop: `extent` units (output positions for Y and X, elements otherwise).

    A window axis (Y or X) also knows its input size, filter window and stride, to write tiles as inputs.
    """

    name: str
    extent: int
    input_size: int = 0  # window axes only
    window: int = 0
    stride: int = 1
    whole_only: bool = False  # compatibility mode, window narrower than the stride: never tiled
    iterates_when_whole: bool = False  # compatibility mode: the whole top-level tile still iterates

    @property
    def is_window_axis(self) -> bool:
        """Y or X: tiles counted in output positions, written as the inputs they span."""
        return self.window > 0

    @property
    def divisors_only(self) -> bool:
        """A window narrower than its stride takes only dividing tiles: MAESTRO sizes a partial tile of such an
        axis by the columns it touches and counts a full last tile past the row end (template_library)."""
        return self.is_window_axis and self.window < self.stride


@dataclass(frozen=True)
class WholeDimension:
    """A dimension mapped whole at every level (the filter windows R and S)."""

    name: str
    size: int


@dataclass(frozen=True)
class LayerLoops:
    """The loop dimensions of a layer (space order) and the dimensions always mapped whole."""

    loops: tuple[LoopDimension, ...]
    whole: tuple[WholeDimension, ...]

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The loop names in the space's order."""
        return tuple(loop.name for loop in self.loops)


def layer_loops(layer: Layer, compat: str | None = None) -> LayerLoops:
    """The loops of `layer`; InputError for a layer the space cannot map.

    In compatibility mode MAESTRO rewrites a strided window axis's tiles to the elements the windows
    touch: a whole row with inputs no window starts ((input - window) % stride != 0), or any row whose
    window is narrower than the stride, then iterates at the top level; and tiles of an axis whose window
    is narrower than its stride can leave a step with no fresh data (MAESTRO terminates), so such an
    axis is mapped whole there."""
    if layer.type is LayerType.GEMM:
        loops = tuple(LoopDimension(name, layer.size(name)) for name in DIMENSION_ORDER if name in ("M", "N", "K") and layer.has(name))
        if len(loops) != 3:
            raise InputError("a GEMM layer needs M, N and K", f"layer {layer.name}")
        return LayerLoops(loops, ())
    geometry = convolution_geometry(layer)
    axes = {axis.dimension: axis for axis in (geometry.rows, geometry.columns)}
    loops = []
    for name in DIMENSION_ORDER:
        if name in axes:
            axis = axes[name]
            quirks = compat == "maestro" and axis.stride != 1
            narrow = quirks and axis.window < axis.stride
            trailing = quirks and (narrow or (axis.input_size - axis.window) % axis.stride != 0)
            loops.append(LoopDimension(name, axis.outputs, axis.input_size, axis.window, axis.stride, narrow, trailing))
        elif name in ("N", "G", "K", "C") and layer.has(name) and not (name == "K" and geometry.depthwise):
            loops.append(LoopDimension(name, layer.size(name)))
    whole = tuple(WholeDimension(axis.window_dimension, axis.window) for axis in (geometry.rows, geometry.columns))
    return LayerLoops(tuple(loops), whole)


@lru_cache(maxsize=4096)
def _divisors(value: int) -> tuple[int, ...]:
    small = [d for d in range(1, int(value**0.5) + 1) if value % d == 0]
    return tuple(sorted(set(small + [value // d for d in small])))


@lru_cache(maxsize=4096)
def _divisor_chain_count(top: int, pattern: int, levels: int) -> int:
    """Divisor chains below `top` (each tile dividing the one above) with the given shrink pattern."""
    if levels == 0:
        return 1
    if not pattern & 1:
        return _divisor_chain_count(top, pattern >> 1, levels - 1)
    return sum(_divisor_chain_count(d, pattern >> 1, levels - 1) for d in _divisors(top) if d < top)


def chain_count(loop: LoopDimension, pattern: int, levels: int, imperfect: bool) -> int:
    """How many tile chains of `loop` over `levels` levels have shrink `pattern`: a product formula, no listing.

    Imperfect: the shrinking tiles are any strictly decreasing values below the extent, C(extent - 1, k)
    for k shrinking levels. Divisors: chains of divisors, counted level by level."""
    if loop.whole_only:
        return int(pattern == 0)
    if imperfect and not loop.divisors_only:
        return comb(loop.extent - 1, bin(pattern).count("1"))
    return _divisor_chain_count(loop.extent, pattern, levels)


@lru_cache(maxsize=1024)
def tile_chains(loop: LoopDimension, pattern: int, levels: int, imperfect: bool) -> np.ndarray:
    """Every tile chain of `loop` with shrink `pattern`, as an int64 (chains, levels) array in ascending
    lexicographic order of (t_0, t_1, ...) from the largest tiles down (deterministic)."""
    count = chain_count(loop, pattern, levels, imperfect)
    if count > MAX_CHAINS_PER_DIMENSION:
        raise InputError(
            f"{count:,} tile chains of {loop.name} (size {loop.extent}) over {levels} levels; at most "
            f"{MAX_CHAINS_PER_DIMENSION:,} can be listed: use dividing tiles (imperfect: false) or fewer levels"
        )
    chains: list[tuple[int, ...]] = [] if loop.whole_only and pattern else [()]
    for level in range(levels):
        shrinks = bool(pattern >> level & 1)
        grown: list[tuple[int, ...]] = []
        for chain in chains:
            above = chain[-1] if chain else loop.extent
            if not shrinks:
                grown.append((*chain, above))
            elif imperfect and not loop.divisors_only:
                grown.extend((*chain, t) for t in range(above - 1, 0, -1))
            else:
                grown.extend((*chain, d) for d in reversed(_divisors(above)) if d < above)
        chains = grown
    result = np.array(chains, dtype=np.int64).reshape(len(chains), levels)
    result.setflags(write=False)
    return result


def sample_chain(loop: LoopDimension, pattern: int, levels: int, imperfect: bool, rng: np.random.Generator) -> tuple[int, ...]:
    """One tile chain with shrink `pattern`, uniformly (without listing them for imperfect tiles)."""
    if imperfect and not loop.divisors_only and not loop.whole_only:
        shrinking = bin(pattern).count("1")
        values = sorted((int(v) + 1 for v in rng.choice(loop.extent - 1, size=shrinking, replace=False)), reverse=True)
        chain, above = [], loop.extent
        for level in range(levels):
            if pattern >> level & 1:
                above = values.pop(0)
            chain.append(above)
        return tuple(chain)
    chains = tile_chains(loop, pattern, levels, imperfect)
    return tuple(int(t) for t in chains[int(rng.integers(len(chains)))])


def tile_fits(loop: LoopDimension, tile: int, above: int, imperfect: bool) -> bool:
    """Whether `tile` may follow `above` (the tile of the level above, or the extent)."""
    if not 1 <= tile <= above or (loop.whole_only and tile != above):
        return False
    return (imperfect and not loop.divisors_only) or above % tile == 0


def written_tiles(loop: LoopDimension, chains: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per level, the (size, offset) columns of the directives that write `chains` (rows of tiles).

    A plain loop writes its tile as size and offset. A window axis writes q outputs as
    ``((q - 1) * stride + window, q * stride)`` inputs; a tile equal to the one above repeats the directive
    above (the whole input row at level 0), so a loop that runs once covers exactly what it receives.
    """
    sizes, offsets = [], []
    if not loop.is_window_axis:
        for level in range(chains.shape[1]):
            sizes.append(chains[:, level])
            offsets.append(chains[:, level])
        return sizes, offsets
    above_tile = np.full(chains.shape[0], loop.extent, dtype=np.int64)
    above_size = np.full(chains.shape[0], loop.input_size, dtype=np.int64)
    above_offset = above_size
    for level in range(chains.shape[1]):
        tile = chains[:, level]
        same = tile == above_tile
        size = np.where(same, above_size, (tile - 1) * loop.stride + loop.window)
        offset = np.where(same, above_offset, tile * loop.stride)
        sizes.append(size)
        offsets.append(offset)
        above_tile, above_size, above_offset = tile, size, offset
    return sizes, offsets


@lru_cache(maxsize=1 << 16)
def written_chain(loop: LoopDimension, chain: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """`written_tiles` of one chain of tiles (top level first): per level, the directive's (size, offset).
    Memoised: the members a search evaluates share most of their chains."""
    sizes, offsets = written_tiles(loop, np.array([chain], dtype=np.int64))
    return tuple((int(size[0]), int(offset[0])) for size, offset in zip(sizes, offsets))
