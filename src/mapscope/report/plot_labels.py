"""Short labels for a few plotted designs, and placing them next to their points without covering each other.

A label names only the parameters that vary among the labelled designs, under short names ("pes=128
noc=64"); designs drawn at the same point share one label ("offchip=32|64"). Placement is greedy: each label
takes the first of a few offsets around its point that overlaps no earlier label or text, no labelled point
and not the legend, or else the offset that overlaps least.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mapscope.explore.summary import UNIT_SUFFIXES, readable_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.transforms import Bbox

Point = tuple[float, float]

#: Name parts that say nothing on their own and are dropped from short names ("num_pes" -> "pes").
FILLER_WORDS = ("num",)
#: Offsets tried around a point, in typographic points, with the text's alignment there; nearest first.
LABEL_OFFSETS: tuple[tuple[float, float, str, str], ...] = tuple(
    (dx * step, dy * step, "left" if dx > 0 else "right" if dx < 0 else "center", "bottom" if dy > 0 else "top")
    for step in (1, 2.5, 4.5)
    for dx, dy in ((6, 4), (6, -4), (-6, 4), (-6, -4), (0, 8), (0, -8))
)
#: Half the side of the square kept clear around each labelled point, in pixels.
POINT_CLEARANCE_PIXELS = 5.0


def short_names(names: Sequence[str]) -> dict[str, str]:
    """Each parameter name without its unit suffix and filler words, cut to the fewest leading words that
    still tell it from the others: noc_bandwidth_elems_per_cycle -> "noc" unless noc_latency_cycles is there too."""
    words: dict[str, list[str]] = {}
    for name in names:
        stem = name
        for suffix, _ in UNIT_SUFFIXES:
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
        words[name] = [word for word in stem.split("_") if word not in FILLER_WORDS] or [stem]
    shortened: dict[str, str] = {}
    for name, parts in words.items():
        for count in range(1, len(parts) + 1):
            short = "_".join(parts[:count])
            if all("_".join(other[:count]) != short for key, other in words.items() if key != name):
                break
        shortened[name] = short if short else name
    return shortened


def _value_text(value: object) -> str:
    return readable_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def design_labels(parameters: Sequence[Mapping[str, object]], points: Sequence[Point]) -> list[tuple[Point, str]]:
    """One label per distinct point, naming the parameters that vary among all the given designs (in the
    order the first design lists them); with a single design, its every parameter."""
    if not parameters:
        return []
    names = list(parameters[0])
    varying = [name for name in names if len({_value_text(p.get(name)) for p in parameters}) > 1] or names
    short = short_names(varying)
    grouped: dict[Point, list[Mapping[str, object]]] = {}
    for design, point in zip(parameters, points, strict=True):
        grouped.setdefault(point, []).append(design)
    labels = []
    for point, designs in grouped.items():
        parts = []
        for name in varying:
            values = list(dict.fromkeys(_value_text(design.get(name)) for design in designs))
            parts.append(f"{short[name]}={'|'.join(values)}")
        labels.append((point, " ".join(parts)))
    return labels


def _overlap(first: Bbox, second: Bbox) -> float:
    width = min(first.x1, second.x1) - max(first.x0, second.x0)
    height = min(first.y1, second.y1) - max(first.y0, second.y0)
    return max(width, 0.0) * max(height, 0.0)


def place_labels(axes: Axes, labelled: Sequence[tuple[Point, str]]) -> None:
    """Annotate each point with its text at the offset that covers the least of the other labels, the labelled
    points, the texts already there and the legend, and keeps the text inside the axes."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    figure = axes.get_figure()
    assert figure is not None
    figure.canvas.draw()  # settles the layout, so the extents measured below are where things will be drawn
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = axes.get_window_extent(renderer)
    legend = axes.get_legend()
    obstacles = [Text.get_window_extent(text, renderer) for text in axes.texts]  # such as a budget line's label
    obstacles += [legend.get_window_extent(renderer)] if legend is not None else []
    clear = POINT_CLEARANCE_PIXELS
    centres = [axes.transData.transform(point) for point, _ in labelled]
    points = [Bbox.from_extents(x - clear, y - clear, x + clear, y + clear) for x, y in centres]
    for index, (point, text) in enumerate(labelled):
        others = obstacles + points[:index] + points[index + 1 :]
        best = None
        for dx, dy, ha, va in LABEL_OFFSETS:
            note = axes.annotate(
                text, point, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, fontsize=7, zorder=6,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "0.6", "alpha": 0.85},
                arrowprops={"arrowstyle": "-", "color": "0.4", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 3},
            )
            note.set_in_layout(False)
            note.update_positions(renderer)  # puts the text at its offset (done at drawing time otherwise)
            box = Text.get_window_extent(note, renderer).expanded(1.05, 1.15)
            outside = box.width * box.height - _overlap(box, inside)
            cost = sum(_overlap(box, other) for other in others) + 10 * outside
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, note, box)
            else:
                note.remove()
            if cost == 0:
                break
        assert best is not None
        obstacles.append(best[2])
