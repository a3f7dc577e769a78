"""What every static plot shares: an Agg-backed figure, its PNG/SVG bytes, unit scaling and coinciding series.

matplotlib is imported only when a figure is drawn, and only its object API with the Agg canvas is used, so no
global backend or pyplot state is touched. SVG output is deterministic (no date, fixed id salt).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Salt for the ids matplotlib writes into SVG files; fixed so the bytes do not change between runs.
SVG_ID_SALT = "mapscope-explore"
#: SI prefixes a unit may carry, by power of ten (µ is the micro sign people read, not the Greek mu).
SI_PREFIXES = {"p": -12, "n": -9, "µ": -6, "m": -3, "": 0, "k": 3, "M": 6}
#: Units that are a prefix plus one of these are rescaled to the prefix their values read best in.
SCALABLE_UNITS = ("J", "W")
#: Two series coincide when no point differs by more than this fraction of the plotted span (under 2 pixels
#: on a 5-inch axis at 100 dpi): drawn, one would hide the other.
COINCIDE_FRACTION = 0.005


def new_figure(width_inches: float, height_inches: float) -> Figure:
    """An empty figure with constrained layout on its own Agg canvas (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_inches, height_inches), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def figure_bytes(figure: Figure, file_format: str) -> bytes:
    """The figure as "png" or "svg" bytes, without dates or software versions, so equal figures give equal bytes."""
    import matplotlib

    buffer = io.BytesIO()
    if file_format == "svg":
        with matplotlib.rc_context({"svg.hashsalt": SVG_ID_SALT}):
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    else:
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def scaled_unit(largest: float, unit: str) -> tuple[float, str]:
    """The factor and unit values up to `largest` read best in: 5.2e9 nJ -> (1e-9, "J"), so ticks say 5, not 5G.

    Only SI-prefixed energies and powers are rescaled; any other unit (cycles, mm², elems) comes back as is."""
    base = unit[-1:] if unit[-1:] in SCALABLE_UNITS else ""
    prefix = unit[: -len(base)] if base else ""
    if not base or prefix not in SI_PREFIXES or not math.isfinite(largest) or largest <= 0:
        return 1.0, unit
    exponent = SI_PREFIXES[prefix]
    magnitude = math.log10(largest) + exponent
    target = max((p for p in SI_PREFIXES.items() if p[1] <= magnitude + 1e-9), key=lambda p: p[1], default=("p", -12))
    return 10.0 ** (exponent - target[1]), target[0] + base


def coinciding_groups(series: Mapping[str, Sequence[float]], tolerance: float) -> list[tuple[tuple[str, ...], float]]:
    """The series grouped so that each group's members differ from its first by at most `tolerance` at every
    point, in first-seen order, each with the largest difference found (a group of one has 0)."""
    groups: list[list[str]] = []
    differences: list[float] = []
    for name, values in series.items():
        for index, members in enumerate(groups):
            first = series[members[0]]
            if len(first) != len(values):
                continue
            difference = max((abs(a - b) for a, b in zip(first, values, strict=True)), default=0.0)
            if difference <= tolerance:
                members.append(name)
                differences[index] = max(differences[index], difference)
                break
        else:
            groups.append([name])
            differences.append(0.0)
    return [(tuple(members), difference) for members, difference in zip(groups, differences, strict=True)]


def coincide_tolerance(series: Mapping[str, Sequence[float]]) -> float:
    """COINCIDE_FRACTION of the span of every plotted value (0 when there is no span)."""
    values = [v for values in series.values() for v in values if math.isfinite(v)]
    return COINCIDE_FRACTION * (max(values) - min(values)) if values else 0.0
